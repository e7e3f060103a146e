package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.Geometry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Unbalanced (KL-relaxed) transport on the stored-kernel paths ({@link KernelLoop}, {@link BatchKernelLoop}) gives
 * the log domain's answer: random clouds with masses 1 and 2 at ρ/ε from 0.1 to 100, semi-relaxed sides, the
 * issue's 2 × 2 values, the hostile cases (clusters far apart so that the fallback fires, weights from 1e-30 to 1
 * with zeros, n = 1, ρ so small that τ ≈ 0), translation-invariant updates and annealing; the cost, objective,
 * dual value, mass and marginals to 1e-9 relative in f64 and 1e-4 in f32, the same {@code converged}, never a NaN;
 * the same iteration count (f64 exactly; f32 within a couple of iterations: the log domain rounds h = log b + g/ε to
 * f32 before its sums, about 1e-6 of noise in the change it stops on, which at a slow contraction moves the
 * iteration where it crosses the tolerance); the bits do not depend on the thread count; batches against the log
 * batch problem by problem. (The new kernels against the scalar oracle: {@link DampedKernelsTest}.)
 */
class UnbalancedKernelTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private static void assertSameAnswer(SinkhornResult log, SinkhornResult kernel, Precision p, String what) {
        assertSameAnswer(log, kernel, p, what, 0.02);
    }

    /**
     * The kernel's result is the log domain's; {@code f32Slack} is the fraction of the iterations by which f32 counts
     * may differ (where the potentials are large against ε the log domain's f32 rounding of h is above the tolerance).
     */
    private static void assertSameAnswer(SinkhornResult log, SinkhornResult kernel, Precision p, String what, double f32Slack) {
        double tol = p == Precision.F64 ? 1e-9 : 1e-4;
        assertTrue(Double.isFinite(kernel.cost()) && Double.isFinite(kernel.objective()) && Double.isFinite(kernel.mass()),
                what + ": " + kernel.status());
        assertEquals("log", log.sweeps(), what);
        assertTrue(kernel.sweeps().startsWith("kernel"), what + ": sweeps " + kernel.sweeps());
        assertEquals(log.converged(), kernel.converged(), what + ": converged, log " + log.status() + " / kernel " + kernel.status());
        if (p == Precision.F64) {
            assertEquals(log.iterations(), kernel.iterations(), what + ": iterations (" + kernel.sweeps() + ")");
        } else {
            assertEquals(log.iterations(), kernel.iterations(), 2 + f32Slack * log.iterations(), what + ": iterations");
        }
        // f32 potentials carry ε·2^-24 of rounding, which the objective's ε·KL term sees
        double slack = p == Precision.F64 ? 1e-15 : 4e-7 * log.epsilon();
        assertEquals(log.cost(), kernel.cost(), tol * Math.abs(log.cost()) + slack, what + ": cost");
        assertEquals(log.objective(), kernel.objective(), tol * Math.abs(log.objective()) + slack, what + ": objective");
        assertEquals(log.dualObjective(), kernel.dualObjective(), tol * Math.abs(log.dualObjective()) + slack, what + ": dual");
        assertEquals(log.mass(), kernel.mass(), tol * log.mass(), what + ": mass");
        assertTrue(Double.isFinite(kernel.potentialChange()), what + ": potential change " + kernel.potentialChange());
        double[] ones = new double[Math.max(log.n(), log.m())];
        java.util.Arrays.fill(ones, 1);
        double[] rl = log.applyPlan(java.util.Arrays.copyOf(ones, log.m())), rk = kernel.applyPlan(java.util.Arrays.copyOf(ones, log.m()));
        double[] cl = log.applyPlanTransposed(java.util.Arrays.copyOf(ones, log.n())),
                ck = kernel.applyPlanTransposed(java.util.Arrays.copyOf(ones, log.n()));
        double scale = log.mass() / Math.max(log.n(), log.m());
        for (int i = 0; i < rl.length; i++) {
            assertEquals(rl[i], rk[i], tol * Math.abs(rl[i]) + 1e-12 * scale, what + ": row marginal " + i);
        }
        for (int j = 0; j < cl.length; j++) {
            assertEquals(cl[j], ck[j], tol * Math.abs(cl[j]) + 1e-12 * scale, what + ": column marginal " + j);
        }
    }

    private static Points cloud(Random rnd, int n, double lo, double hi) {
        double[] v = new double[2 * n];
        for (int k = 0; k < v.length; k++) {
            v[k] = lo + (hi - lo) * rnd.nextDouble();
        }
        return Points.of(n, 2, v);
    }

    private static double[] weights(Random rnd, int n, double mass) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = 0.2 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] *= mass / s;
        }
        return w;
    }

    private static SinkhornOptions options(Precision p, double eps) {
        return SinkhornOptions.epsilon(eps).withPrecision(p).withTolerance(p == Precision.F64 ? 1e-10 : 1e-5)
                .withMaxIterations(20_000).withSweeps("log");
    }

    /** Solves with log and kernel sweeps and compares; returns the kernel's result. */
    private static SinkhornResult compare(Points x, Points y, double[] a, double[] b, SinkhornOptions o, String what) {
        SinkhornResult log = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o.withSweeps("log"));
        SinkhornResult kernel = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o.withSweeps("kernel"));
        assertSameAnswer(log, kernel, o.precision(), what);
        return kernel;
    }

    static Stream<Arguments> clouds() {
        return Stream.of(Precision.F64, Precision.F32).flatMap(p -> Stream.of(0.1, 1.0, 10.0, 100.0).map(r -> Arguments.of(p, r)));
    }

    @ParameterizedTest(name = "{0} rho/eps {1}")
    @MethodSource("clouds")
    void randomCloudsWithMassesOneAndTwo(Precision p, double rhoOverEps) {
        Random rnd = new Random(41);
        Points x = cloud(rnd, 300, 0, 1), y = cloud(rnd, 400, 0.2, 0.8);
        double[] a = weights(rnd, 300, 1), b = weights(rnd, 400, 2);
        double eps = 0.05;
        SinkhornResult k = compare(x, y, a, b, options(p, eps).withRho(rhoOverEps * eps), p + " rho/eps " + rhoOverEps);
        assertTrue(k.converged(), k.status());
        assertEquals("kernel", k.sweeps(), "no log-domain iteration: " + k.status());
        if (rhoOverEps > 1) {
            return;
        }
        // auto picks the kernel for unbalanced problems by the balanced rule (120,000 entries >= 2^16)
        SinkhornResult auto = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN,
                options(p, eps).withRho(rhoOverEps * eps).withSweeps("auto"));
        assertEquals(k.sweeps(), auto.sweeps());
        assertEquals(k.objective(), auto.objective(), 0.0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void semiRelaxedSidesAndTranslationInvariantUpdates(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(42);
        Points x = cloud(rnd, 160, 0, 1), y = cloud(rnd, 170, 0.1, 0.9);
        double[] a = weights(rnd, 160, 1), b = weights(rnd, 170, 1.5);
        double eps = 0.05;
        // rho_a, rho_b, translation-invariant (0/1)
        double[][] rhos = {{INF, 0.05, 0}, {0.05, INF, 1}, {INF, 0.5, 1}, {0.5, INF, 0}, {0.02, 0.3, 1}};
        for (double[] rho : rhos) {
            {
                boolean ti = rho[2] == 1;
                String what = p + " rho " + rho[0] + ", " + rho[1] + (ti ? " translation-invariant" : "");
                SinkhornResult k = compare(x, y, a, b, options(p, eps).withRho(rho[0], rho[1]).withTranslationInvariant(ti), what);
                assertTrue(k.converged(), what + ": " + k.status());
                if (rho[0] == INF) {
                    assertEquals(1.0, k.mass(), p == Precision.F64 ? 1e-9 : 1e-4, what + ": P·1 = a");
                }
                if (rho[1] == INF) {
                    assertEquals(1.5, k.mass(), p == Precision.F64 ? 1e-9 : 2e-4, what + ": Pᵀ·1 = b");
                }
            }
        }
    }

    private static NdArray matrix(double[][] c) {
        int n = c.length, m = c[0].length;
        double[] v = new double[n * m];
        for (int i = 0; i < n; i++) {
            System.arraycopy(c[i], 0, v, i * m, m);
        }
        return NdArray.of(v, n, m);
    }

    @Test
    void theIssuesTwoByTwoValuesWithKernelSweeps() {
        double[][] c = {{0, 1}, {1, 0}};
        Weights a = Weights.of(0.5, 0.5);
        SinkhornResult r = Sinkhorn.solve(matrix(c), a, a, SinkhornOptions.epsilon(1).withPrecision(Precision.F64).withRho(1)
                .withTolerance(1e-14).withMaxIterations(100_000).withSweeps("kernel"));
        assertEquals("kernel", r.sweeps(), r.status());
        assertTrue(r.converged(), r.status());
        assertEquals(0.35681721604912, r.objective(), 1e-13);
        assertEquals(0.35681721604912, r.dualObjective(), 1e-13);
        assertEquals(0.88106093, r.mass(), 5e-9);
        UnbalancedOracle o = new UnbalancedOracle(c, new double[]{0.5, 0.5}, new double[]{0.5, 0.5}, 1, 1, 1);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(o.plan[i][j], r.plan(i, j), 1e-13, "P[" + i + "][" + j + "]");
            }
        }
        SinkhornResult r32 = Sinkhorn.solve(matrix(c), a, a, SinkhornOptions.epsilon(1).withRho(1).withTolerance(1e-6).withSweeps("kernel"));
        assertEquals("kernel", r32.sweeps(), r32.status());
        assertTrue(r32.converged(), r32.status());
        assertEquals(0.35681721604912, r32.objective(), 1e-6);
        assertEquals(0.88106093, r32.mass(), 1e-6);
        // a random matrix against the independent oracle, both sides penalised differently
        Random rnd = new Random(43);
        double[][] cr = new double[9][11];
        for (double[] row : cr) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextDouble();
            }
        }
        double[] wa = weights(rnd, 9, 1), wb = weights(rnd, 11, 2.5);
        wa[3] = 0;
        SinkhornResult k = Sinkhorn.solve(matrix(cr), Weights.of(wa), Weights.of(wb), SinkhornOptions.epsilon(0.2)
                .withPrecision(Precision.F64).withRho(0.3, 2).withTolerance(1e-14).withMaxIterations(100_000).withSweeps("kernel"));
        UnbalancedOracle ok = new UnbalancedOracle(cr, wa, wb, 0.2, 0.3, 2);
        assertEquals("kernel", k.sweeps(), k.status());
        assertEquals(ok.primal, k.objective(), 1e-12);
        assertEquals(ok.mass, k.mass(), 1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void clustersFarApartAtASmallEpsilonFallBackToTheLogDomain(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(44);
        // two source clusters 30 apart, the targets near the first only: the second's rows underflow in the kernel
        double[] xs = new double[2 * 60], ys = new double[2 * 50];
        for (int i = 0; i < 60; i++) {
            xs[2 * i] = rnd.nextDouble() + (i < 30 ? 0 : 30);
            xs[2 * i + 1] = rnd.nextDouble();
        }
        for (int j = 0; j < 50; j++) {
            ys[2 * j] = rnd.nextDouble();
            ys[2 * j + 1] = rnd.nextDouble();
        }
        Points x = Points.of(60, 2, xs), y = Points.of(50, 2, ys);
        double[] a = weights(rnd, 60, 1), b = weights(rnd, 50, 0.7);
        for (double rho : new double[]{0.01, 1}) {
            SinkhornResult k = compare(x, y, a, b, options(p, 0.01).withRho(rho), p + " clusters 30 apart, rho " + rho);
            assertTrue(k.fallbacks() > 0, "the fallback fires: " + k.sweeps() + " " + k.fallbacks());
            assertEquals("kernel+log", k.sweeps());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void tinyAndZeroWeightsASinglePointAndATinyRho(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(45);
        Points x = cloud(rnd, 40, 0, 1), y = cloud(rnd, 30, 0.2, 1.2);
        double[] a = new double[40], b = new double[30];
        for (int i = 0; i < 40; i++) {
            a[i] = i % 5 == 0 ? 0 : Math.pow(10, -30 * rnd.nextDouble());
        }
        for (int j = 0; j < 30; j++) {
            b[j] = j % 7 == 0 ? 0 : 3 * Math.pow(10, -30 * rnd.nextDouble());
        }
        compare(x, y, a, b, options(p, 0.05).withRho(0.1), p + " weights 1e-30..1 and zeros");
        compare(x, y, a, b, options(p, 0.05).withRho(INF, 0.1), p + " weights 1e-30..1 and zeros, semi-relaxed");
        // n = 1 and m = 1
        Points one = Points.of(1, 2, new double[]{0.5, 0.5});
        double[] w = weights(rnd, 30, 2);
        compare(one, y, new double[]{1}, w, options(p, 0.1).withRho(0.3), p + " n = 1");
        compare(y, one, w, new double[]{1}, options(p, 0.1).withRho(0.3, 1), p + " m = 1");
        // rho so small against epsilon that tau = rho/(rho + eps) is about 1e-9: f is nearly 0 from the first update
        Points x2 = cloud(rnd, 50, 0, 1), y2 = cloud(rnd, 45, 0, 1);
        SinkhornResult tiny = compare(x2, y2, weights(rnd, 50, 1), weights(rnd, 45, 3), options(p, 0.1).withRho(1e-10),
                p + " rho 1e-10");
        assertTrue(tiny.converged(), tiny.status());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void costsFarBelowZeroWhereTheDampingFactorAloneOverflows(String precision) {
        // C − 12 at ε = 0.05: f~/ε is about −240, so exp((τ − 1)·f~/ε) = e^120 overflows f32 on its own (and the
        // plan's mass is about e^{12/(ε + ρ_a + ρ_b)} = e^48); the damped scaling's logarithm stays finite (in f32 one
        // iteration goes to the log domain on the way)
        Precision p = Precision.parse(precision);
        Random rnd = new Random(51);
        int n = 70, m = 60;
        double[][] c = new double[n][m];
        for (double[] row : c) {
            for (int j = 0; j < m; j++) {
                row[j] = rnd.nextDouble() - 12;
            }
        }
        double[] a = weights(rnd, n, 1), b = weights(rnd, m, 2);
        SinkhornOptions o = options(p, 0.05).withRho(0.05, 0.15);
        SinkhornResult log = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), o);
        SinkhornResult kernel = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), o.withSweeps("kernel"));
        assertSameAnswer(log, kernel, p, p + " costs near -12");
        assertTrue(kernel.converged() && kernel.mass() > 1e20, kernel.status() + ", mass " + kernel.mass());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void theBitsDoNotDependOnTheThreadCount(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(46);
        Points x = cloud(rnd, 200, 0, 1), y = cloud(rnd, 180, 0.1, 0.9);
        double[] a = weights(rnd, 200, 1), b = weights(rnd, 180, 2);
        for (boolean ti : new boolean[]{false, true}) {
            SinkhornOptions o = options(p, 0.02).withRho(0.2, 0.5).withTranslationInvariant(ti).withSweeps("kernel");
            SinkhornResult one = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o.withThreads(1));
            assertEquals("kernel", one.sweeps(), one.status());
            assertTrue(one.converged(), one.status());
            for (int t : new int[]{2, 3}) {
                SinkhornResult r = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o.withThreads(t));
                assertArrayEquals(one.f(), r.f(), 0.0, t + " threads");
                assertArrayEquals(one.g(), r.g(), 0.0, t + " threads");
                assertEquals(one.objective(), r.objective(), 0.0, t + " threads");
                assertEquals(one.iterations(), r.iterations());
            }
        }
    }

    @Test
    void annealingRunsTheKernelAtTheTargetEpsilon() {
        Random rnd = new Random(47);
        Points x = cloud(rnd, 150, 0, 1), y = cloud(rnd, 140, 0, 1);
        double[] a = weights(rnd, 150, 1), b = weights(rnd, 140, 1.4);
        for (Precision p : Precision.values()) {
            SinkhornResult k = compare(x, y, a, b, options(p, 0.005).withRho(0.05).withAnnealing(0.5), p + " annealed");
            assertTrue(k.annealEpsilons().length > 1);
            assertTrue(k.converged(), k.status());
        }
    }

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

    private static double[] histogram(Random rnd, int n, double mass) {
        double[] h = new double[n];
        double c1 = rnd.nextDouble() * n, w1 = 2 + 10 * rnd.nextDouble(), s = 0;
        for (int i = 0; i < n; i++) {
            h[i] = Math.exp(-Math.pow((i - c1) / w1, 2)) + 1e-3;
            s += h[i];
        }
        for (int i = 0; i < n; i++) {
            h[i] *= mass / s;
        }
        return h;
    }

    private static void assertSameBatch(BatchResult log, BatchResult kernel, Precision p, String what) {
        assertSameBatch(log, kernel, p, what, 0.02);
    }

    private static void assertSameBatch(BatchResult log, BatchResult kernel, Precision p, String what, double f32Slack) {
        for (int k = 0; k < log.size(); k++) {
            assertSameAnswer(log.get(k), kernel.get(k), p, what + ", problem " + k, f32Slack);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void sharedCostBatchesMatchTheLogBatchProblemByProblem(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(48);
        Geometry g = DenseGeometry.of(gridCost(80, 1), p);
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            as.add(Weights.of(histogram(rnd, 80, 1)));
            bs.add(Weights.of(histogram(rnd, 80, 0.5 + 2 * rnd.nextDouble())));
        }
        double eps = 0.02;
        // rho, rho, translation-invariant (0/1)
        for (double[] rho : new double[][]{{0.02, 0.02, 0}, {0.2, 0.2, 1}, {2, 2, 1}, {INF, 0.1, 0}, {0.1, INF, 1}}) {
            {
                boolean ti = rho[2] == 1;
                String what = p + " rho " + rho[0] + ", " + rho[1] + (ti ? " translation-invariant" : "");
                SinkhornOptions o = options(p, eps).withRho(rho[0], rho[1]).withTranslationInvariant(ti);
                BatchResult log = Sinkhorn.solveBatch(g, as, bs, o);
                BatchResult kernel = Sinkhorn.solveBatch(g, as, bs, o.withSweeps("kernel"));
                assertSameBatch(log, kernel, p, what);
                for (int k = 0; k < kernel.size(); k++) {
                    assertTrue(kernel.get(k).converged(), what + ": " + kernel.get(k).status());
                }
            }
        }
        // auto picks the kernel products for a batch by the balanced rule (12 x 80 x 80 entries >= 2^16)
        BatchResult auto = Sinkhorn.solveBatch(g, as, bs, options(p, eps).withRho(0.1).withSweeps("auto"));
        assertTrue(auto.get(0).sweeps().startsWith("kernel"), auto.get(0).sweeps());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f64", "f32"})
    void batchesWithTheFallbackAndTheirBitsOnAnyThreadCount(String precision) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(49);
        // on a grid of span 10 at eps 0.05, half the problems hold their mass at the far end
        int n = 60;
        Geometry g = DenseGeometry.of(gridCost(n, 10), p);
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            double[] a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = i < n / 4 ? 1 + rnd.nextDouble() : 0;
                b[i] = k % 2 == 0 ? (i < n / 3 ? 1 + rnd.nextDouble() : 0) : (i >= 3 * n / 4 ? 1 + rnd.nextDouble() : 1e-3);
            }
            as.add(Weights.of(a));
            bs.add(Weights.of(b));
        }
        SinkhornOptions o = options(p, 0.05).withRho(0.5);
        BatchResult log = Sinkhorn.solveBatch(g, as, bs, o);
        BatchResult one = Sinkhorn.solveBatch(g, as, bs, o.withSweeps("kernel").withThreads(1));
        // (f/ε reaches 2000 here: the f32 log domain's h carries 1e-4 of rounding, above the tolerance 1e-5)
        assertSameBatch(log, one, p, p + " across the grid", 0.05);
        for (int t : new int[]{2, 3}) {
            BatchResult r = Sinkhorn.solveBatch(g, as, bs, o.withSweeps("kernel").withThreads(t));
            for (int k = 0; k < one.size(); k++) {
                assertArrayEquals(one.get(k).f(), r.get(k).f(), 0.0, t + " threads, problem " + k);
                assertEquals(one.get(k).objective(), r.get(k).objective(), 0.0, t + " threads, problem " + k);
                assertEquals(one.get(k).iterations(), r.get(k).iterations());
            }
        }
    }

    @Test
    void aHardSideOnTheKernelIsTheBalancedStepAndBalancedSolvesKeepTheirBits() {
        Random rnd = new Random(50);
        Points x = cloud(rnd, 150, 0, 1), y = cloud(rnd, 140, 0, 1);
        double[] a = weights(rnd, 150, 1), b = weights(rnd, 140, 1);
        for (Precision p : Precision.values()) {
            SinkhornOptions o = options(p, 0.02).withSweeps("kernel");
            SinkhornResult bal = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o);
            SinkhornResult inf = Sinkhorn.solve(x, y, Weights.of(a), Weights.of(b), CostFunction.SQUARED_EUCLIDEAN, o.withRho(INF));
            assertArrayEquals(bal.f(), inf.f(), 0.0);
            assertEquals(bal.objective(), inf.objective(), 0.0);
            assertFalse(inf.unbalanced());
            assertEquals("kernel", inf.sweeps());
        }
    }
}
