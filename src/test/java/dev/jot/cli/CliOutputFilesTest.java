package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.sinkhorn.BatchResult;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jot solve --out-f --out-g --out-plan --out-map}: the files read back equal the Java API's results
 * (the same options, so bit for bit), singles and stacked batches, .npy and .csv; the map is checked
 * against its definition on the dense plan; refusals (ragged stacks, a plan too large, a map without
 * points) are one line and exit 2, and leave no file behind.
 */
class CliOutputFilesTest {
    @TempDir
    Path dir;

    private static final SinkhornOptions F64 = SinkhornOptions.epsilon(0.05).withPrecision(Precision.F64).withTolerance(1e-9)
            .withMaxIterations(1000);

    private Path cloud(String name, long seed, long... shape) throws IOException {
        Random rnd = new Random(seed);
        int size = 1;
        for (long s : shape) {
            size *= (int) s;
        }
        double[] v = new double[size];
        for (int k = 0; k < size; k++) {
            v[k] = rnd.nextDouble();
        }
        Path p = dir.resolve(name);
        DataFiles.write(p, NdArray.of(v, shape));
        return p;
    }

    private static String[] f64(String... args) {
        return Stream.concat(Stream.of(args), Stream.of("--epsilon", "0.05", "--precision", "f64", "--tol", "1e-9")).toArray(String[]::new);
    }

    @Test
    void singleSolveFilesEqualTheApi() throws IOException {
        Path x = cloud("x.npy", 1, 30, 2), y = cloud("y.npy", 2, 20, 2);
        Path f = dir.resolve("f.npy"), g = dir.resolve("g.csv"), plan = dir.resolve("plan.npy"), map = dir.resolve("map.npy");
        CliTest.Run r = CliTest.jot(f64("solve", "--x", x.toString(), "--y", y.toString(), "--out-f", f.toString(),
                "--out-g", g.toString(), "--out-plan", plan.toString(), "--out-map", map.toString()));
        assertEquals(0, r.code(), r.toString());
        Points px = Points.of(DataFiles.read(x)), py = Points.of(DataFiles.read(y));
        SinkhornResult api = Sinkhorn.solve(px, py, null, null, CostFunction.SQUARED_EUCLIDEAN, F64);
        assertArrayEquals(api.f(), DataFiles.read(f).toDoubleArray(), 0.0, "f");
        assertEquals(20, DataFiles.read(g).toDoubleArray().length, "g: m values (a CSV column)");
        assertArrayEquals(api.g(), DataFiles.read(g).toDoubleArray(), 1e-15, "g (CSV: 17 significant digits)");
        NdArray p = DataFiles.read(plan);
        assertArrayEquals(new long[]{30, 20}, p.shape());
        double[] dense = p.toDoubleArray();
        assertArrayEquals(api.plan().toDoubleArray(), dense, 0.0, "plan");
        // the map against its definition on the dense plan
        double[] ys = py.array().toDoubleArray(), t = DataFiles.read(map).toDoubleArray();
        assertArrayEquals(new long[]{30, 2}, DataFiles.read(map).shape());
        for (int i = 0; i < 30; i++) {
            double mass = 0, t0 = 0, t1 = 0;
            for (int j = 0; j < 20; j++) {
                mass += dense[i * 20 + j];
                t0 += dense[i * 20 + j] * ys[2 * j];
                t1 += dense[i * 20 + j] * ys[2 * j + 1];
            }
            assertEquals(t0 / mass, t[2 * i], 1e-12, "T(x_" + i + ")_0");
            assertEquals(t1 / mass, t[2 * i + 1], 1e-12, "T(x_" + i + ")_1");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(q -> q.getFileName().toString().startsWith(".jot-")), "a temporary file was left");
        }
    }

    @Test
    void batchesAreStackedProblemFirst() throws IOException {
        Path xs = cloud("xs.npy", 3, 3, 12, 2), ys = cloud("ys.npy", 4, 3, 9, 2);
        Path f = dir.resolve("f.npy"), g = dir.resolve("g.npy"), plan = dir.resolve("p.npy"), map = dir.resolve("t.npy");
        CliTest.Run r = CliTest.jot(f64("solve", "--x", xs.toString(), "--y", ys.toString(), "--out-f", f.toString(),
                "--out-g", g.toString(), "--out-plan", plan.toString(), "--out-map", map.toString()));
        assertEquals(0, r.code(), r.toString());
        assertArrayEquals(new long[]{3, 12}, DataFiles.read(f).shape());
        assertArrayEquals(new long[]{3, 9}, DataFiles.read(g).shape());
        assertArrayEquals(new long[]{3, 12, 9}, DataFiles.read(plan).shape());
        assertArrayEquals(new long[]{3, 12, 2}, DataFiles.read(map).shape());
        NdArray nx = DataFiles.read(xs), ny = DataFiles.read(ys);
        double[] fs = DataFiles.read(f).toDoubleArray(), ps = DataFiles.read(plan).toDoubleArray();
        for (int k = 0; k < 3; k++) {
            SinkhornResult one = Sinkhorn.solve(Points.of(nx.slice(k)), Points.of(ny.slice(k)), null, null,
                    CostFunction.SQUARED_EUCLIDEAN, F64);
            assertArrayEquals(one.f(), java.util.Arrays.copyOfRange(fs, k * 12, (k + 1) * 12), 0.0, "f of problem " + k);
            assertArrayEquals(one.plan().toDoubleArray(), java.util.Arrays.copyOfRange(ps, k * 108, (k + 1) * 108), 0.0,
                    "plan of problem " + k);
        }
        // a batch over one cost matrix: f stacked B x n
        Path c = cloud("c.npy", 5, 6, 5), a = dir.resolve("a.npy"), b = dir.resolve("b.npy");
        DataFiles.write(a, NdArray.of(new double[]{.1, .2, .3, .2, .1, .1, .3, .1, .2, .2, .1, .1}, 2, 6));
        DataFiles.write(b, NdArray.of(new double[]{.2, .2, .2, .2, .2, .4, .1, .1, .1, .3}, 2, 5));
        Path fb = dir.resolve("fb.npy");
        r = CliTest.jot(f64("solve", "--cost-matrix", c.toString(), "--a", a.toString(), "--b", b.toString(), "--out-f", fb.toString()));
        assertEquals(0, r.code(), r.toString());
        BatchResult api = Sinkhorn.solveBatch(DenseGeometry.of(DataFiles.read(c), Precision.F64),
                List.of(Weights.of(DataFiles.read(a).slice(0)), Weights.of(DataFiles.read(a).slice(1))),
                List.of(Weights.of(DataFiles.read(b).slice(0)), Weights.of(DataFiles.read(b).slice(1))), F64);
        double[] got = DataFiles.read(fb).toDoubleArray();
        assertArrayEquals(new long[]{2, 6}, DataFiles.read(fb).shape());
        assertArrayEquals(api.get(1).f(), java.util.Arrays.copyOfRange(got, 6, 12), 0.0);
    }

    @Test
    void refusalsAreOneLineAndLeaveNoFile() throws IOException {
        Path x1 = cloud("x1.npy", 6, 10, 2), x2 = cloud("x2.npy", 7, 8, 2), y = cloud("y.npy", 8, 9, 2);
        Path big = cloud("big.npy", 9, 12_000, 1), c = cloud("c.npy", 10, 4, 4), out = dir.resolve("out.npy");
        String[][] cases = {
                f64("solve", "--x", x1 + "," + x2, "--y", y + "," + y, "--out-f", out.toString()),
                f64("solve", "--x", big.toString(), "--y", big.toString(), "--out-plan", out.toString()),
                f64("solve", "--cost-matrix", c.toString(), "--out-map", out.toString()),
                f64("solve", "--x", x1.toString(), "--y", y.toString(), "--out-f", dir.resolve("f.bin").toString()),
        };
        for (String[] args : cases) {
            CliTest.Run r = CliTest.jot(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r);
            assertEquals(1, r.err().strip().lines().count(), r.toString());
            assertFalse(r.err().contains("Exception"), r.toString());
            assertFalse(Files.exists(out), "a refused output was written");
        }
        assertTrue(CliTest.jot(cases[1]).err().contains("--out-map"), "the refusal names the way out");
    }
}
