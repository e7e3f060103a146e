package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.Geometry;
import dev.jot.kernel.Kernels;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shared-cost batches as matrix-matrix products ({@link BatchKernelLoop}) give the log-domain batch's answer,
 * problem by problem: seed 001's setting (histograms over one cost), a batch where half the problems need
 * the fallback, separated mass at a small ε, weights from 1e-30 to 1 with zeros, n = 1; the cost and objective
 * to 1e-6 relative in f64 and 1e-4 in f32, the same {@code converged}, never a NaN; the bits do not depend on
 * the thread count; the products are the scalar double-precision ones to rounding.
 */
class BatchKernelTest {
    private static void assertSameAnswers(BatchResult log, BatchResult kernel, Precision p, String what) {
        double tol = p == Precision.F64 ? 1e-6 : 1e-4;
        for (int k = 0; k < log.size(); k++) {
            SinkhornResult l = log.get(k), r = kernel.get(k);
            String w = what + ", problem " + k;
            double objSlack = p == Precision.F64 ? 0 : 4e-7 * l.epsilon();
            assertTrue(Double.isFinite(r.cost()) && Double.isFinite(r.objective()), w + ": " + r.status());
            assertEquals(l.converged(), r.converged(), w + ": converged, log " + l.status() + " / kernel " + r.status());
            assertEquals(l.cost(), r.cost(), tol * Math.max(1e-300, Math.abs(l.cost())), w + ": cost");
            assertEquals(l.objective(), r.objective(), tol * Math.max(1e-300, Math.abs(l.objective())) + objSlack, w + ": objective");
            assertTrue(r.sweeps().startsWith("kernel"), w + ": sweeps " + r.sweeps());
            assertEquals("log", l.sweeps());
        }
    }

    /** An n-point grid on [0, span], its squared distances. */
    private static double[][] gridCost(int n, double span) {
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double d = span * (i - j) / (n - 1);
                c[i][j] = d * d;
            }
        }
        return c;
    }

    /** A random histogram: a mixture of two bumps at random places, plus a floor. */
    private static double[] histogram(Random rnd, int n) {
        double[] h = new double[n];
        double c1 = rnd.nextDouble() * n, c2 = rnd.nextDouble() * n, w1 = 2 + 10 * rnd.nextDouble(), w2 = 2 + 10 * rnd.nextDouble();
        double s = 0;
        for (int i = 0; i < n; i++) {
            h[i] = Math.exp(-Math.pow((i - c1) / w1, 2)) + 0.5 * Math.exp(-Math.pow((i - c2) / w2, 2)) + 1e-3;
            s += h[i];
        }
        for (int i = 0; i < n; i++) {
            h[i] /= s;
        }
        return h;
    }

    private static List<Weights> histograms(Random rnd, int count, int n) {
        List<Weights> w = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            w.add(Weights.of(histogram(rnd, n)));
        }
        return w;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void seedOnesSettingMatchesTheLogDomain(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(31);
        Geometry g = DenseGeometry.of(gridCost(100, 1), p);
        List<Weights> as = histograms(rnd, 70, 100), bs = histograms(rnd, 70, 100);
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withSweeps("log").withPrecision(p).withTolerance(p == Precision.F64 ? 1e-9 : 1e-6)
                .withMaxIterations(20_000);
        BatchResult log = Sinkhorn.solveBatch(g, as, bs, o);
        BatchResult kernel = Sinkhorn.solveBatch(g, as, bs, o.withSweeps("kernel"));
        assertSameAnswers(log, kernel, p, "70 histograms, eps 0.05");
        for (int k = 0; k < kernel.size(); k++) {
            assertTrue(kernel.get(k).converged(), kernel.get(k).status());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void aBatchWhereHalfTheProblemsNeedTheFallback(String precision) {
        // on a grid of span 10 at eps 0.05, half the problems move their mass across the grid: their potentials
        // are hundreds of eps from the other half's, so no one shared kernel serves both halves
        Precision p = Precision.parse(precision);
        int n = 60;
        Random rnd = new Random(32);
        Geometry g = DenseGeometry.of(gridCost(n, 10), p);
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            double[] a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = i < n / 4 ? 1 + rnd.nextDouble() : 0;
                b[i] = k % 2 == 0 ? (i < n / 3 ? 1 + rnd.nextDouble() : 0) : (i >= 3 * n / 4 ? 1 + rnd.nextDouble() : 0);
            }
            as.add(Weights.of(normalised(a)));
            bs.add(Weights.of(normalised(b)));
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withSweeps("log").withPrecision(p).withTolerance(p == Precision.F64 ? 1e-9 : 1e-6)
                .withMaxIterations(20_000);
        BatchResult log = Sinkhorn.solveBatch(g, as, bs, o);
        BatchResult kernel = Sinkhorn.solveBatch(g, as, bs, o.withSweeps("kernel"));
        assertSameAnswers(log, kernel, p, "half across the grid, eps 0.05");
        assertTrue(kernel.get(0).absorptions() > 0, "the halves need kernels of their own");
    }

    private static double[] halves(double[] w) {
        int h = w.length / 2;
        double s1 = 0, s2 = 0;
        for (int i = 0; i < w.length; i++) {
            if (i < h) {
                s1 += w[i];
            } else {
                s2 += w[i];
            }
        }
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = 0.5 * w[i] / (i < h ? s1 : s2);
        }
        return out;
    }

    private static double[] normalised(double[] w) {
        double s = 0;
        for (double x : w) {
            s += x;
        }
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = w[i] / s;
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void separatedMassTinyWeightsZerosAndASinglePoint(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(33);
        int n = 50;
        // two clusters 100 apart at eps 1e-3
        double[][] c = new double[n][n];
        double[] pos = new double[n];
        for (int i = 0; i < n; i++) {
            pos[i] = rnd.nextDouble() + (i < n / 2 ? 0 : 100);
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i][j] = (pos[i] - pos[j]) * (pos[i] - pos[j]);
            }
        }
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            double[] a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = 1 + rnd.nextDouble();
                b[i] = 1 + rnd.nextDouble();
            }
            // each cluster holds half the mass of a and of b: no mass crosses the gap
            as.add(Weights.of(halves(a)));
            bs.add(Weights.of(halves(b)));
        }
        SinkhornOptions o = SinkhornOptions.epsilon(1e-3).withSweeps("log").withPrecision(p).withTolerance(p == Precision.F64 ? 1e-9 : 1e-6)
                .withMaxIterations(20_000);
        assertSameAnswers(Sinkhorn.solveBatch(DenseGeometry.of(c, p), as, bs, o),
                Sinkhorn.solveBatch(DenseGeometry.of(c, p), as, bs, o.withSweeps("kernel")), p, "clusters 100 apart, eps 1e-3");
        // weights from 1e-30 to 1, and zeros, on a grid
        as.clear();
        bs.clear();
        for (int k = 0; k < 6; k++) {
            double[] a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = i % 5 == 0 ? 0 : Math.pow(10, -30 * rnd.nextDouble());
                b[i] = i % 7 == 0 ? 0 : Math.pow(10, -30 * rnd.nextDouble());
            }
            as.add(Weights.of(normalised(a)));
            bs.add(Weights.of(normalised(b)));
        }
        Geometry grid = DenseGeometry.of(gridCost(n, 1), p);
        SinkhornOptions w = SinkhornOptions.epsilon(0.01).withSweeps("log").withPrecision(p).withTolerance(p == Precision.F64 ? 1e-9 : 1e-6)
                .withMaxIterations(20_000);
        assertSameAnswers(Sinkhorn.solveBatch(grid, as, bs, w), Sinkhorn.solveBatch(grid, as, bs, w.withSweeps("kernel")), p,
                "weights 1e-30..1 and zeros");
        // n = 1: one source point against histograms
        double[][] row = new double[1][n];
        for (int j = 0; j < n; j++) {
            row[0][j] = pos[j] * pos[j] / 1e4;
        }
        Geometry one = DenseGeometry.of(row, p);
        List<Weights> ones = new ArrayList<>(), targets = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            ones.add(null);
            targets.add(Weights.of(histogram(rnd, n)));
        }
        SinkhornOptions q = SinkhornOptions.epsilon(0.1).withSweeps("log").withPrecision(p);
        assertSameAnswers(Sinkhorn.solveBatch(one, ones, targets, q), Sinkhorn.solveBatch(one, ones, targets, q.withSweeps("kernel")),
                p, "n = 1");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void theBitsDoNotDependOnTheThreadCount(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(34);
        Geometry g = DenseGeometry.of(gridCost(90, 1), p);
        List<Weights> as = histograms(rnd, 40, 90), bs = histograms(rnd, 40, 90);
        SinkhornOptions o = SinkhornOptions.epsilon(0.02).withPrecision(p).withSweeps("kernel");
        BatchResult one = Sinkhorn.solveBatch(g, as, bs, o.withThreads(1));
        for (int t : new int[]{2, 3}) {
            BatchResult r = Sinkhorn.solveBatch(g, as, bs, o.withThreads(t));
            for (int k = 0; k < one.size(); k++) {
                assertArrayEquals(one.get(k).f(), r.get(k).f(), 0.0, t + " threads, problem " + k);
                assertEquals(one.get(k).cost(), r.get(k).cost(), 0.0, t + " threads, problem " + k);
                assertEquals(one.get(k).iterations(), r.get(k).iterations());
            }
        }
    }

    @Test
    void autoUsesTheKernelForLargerBatchesOnly() {
        Random rnd = new Random(35);
        Geometry small = DenseGeometry.of(gridCost(10, 1), Precision.F64);
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withSweeps("auto");
        BatchResult r = Sinkhorn.solveBatch(small, histograms(rnd, 3, 10), histograms(rnd, 3, 10), o);
        assertEquals("log", r.get(0).sweeps());
        Geometry big = DenseGeometry.of(gridCost(100, 1), Precision.F64);
        r = Sinkhorn.solveBatch(big, histograms(rnd, 8, 100), histograms(rnd, 8, 100), o);
        assertTrue(r.get(0).sweeps().startsWith("kernel"), r.get(0).sweeps());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {1, 5, 16, 37, 64, 100})
    void theVectorProductsAreTheScalarOnesToRounding(int width) {
        Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        SinkhornKernels vector = Kernels.vector().get(), scalar = Kernels.byName("scalar");
        Random rnd = new Random(36 + width);
        int rows = 23, cols = 19;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment kf = arena.allocate(4L * rows * cols), kd = arena.allocate(8L * rows * cols);
            for (int q = 0; q < rows * cols; q++) {
                double v = rnd.nextDouble();
                kf.setAtIndex(ValueLayout.JAVA_FLOAT, q, (float) v);
                kd.setAtIndex(ValueLayout.JAVA_DOUBLE, q, v);
            }
            float[] xf = new float[cols * width];
            double[] xd = new double[cols * width];
            for (int q = 0; q < xf.length; q++) {
                xd[q] = rnd.nextDouble();
                xf[q] = (float) xd[q];
            }
            float[] wantF = new float[rows * width], gotF = new float[rows * width];
            double[] wantD = new double[rows * width], gotD = new double[rows * width];
            scalar.batchProductF32(kf, cols, 0, rows, xf, width, wantF);
            vector.batchProductF32(kf, cols, 0, rows, xf, width, gotF);
            scalar.batchProductF64(kd, cols, 0, rows, xd, width, wantD);
            vector.batchProductF64(kd, cols, 0, rows, xd, width, gotD);
            for (int q = 0; q < wantF.length; q++) {
                assertEquals(wantF[q], gotF[q], 1e-5 * wantF[q], "f32 entry " + q);
                assertEquals(wantD[q], gotD[q], 1e-13 * wantD[q], "f64 entry " + q);
            }
            // a range of rows [r0, r0 + rows) gives the bits of the whole product there
            float[] part = new float[rows * width];
            vector.batchProductF32(kf, cols, 5, 9, xf, width, part);
            for (int q = 5 * width; q < 14 * width; q++) {
                assertEquals(gotF[q], part[q], 0.0f, "rows 5..13, entry " + q);
            }
        }
    }
}
