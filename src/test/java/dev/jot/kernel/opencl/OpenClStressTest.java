package dev.jot.kernel.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The crash of issue 13: PoCL's LLVM replaced the JVM's SIGSEGV handler, and the JVM died of its own
 * safepoint polls (exit 139, no hs_err file; see {@link SignalHandlers}).
 *
 * <p>{@link #theJvmKeepsItsSignalHandlers} checks the cause directly, in this JVM: after the device is
 * found and a program built, every signal the JVM handles still goes to {@code libjvm}.
 * {@link #freshJvmsSurviveSafepointsAfterOpenCl} is the stress test: {@link OpenClStressMain} in fresh
 * JVMs, each with an empty PoCL kernel cache, alternately with and without the Vector API module. CI runs
 * {@code -Djot.test.stressRuns} of them (default 3); the long run is, for example,
 * {@code mvn surefire:test -Dtest=OpenClStressTest -Djot.test.stressRuns=200}.
 */
@Tag("opencl-stress")
class OpenClStressTest {
    /** SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT: the ones HotSpot installs handlers for here. */
    private static final int[] JVM_SIGNALS = {11, 7, 8, 4, 15, 2};

    @Test
    void theJvmKeepsItsSignalHandlers() {
        Assumptions.assumeTrue(OpenClDevice.available(), () -> "no OpenCL device: " + OpenClDevice.whyNot());
        Assumptions.assumeTrue(SignalHandlers.active(), "the signal guard works on Linux x86-64 and AArch64 only");
        // a program build runs LLVM; then a solve
        dev.jot.sinkhorn.SinkhornResult r = dev.jot.sinkhorn.Sinkhorn.solve(
                dev.jot.data.NdArray.of(new double[]{0, 1, 1, 0}, 2, 2), null, null,
                dev.jot.sinkhorn.SinkhornOptions.epsilon(0.5).withBackend("opencl"));
        assertTrue(r.converged(), r.status());
        for (int sig : JVM_SIGNALS) {
            long now = SignalHandlers.current(sig);
            assertEquals(SignalHandlers.recorded(sig), now, "the handler of signal " + sig + " was replaced");
            // the faults are always the JVM's; SIGINT and SIGTERM may be ignored from the start (a background job)
            if (sig == 11 || sig == 7 || sig == 8 || sig == 4) {
                assertTrue(now > 1, "signal " + sig + " has no handler of the JVM's (" + now + ")");
            }
        }
    }

    @Test
    void freshJvmsSurviveSafepointsAfterOpenCl() throws IOException, InterruptedException {
        Assumptions.assumeTrue(OpenClDevice.available(), () -> "no OpenCL device: " + OpenClDevice.whyNot());
        int runs = Integer.getInteger("jot.test.stressRuns", 3);
        Path work = Files.createTempDirectory("jot-opencl-stress");
        List<String> failures = new ArrayList<>();
        try {
            for (int run = 0; run < runs; run++) {
                Path cache = Files.createDirectories(work.resolve("pocl-cache-" + run));
                List<String> jvm = new ArrayList<>(List.of("-Xss4m", "--enable-native-access=ALL-UNNAMED",
                        "-XX:ErrorFile=" + work.resolve("hs_err_" + run + ".log")));
                if (run % 2 == 0) {
                    jvm.addAll(List.of("--add-modules", "jdk.incubator.vector"));
                }
                List<String> cmd = dev.jot.testutil.ChildJvm.command(jvm, OpenClStressMain.class, "2");
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(work.resolve("out-" + run + ".txt").toFile());
                pb.environment().put("POCL_CACHE_DIR", cache.toString());
                Process p = pb.start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    failures.add("run " + run + ": no exit within 120 s");
                    continue;
                }
                String out = Files.readString(work.resolve("out-" + run + ".txt"), StandardCharsets.UTF_8).strip();
                if (p.exitValue() != 0) {
                    failures.add("run " + run + " (" + (run % 2 == 0 ? "with" : "without") + " the Vector API): exit "
                            + p.exitValue() + ", " + out.lines().reduce((x, y) -> y).orElse(""));
                }
            }
        } finally {
            try (Stream<Path> all = Files.walk(work)) {
                all.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
            }
        }
        System.out.println("OpenCL stress: " + runs + " fresh JVMs, " + failures.size() + " failed");
        assertTrue(failures.isEmpty(), failures.size() + " of " + runs + " runs failed: " + failures);
    }
}
