package dev.jot.properties;

import static dev.jot.testutil.Vectors.l1;
import static dev.jot.testutil.Vectors.maxAbs;
import static dev.jot.testutil.Vectors.ones;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import dev.jot.testutil.ThreadAgreement;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * What JOT guarantees about a balanced entropic solve, as properties over small random point clouds
 * and histograms (n, m in 1..30, d in 1..4, weights with exact zeros), so that shrinking ends at small
 * counterexamples. Seeds are fixed; tries are {@code jqwik.tries.default} (junit-platform.properties)
 * or {@code -Djot.test.tries=N}.
 */
@AddLifecycleHook(value = TriesFromSystemProperty.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class SinkhornProperties {

    /** Points x (n × d), y (m × d), weights a, b (sum 1, some zero) and ε. */
    record Problem(double[][] x, double[][] y, double[] a, double[] b, double eps) {
        int n() {
            return a.length;
        }

        int m() {
            return b.length;
        }

        int d() {
            return x[0].length;
        }

        @Override
        public String toString() {
            return "Problem[n=" + n() + ", m=" + m() + ", d=" + d() + ", eps=" + eps + ", x=" + Arrays.deepToString(x)
                    + ", y=" + Arrays.deepToString(y) + ", a=" + Arrays.toString(a) + ", b=" + Arrays.toString(b) + "]";
        }
    }

    /** A cost matrix (n × m), weights and ε. */
    record Histograms(double[][] c, double[] a, double[] b, double eps) {
        @Override
        public String toString() {
            return "Histograms[c=" + Arrays.deepToString(c) + ", a=" + Arrays.toString(a) + ", b=" + Arrays.toString(b)
                    + ", eps=" + eps + "]";
        }
    }

    // ---- arbitraries ------------------------------------------------------------------------------

    static Arbitrary<double[][]> cloud(int n, int d) {
        return Arbitraries.doubles().between(-1, 1).ofScale(3).array(double[].class).ofSize(n * d)
                .map(flat -> {
                    double[][] p = new double[n][d];
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(flat, i * d, p[i], 0, d);
                    }
                    return p;
                });
    }

    /** Non-negative weights summing to 1; zeros are frequent (a special value), all-zero becomes uniform. */
    static Arbitrary<double[]> histogram(int n) {
        return Arbitraries.doubles().between(0, 1).ofScale(3).withSpecialValue(0.0).array(double[].class).ofSize(n)
                .map(w -> {
                    double s = Arrays.stream(w).sum();
                    return s > 0 ? Arrays.stream(w).map(v -> v / s).toArray() : uniform(n);
                });
    }

    static Arbitrary<Double> epsilons() {
        return Arbitraries.doubles().between(0.05, 2).ofScale(3);
    }

    static Arbitrary<Problem> problems(int minSize, int maxSize) {
        Arbitrary<Integer> sizes = Arbitraries.integers().between(minSize, maxSize);
        return Combinators.combine(sizes, sizes, Arbitraries.integers().between(1, 4))
                .flatAs((n, m, d) -> Combinators.combine(cloud(n, d), cloud(m, d), histogram(n), histogram(m), epsilons())
                        .as(Problem::new));
    }

    @Provide
    Arbitrary<Problem> problems() {
        return problems(1, 30);
    }

    /** Problems above the 32768 cost entries at which the sweeps run in parallel. */
    @Provide
    Arbitrary<Problem> largeProblems() {
        return problems(182, 240);
    }

    @Provide
    Arbitrary<Histograms> histograms() {
        Arbitrary<Integer> sizes = Arbitraries.integers().between(1, 30);
        return Combinators.combine(sizes, sizes).flatAs((n, m) -> Combinators.combine(
                Arbitraries.doubles().between(0, 5).ofScale(3).array(double[].class).ofSize(n * m),
                histogram(n), histogram(m), epsilons()).as((flat, a, b, eps) -> {
                    double[][] c = new double[n][m];
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(flat, i * m, c[i], 0, m);
                    }
                    return new Histograms(c, a, b, eps);
                }));
    }

    record Permuted(Problem problem, List<Integer> perm) {
    }

    @Provide
    Arbitrary<Permuted> permutedProblems() {
        return problems().flatMap(p -> Arbitraries.shuffle(IntStream.range(0, p.n()).boxed().toList())
                .map(perm -> new Permuted(p, perm)));
    }

    record Translated(Problem problem, double[] shift) {
        @Override
        public String toString() {
            return "Translated[" + problem + ", shift=" + Arrays.toString(shift) + "]";
        }
    }

    @Provide
    Arbitrary<Translated> translatedProblems() {
        return problems().flatMap(p -> Arbitraries.doubles().between(-10, 10).ofScale(3).array(double[].class)
                .ofSize(p.d()).map(t -> new Translated(p, t)));
    }

    @Provide
    Arbitrary<Double> factors() {
        return Arbitraries.doubles().between(0.01, 100).ofScale(4);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static final SinkhornOptions F64 = SinkhornOptions.epsilon(1).withPrecision(Precision.F64)
            .withTolerance(1e-12).withMaxIterations(200_000);

    static SinkhornResult solve(Problem p, SinkhornOptions o) {
        return Sinkhorn.solve(Points.of(p.x()), Points.of(p.y()), Weights.of(p.a()), Weights.of(p.b()),
                CostFunction.SQUARED_EUCLIDEAN, o.withEpsilon(p.eps()));
    }

    static SinkhornResult solve(Histograms h, double scale) {
        int n = h.a().length, m = h.b().length;
        double[] flat = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                flat[i * m + j] = scale * h.c()[i][j];
            }
        }
        return Sinkhorn.solve(NdArray.of(flat, n, m), Weights.of(h.a()), Weights.of(h.b()), F64.withEpsilon(scale * h.eps()));
    }

    static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0 / n);
        return w;
    }


    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static void checkRel(double want, double got, double rel, String what) {
        checkClose(want, got, rel, 1e-300, what);
    }

    /** |got − want| ≤ rel·|want| + abs. */
    static void checkClose(double want, double got, double rel, double abs, String what) {
        check(Math.abs(got - want) <= rel * Math.abs(want) + abs,
                what + ": " + want + " vs " + got + " (relative " + Math.abs(got - want) / Math.abs(want) + ")");
    }

    /**
     * The solve reached its tolerance. Measured by the marginal error, with 0.1% slack: near 1e-12 the
     * error itself is only known to about 1e-4 relative, and the solver's converged flag can disagree
     * with its own stopping rule there (a defect with its own property, stoppingBeforeTheLimitMeansConverged).
     */
    static void checkConverged(SinkhornResult r) {
        checkConverged(r, F64.tolerance());
    }

    static void checkConverged(SinkhornResult r, double tol) {
        check(r.marginalError() <= tol * 1.001 || r.converged(), "not converged: " + r.status());
    }

    /** max |P − Q| over all entries. */
    static double maxPlanDiff(SinkhornResult p, SinkhornResult q) {
        double[] u = p.plan().toDoubleArray(), v = q.plan().toDoubleArray();
        double w = 0;
        for (int k = 0; k < u.length; k++) {
            w = Math.max(w, Math.abs(u[k] - v[k]));
        }
        return w;
    }

    // ---- properties -------------------------------------------------------------------------------

    /** At convergence in f64 the plan's row sums are a and its column sums are b, within the tolerance. */
    @Property(seed = "20240601")
    void marginalsHoldAtConvergence(@ForAll("problems") Problem p) {
        double tol = 1e-9;
        SinkhornResult r = solve(p, F64.withTolerance(tol));
        checkConverged(r, tol);
        double slack = 1e-14 * (p.n() + p.m());
        double rows = l1(r.applyPlan(ones(p.m())), p.a()), cols = l1(r.applyPlanTransposed(ones(p.n())), p.b());
        check(rows <= tol + slack, "|P 1 - a|_1 = " + rows);
        check(cols <= tol + slack, "|P^T 1 - b|_1 = " + cols);
        check(r.marginalError() <= tol * 1.001, "reported marginal error " + r.marginalError());
    }

    /** A solve that stops before its iteration limit has converged (its flag agrees with its stopping rule). */
    @Property(seed = "20240609")
    void stoppingBeforeTheLimitMeansConverged(@ForAll("problems") Problem p) {
        SinkhornResult r = solve(p, F64);
        check(r.iterations() < F64.maxIterations(), "ran into the iteration limit: " + r.status());
        check(r.converged(), "stopped after " + r.iterations() + " of " + F64.maxIterations()
                + " iterations but reports: " + r.status());
    }

    /** Every plan entry and the transport cost are non-negative, in f64 and f32. */
    @Property(seed = "20240602")
    void planAndCostAreNonNegative(@ForAll("problems") Problem p) {
        for (Precision prec : Precision.values()) {
            SinkhornResult r = solve(p, F64.withPrecision(prec).withTolerance(prec == Precision.F64 ? 1e-9 : 1e-5)
                    .withMaxIterations(20_000));
            check(Double.isFinite(r.cost()), prec + ": cost " + r.cost() + ", " + r.status());
            check(r.cost() >= 0, prec + ": negative cost " + r.cost());
            for (double v : r.plan().toDoubleArray()) {
                check(v >= 0 && Double.isFinite(v), prec + ": plan entry " + v);
            }
        }
    }

    /** At convergence the primal objective <P,C> + eps KL(P|a x b) equals the dual <a,f> + <b,g>. */
    @Property(seed = "20240603")
    void objectiveEqualsDualAtConvergence(@ForAll("problems") Problem p) {
        SinkhornResult r = solve(p, F64);
        checkConverged(r);
        // the gap is Σ (r_i − a_i) f_i + Σ (c_j − b_j) g_j: at most the marginal errors times the potentials
        double bound = r.marginalErrorA() * maxAbs(r.f()) + r.marginalErrorB() * maxAbs(r.g())
                + 1e-13 * (1 + Math.abs(r.objective()));
        check(Math.abs(r.objective() - r.dualObjective()) <= bound,
                "objective " + r.objective() + " vs dual " + r.dualObjective() + " (bound " + bound + ")");
    }

    /** The vector kernels give the scalar kernels' answer in f64 (to 1e-10 relative). */
    @Property(seed = "20240604")
    @AddLifecycleHook(RequiresVectorKernels.class)
    void vectorKernelsMatchScalarKernels(@ForAll("problems") Problem p) {
        SinkhornResult v = solve(p, F64.withKernels(Kernels.byName("vector")));
        SinkhornResult s = solve(p, F64.withKernels(Kernels.scalar()));
        checkConverged(v);
        checkConverged(s);
        checkRel(s.cost(), v.cost(), 1e-10, "cost");
        checkRel(s.objective(), v.objective(), 1e-10, "objective");
        checkRel(s.dualObjective(), v.dualObjective(), 1e-10, "dual objective");
        check(maxPlanDiff(s, v) <= 1e-10, "max plan difference " + maxPlanDiff(s, v));
    }

    /**
     * The same problem gives bit-identical potentials and cost on 1, 2, 3 and 4 threads, with the scalar
     * and with the vector kernels.
     */
    @Property(seed = "20240605", tries = 8)
    void resultsIdenticalAcrossThreads(@ForAll("largeProblems") Problem p, @ForAll boolean f32, @ForAll boolean vector) {
        Assume.that(!vector || Kernels.vector().isPresent());
        SinkhornOptions o = F64.withPrecision(f32 ? Precision.F32 : Precision.F64).withTolerance(1e-6).withMaxIterations(25)
                .withKernels(vector ? Kernels.byName("vector") : Kernels.scalar());
        SinkhornResult[] r = ThreadAgreement.sameBits(t -> solve(p, o.withThreads(t)));
        for (int t = 1; t <= 4; t++) {
            check(r[t - 1].threads() == t, "threads " + r[t - 1].threads());
        }
    }

    /** Permuting the source points (with their weights) permutes the rows of the plan. */
    @Property(seed = "20240606")
    void permutingXPermutesPlanRows(@ForAll("permutedProblems") Permuted pp) {
        Problem p = pp.problem();
        List<Integer> perm = pp.perm();
        double[][] x2 = new double[p.n()][];
        double[] a2 = new double[p.n()];
        for (int i = 0; i < p.n(); i++) {
            x2[i] = p.x()[perm.get(i)];
            a2[i] = p.a()[perm.get(i)];
        }
        SinkhornResult r = solve(p, F64), s = solve(new Problem(x2, p.y(), a2, p.b(), p.eps()), F64);
        checkConverged(r);
        checkConverged(s);
        double worst = 0;
        for (int i = 0; i < p.n(); i++) {
            for (int j = 0; j < p.m(); j++) {
                worst = Math.max(worst, Math.abs(s.plan(i, j) - r.plan(perm.get(i), j)));
            }
        }
        check(worst <= 1e-10, "max |P'[i][j] - P[perm[i]][j]| = " + worst);
        checkRel(r.cost(), s.cost(), 1e-10, "cost");
    }

    /** Translating both clouds by the same vector leaves the plan unchanged (squared Euclidean cost). */
    @Property(seed = "20240607")
    void translationLeavesPlanUnchanged(@ForAll("translatedProblems") Translated tp) {
        Problem p = tp.problem();
        double[] t = tp.shift();
        double[][] x2 = Arrays.stream(p.x()).map(r -> IntStream.range(0, r.length).mapToDouble(k -> r[k] + t[k]).toArray())
                .toArray(double[][]::new);
        double[][] y2 = Arrays.stream(p.y()).map(r -> IntStream.range(0, r.length).mapToDouble(k -> r[k] + t[k]).toArray())
                .toArray(double[][]::new);
        SinkhornResult r = solve(p, F64), s = solve(new Problem(x2, y2, p.a(), p.b(), p.eps()), F64);
        checkConverged(r);
        checkConverged(s);
        check(maxPlanDiff(r, s) <= 1e-9, "max plan difference " + maxPlanDiff(r, s));
        // coordinates of size |t| are rounded to about 1e-16·|t|: allow that on costs near zero
        double tn = Arrays.stream(t).map(Math::abs).max().orElse(0);
        checkClose(r.cost(), s.cost(), 1e-9, 1e-14 * (1 + tn) * (1 + tn), "cost");
    }

    /** Multiplying the cost matrix and epsilon by the same factor leaves the plan unchanged. */
    @Property(seed = "20240608")
    void scalingCostAndEpsilonLeavesPlanUnchanged(@ForAll("histograms") Histograms h, @ForAll("factors") double factor) {
        SinkhornResult r = solve(h, 1), s = solve(h, factor);
        checkConverged(r);
        checkConverged(s);
        check(maxPlanDiff(r, s) <= 1e-9, "max plan difference " + maxPlanDiff(r, s));
        // values that are zero up to rounding (a single row or column) only agree absolutely
        double scale = factor * (h.eps() + Arrays.stream(h.c()).flatMapToDouble(Arrays::stream).max().orElse(0));
        checkClose(factor * r.cost(), s.cost(), 1e-9, 1e-13 * scale, "cost scales with the factor");
        checkClose(factor * r.objective(), s.objective(), 1e-9, 1e-13 * scale, "objective scales with the factor");
    }

    /**
     * Stored-kernel sweeps ({@code withSweeps("kernel")}) reach the log domain's answer: the same plan (to
     * 1e-9 in f64), cost and objective, and both converge, on small problems and on those large enough for
     * the threaded sweeps; in f32 the cost to 1e-4.
     */
    @Property(seed = "20261201")
    void kernelSweepsGiveTheLogDomainAnswer(@ForAll("problems") Problem p) {
        SinkhornResult log = solve(p, F64.withTolerance(1e-10)), kernel = solve(p, F64.withTolerance(1e-10).withSweeps("kernel"));
        checkConverged(log);
        checkConverged(kernel);
        check(kernel.sweeps().startsWith("kernel"), "sweeps " + kernel.sweeps());
        check(maxPlanDiff(log, kernel) <= 1e-9, "max plan difference " + maxPlanDiff(log, kernel));
        checkClose(log.cost(), kernel.cost(), 1e-7, 1e-12, "cost");
        checkClose(log.objective(), kernel.objective(), 1e-7, 1e-12, "objective");
        SinkhornOptions f32 = F64.withPrecision(Precision.F32).withTolerance(1e-5).withMaxIterations(20_000);
        SinkhornResult log32 = solve(p, f32), kernel32 = solve(p, f32.withSweeps("kernel"));
        check(log32.converged() == kernel32.converged(), "f32 converged: log " + log32.status() + ", kernel " + kernel32.status());
        checkClose(log32.cost(), kernel32.cost(), 1e-4, 1e-6, "f32 cost");
    }

    /** The same on problems above the threshold of the threaded sweeps. */
    @Property(seed = "20261202", tries = 5)
    void kernelSweepsGiveTheLogDomainAnswerOnLargeProblems(@ForAll("largeProblems") Problem p) {
        SinkhornResult log = solve(p, F64.withTolerance(1e-10).withThreads(2)),
                kernel = solve(p, F64.withTolerance(1e-10).withThreads(2).withSweeps("kernel"));
        checkConverged(log);
        checkConverged(kernel);
        check(maxPlanDiff(log, kernel) <= 1e-9, "max plan difference " + maxPlanDiff(log, kernel));
        checkClose(log.cost(), kernel.cost(), 1e-7, 1e-12, "cost");
    }

    /** Skips a property where the JVM cannot run the vector kernels (no jdk.incubator.vector). */
    public static final class RequiresVectorKernels implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return Kernels.vector().isPresent()
                    ? SkipResult.doNotSkip()
                    : SkipResult.skip("vector kernels unavailable: " + Kernels.whyNoVector().orElse("?"));
        }
    }
}
