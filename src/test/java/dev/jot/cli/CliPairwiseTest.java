package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.pairwise.Pairwise;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.data.Precision;
import dev.jot.testutil.ChildJvm;
import dev.jot.testutil.MiniJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jot pairwise}: the matrix file, its JSON, bad rows, and a run killed after k blocks then resumed. */
class CliPairwiseTest {
    @TempDir
    Path dir;

    private Path write(String name, double[] v, long... shape) throws Exception {
        Path p = dir.resolve(name);
        Npy.write(p, NdArray.of(v, shape));
        return p;
    }

    /** |x - y|^2 between n random points of the square, and N unnormalised histograms of n bins. */
    private Path[] inputs(Random rnd, int count, int n) throws Exception {
        double[] x = new double[2 * n];
        for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextDouble();
        }
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dx = x[2 * i] - x[2 * j], dy = x[2 * i + 1] - x[2 * j + 1];
                c[i * n + j] = dx * dx + dy * dy;
            }
        }
        double[] h = new double[count * n];
        for (int k = 0; k < h.length; k++) {
            h[k] = 3 * rnd.nextDouble() * rnd.nextDouble();
        }
        return new Path[]{write("C.npy", c, n, n), write("H.npy", h, count, n)};
    }

    private static Map<String, Object> json(CliTest.Run r) {
        assertEquals(0, r.code(), r.toString());
        return MiniJson.parseObject(r.out().trim());
    }

    @Test
    void theMatrixFileIsTheApisMatrix() throws Exception {
        Path[] in = inputs(new Random(1), 12, 20);
        Path out = dir.resolve("D.npy");
        Map<String, Object> j = json(CliTest.jot("pairwise", "--histograms", in[1].toString(), "--cost-matrix", in[0].toString(),
                "--epsilon", "0.05", "--precision", "f64", "--tol", "1e-9", "--max-iter", "5000", "--block-side", "5", "--out", out.toString(), "--json"));
        assertEquals(12, ((Number) j.get("rows")).intValue());
        assertEquals(12, ((Number) j.get("cols")).intValue());
        assertEquals(true, j.get("symmetric"));
        assertEquals(true, j.get("converged"), j.toString());
        assertEquals(78, ((Number) j.get("problems")).intValue());
        assertEquals(6, ((Number) j.get("blocks")).intValue());
        assertEquals(0, ((Number) j.get("blocks_resumed")).intValue());
        assertFalse(Files.exists(dir.resolve("D.npy.blocks")), "the side file is removed once the matrix is written");
        NdArray d = Npy.read(out);
        assertEquals(2, d.rank());
        double[] expected = Pairwise.of(SinkhornOptions.epsilon(0.05).withPrecision(Precision.F64).withTolerance(1e-9).withMaxIterations(5000))
                .withBlockSide(5).histograms(Npy.read(in[0]), Npy.read(in[1]), null).values();
        assertArrayEquals(expected, d.toDoubleArray());

        // --to, divergence, and the human summary
        Path to = write("H2.npy", Npy.read(in[1]).toDoubleArray(), 12, 20);
        CliTest.Run r = CliTest.jot("pairwise", "--histograms", in[1].toString(), "--cost-matrix", in[0].toString(), "--to", to.toString(),
                "--epsilon", "0.05", "--value", "divergence", "--out", dir.resolve("E.npy").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("pairwise divergence of 12 x 12 histograms"), r.out());
        double[] e = Npy.read(dir.resolve("E.npy")).toDoubleArray();
        for (int i = 0; i < 12; i++) {
            assertTrue(Math.abs(e[i * 12 + i]) < 1e-5, "S(h, h) = 0 to the solver's tolerance: " + e[i * 12 + i]);
        }
    }

    @Test
    void clouds() throws Exception {
        Random rnd = new Random(2);
        List<String> files = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int n = 5 + 7 * k;
            double[] v = new double[3 * n];
            for (int t = 0; t < v.length; t++) {
                v[t] = rnd.nextDouble();
            }
            files.add(write("x" + k + ".npy", v, n, 3).toString());
        }
        Path out = dir.resolve("clouds.npy");
        Map<String, Object> j = json(CliTest.jot("pairwise", "--clouds", String.join(",", files), "--epsilon", "0.1",
                "--out", out.toString(), "--json"));
        assertEquals("clouds", j.get("input"));
        assertEquals(10, ((Number) j.get("problems")).intValue());
        double[] d = Npy.read(out).toDoubleArray();
        CliTest.Run one = CliTest.jot("solve", "--x", files.get(1), "--y", files.get(3), "--epsilon", "0.1", "--json");
        double cost = ((Number) MiniJson.parseObject(one.out().trim()).get("cost")).doubleValue();
        assertEquals(cost, d[1 * 4 + 3], 1e-5 * cost);
        assertEquals(d[1 * 4 + 3], d[3 * 4 + 1]);
        Map<String, Object> to = json(CliTest.jot("pairwise", "--clouds", files.get(0), "--to", files.get(1) + "," + files.get(2),
                "--epsilon", "0.1", "--out", dir.resolve("to.npy").toString(), "--json"));
        assertEquals(1, ((Number) to.get("rows")).intValue());
        assertEquals(2, ((Number) to.get("cols")).intValue());
    }

    @Test
    void badInputIsOneLineNamingTheRow() throws Exception {
        Path[] in = inputs(new Random(3), 5, 8);
        double[] h = Npy.read(in[1]).toDoubleArray();
        h[3 * 8 + 2] = Double.NaN;
        Path nan = write("nan.npy", h, 5, 8);
        h[3 * 8 + 2] = -1;
        Path neg = write("neg.npy", h, 5, 8);
        Path small = write("small.npy", new double[]{1, 2, 3, 4, 5, 6}, 2, 3);
        String out = dir.resolve("D.npy").toString();
        String[][] cases = {
                {"--histograms " + nan + " row 3: entry 2 is NaN", nan.toString()},
                {"--histograms " + neg + " row 3: entry 2 = -1.0 is negative", neg.toString()},
                {"--histograms " + small + " has 3 bins a row but the cost matrix has 8", small.toString()},
        };
        for (String[] c : cases) {
            CliTest.Run r = CliTest.jot("pairwise", "--histograms", c[1], "--cost-matrix", in[0].toString(), "--epsilon", "0.05", "--out", out);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().startsWith("jot: " + c[0]), r.err());
            assertEquals(1, r.err().trim().lines().count(), r.err());
        }
        CliTest.Run r = CliTest.jot("pairwise", "--histograms", in[1].toString(), "--epsilon", "0.05", "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--histograms needs --cost-matrix"), r.err());
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test
    void aRunKilledAfterThreeBlocksResumesWithoutSolvingThemAgain() throws Exception {
        Path[] in = inputs(new Random(4), 30, 24);
        Path out = dir.resolve("D.npy");
        String[] args = {"pairwise", "--histograms", in[1].toString(), "--cost-matrix", in[0].toString(), "--epsilon", "0.05",
                "--block-side", "6", "--threads", "1", "--out", out.toString(), "--json"};
        List<String> jvm = new ArrayList<>();
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            jvm.add("--add-modules=jdk.incubator.vector"); // the same kernels as this JVM's, so the same bits
        }
        jvm.add("-Djot.pairwise.haltAfterBlocks=3");
        Process p = new ProcessBuilder(ChildJvm.command(jvm, Jot.class, args)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), Files.readString(dir.resolve("child.log")));
        assertTrue(Files.exists(dir.resolve("D.npy.blocks")));
        assertFalse(Files.exists(out), "no matrix from a killed run");

        CliTest.Run again = CliTest.jot(args);
        assertEquals(2, again.code(), "without --resume the side file is not overwritten");
        assertTrue(again.err().contains("--resume"), again.err());

        String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        Map<String, Object> j = json(CliTest.jot(resume));
        int blocks = ((Number) j.get("blocks")).intValue();
        assertEquals(15, blocks); // 5 x 5 tiles of 6 rows, those on and above the diagonal
        assertEquals(3, ((Number) j.get("blocks_resumed")).intValue());
        assertEquals(blocks - 3, ((Number) j.get("blocks_solved")).intValue());
        assertTrue(((Number) j.get("problems_solved")).intValue() < ((Number) j.get("problems")).intValue());
        assertFalse(Files.exists(dir.resolve("D.npy.blocks")));

        Path fresh = dir.resolve("fresh.npy");
        String[] whole = args.clone();
        whole[args.length - 2] = fresh.toString();
        json(CliTest.jot(whole));
        assertArrayEquals(Npy.read(fresh).toDoubleArray(), Npy.read(out).toDoubleArray(), "the same matrix as a run never interrupted");
    }
}
