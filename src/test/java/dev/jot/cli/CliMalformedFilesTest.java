package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of the readers' fuzzing seed corpus (truncated, wrong magic, Fortran order, integer dtype,
 * negative and enormous shapes; ragged, textual and empty CSV) given to {@code jot solve} as --x: the
 * valid ones solve, every other one ends with exit code 2 and one line on stderr that names the file.
 */
class CliMalformedFilesTest {
    @TempDir
    Path dir;

    static Stream<Path> corpus() throws IOException, URISyntaxException {
        Path root = Path.of(CliMalformedFilesTest.class.getResource("/dev/jot/fuzz/ReaderFuzzTestInputs").toURI());
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void malformedFilesGiveOneLineAndExitTwo(Path seed) throws IOException {
        String kind = seed.getParent().getFileName().toString();
        Path input = dir.resolve(seed.getFileName() + "." + kind);
        Files.copy(seed, input);
        Path y = dir.resolve("y.csv");
        Files.writeString(y, "0.5\n1.5\n");
        CliTest.Run r = CliTest.jot("solve", "--x", input.toString(), "--y", y.toString(), "--epsilon", "0.5");
        if (seed.getFileName().toString().startsWith("valid")) {
            // the valid seeds hold 1-D or 2-D arrays; they either solve or are rejected for their dimension
            assertTrue(r.code() == 0 || r.code() == 2, r.toString());
        } else {
            assertEquals(2, r.code(), r.toString());
        }
        if (r.code() == 2) {
            assertEquals(1, r.err().lines().count(), r.toString());
            assertFalse(r.err().contains("Exception"), r.toString());
            assertTrue(r.err().contains(input.getFileName().toString()) || r.err().contains("dimension"), r.toString());
        }
    }
}
