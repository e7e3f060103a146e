package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of the readers' fuzzing seed corpus (truncated, wrong magic, Fortran order, integer dtype,
 * negative and enormous shapes; ragged, textual and empty CSV) given to every command that reads files
 * ({@code jot solve}, {@code divergence}, {@code emd}, {@code gw}) in every file argument (points, weights,
 * cost matrix): the valid ones are used or rejected for their shape, every other one ends with exit code 2
 * and one line on stderr that names the file; never a stack trace.
 */
class CliMalformedFilesTest {
    @TempDir
    Path dir;

    static List<Path> corpus() throws IOException, URISyntaxException {
        Path root = Path.of(CliMalformedFilesTest.class.getResource("/dev/jot/fuzz/ReaderFuzzTestInputs").toURI());
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Each command with the file arguments it reads, and the other arguments a run needs. */
    static final Map<String, List<String>> SLOTS = new LinkedHashMap<>();
    static final Map<String, List<String>> EXTRA = new LinkedHashMap<>();

    static {
        SLOTS.put("solve", List.of("--x", "--y", "--a", "--b", "--cost-matrix"));
        SLOTS.put("divergence", List.of("--x", "--y", "--a", "--b"));
        SLOTS.put("emd", List.of("--x", "--y", "--a", "--b", "--cost-matrix"));
        SLOTS.put("gw", List.of("--x", "--y", "--a", "--b"));
        EXTRA.put("solve", List.of("--epsilon", "0.5"));
        EXTRA.put("divergence", List.of("--epsilon", "0.5"));
        EXTRA.put("emd", List.of());
        EXTRA.put("gw", List.of("--epsilon", "0.5", "--max-iter", "5"));
    }

    static Stream<Arguments> runs() throws IOException, URISyntaxException {
        List<Path> seeds = corpus();
        return SLOTS.entrySet().stream().flatMap(e -> e.getValue().stream().flatMap(slot -> seeds.stream()
                .map(seed -> Arguments.of(e.getKey(), slot, seed))));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("runs")
    void malformedFilesGiveOneLineAndExitTwo(String command, String slot, Path seed) throws IOException {
        String kind = seed.getParent().getFileName().toString();
        Path input = dir.resolve(seed.getFileName() + "." + kind);
        Files.copy(seed, input);
        // well-formed companions: two points on the line each side, uniform weights, a 2 x 2 cost matrix
        Path x = dir.resolve("x.csv"), y = dir.resolve("y.csv"), w = dir.resolve("w.csv"), c = dir.resolve("c.csv");
        Files.writeString(x, "0\n1\n");
        Files.writeString(y, "0.5\n1.5\n");
        Files.writeString(w, "0.5\n0.5\n");
        Files.writeString(c, "0,1\n1,0\n");
        Map<String, Path> files = new LinkedHashMap<>();
        if (slot.equals("--cost-matrix")) {
            files.put("--cost-matrix", input);
        } else {
            files.put("--x", x);
            files.put("--y", y);
            files.put(slot, input);
        }
        if (slot.equals("--cost-matrix") || slot.equals("--a") || slot.equals("--b")) {
            files.putIfAbsent("--a", w);
            files.putIfAbsent("--b", w);
        }
        List<String> args = new ArrayList<>(List.of(command));
        files.forEach((k, v) -> {
            args.add(k);
            args.add(v.toString());
        });
        args.addAll(EXTRA.get(command));
        CliTest.Run r = CliTest.jot(args.toArray(String[]::new));
        String what = String.join(" ", args) + "\n" + r;
        if (seed.getFileName().toString().startsWith("valid")) {
            // the valid seeds hold 1-D or 2-D arrays: used, or rejected for their shape
            assertTrue(r.code() == 0 || r.code() == 2, what);
        } else {
            assertEquals(2, r.code(), what);
            assertTrue(r.err().contains(input.getFileName().toString()), what);
        }
        if (r.code() == 2) {
            // the message names the file, or for a well-formed file that does not match another the two
            // arguments (a has k weights but n = ..., x and y must have the same dimension)
            assertTrue(r.err().contains(input.getFileName().toString()) || r.err().contains(" weights but ")
                    || r.err().contains("same dimension"), what);
            assertEquals(1, r.err().lines().count(), what);
            assertTrue(r.err().startsWith("jot: "), what);
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), what);
        }
    }

    static Stream<Arguments> badWeights() {
        List<String> contents = List.of("0.5\nnan\n", "1\n-1\n", "0\n0\n", "1e308\n1e308\n", "0.5\ninf\n");
        return SLOTS.keySet().stream().flatMap(command -> Stream.of("--a", "--b")
                .flatMap(slot -> contents.stream().map(text -> Arguments.of(command, slot, text))));
    }

    /** Well-formed weight files with NaN, negative, all-zero, overflowing or infinite values: exit 2, one line naming the weights. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("badWeights")
    void badWeightValuesGiveOneLineAndExitTwo(String command, String slot, String text) throws IOException {
        Path x = dir.resolve("x.csv"), y = dir.resolve("y.csv"), w = dir.resolve("w.csv");
        Files.writeString(x, "0\n1\n");
        Files.writeString(y, "0.5\n1.5\n");
        Files.writeString(w, text);
        List<String> args = new ArrayList<>(List.of(command, "--x", x.toString(), "--y", y.toString(), slot, w.toString()));
        args.addAll(EXTRA.get(command));
        CliTest.Run r = CliTest.jot(args.toArray(String[]::new));
        String what = String.join(" ", args) + "\n" + r;
        assertEquals(2, r.code(), what);
        assertEquals(1, r.err().lines().count(), what);
        String name = slot.substring(2);
        assertTrue(r.err().startsWith("jot: " + name + "[") || r.err().startsWith("jot: " + name + " sums to"), what);
    }
}
