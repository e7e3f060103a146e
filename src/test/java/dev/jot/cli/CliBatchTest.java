package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.testutil.MiniJson;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jot solve} on batches: each problem of the batch equals the same problem solved alone. */
class CliBatchTest {
    @TempDir
    Path dir;

    private Path write(String name, double[] v, long... shape) throws Exception {
        Path p = dir.resolve(name);
        Npy.write(p, NdArray.of(v, shape));
        return p;
    }

    private static double[] random(Random rnd, int count) {
        double[] v = new double[count];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble();
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> problems(CliTest.Run r) {
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> json = MiniJson.parseObject(r.out().trim());
        assertTrue(json.containsKey("solve_ms") && json.containsKey("mean") && json.containsKey("sum"), r.out());
        return (List<Map<String, Object>>) json.get("problems");
    }

    private static Map<String, Object> single(String... args) {
        CliTest.Run r = CliTest.jot(args);
        assertEquals(0, r.code(), r.toString());
        return MiniJson.parseObject(r.out().trim());
    }

    @Test
    void threeDimensionalBatchEqualsSingleSolves() throws Exception {
        Random rnd = new Random(11);
        int batch = 3, n = 20, m = 30, d = 2;
        double[] x = random(rnd, batch * n * d), y = random(rnd, batch * m * d);
        Path bx = write("bx.npy", x, batch, n, d), by = write("by.npy", y, batch, m, d);
        List<Map<String, Object>> got = problems(CliTest.jot("solve", "--x", bx.toString(), "--y", by.toString(),
                "--epsilon", "0.05", "--precision", "f64", "--tol", "1e-9", "--json"));
        assertEquals(batch, got.size());
        for (int k = 0; k < batch; k++) {
            Path xk = write("x" + k + ".npy", java.util.Arrays.copyOfRange(x, k * n * d, (k + 1) * n * d), n, d);
            Path yk = write("y" + k + ".npy", java.util.Arrays.copyOfRange(y, k * m * d, (k + 1) * m * d), m, d);
            Map<String, Object> want = single("solve", "--x", xk.toString(), "--y", yk.toString(), "--epsilon", "0.05",
                    "--precision", "f64", "--tol", "1e-9", "--json");
            assertEquals((Double) want.get("cost"), (Double) got.get(k).get("cost"), 1e-12, "problem " + k);
            assertEquals(want.get("iterations"), got.get(k).get("iterations"), "problem " + k);
        }
    }

    @Test
    void raggedListsAndSharedCostBatchesEqualSingleSolves() throws Exception {
        Random rnd = new Random(12);
        Path x0 = write("x0.npy", random(rnd, 10), 5, 2), y0 = write("y0.npy", random(rnd, 14), 7, 2);
        Path x1 = write("x1.npy", random(rnd, 40), 20, 2), y1 = write("y1.npy", random(rnd, 6), 3, 2);
        List<Map<String, Object>> got = problems(CliTest.jot("solve", "--x", x0 + "," + x1, "--y", y0 + "," + y1,
                "--epsilon", "0.05", "--precision", "f64", "--json"));
        assertEquals(2, got.size());
        assertEquals(5.0, ((Number) got.get(0).get("n")).doubleValue());
        assertEquals(3.0, ((Number) got.get(1).get("m")).doubleValue());
        Map<String, Object> want1 = single("solve", "--x", x1.toString(), "--y", y1.toString(), "--epsilon", "0.05",
                "--precision", "f64", "--json");
        assertEquals((Double) want1.get("cost"), (Double) got.get(1).get("cost"), 1e-12);

        double[] c = random(rnd, 4 * 6);
        double[] a = new double[2 * 4], b = new double[2 * 6];
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < 4; i++) {
                a[k * 4 + i] = 0.25;
            }
            for (int j = 0; j < 6; j++) {
                b[k * 6 + j] = k == 0 ? 1.0 / 6 : (j + 1) / 21.0;
            }
        }
        Path pc = write("c.npy", c, 4, 6), pa = write("a.npy", a, 2, 4), pb = write("b.npy", b, 2, 6);
        List<Map<String, Object>> batch = problems(CliTest.jot("solve", "--cost-matrix", pc.toString(), "--a", pa.toString(),
                "--b", pb.toString(), "--epsilon", "0.1", "--precision", "f64", "--json"));
        Path b1 = write("b1.npy", java.util.Arrays.copyOfRange(b, 6, 12), 6);
        Map<String, Object> want = single("solve", "--cost-matrix", pc.toString(), "--b", b1.toString(), "--epsilon", "0.1",
                "--precision", "f64", "--json");
        assertEquals((Double) want.get("cost"), (Double) batch.get(1).get("cost"), 1e-12);
    }

    @Test
    void mismatchedBatchInputsAreOneLineErrors() throws Exception {
        Random rnd = new Random(13);
        Path x0 = write("x0.npy", random(rnd, 10), 5, 2), y0 = write("y0.npy", random(rnd, 14), 7, 2);
        CliTest.Run r = CliTest.jot("solve", "--x", x0 + "," + x0, "--y", y0.toString(), "--epsilon", "0.1");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("2 files") && r.err().strip().lines().count() == 1, r.err());
        Path bx = write("bx.npy", random(rnd, 2 * 5 * 2), 2, 5, 2), by = write("by.npy", random(rnd, 3 * 5 * 2), 3, 5, 2);
        r = CliTest.jot("solve", "--x", bx.toString(), "--y", by.toString(), "--epsilon", "0.1");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("same B"), r.err());
    }
}
