package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.kernel.opencl.OpenClDevice;
import dev.jot.testutil.MiniJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jot solve --backend}: the OpenCL backend (skipped without an OpenCL device) and bad names. */
class CliBackendTest {
    @TempDir
    Path dir;

    private Path write(String name, NdArray a) throws IOException {
        Path p = dir.resolve(name);
        Npy.write(p, a);
        return p;
    }

    @Test
    void unknownBackendIsOneLineAndExitTwo() throws IOException {
        Path x = write("x.npy", CliTest.randomPoints(10, 2, 1)), y = write("y.npy", CliTest.randomPoints(12, 2, 2));
        CliTest.Run r = CliTest.jot("solve", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.1", "--backend", "cuda");
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("backend must be cpu, opencl or tornado, got 'cuda'"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void tornadoWithoutTheSdkBuildIsOneLineAndExitTwo() throws IOException {
        Assumptions.assumeTrue(getClass().getClassLoader().getResource("dev/jot/tornado/TornadoSweeps.class") == null,
                "this build has the TornadoVM backend");
        Path x = write("x.npy", CliTest.randomPoints(10, 2, 1)), y = write("y.npy", CliTest.randomPoints(12, 2, 2));
        CliTest.Run r = CliTest.jot("solve", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.1", "--backend", "tornado");
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("backend tornado unavailable"), r.err());
    }

    @Test
    void aDeviceBackendFailureIsItsOneLine() {
        // how a TornadoVM failure (a bailout included) reaches the command line: this line, exit code 2
        String msg = "TornadoVM failed: bailout: Unable to compile task jotRows.lse - lseF32";
        assertEquals(msg, Jot.userMessage(new dev.jot.kernel.AcceleratorException(msg, new RuntimeException("a\nb"))));
    }

    @Test
    void openClWithoutADeviceIsOneLineAndExitTwo() throws IOException {
        Assumptions.assumeFalse(OpenClDevice.available(), "an OpenCL device is present");
        Path x = write("x.npy", CliTest.randomPoints(10, 2, 1)), y = write("y.npy", CliTest.randomPoints(12, 2, 2));
        CliTest.Run r = CliTest.jot("solve", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.1", "--backend", "opencl");
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("backend opencl unavailable"), r.err());
    }

    @Test
    void openClSolveJsonNamesTheDeviceAndAgreesWithTheCpu() throws IOException {
        Assumptions.assumeTrue(OpenClDevice.available(), () -> "no OpenCL device: " + OpenClDevice.whyNot());
        Path x = write("x.npy", CliTest.randomPoints(80, 2, 1)), y = write("y.npy", CliTest.randomPoints(60, 2, 2));
        for (String free : new String[]{"--no-matrix-free", "--matrix-free"}) {
            CliTest.Run cl = CliTest.jot("solve", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.05", "--json",
                    "--backend", "opencl", free);
            CliTest.Run cpu = CliTest.jot("solve", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.05", "--json", free);
            assertEquals(0, cl.code(), cl.toString());
            assertEquals("", cl.err(), "stderr");
            assertEquals(1, cl.out().strip().lines().count(), cl.out());
            Map<String, Object> j = MiniJson.parseObject(cl.out().strip()), c = MiniJson.parseObject(cpu.out().strip());
            assertEquals("opencl", j.get("backend"));
            assertEquals(OpenClDevice.get().name(), j.get("device"));
            assertEquals("cpu", c.get("backend"));
            assertEquals(Boolean.TRUE, j.get("converged"), cl.out());
            double a = (Double) j.get("cost"), b = (Double) c.get("cost");
            assertEquals(b, a, 1e-4 * Math.abs(b), cl.out() + "\n" + cpu.out());
        }
        // a batch over one shared cost matrix, and the human-readable summary
        Path cm = write("c.npy", CliTest.randomPoints(30, 20, 3));
        double[] w = new double[3 * 30], v = new double[3 * 20];
        java.util.Arrays.fill(w, 1.0 / 30);
        java.util.Arrays.fill(v, 1.0 / 20);
        Path a = write("a.npy", NdArray.of(w, 3, 30)), b = write("b.npy", NdArray.of(v, 3, 20));
        CliTest.Run batch = CliTest.jot("solve", "--cost-matrix", cm.toString(), "--a", a.toString(), "--b", b.toString(),
                "--epsilon", "0.05", "--backend", "opencl", "--json");
        assertEquals(0, batch.code(), batch.toString());
        assertTrue(batch.out().contains("\"backend\": \"opencl\"") || batch.out().contains("\"backend\":\"opencl\""), batch.out());
        CliTest.Run text = CliTest.jot("solve", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.05", "--backend", "opencl");
        assertEquals(0, text.code(), text.toString());
        assertTrue(text.out().contains("opencl on " + OpenClDevice.get().name()), text.out());
    }
}
