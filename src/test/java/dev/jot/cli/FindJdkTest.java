package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/find-jdk} (which {@code bin/jot} and {@code bin/test} start with) takes a JDK's version from its
 * {@code release} file without starting it: fake JDK homes whose {@code java} fails if it is ever run are
 * accepted at 25 and passed over at 17.
 */
class FindJdkTest {
    private static final Path SCRIPT = Path.of("bin", "find-jdk");

    private static Path fakeJdk(Path dir, String version) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : new String[] {"java", "javac"}) {
            Path t = bin.resolve(tool);
            Files.writeString(t, "#!/bin/sh\necho 'this fake JDK must not be started' >&2\nexit 1\n");
            Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(dir.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return dir;
    }

    private static String findJdk(Path javaHome) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString());
        pb.environment().put("JAVA_HOME", javaHome.toString());
        Process p = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    @Test
    void readsTheVersionFromTheReleaseFile(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(SCRIPT), "no bin/find-jdk here");
        Path jdk25 = fakeJdk(tmp.resolve("jdk25"), "25.0.3");
        assertEquals(jdk25.toString(), findJdk(jdk25));
        Path jdk17 = fakeJdk(tmp.resolve("jdk17"), "17.0.9");
        assertNotEquals(jdk17.toString(), findJdk(jdk17), "a JDK 17 must be passed over");
        Path jdk8 = fakeJdk(tmp.resolve("jdk8"), "1.8.0_392");
        assertNotEquals(jdk8.toString(), findJdk(jdk8), "a JDK 8 must be passed over");
    }
}
