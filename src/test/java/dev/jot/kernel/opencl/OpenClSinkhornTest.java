package dev.jot.kernel.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.PointCloudGeometry;
import dev.jot.sinkhorn.BatchResult;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import dev.jot.testutil.OracleSinkhorn;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The OpenCL backend against the scalar oracle ({@link OracleSinkhorn}, f64 on the host) and against the
 * CPU backend: dense and matrix-free costs, f32 and (where the device has fp64) f64, batches; unbalanced
 * transport (finite ρ on either side) against the CPU log domain. Skipped
 * where no OpenCL platform exists (CI installs PoCL, see .ci/run).
 */
class OpenClSinkhornTest {
    /** Relative agreement with the oracle in f32 (the bar) and in f64. */
    static final double F32_TOL = 1e-5, F64_TOL = 1e-9;

    @BeforeAll
    static void needsOpenCl() {
        Assumptions.assumeTrue(OpenClDevice.available(), () -> "no OpenCL device: " + OpenClDevice.whyNot());
        System.out.println("OpenCL device: " + OpenClDevice.get().description());
    }

    private static double[][] cloud(Random rnd, int n, int d) {
        double[][] v = new double[n][d];
        for (double[] row : v) {
            for (int k = 0; k < d; k++) {
                row[k] = rnd.nextDouble();
            }
        }
        return v;
    }

    private static double[] weights(Random rnd, int n, boolean zeros) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = zeros && i % 7 == 3 ? 0 : 0.2 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= s;
        }
        return w;
    }

    private static Points points(double[][] v) {
        int n = v.length, d = v[0].length;
        double[] flat = new double[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(v[i], 0, flat, i * d, d);
        }
        return Points.of(n, d, flat);
    }

    private static void assertRel(double expected, double actual, double tol, String what) {
        assertEquals(expected, actual, tol * Math.max(1e-12, Math.abs(expected)), what + ": expected " + expected + ", got " + actual);
    }

    private static boolean fp64() {
        return OpenClDevice.get().fp64();
    }

    @ParameterizedTest(name = "n={0} m={1} d={2} {3} {4} matrix-free={5} zero weights={6}")
    @CsvSource({
            "1, 1, 2, sqeuclidean, f32, false, false",
            "50, 40, 2, sqeuclidean, f32, false, false",
            "130, 97, 3, sqeuclidean, f32, false, true",
            "130, 97, 3, sqeuclidean, f32, true, false",
            "90, 70, 2, euclidean, f32, true, false",
            "90, 70, 2, p=1.5, f32, true, true",
            "50, 40, 2, sqeuclidean, f64, false, false",
            "130, 97, 3, sqeuclidean, f64, false, true",
            "130, 97, 3, sqeuclidean, f64, true, false",
            "90, 70, 5, euclidean, f64, true, false",
            "90, 70, 2, p=1.5, f64, true, true"})
    void agreesWithTheOracle(int n, int m, int d, String costName, String precision, boolean matrixFree, boolean zeros) {
        Precision p = Precision.parse(precision);
        Assumptions.assumeTrue(p == Precision.F32 || fp64(), "the device has no fp64");
        Random rnd = new Random(n * 131L + m * 17L + d);
        double[][] x = cloud(rnd, n, d), y = cloud(rnd, m, d);
        double[] a = weights(rnd, n, zeros), b = weights(rnd, m, false);
        CostFunction cost = CostFunction.parse(costName);
        double[][] c = new double[n][m];
        double[] xs = points(x).array().toDoubleArray(), ys = points(y).array().toDoubleArray();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                c[i][j] = cost.cost(xs, i, ys, j, d);
            }
        }
        double eps = 0.05;
        OracleSinkhorn.Solution oracle = OracleSinkhorn.solve(a, b, c, eps, 1e-13, 100_000);
        SinkhornOptions o = SinkhornOptions.epsilon(eps).withPrecision(p).withBackend("opencl").withMatrixFree(matrixFree)
                .withTolerance(p == Precision.F32 ? 1e-6 : 1e-12).withMaxIterations(20_000);
        SinkhornResult r = Sinkhorn.solve(points(x), points(y), Weights.of(a), Weights.of(b), cost, o);
        double tol = p == Precision.F32 ? F32_TOL : F64_TOL;
        assertTrue(r.converged(), r.status());
        assertEquals("opencl", r.backend());
        assertEquals(OpenClDevice.get().name(), r.device());
        assertRel(oracle.cost(), r.cost(), tol, "cost");
        assertRel(oracle.objective(), r.objective(), tol, "objective");
        assertRel(oracle.dualObjective(), r.dualObjective(), tol, "dual objective");
        // potentials: f + g is unique up to a constant shared by both; compare f_i + g_j on the support
        double[] f = r.f(), g = r.g();
        double shift = (f[0] - oracle.f()[0]);
        double scale = 0;
        for (double[] row : c) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        for (int i = 0; i < n; i++) {
            if (a[i] > 0) {
                assertEquals(oracle.f()[i] + shift, f[i], 20 * tol * (scale + eps), "f[" + i + "]");
            }
        }
        for (int j = 0; j < m; j++) {
            assertEquals(oracle.g()[j] - shift, g[j], 20 * tol * (scale + eps), "g[" + j + "]");
        }
        System.out.printf("opencl %s %s matrix-free=%s n=%d m=%d: cost rel. error %.2e, objective %.2e, iterations %d (oracle %d)%n",
                precision, costName, matrixFree, n, m, Math.abs(r.cost() - oracle.cost()) / Math.abs(oracle.cost()),
                Math.abs(r.objective() - oracle.objective()) / Math.abs(oracle.objective()), r.iterations(), oracle.iterations());
    }

    @ParameterizedTest(name = "{0} matrix-free={1}")
    @CsvSource({"f32, false", "f32, true", "f64, false", "f64, true"})
    void agreesWithTheCpuBackend(String precision, boolean matrixFree) {
        Precision p = Precision.parse(precision);
        Assumptions.assumeTrue(p == Precision.F32 || fp64(), "the device has no fp64");
        Random rnd = new Random(7);
        Points x = points(cloud(rnd, 200, 3)), y = points(cloud(rnd, 150, 3));
        SinkhornOptions o = SinkhornOptions.epsilon(0.02).withPrecision(p).withMatrixFree(matrixFree).withAnnealing(0.5)
                .withTolerance(p == Precision.F32 ? 1e-5 : 1e-10).withMaxIterations(5000);
        // the devices iterate plainly: the CPU's matrix-free solve over-relaxes by default, so compare plain with plain
        SinkhornResult cpu = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withOverRelaxation(false));
        SinkhornResult cl = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withBackend("opencl"));
        assertTrue(cl.converged(), cl.status());
        assertEquals("cpu", cpu.backend());
        double tol = p == Precision.F32 ? 1e-4 : 1e-8;
        assertRel(cpu.cost(), cl.cost(), tol, "cost");
        assertRel(cpu.objective(), cl.objective(), tol, "objective");
        assertEquals(cpu.annealEpsilons().length, cl.annealEpsilons().length, "annealing stages");
        assertTrue(Math.abs(cpu.iterations() - cl.iterations()) <= Math.max(3, cpu.iterations() / 10),
                "iterations: cpu " + cpu.iterations() + ", opencl " + cl.iterations());
    }

    @Test
    void fixedIterationCountsMatchTheCpuLoop() {
        Random rnd = new Random(11);
        Points x = points(cloud(rnd, 60, 2)), y = points(cloud(rnd, 45, 2));
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withTolerance(0).withMaxIterations(17);
        SinkhornResult cl = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withBackend("opencl"));
        assertEquals(17, cl.iterations());
        assertFalse(cl.converged());
        SinkhornOptions checked = SinkhornOptions.epsilon(0.05).withTolerance(1e-4).withCheckEvery(5).withMaxIterations(1000);
        SinkhornResult c1 = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, checked);
        SinkhornResult c2 = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, checked.withBackend("opencl"));
        assertEquals(0, c2.iterations() % 5);
        assertEquals(c1.iterations(), c2.iterations(), "iterations with --check-every 5");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"f32", "f64"})
    void sharedCostBatchEqualsSingleSolves(String precision) {
        Precision p = Precision.parse(precision);
        Assumptions.assumeTrue(p == Precision.F32 || fp64(), "the device has no fp64");
        Random rnd = new Random(3);
        int n = 70, m = 55, count = 5;
        double[][] c = new double[n][m];
        for (double[] row : c) {
            for (int j = 0; j < m; j++) {
                row[j] = rnd.nextDouble();
            }
        }
        DenseGeometry geometry = DenseGeometry.of(c, p);
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            as.add(Weights.of(weights(rnd, n, k == 2)));
            bs.add(Weights.of(weights(rnd, m, false)));
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.02 * (1 + 0)).withPrecision(p).withBackend("opencl")
                .withTolerance(p == Precision.F32 ? 1e-6 : 1e-11).withMaxIterations(10_000);
        BatchResult batch = Sinkhorn.solveBatch(geometry, as, bs, o);
        assertEquals(count, batch.size());
        for (int k = 0; k < count; k++) {
            SinkhornResult single = Sinkhorn.solve(geometry, as.get(k), bs.get(k), o);
            SinkhornResult inBatch = batch.get(k);
            assertTrue(inBatch.converged(), inBatch.status());
            assertEquals(single.iterations(), inBatch.iterations(), "problem " + k + " iterations");
            assertEquals(single.cost(), inBatch.cost(), 1e-12 * Math.abs(single.cost()), "problem " + k + " cost");
            OracleSinkhorn.Solution oracle = OracleSinkhorn.solve(as.get(k).toArray(), bs.get(k).toArray(), c, 0.02, 1e-13, 100_000);
            assertRel(oracle.cost(), inBatch.cost(), p == Precision.F32 ? F32_TOL : F64_TOL, "problem " + k + " cost vs oracle");
        }
    }

    @Test
    void pointCloudBatchesEqualAndRagged() {
        Random rnd = new Random(5);
        List<Points> xs = new ArrayList<>(), ys = new ArrayList<>(), rx = new ArrayList<>(), ry = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            xs.add(points(cloud(rnd, 40, 2)));
            ys.add(points(cloud(rnd, 30, 2)));
            rx.add(points(cloud(rnd, 20 + 10 * k, 2)));
            ry.add(points(cloud(rnd, 25 + 5 * k, 2)));
        }
        for (boolean free : new boolean[]{false, true}) {
            SinkhornOptions o = SinkhornOptions.epsilon(0.05).withMatrixFree(free).withTolerance(1e-6);
            for (List<List<Points>> pair : List.of(List.of(xs, ys), List.of(rx, ry))) {
                BatchResult cpu = Sinkhorn.solveAll(pair.get(0), pair.get(1), null, null, CostFunction.SQUARED_EUCLIDEAN, o);
                BatchResult cl = Sinkhorn.solveAll(pair.get(0), pair.get(1), null, null, CostFunction.SQUARED_EUCLIDEAN,
                        o.withBackend("opencl"));
                for (int k = 0; k < 4; k++) {
                    assertTrue(cl.get(k).converged(), cl.get(k).status());
                    assertEquals("opencl", cl.get(k).backend());
                    assertRel(cpu.get(k).cost(), cl.get(k).cost(), 1e-4, "problem " + k + " cost");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} rho {1}, {2} matrix-free={3}")
    @CsvSource({
            "f32, 0.05, 0.05, false", "f32, 0.5, 2, true", "f32, inf, 0.2, false", "f32, 0.2, inf, true",
            "f64, 0.05, 0.05, false", "f64, 0.5, 2, true", "f64, inf, 0.2, false", "f64, 0.2, inf, true"})
    void unbalancedAgreesWithTheCpuLogDomain(String precision, String rhoA, String rhoB, boolean matrixFree) {
        Precision p = Precision.parse(precision);
        Assumptions.assumeTrue(p == Precision.F32 || fp64(), "the device has no fp64");
        Random rnd = new Random(13);
        Points x = points(cloud(rnd, 120, 2)), y = points(cloud(rnd, 90, 2));
        double[] a = weights(rnd, 120, true), b = weights(rnd, 90, false);
        for (int j = 0; j < b.length; j++) {
            b[j] *= 2; // masses 1 and 2
        }
        double ra = Double.parseDouble(rhoA.replace("inf", "Infinity")), rb = Double.parseDouble(rhoB.replace("inf", "Infinity"));
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withPrecision(p).withMatrixFree(matrixFree).withRho(ra, rb)
                .withTolerance(p == Precision.F32 ? 1e-5 : 1e-11).withMaxIterations(20_000).withSweeps("log");
        SinkhornResult cpu = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o);
        SinkhornResult cl = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o.withBackend("opencl"));
        assertTrue(cpu.converged(), cpu.status());
        assertTrue(cl.converged(), cl.status());
        assertTrue(cl.unbalanced());
        assertTrue(cl.status().contains("potentials' change"), cl.status());
        double tol = p == Precision.F32 ? 1e-4 : 1e-9;
        assertRel(cpu.cost(), cl.cost(), tol, "cost");
        assertRel(cpu.objective(), cl.objective(), tol, "objective");
        assertRel(cpu.dualObjective(), cl.dualObjective(), tol, "dual objective");
        assertRel(cpu.mass(), cl.mass(), tol, "mass");
        if (p == Precision.F64) {
            assertEquals(cpu.iterations(), cl.iterations(), "iterations");
        } else {
            assertEquals(cpu.iterations(), cl.iterations(), 2 + cpu.iterations() / 50, "iterations");
        }
        if (ra == Double.POSITIVE_INFINITY) {
            assertEquals(1.0, cl.mass(), tol, "P·1 = a");
        }
        System.out.printf("opencl unbalanced %s rho %s, %s: objective rel. error %.2e, mass %.6f, iterations %d (cpu %d)%n", precision,
                rhoA, rhoB, Math.abs(cl.objective() - cpu.objective()) / Math.abs(cpu.objective()), cl.mass(), cl.iterations(),
                cpu.iterations());
    }

    @Test
    void unbalancedValuesBatchesAnnealingAndWhatIsRefused() {
        // the 2 x 2 value on the device
        NdArray c2 = NdArray.of(new double[]{0, 1, 1, 0}, 2, 2);
        Weights half = Weights.of(0.5, 0.5);
        Precision p = fp64() ? Precision.F64 : Precision.F32;
        SinkhornResult r = Sinkhorn.solve(c2, half, half, SinkhornOptions.epsilon(1).withPrecision(p).withRho(1)
                .withTolerance(p == Precision.F64 ? 1e-13 : 1e-6).withMaxIterations(100_000).withBackend("opencl"));
        assertTrue(r.converged(), r.status());
        assertEquals(0.35681721604912, r.objective(), p == Precision.F64 ? 1e-12 : 1e-6);
        assertEquals(0.88106093, r.mass(), p == Precision.F64 ? 5e-9 : 1e-6);
        // a shared-cost batch: each problem its single solve's, and the CPU log domain's value
        Random rnd = new Random(17);
        int n = 60, m = 50;
        double[][] c = new double[n][m];
        for (double[] row : c) {
            for (int j = 0; j < m; j++) {
                row[j] = rnd.nextDouble();
            }
        }
        DenseGeometry geometry = DenseGeometry.of(c, p);
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            as.add(Weights.of(weights(rnd, n, k == 1)));
            double[] b = weights(rnd, m, false);
            for (int j = 0; j < m; j++) {
                b[j] *= 1 + k;
            }
            bs.add(Weights.of(b));
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.03).withPrecision(p).withRho(0.3, 1).withBackend("opencl")
                .withTolerance(p == Precision.F64 ? 1e-11 : 1e-5).withMaxIterations(20_000);
        BatchResult batch = Sinkhorn.solveBatch(geometry, as, bs, o);
        for (int k = 0; k < 4; k++) {
            SinkhornResult single = Sinkhorn.solve(geometry, as.get(k), bs.get(k), o);
            SinkhornResult cpu = Sinkhorn.solve(geometry, as.get(k), bs.get(k), o.withBackend("cpu").withSweeps("log"));
            assertTrue(batch.get(k).converged(), batch.get(k).status());
            assertEquals(single.iterations(), batch.get(k).iterations(), "problem " + k);
            assertEquals(single.objective(), batch.get(k).objective(), 1e-12 * Math.abs(single.objective()), "problem " + k);
            assertRel(cpu.objective(), batch.get(k).objective(), p == Precision.F64 ? 1e-9 : 1e-4, "problem " + k + " vs cpu");
            assertRel(cpu.mass(), batch.get(k).mass(), p == Precision.F64 ? 1e-9 : 1e-4, "problem " + k + " mass vs cpu");
        }
        // annealing: the damping is recomputed at every stage
        Points x = points(cloud(rnd, 80, 2)), y = points(cloud(rnd, 70, 2));
        SinkhornOptions an = SinkhornOptions.epsilon(0.01).withPrecision(p).withRho(0.1).withAnnealing(0.5)
                .withTolerance(p == Precision.F64 ? 1e-10 : 1e-5).withMaxIterations(20_000);
        SinkhornResult cpu = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, an.withSweeps("log"));
        SinkhornResult cl = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, an.withBackend("opencl"));
        assertTrue(cl.converged(), cl.status());
        assertEquals(cpu.annealEpsilons().length, cl.annealEpsilons().length);
        assertRel(cpu.objective(), cl.objective(), p == Precision.F64 ? 1e-9 : 1e-4, "annealed objective");
        // translation-invariant updates stay on the CPU, with one clear line
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sinkhorn.solve(c2, half, half,
                SinkhornOptions.epsilon(1).withRho(1).withTranslationInvariant(true).withBackend("opencl")));
        assertTrue(e.getMessage().contains("translation-invariant") && e.getMessage().contains("opencl"), e.getMessage());
    }

    @Test
    void f64NeedsFp64() {
        Assumptions.assumeFalse(fp64(), "the device has fp64");
        SinkhornOptions o = SinkhornOptions.epsilon(0.1).withPrecision(Precision.F64).withBackend("opencl");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sinkhorn.solve(NdArray.of(new double[]{0, 1, 1, 0}, 2, 2), null, null, o));
        assertTrue(e.getMessage().contains(OpenClDevice.get().name()), e.getMessage());
    }

    @Test
    void badInputIsRejectedAsOnTheCpu() {
        SinkhornOptions o = SinkhornOptions.epsilon(0.1).withBackend("opencl");
        NdArray c = NdArray.of(new double[]{0, 1, 1, 0}, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> Sinkhorn.solve(c, Weights.of(new double[]{1, -1}), null, o));
        assertThrows(IllegalArgumentException.class, () -> Sinkhorn.solve(c, Weights.of(new double[]{0.5, 0.5}),
                Weights.of(new double[]{0.9, 0.9}), o));
        assertThrows(IllegalArgumentException.class, () -> o.withBackend("cuda"));
    }
}
