package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Kernels;
import dev.jot.testutil.Reference;
import java.io.IOException;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Stored-kernel sweeps ({@link KernelLoop}, {@code withSweeps("kernel")}) give the log-domain solver's answer:
 * the reference cases, and the hostile ones the issue names (separated clusters at a small ε, ε from
 * 1e-4 × the median cost to 1e4 × the largest, weights from 1e-30 to 1 and zeros, n = 1), each with the
 * log-domain cost and objective to 1e-6 relative in f64 and 1e-4 in f32, the same {@code converged}, never
 * a NaN; the bits do not depend on the thread count; {@code auto} picks the kernel only for larger problems.
 */
class KernelSweepsTest {
    private static void assertSameAnswer(SinkhornResult log, SinkhornResult kernel, Precision p, String what) {
        double tol = p == Precision.F64 ? 1e-6 : 1e-4;
        // f32 potentials carry ε·2^-24 of rounding, which the objective's ε·KL term sees (the log domain's too:
        // at ε = 3.4e4 its f32 objective is 2.7e-3 from the f64 one, the kernel's 1.3e-3)
        double objSlack = p == Precision.F64 ? 0 : 4e-7 * log.epsilon();
        assertTrue(Double.isFinite(kernel.cost()) && Double.isFinite(kernel.objective()), what + ": " + kernel.status());
        assertEquals(log.converged(), kernel.converged(), what + ": converged, log " + log.status() + " / kernel " + kernel.status());
        assertEquals(log.cost(), kernel.cost(), tol * Math.max(1e-300, Math.abs(log.cost())), what + ": cost");
        assertEquals(log.objective(), kernel.objective(), tol * Math.max(1e-300, Math.abs(log.objective())) + objSlack, what + ": objective");
        assertTrue(kernel.sweeps().startsWith("kernel"), what + ": sweeps " + kernel.sweeps());
        assertEquals("log", log.sweeps());
    }

    static Stream<Arguments> references() {
        return Reference.cases().stream().flatMap(c -> Stream.of(Arguments.of(c, Precision.F64), Arguments.of(c, Precision.F32)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("references")
    void referenceCasesMatchTheLogDomain(Reference.Case c, Precision p) throws IOException {
        SinkhornOptions o = SinkhornOptions.epsilon(c.epsilon()).withSweeps("log").withPrecision(p).withTolerance(p == Precision.F64 ? 1e-10 : 1e-6)
                .withMaxIterations(50_000);
        SinkhornResult log, kernel;
        Weights a = Weights.of(Npy.read(c.file("a"))), b = Weights.of(Npy.read(c.file("b")));
        if (c.isMatrix()) {
            NdArray cm = Npy.read(c.file("cost_matrix"));
            log = Sinkhorn.solve(cm, a, b, o);
            kernel = Sinkhorn.solve(cm, a, b, o.withSweeps("kernel"));
        } else {
            Points x = Points.of(Npy.read(c.file("x"))), y = Points.of(Npy.read(c.file("y")));
            CostFunction cost = CostFunction.parse(c.cost());
            log = Sinkhorn.solve(x, y, a, b, cost, o.withMatrixFree(false));
            kernel = Sinkhorn.solve(x, y, a, b, cost, o.withMatrixFree(false).withSweeps("kernel"));
        }
        assertSameAnswer(log, kernel, p, c.name());
        if (p == Precision.F64) {
            assertEquals(c.costValue(), kernel.cost(), 1e-7 * Math.abs(c.costValue()), c.name() + ": the reference cost");
        }
    }

    private static Points cloud(Random rnd, int n, double shift) {
        double[] v = new double[2 * n];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble() + (k % 2 == 0 ? shift : 0);
        }
        return Points.of(n, 2, v);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void twoClustersFarApartAtASmallEpsilon(String precision) {
        // POT's Sinkhorn-Knopp returns a plan of mass 0 here, its stabilized method NaN
        Precision p = Precision.parse(precision);
        Random rnd = new Random(21);
        double[] xs = new double[2 * 60], ys = new double[2 * 50];
        for (int i = 0; i < 60; i++) {
            xs[2 * i] = rnd.nextDouble() + (i < 30 ? 0 : 100);
            xs[2 * i + 1] = rnd.nextDouble();
        }
        for (int j = 0; j < 50; j++) {
            ys[2 * j] = rnd.nextDouble() + (j < 25 ? 0 : 100);
            ys[2 * j + 1] = rnd.nextDouble();
        }
        Points x = Points.of(60, 2, xs), y = Points.of(50, 2, ys);
        SinkhornOptions o = SinkhornOptions.epsilon(1e-3).withSweeps("log").withPrecision(p).withMaxIterations(20_000)
                .withTolerance(p == Precision.F64 ? 1e-9 : 1e-6);
        SinkhornResult log = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o);
        SinkhornResult kernel = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withSweeps("kernel"));
        assertSameAnswer(log, kernel, p, "clusters 100 apart, eps 1e-3");
        assertEquals(1.0, sum(kernel.plan().toDoubleArray()), 1e-5, "the plan's mass");
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    @ParameterizedTest(name = "epsilon factor {0}")
    @ValueSource(doubles = {1e-4, 1e-2, 1, 1e2, 1e4})
    void epsilonFromATenThousandthOfTheMedianToTenThousandTimesTheLargest(double factor) {
        Random rnd = new Random(22);
        Points x = cloud(rnd, 70, 0), y = cloud(rnd, 60, 0.3);
        // median cost of these clouds is about 0.4, the largest about 3.4
        double eps = factor < 1 ? factor * 0.4 : factor * 3.4;
        for (Precision p : Precision.values()) {
            SinkhornOptions o = SinkhornOptions.epsilon(eps).withSweeps("log").withPrecision(p).withMaxIterations(3000)
                    .withTolerance(p == Precision.F64 ? 1e-9 : 1e-6);
            SinkhornResult log = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o);
            SinkhornResult kernel = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withSweeps("kernel"));
            if (log.converged()) {
                assertSameAnswer(log, kernel, p, "eps " + eps + " " + p);
            } else {
                // not converged within the limit: honest, and no NaN
                assertFalse(kernel.converged() && kernel.marginalErrorA() > o.tolerance(), kernel.status());
                assertTrue(Double.isFinite(kernel.cost()), kernel.status());
            }
        }
    }

    @Test
    void tinyAndZeroWeightsAndASinglePoint() {
        Random rnd = new Random(23);
        Points x = cloud(rnd, 40, 0), y = cloud(rnd, 30, 0.2);
        double[] a = new double[40], b = new double[30];
        for (int i = 0; i < 40; i++) {
            a[i] = i % 5 == 0 ? 0 : Math.pow(10, -30 * rnd.nextDouble());
        }
        for (int j = 0; j < 30; j++) {
            b[j] = j % 7 == 0 ? 0 : Math.pow(10, -30 * rnd.nextDouble());
        }
        double sa = sum(a), sb = sum(b);
        for (int j = 0; j < 30; j++) {
            b[j] *= sa / sb;
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withSweeps("log").withPrecision(Precision.F64).withTolerance(1e-9 * sa).withMaxIterations(20_000);
        SinkhornResult log = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o);
        SinkhornResult kernel = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o.withSweeps("kernel"));
        assertSameAnswer(log, kernel, Precision.F64, "weights 1e-30..1 and zeros");
        // n = 1 and m = 1
        Points one = Points.of(1, 2, new double[]{0.5, 0.5});
        for (Precision p : Precision.values()) {
            SinkhornOptions q = SinkhornOptions.epsilon(0.1).withSweeps("log").withPrecision(p);
            assertSameAnswer(Sinkhorn.solve(one, y, null, null, CostFunction.SQUARED_EUCLIDEAN, q),
                    Sinkhorn.solve(one, y, null, null, CostFunction.SQUARED_EUCLIDEAN, q.withSweeps("kernel")), p, "n = 1");
            assertSameAnswer(Sinkhorn.solve(x, one, null, null, CostFunction.SQUARED_EUCLIDEAN, q),
                    Sinkhorn.solve(x, one, null, null, CostFunction.SQUARED_EUCLIDEAN, q.withSweeps("kernel")), p, "m = 1");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void theBitsDoNotDependOnTheThreadCount(String precision) {
        Random rnd = new Random(24);
        Points x = cloud(rnd, 300, 0), y = cloud(rnd, 250, 0.1);
        SinkhornOptions o = SinkhornOptions.epsilon(0.01).withPrecision(Precision.parse(precision)).withSweeps("kernel");
        SinkhornResult one = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withThreads(1));
        // converged in the kernel, and its result from the kernel pass (no log-domain iteration)
        assertEquals("kernel", one.sweeps(), one.status());
        assertTrue(one.converged(), one.status());
        for (int t : new int[]{2, 3, 4}) {
            SinkhornResult r = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withThreads(t));
            assertEquals(one.cost(), r.cost(), 0.0, t + " threads");
            assertArrayEquals(one.f(), r.f(), 0.0, t + " threads");
            assertEquals(one.iterations(), r.iterations());
        }
    }

    @Test
    void theVectorGibbsTileIsTheScalarOneToRounding() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        Random rnd = new Random(26);
        int rows = 7, cols = 53;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment c = arena.allocate(4L * rows * cols), want = arena.allocate(4L * rows * cols),
                    got = arena.allocate(4L * rows * cols);
            for (int k = 0; k < rows * cols; k++) {
                c.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, k, (float) (3 * rnd.nextDouble()));
            }
            double[] rowH = new double[rows], colH = new double[cols];
            for (int r = 0; r < rows; r++) {
                rowH[r] = 40 * rnd.nextDouble() - 20;
            }
            for (int j = 0; j < cols; j++) {
                colH[j] = 40 * rnd.nextDouble() - 20;
            }
            double invEps = 20;
            Kernels.byName("scalar").gibbsTileF32(c, rows, cols, rowH, 0, colH, invEps, want);
            Kernels.vector().get().gibbsTileF32(c, rows, cols, rowH, 0, colH, invEps, got);
            int zeros = 0;
            for (int k = 0; k < rows * cols; k++) {
                float w = want.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, k), g = got.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, k);
                zeros += w == 0 ? 1 : 0;
                assertEquals(w, g, 2 * Math.ulp(w), "entry " + k);
                assertTrue(w == 0 || w >= 1e-25f, "no entry below 1e-25 but 0: " + w);
            }
            assertTrue(zeros > 0 && zeros < rows * cols, "the tile has both flushed and kept entries: " + zeros);
        }
    }

    @Test
    void scalarAndVectorKernelsAgreeAndAutoChoosesBySize() {
        Random rnd = new Random(25);
        Points x = cloud(rnd, 300, 0), y = cloud(rnd, 260, 0.1);
        SinkhornOptions o = SinkhornOptions.epsilon(0.02).withPrecision(Precision.F64).withTolerance(1e-9).withSweeps("kernel");
        SinkhornResult scalar = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withKernels(Kernels.byName("scalar")));
        SinkhornResult log = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withSweeps("log"));
        assertSameAnswer(log, scalar, Precision.F64, "scalar kernels");
        if (Kernels.vector().isPresent()) {
            SinkhornResult vector = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withKernels(Kernels.vector().get()));
            assertEquals(scalar.cost(), vector.cost(), 1e-12 * scalar.cost());
        }
        // auto: 300 x 260 = 78,000 entries >= 2^16 runs the kernel; 100 x 100 the log domain
        assertTrue(Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withSweeps("auto")).sweeps().startsWith("kernel"));
        Points small = cloud(rnd, 100, 0);
        assertEquals("log", Sinkhorn.solve(small, small, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withSweeps("auto")).sweeps());
        // matrix-free costs keep the log domain
        assertEquals("log", Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withMatrixFree(true)).sweeps());
        assertThrows(IllegalArgumentException.class, () -> o.withSweeps("fast"));
    }

    @ParameterizedTest(name = "rows {0}")
    @ValueSource(ints = {1, 3, 4, 5, 8, 13, 64})
    void theVectorRowAndResultStepsAreTheScalarOnesToRounding(int rows) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        var vector = Kernels.vector().get();
        var scalar = Kernels.byName("scalar");
        Random rnd = new Random(27 + rows);
        for (int cols : new int[]{7, 16, 53}) {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                var kf = arena.allocate(4L * rows * cols);
                var kd = arena.allocate(8L * rows * cols);
                var cf = arena.allocate(4L * rows * cols);
                var cd = arena.allocate(8L * rows * cols);
                for (int q = 0; q < rows * cols; q++) {
                    double kv = rnd.nextDouble(), cv = 3 * rnd.nextDouble();
                    kf.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, q, (float) kv);
                    kd.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, q, kv);
                    cf.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, q, (float) cv);
                    cd.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, q, cv);
                }
                float[] wf = new float[cols];
                double[] wd = new double[cols], a = new double[rows], c = new double[rows];
                for (int j = 0; j < cols; j++) {
                    wd[j] = rnd.nextDouble();
                    wf[j] = (float) wd[j];
                }
                for (int r = 0; r < rows; r++) {
                    a[r] = rnd.nextDouble();
                    c[r] = rnd.nextDouble();
                }
                double[] s1 = new double[rows], s2 = new double[rows], d1 = new double[rows], d2 = new double[rows];
                float[] t1 = new float[cols], t2 = new float[cols];
                double[] u1 = new double[cols], u2 = new double[cols];
                scalar.kernelRowStepF32(kf, rows, cols, wf, a, s1, 0, t1);
                vector.kernelRowStepF32(kf, rows, cols, wf, a, s2, 0, t2);
                scalar.kernelRowStepF64(kd, rows, cols, wd, a, d1, 0, u1);
                vector.kernelRowStepF64(kd, rows, cols, wd, a, d2, 0, u2);
                for (int r = 0; r < rows; r++) {
                    assertEquals(s1[r], s2[r], 1e-5 * s1[r], "f32 row sum " + r + ", cols " + cols);
                    assertEquals(d1[r], d2[r], 1e-13 * d1[r], "f64 row sum " + r + ", cols " + cols);
                }
                for (int j = 0; j < cols; j++) {
                    assertEquals(t1[j], t2[j], 1e-5 * t1[j], "f32 column sum " + j + ", cols " + cols);
                    assertEquals(u1[j], u2[j], 1e-13 * u1[j], "f64 column sum " + j + ", cols " + cols);
                }
                double[] r1 = new double[rows], r2 = new double[rows], v1 = new double[cols], v2 = new double[cols];
                scalar.kernelResultStepF32(kf, cf, rows, cols, wd, c, r1, 0, v1);
                vector.kernelResultStepF32(kf, cf, rows, cols, wd, c, r2, 0, v2);
                for (int r = 0; r < rows; r++) {
                    assertEquals(r1[r], r2[r], 1e-12 * r1[r], "f32 result row " + r + ", cols " + cols);
                }
                for (int j = 0; j < cols; j++) {
                    assertEquals(v1[j], v2[j], 1e-12 * v1[j], "f32 result column " + j + ", cols " + cols);
                }
                java.util.Arrays.fill(v1, 0);
                java.util.Arrays.fill(v2, 0);
                scalar.kernelResultStepF64(kd, cd, rows, cols, wd, c, r1, 0, v1);
                vector.kernelResultStepF64(kd, cd, rows, cols, wd, c, r2, 0, v2);
                for (int r = 0; r < rows; r++) {
                    assertEquals(r1[r], r2[r], 1e-12 * r1[r], "f64 result row " + r + ", cols " + cols);
                }
                for (int j = 0; j < cols; j++) {
                    assertEquals(v1[j], v2[j], 1e-12 * v1[j], "f64 result column " + j + ", cols " + cols);
                }
            }
        }
    }
}
