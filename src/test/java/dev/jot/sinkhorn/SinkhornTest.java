package dev.jot.sinkhorn;

import static dev.jot.testutil.Vectors.l1;
import static dev.jot.testutil.Vectors.maxAbs;
import static dev.jot.testutil.Vectors.ones;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Kernels;
import dev.jot.kernel.SinkhornKernels;
import dev.jot.testutil.ThreadAgreement;
import dev.jot.testutil.OracleSinkhorn;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The solver against the independent dense oracle, and its guarantees: marginals, duality, threads, errors. */
class SinkhornTest {

    /** A random problem: points (or a cost matrix), weights with some exact zeros, ε. */
    record Problem(double[][] x, double[][] y, double[][] c, double[] a, double[] b, double eps, String kind) {
        int n() {
            return a.length;
        }

        int m() {
            return b.length;
        }

        SinkhornResult solve(SinkhornOptions options) {
            if (kind.equals("matrix")) {
                return Sinkhorn.solve(NdArray.of(flat(c), n(), m()), Weights.of(a), Weights.of(b), options.withEpsilon(eps));
            }
            return Sinkhorn.solve(Points.of(x), Points.of(y), Weights.of(a), Weights.of(b), CostFunction.parse(kind),
                    options.withEpsilon(eps));
        }

        OracleSinkhorn.Solution oracle(double tol) {
            return OracleSinkhorn.solve(a, b, c, eps, tol, 200_000);
        }

        double maxCost() {
            return Arrays.stream(c).flatMapToDouble(Arrays::stream).max().orElseThrow();
        }

        @Override
        public String toString() {
            return kind + " " + n() + " x " + m() + " d=" + (x == null ? "-" : x[0].length) + " eps=" + eps;
        }
    }

    static Problem randomProblem(long seed, int maxN) {
        Random rnd = new Random(seed);
        int n = 1 + rnd.nextInt(maxN), m = 1 + rnd.nextInt(maxN), d = 1 + rnd.nextInt(4);
        String kind = new String[] {"sqeuclidean", "euclidean", "matrix"}[rnd.nextInt(3)];
        double[][] x = points(rnd, n, d), y = points(rnd, m, d);
        double[][] c = switch (kind) {
            case "sqeuclidean" -> OracleSinkhorn.squaredEuclidean(x, y);
            case "euclidean" -> OracleSinkhorn.euclidean(x, y);
            default -> {
                double[][] k = new double[n][m];
                for (double[] row : k) {
                    for (int j = 0; j < m; j++) {
                        row[j] = 3 * rnd.nextDouble();
                    }
                }
                yield k;
            }
        };
        double mean = Arrays.stream(c).flatMapToDouble(Arrays::stream).average().orElseThrow();
        double eps = Math.max(mean, 1e-3) * (0.05 + 0.95 * rnd.nextDouble());
        return new Problem(kind.equals("matrix") ? null : x, kind.equals("matrix") ? null : y, c,
                weights(rnd, n), weights(rnd, m), eps, kind);
    }

    static double[][] points(Random rnd, int n, int d) {
        double[][] p = new double[n][d];
        for (double[] row : p) {
            for (int k = 0; k < d; k++) {
                row[k] = rnd.nextDouble();
            }
        }
        return p;
    }

    /** Random weights summing to 1, about one in five exactly zero (never all). */
    static double[] weights(Random rnd, int n) {
        double[] w = new double[n];
        int keep = rnd.nextInt(n);
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = i != keep && rnd.nextInt(5) == 0 ? 0 : 0.05 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= s;
        }
        return w;
    }

    static double[] flat(double[][] c) {
        return Arrays.stream(c).flatMapToDouble(Arrays::stream).toArray();
    }

    static final SinkhornOptions TIGHT = SinkhornOptions.epsilon(1).withPrecision(Precision.F64)
            .withTolerance(1e-12).withMaxIterations(100_000);

    static IntStream seeds() {
        return IntStream.range(0, 40);
    }

    // ---- against the oracle -----------------------------------------------------------------------

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void matchesOracle(int seed) {
        Problem p = randomProblem(seed, 40);
        SinkhornResult r = p.solve(TIGHT);
        OracleSinkhorn.Solution o = p.oracle(1e-13);
        assertTrue(o.converged(), p + ": oracle error " + o.marginalError());
        assertTrue(r.converged(), p + ": " + r.status());
        assertRel(o.cost(), r.cost(), 1e-9, p + ": cost");
        assertRel(o.objective(), r.objective(), 1e-9, p + ": objective");

        // potentials are unique up to f + c, g − c: compare f_i + g_j
        double[] f = r.f(), g = r.g();
        double worst = 0;
        for (int i = 0; i < p.n(); i++) {
            for (int j = 0; j < p.m(); j++) {
                worst = Math.max(worst, Math.abs((f[i] + g[j]) - (o.f()[i] + o.g()[j])));
            }
        }
        assertTrue(worst <= 1e-9 * (p.eps() + p.maxCost()), p + ": max |(f_i + g_j) - oracle| = " + worst);

        // the plan, entry by entry
        double[] plan = r.plan().toDoubleArray();
        double maxDiff = 0;
        for (int i = 0; i < p.n(); i++) {
            for (int j = 0; j < p.m(); j++) {
                assertTrue(plan[i * p.m() + j] >= 0, "negative plan entry");
                maxDiff = Math.max(maxDiff, Math.abs(plan[i * p.m() + j] - o.plan()[i][j]));
            }
        }
        assertTrue(maxDiff <= 1e-10, p + ": max |P - P_oracle| = " + maxDiff);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void marginalsAndDualityAtConvergence(int seed) {
        Problem p = randomProblem(1000 + seed, 40);
        SinkhornResult r = p.solve(TIGHT);
        assertTrue(r.converged(), p + ": " + r.status());
        double tol = 1e-12;
        assertTrue(r.marginalErrorA() <= tol && r.marginalErrorB() <= tol, p + ": " + r);

        double[] rows = r.applyPlan(ones(p.m()));
        double[] cols = r.applyPlanTransposed(ones(p.n()));
        // rows and columns of the dense plan
        double[] plan = r.plan().toDoubleArray();
        double[] rows2 = new double[p.n()], cols2 = new double[p.m()];
        for (int i = 0; i < p.n(); i++) {
            for (int j = 0; j < p.m(); j++) {
                rows2[i] += plan[i * p.m() + j];
                cols2[j] += plan[i * p.m() + j];
            }
        }
        // the plan's sums are recomputed here in another order: allow rounding on top of the tolerance
        double slack = 1e-14 * (p.n() + p.m());
        assertTrue(l1(rows, p.a()) <= tol + slack, p + ": |P1 - a| = " + l1(rows, p.a()));
        assertTrue(l1(cols, p.b()) <= tol + slack, p + ": |P^T 1 - b| = " + l1(cols, p.b()));
        assertTrue(l1(rows2, p.a()) <= tol + slack, p + ": dense |P1 - a| = " + l1(rows2, p.a()));
        assertTrue(l1(cols2, p.b()) <= tol + slack, p + ": dense |P^T 1 - b| = " + l1(cols2, p.b()));

        // the cost recomputed from the dense plan and the cost matrix
        double cost = 0, kl = 0;
        for (int i = 0; i < p.n(); i++) {
            for (int j = 0; j < p.m(); j++) {
                double pij = plan[i * p.m() + j];
                cost += pij * p.c()[i][j];
                if (pij > 0) {
                    kl += pij * Math.log(pij / (p.a()[i] * p.b()[j]));
                }
            }
        }
        assertRel(cost, r.cost(), 1e-10, p + ": <P, C>");
        assertRel(cost + p.eps() * kl, r.objective(), 1e-10, p + ": <P, C> + eps KL");

        // objective − dual = Σ (r_i − a_i) f_i + Σ (c_j − b_j) g_j, bounded by the marginal errors
        double bound = r.marginalErrorA() * maxAbs(r.f()) + r.marginalErrorB() * maxAbs(r.g()) + 1e-13 * (1 + Math.abs(r.objective()));
        assertEquals(r.objective(), r.dualObjective(), bound, p + ": objective vs dual");

        // a point with weight 0 receives no mass
        for (int i = 0; i < p.n(); i++) {
            if (p.a()[i] == 0) {
                assertEquals(0.0, rows[i], p + ": row " + i + " has weight 0 but mass " + rows[i]);
            }
        }
        for (int j = 0; j < p.m(); j++) {
            if (p.b()[j] == 0) {
                assertEquals(0.0, cols[j], p + ": column " + j + " has weight 0 but mass " + cols[j]);
            }
        }
    }

    @Test
    void zeroWeightsReceiveNoMass() {
        double[][] x = {{0, 0}, {1, 0}, {2, 0}, {3, 0}}, y = {{0, 1}, {1, 1}, {2, 1}};
        double[] a = {0.5, 0, 0.5, 0}, b = {0, 0.25, 0.75};
        SinkhornResult r = Sinkhorn.solve(Points.of(x), Points.of(y), Weights.of(a), Weights.of(b),
                CostFunction.SQUARED_EUCLIDEAN, TIGHT.withEpsilon(0.5));
        assertTrue(r.converged(), r.status());
        double[] rows = r.applyPlan(ones(3)), cols = r.applyPlanTransposed(ones(4));
        assertEquals(0.0, rows[1]);
        assertEquals(0.0, rows[3]);
        assertEquals(0.0, cols[0]);
        for (int j = 0; j < 3; j++) {
            assertEquals(0.0, r.plan(1, j));
            assertEquals(0.0, r.plan(3, j));
        }
        assertEquals(0.5, rows[0], 1e-12);
        assertEquals(0.75, cols[2], 1e-12);
        OracleSinkhorn.Solution o = OracleSinkhorn.solve(a, b, OracleSinkhorn.squaredEuclidean(x, y), 0.5, 1e-13, 100_000);
        assertRel(o.cost(), r.cost(), 1e-10, "cost");
        assertRel(o.objective(), r.objective(), 1e-10, "objective");
        for (int prec = 0; prec < 2; prec++) {
            SinkhornResult s = Sinkhorn.solve(Points.of(x), Points.of(y), Weights.of(a), Weights.of(b),
                    CostFunction.SQUARED_EUCLIDEAN, TIGHT.withEpsilon(0.5).withPrecision(Precision.F32).withTolerance(1e-6));
            assertTrue(s.converged(), s.status());
            assertEquals(0.0, s.applyPlan(ones(3))[1]);
            assertRel(o.cost(), s.cost(), 1e-4, "f32 cost");
        }
    }

    // ---- threads, iteration count -----------------------------------------------------------------

    /** A 300 × 257 problem: 77100 entries, above the 32768 at which sweeps run in parallel. */
    static SinkhornResult parallelProblem(Precision precision, int threads) {
        return parallelProblem(precision, threads, Kernels.defaults());
    }

    static SinkhornResult parallelProblem(Precision precision, int threads, SinkhornKernels kernels) {
        Random rnd = new Random(7);
        double[][] x = points(rnd, 300, 3), y = points(rnd, 257, 3);
        Weights a = Weights.of(weights(rnd, 300)), b = Weights.of(weights(rnd, 257));
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withPrecision(precision)
                .withTolerance(1e-5).withMaxIterations(400).withThreads(threads).withKernels(kernels);
        return Sinkhorn.solve(Points.of(x), Points.of(y), a, b, CostFunction.SQUARED_EUCLIDEAN, o);
    }

    static Stream<Arguments> precisionsAndKernels() {
        return Stream.of("f64", "f32").flatMap(p -> Stream.of("scalar", "vector")
                .map(k -> Arguments.of(p, k)));
    }

    /** Threads 1 to 4 give the same bits, with the scalar and with the vector kernels. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("precisionsAndKernels")
    void bitIdenticalForAnyNumberOfThreads(String precision, String kernelName) {
        if (kernelName.equals("vector")) {
            Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        }
        Precision prec = Precision.parse(precision);
        SinkhornKernels kernels = Kernels.byName(kernelName);
        SinkhornResult[] r = ThreadAgreement.sameBits(t -> parallelProblem(prec, t, kernels));
        for (int t = 1; t <= 4; t++) {
            assertEquals(t, r[t - 1].threads());
            assertEquals(kernelName, r[t - 1].kernels());
            assertTrue(Double.isFinite(r[t - 1].cost()), r[t - 1].status());
        }
        assertTrue(r[0].iterations() > 5, "too few iterations to mean anything: " + r[0].iterations());
    }

    /**
     * The same solve, run first in a fresh JVM and then again once the JIT has compiled the kernels,
     * must give the same bits (as the README promises for any number of threads). Runs {@link
     * ColdWarmProbe} in a child JVM, the only way to be sure the first solve really is cold.
     */
    @Test
    void sameSolveGivesTheSameBitsInAFreshJvm() throws Exception {
        String javaExe = ProcessHandle.current().info().command().orElse(null);
        Assumptions.assumeTrue(javaExe != null, "cannot locate the java executable");
        List<String> cmd = new ArrayList<>(List.of(javaExe));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            cmd.add("--add-modules");
            cmd.add("jdk.incubator.vector");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ColdWarmProbe.class.getName()));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        proc.getOutputStream().close();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, proc.waitFor(), "probe failed: " + out + err);
        String[] lines = out.strip().split("\\R");
        assertEquals(ColdWarmProbe.RUNS * 2, lines.length, out);
        for (int k = 0; k < lines.length; k++) {
            String kind = lines[k].substring(0, lines[k].indexOf(' ', 4));
            String cold = Arrays.stream(lines).filter(l -> l.startsWith(kind)).findFirst().orElseThrow();
            assertEquals(cold, lines[k], "run " + k + " differs from the first (cold) run of the same solve:\n" + out);
        }
    }

    /**
     * {@code -Djot.exp=library} swaps the kernels' own exponential for the Vector API's {@code EXP}: the
     * same solves in a child JVM must agree with this JVM's to the accuracy of the precision (not to the
     * bit: the library's exponential is a different function).
     */
    @Test
    void libraryExponentialIsSelectableAndAgrees() throws Exception {
        String javaExe = ProcessHandle.current().info().command().orElse(null);
        Assumptions.assumeTrue(javaExe != null, "cannot locate the java executable");
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "no vector module");
        List<String> cmd = new ArrayList<>(List.of(javaExe, "--add-modules", "jdk.incubator.vector", "-Djot.exp=library",
                "-cp", System.getProperty("java.class.path"), ColdWarmProbe.class.getName()));
        Process proc = new ProcessBuilder(cmd).start();
        proc.getOutputStream().close();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, proc.waitFor(), "probe failed: " + out + err);
        for (String line : out.strip().split("\\R")) {
            Precision p = Precision.valueOf(line.substring(0, 3).toUpperCase(java.util.Locale.ROOT));
            String hex = line.substring(line.indexOf("cost=") + 5, line.indexOf(' ', line.indexOf("cost=")));
            double library = Double.parseDouble(hex), ours = parallelProblem(p, 1).cost();
            double tol = p == Precision.F32 ? 1e-5 : 1e-12;
            assertEquals(ours, library, tol * Math.abs(ours), line);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 50})
    void toleranceZeroRunsExactlyMaxIterations(int maxIterations) {
        Problem p = randomProblem(99, 30);
        for (Precision prec : Precision.values()) {
            SinkhornResult r = p.solve(SinkhornOptions.epsilon(1).withPrecision(prec).withTolerance(0)
                    .withMaxIterations(maxIterations));
            assertEquals(maxIterations, r.iterations(), prec + " " + r.status());
        }
        // and a loose tolerance stops earlier than the limit
        SinkhornResult loose = p.solve(TIGHT.withTolerance(1e-3));
        assertTrue(loose.converged() && loose.iterations() < 100_000, loose.status());
    }

    /**
     * A solve that stops before its iteration limit must report converged. The loop stops when its
     * row-error estimate Σ|a_i·expm1((f_i − f'_i)/ε)| is at most the tolerance, but result() recomputes
     * the error as Σ|a_i·exp(log a_i + f_i/ε + lse_i) − a_i|; near 1e-12 the two differ in the 4th digit,
     * and here the recomputed one is 1.0003e-12: converged == false, and the status says "raise the
     * iteration limit" after 29068 of 1000000 iterations.
     */
    @Test
    void stoppingBeforeTheLimitMeansConverged() {
        double[][] x = {{0, 0}, {1, 0}, {2, 0}}, y = {{0, 1}, {1, 1}, {2, 1}};
        int limit = 1_000_000;
        SinkhornResult r = Sinkhorn.solve(Points.of(x), Points.of(y), null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.1).withPrecision(Precision.F64).withTolerance(1e-12).withMaxIterations(limit)
                        .withKernels(Kernels.scalar()));
        assertTrue(r.iterations() < limit, "ran into the limit: " + r.status());
        assertTrue(r.converged(), "stopped after " + r.iterations() + " of " + limit + " iterations, but: " + r.status());
    }

    // ---- small epsilon ----------------------------------------------------------------------------

    @Test
    void smallEpsilonInF64Converges() {
        // exponents C/eps reach 1e4: only the log domain survives, and it needs thousands of iterations
        Random rnd = new Random(3);
        double[][] x = points(rnd, 10, 2), y = points(rnd, 13, 2);
        double[][] c = OracleSinkhorn.squaredEuclidean(x, y);
        double eps = 1e-4 * Arrays.stream(c).flatMapToDouble(Arrays::stream).max().orElseThrow();
        SinkhornResult r = Sinkhorn.solve(Points.of(x), Points.of(y), null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-9).withMaxIterations(200_000));
        assertTrue(r.converged(), r.status());
        assertTrue(Double.isFinite(r.cost()) && Double.isFinite(r.objective()), r.toString());
        assertTrue(r.iterations() > 100, "iterations: " + r.iterations());
        double[] a = new double[10], b = new double[13];
        Arrays.fill(a, 1.0 / 10);
        Arrays.fill(b, 1.0 / 13);
        OracleSinkhorn.Solution o = OracleSinkhorn.solve(a, b, c, eps, 1e-9, 200_000);
        assertTrue(o.converged());
        assertRel(o.cost(), r.cost(), 1e-6, "cost at eps = 1e-4 max C");
    }

    @Test
    void smallEpsilonInF32NeverClaimsConvergenceWithNaN() {
        Random rnd = new Random(4);
        double[][] x = points(rnd, 20, 2), y = points(rnd, 25, 2);
        double maxC = Arrays.stream(OracleSinkhorn.squaredEuclidean(x, y)).flatMapToDouble(Arrays::stream).max().orElseThrow();
        for (double scale : new double[] {1e-3, 1e-4, 1e-5}) {
            SinkhornResult r = Sinkhorn.solve(Points.of(x), Points.of(y), null, null, CostFunction.SQUARED_EUCLIDEAN,
                    SinkhornOptions.epsilon(scale * maxC).withPrecision(Precision.F32).withTolerance(1e-6).withMaxIterations(5_000));
            assertFalse(r.status() == null || r.status().isBlank());
            if (r.converged()) {
                assertTrue(Double.isFinite(r.cost()) && Double.isFinite(r.objective()), scale + ": " + r);
                assertTrue(r.marginalError() <= 1e-6, scale + ": " + r);
            } else {
                assertTrue(r.status().startsWith("not converged"), scale + ": " + r.status());
            }
            assertFalse(Double.isNaN(r.cost()) && r.converged(), scale + ": NaN cost with converged == true");
        }
    }

    // ---- validation -------------------------------------------------------------------------------

    static final double[][] X = {{0, 0}, {1, 0}, {2, 0}};
    static final double[][] Y = {{0, 1}, {1, 1}};
    static final SinkhornOptions OPT = SinkhornOptions.epsilon(0.1).withPrecision(Precision.F64);

    static void solve(double[][] x, double[][] y, double[] a, double[] b) {
        Sinkhorn.solve(Points.of(x), Points.of(y), a == null ? null : Weights.of(a), b == null ? null : Weights.of(b),
                CostFunction.SQUARED_EUCLIDEAN, OPT);
    }

    static void assertRejected(Executable call, String... mustContain) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        for (String s : mustContain) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(s),
                    "message should contain '" + s + "': " + e.getMessage());
        }
    }

    @FunctionalInterface
    interface Executable {
        void run() throws Throwable;
    }

    @Test
    void negativeWeight() {
        assertRejected(() -> solve(X, Y, new double[] {0.6, -0.1, 0.5}, null), "a[1]", "-0.1", "negative");
        assertRejected(() -> solve(X, Y, null, new double[] {1.5, -0.5}), "b[1]", "-0.5", "negative");
    }

    @Test
    void nanWeight() {
        assertRejected(() -> solve(X, Y, new double[] {0.5, Double.NaN, 0.5}, null), "a[1]", "NaN");
        assertRejected(() -> solve(X, Y, null, new double[] {Double.POSITIVE_INFINITY, 1}), "b[0]", "Infinity");
    }

    @Test
    void nanCoordinate() {
        assertRejected(() -> solve(new double[][] {{0, 0}, {1, Double.NaN}, {2, 0}}, Y, null, null), "x[1][1]", "NaN");
        assertRejected(() -> solve(X, new double[][] {{Double.NEGATIVE_INFINITY, 1}, {1, 1}}, null, null), "y[0][0]", "Infinity");
    }

    @Test
    void nanInCostMatrix() {
        assertRejected(() -> Sinkhorn.solve(NdArray.of(new double[] {0, 1, Double.NaN, 0}, 2, 2), null, null, OPT),
                "[1][0]", "NaN");
    }

    @Test
    void unequalMasses() {
        assertRejected(() -> solve(X, Y, new double[] {1, 1, 1}, new double[] {1, 1}), "3.0", "2.0", "a", "b");
        // within 1e-6 relative the masses count as equal
        solve(X, Y, new double[] {1, 1, 1}, new double[] {1.5, 1.5 * (1 + 1e-7)});
    }

    @Test
    void mismatchedDimension() {
        assertRejected(() -> solve(X, new double[][] {{0, 1, 2}, {1, 1, 2}}, null, null), "dimension", "3 x 2", "2 x 3");
    }

    @Test
    void wrongWeightLength() {
        assertRejected(() -> solve(X, Y, new double[] {0.5, 0.5}, null), "a", "2", "3");
        assertRejected(() -> solve(X, Y, null, new double[] {0.2, 0.3, 0.5}), "b", "3", "2");
    }

    @Test
    void badEpsilon() {
        assertRejected(() -> SinkhornOptions.epsilon(0), "epsilon", "0");
        assertRejected(() -> SinkhornOptions.epsilon(-1), "epsilon", "-1");
        assertRejected(() -> SinkhornOptions.epsilon(Double.NaN), "epsilon", "NaN");
        assertRejected(() -> SinkhornOptions.epsilon(Double.POSITIVE_INFINITY), "epsilon", "Infinity");
        assertRejected(() -> OPT.withEpsilon(-0.0), "epsilon");
    }

    @Test
    void zeroTotalWeight() {
        assertRejected(() -> solve(X, Y, new double[] {0, 0, 0}, null), "a", "0");
    }

    // ---- helpers ----------------------------------------------------------------------------------


    static void assertRel(double want, double got, double rel, String what) {
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want) + 1e-300,
                what + ": want " + want + ", got " + got + " (relative difference " + Math.abs(got - want) / Math.abs(want) + ")");
    }
}
