package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Unbalanced entropic OT (KL-penalised marginals): the issue's values, the scalar oracle, and the
 * properties (ρ → ∞, scaling, primal = dual, marginals against ρ, threads, batches, bad input).
 */
class UnbalancedTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private static SinkhornOptions f64(double eps) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-14).withMaxIterations(100000);
    }

    private static NdArray matrix(double[][] c) {
        int n = c.length, m = c[0].length;
        double[] v = new double[n * m];
        for (int i = 0; i < n; i++) {
            System.arraycopy(c[i], 0, v, i * m, m);
        }
        return NdArray.of(v, n, m);
    }

    private static double[][] randomCost(Random rnd, int n, int m) {
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                c[i][j] = rnd.nextDouble();
            }
        }
        return c;
    }

    private static double[] randomWeights(Random rnd, int n, double mass) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = 0.1 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] *= mass / s;
        }
        return w;
    }

    @Test
    void theIssuesTwoByTwoExample() {
        double[][] c = {{0, 1}, {1, 0}};
        double[] a = {0.5, 0.5};
        SinkhornResult r = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(a), f64(1).withRho(1));
        assertTrue(r.converged(), r.status());
        double[][] want = {{0.32205357, 0.11847689}, {0.11847689, 0.32205357}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(want[i][j], r.plan(i, j), 5e-9, "P[" + i + "][" + j + "]");
            }
        }
        assertEquals(0.88106093, r.mass(), 5e-9);
        assertEquals(0.35681721604912, r.objective(), 1e-13);
        assertEquals(0.35681721604912, r.dualObjective(), 1e-13);
        assertEquals(1.0, r.rhoA());
        assertEquals(1.0, r.rhoB());
        UnbalancedOracle o = new UnbalancedOracle(c, a, a, 1, 1, 1);
        assertEquals(o.primal, r.objective(), 1e-13);
        assertEquals(o.mass, r.mass(), 1e-13);
        // f32 kernels: the same values to f32's rounding
        SinkhornResult r32 = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(a),
                SinkhornOptions.epsilon(1).withRho(1).withTolerance(1e-6));
        assertTrue(r32.converged(), r32.status());
        assertEquals(0.35681721604912, r32.objective(), 1e-6);
        assertEquals(0.88106093, r32.mass(), 1e-6);
    }

    @Test
    void matchesTheOracleWithUnequalMassesAndSemiRelaxedSides() {
        Random rnd = new Random(17);
        double[][] c = randomCost(rnd, 6, 9);
        double[] a = randomWeights(rnd, 6, 1.0), b = randomWeights(rnd, 9, 2.5);
        a[2] = 0; // a zero weight takes no mass
        double[][] rhos = {{0.3, 0.3}, {2, 0.5}, {INF, 0.7}, {0.4, INF}};
        for (double[] rho : rhos) {
            String what = "rho = " + rho[0] + ", " + rho[1];
            SinkhornResult r = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), f64(0.2).withRho(rho[0], rho[1]));
            UnbalancedOracle o = new UnbalancedOracle(c, a, b, 0.2, rho[0], rho[1]);
            assertTrue(r.converged(), what + ": " + r.status());
            assertEquals(o.primal, r.objective(), 1e-12, what + ": objective");
            assertEquals(r.objective(), r.dualObjective(), 1e-12, what + ": primal = dual");
            assertEquals(o.mass, r.mass(), 1e-12, what + ": mass");
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 9; j++) {
                    assertEquals(o.plan[i][j], r.plan(i, j), 1e-12, what + ": P[" + i + "][" + j + "]");
                }
            }
            if (rho[0] == INF) {
                assertEquals(0, r.marginalErrorA(), 1e-12, what + ": the hard constraint P·1 = a");
                assertEquals(java.util.Arrays.stream(a).sum(), r.mass(), 1e-12, what);
            }
            if (rho[1] == INF) {
                assertEquals(0, r.marginalErrorB(), 1e-12, what + ": the hard constraint Pᵀ·1 = b");
                assertEquals(2.5, r.mass(), 1e-12, what);
            }
        }
    }

    @Test
    void infiniteRhoIsTheBalancedSolveBitForBitAndLargeRhoApproachesIt() {
        Random rnd = new Random(3);
        double[][] c = randomCost(rnd, 20, 30);
        double[] a = randomWeights(rnd, 20, 1), b = randomWeights(rnd, 30, 1);
        for (SinkhornOptions o : new SinkhornOptions[]{SinkhornOptions.epsilon(0.05), f64(0.05)}) {
            SinkhornResult bal = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), o);
            SinkhornResult inf = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), o.withRho(INF));
            assertArrayEquals(bal.f(), inf.f());
            assertArrayEquals(bal.g(), inf.g());
            assertEquals(bal.objective(), inf.objective(), 0.0);
            assertEquals(bal.dualObjective(), inf.dualObjective(), 0.0);
            assertEquals(bal.iterations(), inf.iterations());
            assertEquals(bal.status(), inf.status());
            assertFalse(inf.unbalanced());
        }
        SinkhornResult bal = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), f64(0.05));
        double prev = INF;
        for (double rho : new double[]{0.1, 1, 10, 100}) {
            SinkhornResult r = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), f64(0.05).withTolerance(1e-11).withRho(rho));
            assertTrue(r.converged(), r.status());
            double gap = Math.abs(r.objective() - bal.objective());
            assertTrue(gap < prev, "rho = " + rho + ": the gap to the balanced value " + gap + " shrinks (was " + prev + ")");
            System.out.println("rho = " + rho + ": |objective - balanced objective| = " + gap + ", mass " + r.mass());
            prev = gap;
        }
        assertTrue(prev < 1e-3, "rho = 100: within 1e-3 of the balanced value, got " + prev);
    }

    @Test
    void scalingCostEpsilonAndRhoScalesTheObjective() {
        Random rnd = new Random(5);
        double[][] c = randomCost(rnd, 7, 5);
        double[] a = randomWeights(rnd, 7, 1.3), b = randomWeights(rnd, 5, 0.6);
        SinkhornResult r = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), f64(0.1).withRho(0.5, 2));
        for (double lambda : new double[]{0.25, 3, 1000}) {
            double[][] cl = new double[7][5];
            for (int i = 0; i < 7; i++) {
                for (int j = 0; j < 5; j++) {
                    cl[i][j] = lambda * c[i][j];
                }
            }
            SinkhornResult s = Sinkhorn.solve(matrix(cl), Weights.of(a), Weights.of(b),
                    f64(0.1 * lambda).withRho(0.5 * lambda, 2 * lambda));
            assertEquals(lambda * r.objective(), s.objective(), 1e-12 * lambda, "lambda = " + lambda);
            assertEquals(lambda * r.cost(), s.cost(), 1e-12 * lambda, "lambda = " + lambda);
            assertEquals(r.mass(), s.mass(), 1e-12, "lambda = " + lambda);
        }
    }

    @Test
    void shiftingTheCostsScalesThePlanByTheClosedFormFactor() {
        Random rnd = new Random(8);
        double[][] c = randomCost(rnd, 4, 6);
        double[] a = randomWeights(rnd, 4, 1), b = randomWeights(rnd, 6, 1.7);
        double eps = 0.3, ra = 0.8, rb = 1.9, shift = 2.0;
        SinkhornResult r = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), f64(eps).withRho(ra, rb));
        double[][] cs = new double[4][6];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 6; j++) {
                cs[i][j] = c[i][j] + shift;
            }
        }
        SinkhornResult s = Sinkhorn.solve(matrix(cs), Weights.of(a), Weights.of(b), f64(eps).withRho(ra, rb));
        assertEquals(r.mass() * Math.exp(-shift / (eps + ra + rb)), s.mass(), 1e-12);
    }

    @Test
    void largerRhoMovesTheMarginalsCloser() {
        Random rnd = new Random(11);
        double[][] c = randomCost(rnd, 10, 12);
        double[] a = randomWeights(rnd, 10, 1), b = randomWeights(rnd, 12, 1.5);
        double prev = INF;
        for (double rho : new double[]{0.01, 0.1, 1, 10, 100}) {
            SinkhornResult r = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), f64(0.1).withTolerance(1e-12).withRho(rho));
            assertTrue(r.converged(), r.status());
            double err = r.marginalErrorA() + r.marginalErrorB();
            assertTrue(err < prev, "rho = " + rho + ": marginal error " + err + " below " + prev);
            prev = err;
        }
    }

    @Test
    void sameBitsOnAnyThreadCountInBatchesAndMatrixFree() {
        Random rnd = new Random(2);
        int n = 300, m = 260;
        Points x = cloud(rnd, n, 2), y = cloud(rnd, m, 2);
        Weights a = Weights.of(randomWeights(rnd, n, 1)), b = Weights.of(randomWeights(rnd, m, 0.7));
        for (Precision p : Precision.values()) {
            SinkhornOptions o = SinkhornOptions.epsilon(0.05).withPrecision(p).withRho(0.5, 1.0).withTolerance(1e-5);
            SinkhornResult one = Sinkhorn.solve(x, y, a, b, CostFunction.SQUARED_EUCLIDEAN, o.withThreads(1));
            assertTrue(one.converged(), one.status());
            assertEquals("kernel", one.sweeps(), "auto runs unbalanced problems on the stored kernel, by the balanced rule");
            for (int t : new int[]{2, 3}) {
                SinkhornResult r = Sinkhorn.solve(x, y, a, b, CostFunction.SQUARED_EUCLIDEAN, o.withThreads(t));
                assertArrayEquals(one.f(), r.f(), p + " threads " + t);
                assertArrayEquals(one.g(), r.g(), p + " threads " + t);
                assertEquals(one.objective(), r.objective(), 0.0);
            }
            SinkhornResult free = Sinkhorn.solve(x, y, a, b, CostFunction.SQUARED_EUCLIDEAN, o.withMatrixFree(true).withThreads(2));
            assertTrue(free.converged(), free.status());
            assertEquals(one.objective(), free.objective(), p == Precision.F64 ? 1e-9 : 1e-4, p + " matrix-free");
        }
        // a shared-cost batch and a ragged batch give each problem the bits of its single solve (log sweeps; the
        // stored-kernel batch and single solves are compared in UnbalancedKernelTest)
        DenseGeometry geo = DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, Precision.F64);
        SinkhornOptions o = f64(0.05).withTolerance(1e-9).withRho(0.5, 1.0).withThreads(2).withSweeps("log");
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            as.add(Weights.of(randomWeights(rnd, n, 1 + k)));
            bs.add(Weights.of(randomWeights(rnd, m, 0.5)));
        }
        BatchResult batch = Sinkhorn.solveBatch(geo, as, bs, o);
        for (int k = 0; k < 3; k++) {
            SinkhornResult single = Sinkhorn.solve(geo, as.get(k), bs.get(k), o.withThreads(1));
            assertArrayEquals(single.f(), batch.results().get(k).f(), "batch problem " + k);
            assertEquals(single.objective(), batch.results().get(k).objective(), 0.0);
            assertTrue(single.converged(), single.status());
        }
        Points x2 = cloud(rnd, 40, 2), y2 = cloud(rnd, 25, 2);
        BatchResult ragged = Sinkhorn.solveAll(List.of(x, x2), List.of(y, y2), null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.05).withRho(0.3));
        SinkhornResult second = Sinkhorn.solve(x2, y2, null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.05).withRho(0.3).withThreads(1));
        assertArrayEquals(second.f(), ragged.results().get(1).f());
    }

    @Test
    void annealingReachesTheSameSolution() {
        Random rnd = new Random(4);
        Points x = cloud(rnd, 50, 2), y = cloud(rnd, 40, 2);
        SinkhornOptions o = f64(0.01).withTolerance(1e-10).withRho(0.2);
        SinkhornResult plain = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o);
        SinkhornResult annealed = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withAnnealing(0.5));
        assertTrue(plain.converged() && annealed.converged(), annealed.status());
        assertEquals(plain.objective(), annealed.objective(), 1e-9);
        assertTrue(annealed.annealEpsilons().length > 1);
    }

    @Test
    void translationInvariantUpdatesReachTheSameSolutionInFewerIterations() {
        Random rnd = new Random(21);
        double[][] c = randomCost(rnd, 30, 25);
        double[] a = randomWeights(rnd, 30, 1), b = randomWeights(rnd, 25, 3);
        double[][] rhos = {{5, 5}, {INF, 5}, {5, INF}, {0.5, 20}};
        for (double[] rho : rhos) {
            String what = "rho = " + rho[0] + ", " + rho[1];
            SinkhornOptions o = f64(0.05).withTolerance(1e-11).withRho(rho[0], rho[1]);
            SinkhornResult plain = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), o);
            SinkhornResult ti = Sinkhorn.solve(matrix(c), Weights.of(a), Weights.of(b), o.withTranslationInvariant(true));
            assertTrue(plain.converged() && ti.converged(), what + ": " + ti.status());
            assertEquals(plain.objective(), ti.objective(), 1e-9, what);
            assertEquals(ti.objective(), ti.dualObjective(), 1e-9, what + ": primal = dual");
            assertEquals(plain.mass(), ti.mass(), 1e-9, what);
            assertTrue(ti.iterations() < plain.iterations(), what + ": " + ti.iterations() + " < " + plain.iterations());
        }
        // the batch loop translates too, problem by problem with a single solve's bits
        DenseGeometry geo = DenseGeometry.of(matrix(c), Precision.F64);
        SinkhornOptions o = f64(0.05).withTolerance(1e-10).withRho(5).withTranslationInvariant(true);
        BatchResult batch = Sinkhorn.solveBatch(geo, List.of(Weights.of(a), Weights.of(a)), List.of(Weights.of(b), Weights.of(randomWeights(rnd, 25, 0.5))), o);
        SinkhornResult single = Sinkhorn.solve(geo, Weights.of(a), Weights.of(b), o.withThreads(1));
        assertArrayEquals(single.f(), batch.results().get(0).f());
        assertEquals(single.iterations(), batch.results().get(0).iterations());
        // balanced problems ignore it
        Weights b1 = Weights.of(randomWeights(rnd, 25, 1));
        SinkhornResult bal = Sinkhorn.solve(matrix(c), Weights.of(a), b1, f64(0.05));
        SinkhornResult balTi = Sinkhorn.solve(matrix(c), Weights.of(a), b1, f64(0.05).withTranslationInvariant(true));
        assertArrayEquals(bal.f(), balTi.f());
    }

    @Test
    void badInputIsAClearError() {
        for (double bad : new double[]{0, -1, Double.NaN, Double.NEGATIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SinkhornOptions.epsilon(1).withRho(bad));
            assertTrue(e.getMessage().contains("rho_a") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SinkhornOptions.epsilon(1).withRho(1, bad));
            assertTrue(e.getMessage().contains("rho_b") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        NdArray c = matrix(new double[][]{{0, 1}, {1, 0}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sinkhorn.solve(c, Weights.of(0, 0), null, f64(1).withRho(1)));
        assertTrue(e.getMessage().contains("a sums to 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sinkhorn.solve(c, null, null, f64(1).withRho(1e17, 1)));
        assertTrue(e.getMessage().contains("rho_a = 1.0E17") && e.getMessage().contains("rounds to 1"), e.getMessage());
        // below that limit a huge rho is accepted (and is nearly balanced)
        SinkhornResult near = Sinkhorn.solve(c, null, null, f64(1).withRho(1e12).withMaxIterations(10));
        assertTrue(Double.isFinite(near.objective()));
        // costs so far below zero that the plan's mass exp(-f/rho) overflows f64
        NdArray low = matrix(new double[][]{{-1e6, -1e6}, {-1e6, -1e6}});
        e = assertThrows(IllegalArgumentException.class, () -> Sinkhorn.solve(low, null, null, f64(1).withRho(1)));
        assertTrue(e.getMessage().contains("overflows f64") && e.getMessage().contains("rho_a = 1.0"), e.getMessage());
        // a moderate negative shift is a correct value, not an error
        NdArray mid = matrix(new double[][]{{-100, -99}, {-99, -100}});
        SinkhornResult r = Sinkhorn.solve(mid, null, null, f64(1).withRho(1));
        assertTrue(r.converged() && Double.isFinite(r.objective()), r.status());
        // sweeps kernel runs unbalanced problems too (UnbalancedKernelTest compares it with the log domain)
        SinkhornResult kernel = Sinkhorn.solve(c, null, null, f64(1).withRho(1).withSweeps("kernel"));
        assertTrue(kernel.converged() && "kernel".equals(kernel.sweeps()), kernel.sweeps() + ": " + kernel.status());
        e = assertThrows(IllegalArgumentException.class,
                () -> Sinkhorn.solveSymmetric(Points.of(new double[][]{{0}, {1}}), null, CostFunction.SQUARED_EUCLIDEAN,
                        f64(1).withRho(1, 2)));
        assertTrue(e.getMessage().contains("rho_a = rho_b"), e.getMessage());
    }

    @Test
    void iterationLimitGivesAnHonestNotConverged() {
        Random rnd = new Random(9);
        double[][] c = randomCost(rnd, 5, 5);
        SinkhornResult r = Sinkhorn.solve(matrix(c), null, null, f64(0.01).withRho(100).withMaxIterations(5));
        assertFalse(r.converged());
        assertTrue(r.status().startsWith("not converged: potentials' change"), r.status());
        assertTrue(r.potentialChange() > 1e-14);
    }

    private static Points cloud(Random rnd, int n, int d) {
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble();
        }
        return Points.of(n, d, v);
    }
}
