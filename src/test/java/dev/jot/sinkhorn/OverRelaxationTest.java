package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Over-relaxed iterations ({@link OverRelaxation}, on by default; stored-kernel sweeps and matrix-free log-domain sweeps) against plain ones on a catalogue of
 * hostile problems: both converge, the relaxed run never takes more than 5% (plus 3) more iterations, the answers
 * agree, and the relaxed result's plan, rebuilt here in double from its potentials, meets both marginals. The dual
 * gain the steps are checked with is the dual objective's increase, computed here directly.
 */
class OverRelaxationTest {
    /** A named problem: a cost matrix (row-major), weights, ε. */
    record Problem(String name, int n, int m, double[] c, double[] a, double[] b, double eps, double[][] x, double[][] y) {
        Problem(String name, int n, int m, double[] c, double[] a, double[] b, double eps) {
            this(name, n, m, c, a, b, eps, null, null);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A problem on point clouds x, y with the cost |x − y|² (solved on the stored matrix, or matrix-free). */
    private static Problem problem(String name, double[][] x, double[][] y, double[] a, double[] b, double eps) {
        return new Problem(name, x.length, y.length, sqDist(x, y, 0), a, b, eps, x, y);
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0 / n);
        return w;
    }

    private static double[] normalised(double[] w) {
        double s = 0;
        for (double x : w) {
            s += x;
        }
        for (int k = 0; k < w.length; k++) {
            w[k] /= s;
        }
        return w;
    }

    private static double[] sqDist(double[][] x, double[][] y, double offset) {
        double[] c = new double[x.length * y.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                double s = offset;
                for (int k = 0; k < x[i].length; k++) {
                    double d = x[i][k] - y[j][k];
                    s += d * d;
                }
                c[i * y.length + j] = s;
            }
        }
        return c;
    }

    private static double[][] cloud(Random rnd, int n, int d, double shift) {
        double[][] x = new double[n][d];
        for (double[] p : x) {
            for (int k = 0; k < d; k++) {
                p[k] = rnd.nextDouble() + (k == 0 ? shift : 0);
            }
        }
        return x;
    }

    /** 1-D Gaussian histogram on a grid of n bins in [0, 1]. */
    private static double[] gaussian(int n, double mean, double sd) {
        double[] h = new double[n];
        for (int i = 0; i < n; i++) {
            double t = (i + 0.5) / n - mean;
            h[i] = Math.exp(-t * t / (2 * sd * sd)) + 1e-12;
        }
        return normalised(h);
    }

    static List<Problem> catalogue() {
        Random rnd = new Random(20261202);
        List<Problem> out = new ArrayList<>();
        double[][] x = cloud(rnd, 300, 2, 0), y = cloud(rnd, 400, 2, 0);
        out.add(problem("uniform 300x400, eps 0.05", x, y, uniform(300), uniform(400), 0.05));
        out.add(problem("uniform 300x400, eps 0.002", x, y, uniform(300), uniform(400), 0.002));
        // two clusters each side, with the masses split 70/30 against 30/70: mass must cross the gap
        double[][] cx = new double[200][], cy = new double[250][];
        for (int i = 0; i < cx.length; i++) {
            cx[i] = new double[]{rnd.nextDouble() * 0.2 + (i < 140 ? 0 : 3), rnd.nextDouble() * 0.2};
        }
        for (int j = 0; j < cy.length; j++) {
            cy[j] = new double[]{rnd.nextDouble() * 0.2 + (j < 75 ? 0 : 3), rnd.nextDouble() * 0.2};
        }
        out.add(problem("clusters 70/30 against 30/70, eps 0.05", cx, cy, uniform(200), uniform(250), 0.05));
        // 1-D grid histograms (the kind of problem OTT's adaptive momentum diverged on)
        int bins = 200;
        double[][] grid = new double[bins][1];
        for (int i = 0; i < bins; i++) {
            grid[i][0] = (i + 0.5) / bins;
        }
        out.add(problem("1-D grid, Gaussians, eps 1e-3", grid, grid, gaussian(bins, 0.25, 0.05),
                gaussian(bins, 0.7, 0.1), 1e-3));
        out.add(problem("1-D grid, bimodal against one mode, eps 2e-4", grid, grid,
                normalised(addAll(gaussian(bins, 0.2, 0.03), gaussian(bins, 0.8, 0.03))), gaussian(bins, 0.5, 0.05), 2e-4));
        // weights from 1e-30 to 1, with zeros
        double[] wa = new double[300], wb = new double[400];
        for (int i = 0; i < wa.length; i++) {
            wa[i] = i % 17 == 0 ? 0 : Math.pow(10, -30 * rnd.nextDouble());
        }
        for (int j = 0; j < wb.length; j++) {
            wb[j] = j % 23 == 0 ? 0 : Math.pow(10, -30 * rnd.nextDouble());
        }
        out.add(problem("weights 1e-30..1 and zeros, eps 0.01", x, y, normalised(wa), normalised(wb), 0.01));
        // every point twice, and costs far from 0 (absorptions)
        double[][] dup = new double[300][];
        for (int i = 0; i < dup.length; i++) {
            dup[i] = x[i / 2];
        }
        out.add(problem("duplicated points, eps 0.005", dup, y, uniform(300), uniform(400), 0.005));
        out.add(new Problem("costs offset by 50, eps 0.01", 300, 400, sqDist(x, y, 50), uniform(300), uniform(400), 0.01));
        // a small ε for the costs' spread (the kernel falls back to the log domain), a single row, a 3-D cloud
        out.add(problem("eps 2e-4 on the unit square", x, y, uniform(300), uniform(400), 2e-4));
        out.add(problem("one row", new double[][]{{0.5, 0.5}}, y, uniform(1), uniform(400), 0.01));
        double[][] x3 = cloud(rnd, 250, 3, 0), y3 = cloud(rnd, 250, 3, 0.5);
        out.add(problem("3-D, shifted by 0.5, eps 0.003", x3, y3, uniform(250), uniform(250), 0.003));
        return out;
    }

    private static double[] addAll(double[] p, double[] q) {
        double[] r = new double[p.length];
        for (int k = 0; k < p.length; k++) {
            r[k] = p[k] + q[k];
        }
        return r;
    }

    static Stream<Arguments> cases() {
        return catalogue().stream().flatMap(c -> Stream.of(Arguments.of(c, Precision.F64, "kernel"), Arguments.of(c, Precision.F32, "kernel"),
                Arguments.of(c, Precision.F64, "matrix-free"), Arguments.of(c, Precision.F32, "matrix-free")));
    }

    /** The problem on its stored cost matrix, or from its points when the options ask for matrix-free costs. */
    private static SinkhornResult solve(Problem p, SinkhornOptions o) {
        if (o.matrixFree(p.n, p.m)) {
            return Sinkhorn.solve(dev.jot.data.Points.of(p.x), dev.jot.data.Points.of(p.y), Weights.of(p.a), Weights.of(p.b),
                    dev.jot.geometry.CostFunction.SQUARED_EUCLIDEAN, o);
        }
        return Sinkhorn.solve(NdArray.of(p.c, p.n, p.m), Weights.of(p.a), Weights.of(p.b), o);
    }

    /**
     * Both marginal L1 errors of the plan a_i·b_j·exp((f_i + g_j − C_ij)/ε), in double, on the costs the solver had
     * (rounded to f32 for an f32 solve: at costs near 50 that rounding alone moves an entry by 4e-4 of itself at ε = 0.01).
     */
    static double[] marginalErrors(Problem p, Precision precision, double[] f, double[] g) {
        double[] row = new double[p.n], col = new double[p.m];
        for (int i = 0; i < p.n; i++) {
            for (int j = 0; j < p.m; j++) {
                double cij = precision == Precision.F32 ? (float) p.c[i * p.m + j] : p.c[i * p.m + j];
                double pij = p.a[i] * p.b[j] * Math.exp((f[i] + g[j] - cij) / p.eps);
                row[i] += pij;
                col[j] += pij;
            }
        }
        double ea = 0, eb = 0;
        for (int i = 0; i < p.n; i++) {
            ea += Math.abs(row[i] - p.a[i]);
        }
        for (int j = 0; j < p.m; j++) {
            eb += Math.abs(col[j] - p.b[j]);
        }
        return new double[]{ea, eb};
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void neverSlowerThanPlainByMoreThanFivePercentAndTheSameAnswer(Problem p, Precision precision, String sweeps) {
        boolean free = sweeps.equals("matrix-free");
        org.junit.jupiter.api.Assumptions.assumeTrue(!free || p.x != null, "a cost matrix only");
        double tol = 1e-6;
        SinkhornOptions o = SinkhornOptions.epsilon(p.eps).withSweeps(free ? "log" : sweeps).withPrecision(precision).withThreads(1)
                .withTolerance(tol).withMaxIterations(200_000).withMatrixFree(free);
        SinkhornResult plain = solve(p, o.withOverRelaxation(false));
        SinkhornResult relaxed = solve(p, o);
        assertEquals(free ? "log" : "kernel", relaxed.sweeps().substring(0, free ? 3 : 6), p + ": sweeps " + relaxed.sweeps());
        if (Boolean.getBoolean("jot.test.printCatalogue")) {
            System.out.println("catalogue: " + p + " " + precision + " " + sweeps + ": plain " + plain.iterations() + ", relaxed "
                    + relaxed.iterations() + " (omega up to " + relaxed.omega() + ")");
        }
        assertTrue(plain.converged(), p + ": plain " + plain.status());
        assertTrue(relaxed.converged(), p + ": relaxed " + relaxed.status());
        assertEquals(1.0, plain.omega(), p + ": plain omega");
        assertTrue(relaxed.iterations() <= 1.05 * plain.iterations() + 3,
                p + ": relaxed " + relaxed.iterations() + " iterations against plain " + plain.iterations());
        // two states within the tolerance of the marginals: their costs differ by up to about 2·tol times the costs' spread
        double spread = java.util.Arrays.stream(p.c).max().orElseThrow() - java.util.Arrays.stream(p.c).min().orElseThrow();
        double rel = precision == Precision.F64 ? 1e-6 : 1e-4;
        assertEquals(plain.cost(), relaxed.cost(), rel * Math.abs(plain.cost()) + 2 * tol * spread, p + ": cost");
        assertEquals(plain.objective(), relaxed.objective(), rel * Math.abs(plain.objective()) + 2 * tol * spread + 4e-7 * p.eps,
                p + ": objective");
        double[] err = marginalErrors(p, precision, relaxed.f(), relaxed.g());
        double[] plainErr = marginalErrors(p, precision, plain.f(), plain.g());
        // the f32 kernel's sums carry its rounding (about 1e-7 of each row's mass) into the potentials; the f32 log
        // domain rounds h = log b + g/ε, which at costs near 50 and ε = 0.01 moves entries by 1e-4 of themselves: there
        // the relaxed plan must be as close to its marginals as the plain one is (both measured here in double)
        double slack = precision == Precision.F64 ? 1e-9 : 2e-6;
        for (int side = 0; side < 2; side++) {
            double bound = Math.max(tol + slack, 2 * plainErr[side]);
            assertTrue(err[side] <= bound, p + ": " + (side == 0 ? "row" : "column") + " marginal error " + err[side]
                    + " (plain: " + plainErr[side] + ")");
        }
    }

    @Test
    void smallEpsilonTakesSeveralTimesFewerIterations() {
        Problem p = catalogue().get(1);
        NdArray c = NdArray.of(p.c, p.n, p.m);
        SinkhornOptions o = SinkhornOptions.epsilon(p.eps).withSweeps("kernel").withPrecision(Precision.F64).withThreads(1);
        SinkhornResult plain = Sinkhorn.solve(c, Weights.of(p.a), Weights.of(p.b), o.withOverRelaxation(false));
        SinkhornResult relaxed = Sinkhorn.solve(c, Weights.of(p.a), Weights.of(p.b), o);
        assertTrue(relaxed.omega() > 1.5, "omega " + relaxed.omega());
        assertTrue(3 * relaxed.iterations() <= plain.iterations(),
                "relaxed " + relaxed.iterations() + " iterations against plain " + plain.iterations());
    }

    @Test
    void matrixFreeRelaxesWhileSmallStoredUnbalancedAndFixedCountSolvesIteratePlainly() {
        Problem p = catalogue().get(1);
        NdArray c = NdArray.of(p.c, p.n, p.m);
        SinkhornOptions o = SinkhornOptions.epsilon(p.eps).withPrecision(Precision.F64).withThreads(1);
        SinkhornResult free = solve(p, o.withMatrixFree(true));
        SinkhornResult plain = solve(p, o.withMatrixFree(true).withOverRelaxation(false));
        assertTrue(free.omega() > 1.5, "omega " + free.omega());
        assertTrue(3 * free.iterations() <= plain.iterations(), free.iterations() + " against " + plain.iterations());
        // plain: a stored matrix in the log domain, unbalanced problems, a fixed iteration count
        assertEquals(1.0, Sinkhorn.solve(c, Weights.of(p.a), Weights.of(p.b), o.withSweeps("log")).omega(), "log");
        for (String sweeps : new String[]{"log", "kernel"}) {
            assertEquals(1.0, Sinkhorn.solve(c, Weights.of(p.a), Weights.of(p.b), o.withSweeps(sweeps).withRho(1, 1)).omega(), sweeps);
        }
        SinkhornOptions fixed = o.withSweeps("kernel").withTolerance(0).withMaxIterations(300);
        SinkhornResult tenPlain = Sinkhorn.solve(c, Weights.of(p.a), Weights.of(p.b), fixed.withOverRelaxation(false));
        SinkhornResult ten = Sinkhorn.solve(c, Weights.of(p.a), Weights.of(p.b), fixed);
        assertEquals(1.0, ten.omega(), "a fixed iteration count");
        assertEquals(tenPlain.cost(), ten.cost(), 0, "a fixed iteration count gives the plain iterates");
    }

    @Test
    void aSolveStoppedByTheIterationLimitEndsWithAPlainStep() {
        Problem p = catalogue().get(1);
        SinkhornOptions o = SinkhornOptions.epsilon(p.eps).withPrecision(Precision.F64).withThreads(1).withMaxIterations(60);
        for (SinkhornOptions q : new SinkhornOptions[]{o.withSweeps("kernel"), o.withMatrixFree(true)}) {
            SinkhornResult r = solve(p, q);
            assertTrue(r.omega() > 1, "relaxed before the limit: omega " + r.omega());
            assertEquals(60, r.iterations());
            assertTrue(!r.converged(), r.status());
            assertTrue(r.marginalErrorB() < 1e-12, "P^T 1 = b after the last (plain) step: " + r.marginalErrorB());
            double[] err = marginalErrors(p, Precision.F64, r.f(), r.g());
            assertEquals(r.marginalErrorA(), err[0], 1e-9, "the reported row error is the plan's");
        }
    }

    /** D(f, g) = ⟨a, f⟩ + ⟨b, g⟩ − ε·Σ a_i·b_j·exp((f_i + g_j − C_ij)/ε) + ε, in double. */
    private static double dual(Problem p, double[] f, double[] g) {
        double d = p.eps;
        for (int i = 0; i < p.n; i++) {
            d += p.a[i] * f[i];
            for (int j = 0; j < p.m; j++) {
                d -= p.eps * p.a[i] * p.b[j] * Math.exp((f[i] + g[j] - p.c[i * p.m + j]) / p.eps);
            }
        }
        for (int j = 0; j < p.m; j++) {
            d += p.b[j] * g[j];
        }
        return d;
    }

    @Test
    void theGainIsTheDualObjectivesIncrease() {
        Random rnd = new Random(7);
        Problem p = new Problem("small", 30, 40, sqDist(cloud(rnd, 30, 2, 0), cloud(rnd, 40, 2, 0), 0),
                normalised(rnd.doubles(30, 0.1, 1).toArray()), normalised(rnd.doubles(40, 0.1, 1).toArray()), 0.05);
        double[] f = rnd.doubles(p.n, -0.1, 0.1).toArray(), g = rnd.doubles(p.m, -0.1, 0.1).toArray();
        // the plain f update and t_i = (f_sinkhorn,i − f_i)/ε
        double[] t = new double[p.n];
        for (int i = 0; i < p.n; i++) {
            double s = 0;
            for (int j = 0; j < p.m; j++) {
                s += p.b[j] * Math.exp((g[j] - p.c[i * p.m + j]) / p.eps);
            }
            t[i] = (-p.eps * Math.log(s) - f[i]) / p.eps;
        }
        double d0 = dual(p, f, g);
        for (double omega : new double[]{1, 1.3, 1.8, 1.95, 2.5}) {
            double[] fw = new double[p.n];
            for (int i = 0; i < p.n; i++) {
                fw[i] = f[i] + omega * p.eps * t[i];
            }
            double[] gain = OverRelaxation.gain(p.a, t, p.n, omega);
            assertEquals(dual(p, fw, g) - d0, p.eps * gain[1], 1e-12, "omega " + omega);
            if (omega == 1) {
                assertEquals(gain[0], gain[1], 0, "omega 1 is the plain step");
            }
            assertTrue(gain[1] <= gain[0] + 1e-15, "the plain step is the best along the line (omega " + omega + ")");
        }
    }
}
