package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.Geometry;
import dev.jot.kernel.SinkhornKernels;
import java.util.Locale;
import java.util.Objects;

/**
 * The log-domain Sinkhorn loop, one iteration at a time, for callers that drive it themselves
 * (benchmarks, custom stopping rules, warm starts); {@link Sinkhorn#solve} is this loop run to the
 * tolerance. Each {@link #step()} updates f then g:
 * f_i = −ε·log Σ_j b_j·exp((g_j − C_ij)/ε), then g_j = −ε·log Σ_i a_i·exp((f_i − C_ij)/ε); unbalanced
 * ({@link SinkhornOptions#withRho}), each is damped by τ = ρ/(ρ + ε), with the translation step in between when
 * {@link SinkhornOptions#withTranslationInvariant} asks for it.
 *
 * <p>Not thread-safe (it owns mutable potentials); the sweeps inside use the options' threads. Close it
 * to release its worker threads.
 */
public final class SinkhornIterator implements AutoCloseable {
    private final Geometry geometry;
    private final SinkhornOptions options;
    private final SinkhornKernels kernels;
    private final Sweeps sweeps;
    private final int n;
    private final int m;
    private double eps;
    private double invEps;
    private final boolean f32;
    private final double[] a;
    private final double[] b;
    private final double[] logA;
    private final double[] logB;
    private double[] f;
    private double[] fNext;
    private final double[] g;
    /** The last row and column log-sum-exps: kept, as the next sweep's guesses of its results. */
    private final double[] rowLse;
    private final double[] colLse;
    /** Whether rowLse belongs to the current g (then result() needs no new row sweep). */
    private boolean rowLseCurrent;
    /** Whether colLse belongs to the current f. */
    private boolean colLseCurrent;
    /** Whether the last fused pass summed the columns for {@link #updateG()}, and whether every sum was trusted. */
    private boolean colPending;
    private boolean colTrusted;
    private int[] levelIterations = new int[0];
    private double[] levelEpsilons = new double[0];
    private final double[] hRow;
    private final double[] hCol;
    private final float[] hRowF;
    private final float[] hColF;
    private final long startNanos;
    /** The marginal penalties (infinite: a hard constraint), and ε·τ = ε·ρ/(ρ + ε) at the current ε. */
    private final double rhoA;
    private final double rhoB;
    private final boolean unbalanced;
    private final boolean translate;
    /** ρ_a·ρ_b/(ρ_a + ρ_b), 1/∞ = 0: the translation's factor. */
    private final double translationFactor;
    private double dampedEpsA;
    private double dampedEpsB;
    private int iterations;
    private String failure;

    SinkhornIterator(Geometry geometry, Weights aw, Weights bw, SinkhornOptions options, long startNanos) {
        this.geometry = Objects.requireNonNull(geometry, "geometry");
        this.options = Objects.requireNonNull(options, "options");
        this.startNanos = startNanos;
        n = geometry.n();
        m = geometry.m();
        rhoA = options.rhoA();
        rhoB = options.rhoB();
        unbalanced = options.unbalanced();
        translate = unbalanced && options.translationInvariant();
        translationFactor = translationFactor(rhoA, rhoB);
        double[][] ab = checkedWeights(geometry, aw, bw, options.epsilon(), unbalanced);
        a = ab[0];
        b = ab[1];
        eps = options.epsilon();
        invEps = 1.0 / eps;
        damping(eps);
        f32 = geometry.precision() == Precision.F32;
        kernels = options.kernels();
        logA = logs(a);
        logB = logs(b);
        f = new double[n];
        fNext = new double[n];
        g = new double[m];
        rowLse = new double[n];
        colLse = new double[m];
        java.util.Arrays.fill(rowLse, Double.NaN);
        java.util.Arrays.fill(colLse, Double.NaN);
        hRow = new double[m];
        hCol = new double[n];
        hRowF = f32 ? new float[m] : null;
        hColF = f32 ? new float[n] : null;
        sweeps = new Sweeps(geometry, kernels, options.threads());
    }

    /**
     * The weights a solve uses, checked (finite, non-negative, positive totals, the geometry's sizes,
     * equal masses within {@link Sinkhorn#MASS_TOLERANCE}), with b rescaled to a's total; and the f32
     * range check of costs / ε. Returns {a, b} (copies).
     */
    static double[][] checkedWeights(Geometry geometry, Weights aw, Weights bw, double epsilon) {
        return checkedWeights(geometry, aw, bw, epsilon, false);
    }

    /** {@link #checkedWeights(Geometry, Weights, Weights, double)}; unbalanced problems keep their masses. */
    static double[][] checkedWeights(Geometry geometry, Weights aw, Weights bw, double epsilon, boolean unbalanced) {
        int n = geometry.n(), m = geometry.m();
        if (n < 1 || m < 1) {
            throw new IllegalArgumentException("the problem is empty: n = " + n + ", m = " + m);
        }
        double[] a = Sinkhorn.checkWeights("a", aw, n, "n");
        double[] b = Sinkhorn.checkWeights("b", bw, m, "m");
        double sa = sum(a), sb = sum(b);
        if (unbalanced) {
            checkCostRange(geometry, epsilon);
            return new double[][]{a, b};
        }
        if (Math.abs(sa - sb) > Sinkhorn.MASS_TOLERANCE * Math.max(sa, sb)) {
            throw new IllegalArgumentException("balanced transport needs equal masses, but a sums to " + sa
                    + " and b sums to " + sb);
        }
        for (int j = 0; j < m; j++) {
            b[j] *= sa / sb;
        }
        checkCostRange(geometry, epsilon);
        return new double[][]{a, b};
    }

    private static void checkCostRange(Geometry geometry, double epsilon) {
        double invEps = 1.0 / epsilon;
        double range = Math.max(Math.abs(geometry.maxCost()), Math.abs(geometry.minCost()));
        if (geometry.precision() == Precision.F32 && range * invEps > 1e30) {
            throw new IllegalArgumentException("costs / epsilon = " + range * invEps
                    + " overflows f32; use precision f64 or a larger epsilon");
        }
    }

    /**
     * τ = ρ/(ρ + ε), the damping of an unbalanced update (1 for ρ = ∞).
     *
     * @throws IllegalArgumentException if a finite ρ is so large against ε that τ rounds to 1 in f64
     */
    static double tau(String name, double rho, double eps) {
        if (rho == Double.POSITIVE_INFINITY) {
            return 1.0;
        }
        double tau = 1.0 / (1.0 + eps / rho);
        if (tau == 1.0) {
            throw new IllegalArgumentException(name + " = " + rho + " with epsilon = " + eps + ": rho/epsilon = " + rho / eps
                    + " is so large that the damping rho/(rho+epsilon) rounds to 1 in f64 and the marginal penalty is"
                    + " lost; use " + name + " = inf (a hard constraint) or a rho below 1e15 * epsilon");
        }
        return tau;
    }

    /** ε·τ for each side at ε (checks that the damping does not round to 1). */
    private void damping(double eps) {
        dampedEpsA = tau("rho_a", rhoA, eps) * eps;
        dampedEpsB = tau("rho_b", rhoB, eps) * eps;
    }

    /** {@return the current ε} */
    public double epsilon() {
        return eps;
    }

    /**
     * Continues with another ε, keeping the potentials (a warm start, as in ε-annealing). The f32 range
     * check was made for the options' ε: callers go down to it, not below.
     *
     * @param epsilon the new ε, positive and finite, not below the options' ε
     * @throws IllegalArgumentException if ε is not positive and finite
     */
    public void setEpsilon(double epsilon) {
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
        }
        if (epsilon != eps) {
            if (unbalanced) {
                damping(epsilon);
            }
            eps = epsilon;
            invEps = 1.0 / epsilon;
            java.util.Arrays.fill(rowLse, Double.NaN);
            java.util.Arrays.fill(colLse, Double.NaN);
            rowLseCurrent = false;
            colLseCurrent = false;
            colPending = false;
        }
    }

    /** {@return a copy of the current f (after the last completed iteration's f update)} */
    public double[] f() {
        return f.clone();
    }

    /** {@return a copy of the current g (after the last completed iteration)} */
    public double[] g() {
        return g.clone();
    }

    /** {@return a copy of the source weights a the iterations use} Their total is the mass that b is rescaled to. */
    public double[] weightsA() {
        return a.clone();
    }

    /** {@return a copy of b as the iterations use it: rescaled to a's total mass (balanced), as given (unbalanced)} */
    public double[] weightsB() {
        return b.clone();
    }

    /** {@return the number of completed iterations} */
    public int iterations() {
        return iterations;
    }

    /** One full iteration: f update, then g update. */
    public void step() {
        updateF();
        commitF();
        translate();
        updateG();
    }

    /**
     * Computes the next f into a buffer; returns false if it is not finite. The current state is kept
     * until {@link #commitF()}.
     */
    boolean updateF() {
        return updateF(true);
    }

    /**
     * The f update. On a stored matrix, with {@code withColumns} and the previous column log-sum-exps at
     * hand as shifts, the same pass over C also sums the columns for the g update that follows (see
     * {@code Sweeps.beginFused}): one read of C per iteration instead of one of C and one of Cᵀ.
     */
    private boolean updateF(boolean withColumns) {
        if (sweeps.fused()) {
            beginFusedUpdate(withColumns);
            sweeps.runFusedStripes();
            return endFusedUpdate();
        }
        prepareRowSweep();
        colPending = false;
        sweeps.logSumExp(false, hRow, hRowF, invEps, rowLse);
        return finishRowSweep();
    }

    /** The fused pass in parts, for {@link SharedCostBatch}: begin, every tile in stripe order, end. */
    Sweeps sweeps() {
        return sweeps;
    }

    void beginFusedUpdate(boolean withColumns) {
        prepareRowSweep();
        double[] shift = withColumns && allFinite(colLse, m) ? colLse : null;
        colPending = (unbalanced ? sweeps.beginFused(hRow, hRowF, eps, dampedEpsA, rowLse, logA, shift)
                : sweeps.beginFused(hRow, hRowF, eps, rowLse, logA, shift)) != null;
    }

    boolean endFusedUpdate() {
        // the column log-sum-exps for updateG(), written into colLse now (it is only read as the shift
        // guess by the next pass, and updateG() redoes every column exactly if any sum is out of range)
        if (colPending) {
            colLseCurrent = false;
        }
        colTrusted = colPending && sweeps.endFused(colLse);
        return finishRowSweep();
    }

    /** h_j = log b_j + g_j/ε for the row sweep (f32 copy included). */
    void prepareRowSweep() {
        scaled(logB, g, hRow, hRowF);
    }

    /** f' = −ε·lse from the row sweep's results; false if not finite. */
    boolean finishRowSweep() {
        rowLseCurrent = true;
        if (unbalanced) {
            for (int i = 0; i < n; i++) {
                fNext[i] = -dampedEpsA * rowLse[i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                fNext[i] = -eps * rowLse[i];
            }
        }
        if (!allFinite(fNext, n)) {
            failure = nonFinite(iterations + 1);
            return false;
        }
        return true;
    }

    /** h_i = log a_i + f_i/ε for the column sweep. */
    void prepareColumnSweep() {
        scaled(logA, f, hCol, hColF);
    }

    /** g = −ε·lse from the column sweep's results; counts the iteration; false if not finite. */
    boolean finishColumnSweep() {
        rowLseCurrent = false;
        colLseCurrent = true;
        if (unbalanced) {
            for (int j = 0; j < m; j++) {
                g[j] = -dampedEpsB * colLse[j];
            }
        } else {
            for (int j = 0; j < m; j++) {
                g[j] = -eps * colLse[j];
            }
        }
        iterations++;
        if (!allFinite(g, m)) {
            failure = nonFinite(iterations);
            return false;
        }
        return true;
    }

    /**
     * Sets g = f (the symmetric problem OT(α, α) on a square, symmetric geometry with a = b) and
     * computes the soft-minimum T(f) into the f buffer, as {@link #updateF()}.
     */
    boolean symmetricUpdate() {
        System.arraycopy(f, 0, g, 0, n);
        colLseCurrent = false;
        return updateF(false);
    }

    /** The averaged step f = (f + T(f))/2, g = f; counts the iteration. */
    void commitSymmetric() {
        for (int i = 0; i < n; i++) {
            f[i] = 0.5 * (f[i] + fNext[i]);
        }
        System.arraycopy(f, 0, g, 0, n);
        rowLseCurrent = false;
        colLseCurrent = false;
        colPending = false;
        iterations++;
    }

    /** The sweep inputs and outputs, for a batched engine that runs the sweeps of many problems at once. */
    double[] h(boolean transposed) {
        return transposed ? hCol : hRow;
    }

    float[] hF32(boolean transposed) {
        return transposed ? hColF : hRowF;
    }

    double[] lse(boolean transposed) {
        return transposed ? colLse : rowLse;
    }

    /**
     * ‖P·1 − a‖₁ for the current state (f, g), from the f computed by {@link #updateF()}: the row sums of
     * P are a_i·exp((f_i − f'_i)/ε), so the check costs no sweep.
     */
    double rowErrorFromUpdate() {
        return unbalanced ? potentialChange(a, f, fNext, invEps) : rowError(rowLse);
    }

    /**
     * The unbalanced stopping quantity: max_i |f'_i − f_i|/ε over the rows of positive weight, where f' is the
     * f update of the current g. (f, g) is a fixed point exactly when it is 0 (g is already the update of f).
     */
    static double potentialChange(double[] a, double[] f, double[] fNext, double invEps) {
        double change = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > 0) {
                change = Math.max(change, Math.abs(fNext[i] - f[i]) * invEps);
            }
        }
        return change;
    }

    /**
     * ‖P·1 − a‖₁ = Σ_i |a_i·expm1(f_i/ε + lse_i)|, from the row log-sum-exps of the current g. The loop's
     * stopping test and {@link #result()} both use this expression on the same inputs, so a solve that
     * stops early always reports {@code converged}.
     */
    private double rowError(double[] rowLse) {
        return rowError(a, f, invEps, rowLse);
    }

    static double rowError(double[] a, double[] f, double invEps, double[] rowLse) {
        double err = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > 0) {
                err += Math.abs(a[i] * Math.expm1(f[i] * invEps + rowLse[i]));
            }
        }
        return err;
    }

    /**
     * The translation step of the translation-invariant updates (when the options ask for it; else nothing): after
     * the f update, (f + λ, g − λ) with λ = (ρ_a·ρ_b/(ρ_a + ρ_b))·log(⟨a, e^{−f/ρ_a}⟩ / ⟨b, e^{−g/ρ_b}⟩), the maximum
     * of the dual along that direction (its ε term does not change). Column sums already computed by the fused pass
     * move by λ/ε.
     */
    void translate() {
        if (!translate) {
            return;
        }
        double lambda = translationFactor * (logMass(a, logA, f, rhoA) - logMass(b, logB, g, rhoB));
        if (!Double.isFinite(lambda) || lambda == 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            f[i] += lambda;
        }
        for (int j = 0; j < m; j++) {
            g[j] -= lambda;
        }
        rowLseCurrent = false;
        if (colPending && colTrusted) {
            double shift = lambda * invEps;
            for (int j = 0; j < m; j++) {
                colLse[j] += shift;
            }
        }
    }

    /** {@return ρ_a·ρ_b/(ρ_a + ρ_b) with 1/∞ = 0, the translation step's factor} */
    static double translationFactor(double rhoA, double rhoB) {
        return 1.0 / ((rhoA == Double.POSITIVE_INFINITY ? 0 : 1 / rhoA) + (rhoB == Double.POSITIVE_INFINITY ? 0 : 1 / rhoB));
    }

    /** log ⟨w, e^{−p/ρ}⟩ (log m(w) for ρ = ∞), shifted by its largest term. */
    static double logMass(double[] w, double[] logW, double[] p, double rho) {
        double max = Double.NEGATIVE_INFINITY;
        boolean hard = rho == Double.POSITIVE_INFINITY;
        for (int k = 0; k < w.length; k++) {
            if (w[k] > 0) {
                max = Math.max(max, logW[k] - (hard ? 0 : p[k] / rho));
            }
        }
        double s = 0;
        for (int k = 0; k < w.length; k++) {
            if (w[k] > 0) {
                s += Math.exp(logW[k] - (hard ? 0 : p[k] / rho) - max);
            }
        }
        return max + Math.log(s);
    }

    /** The largest over-relaxation ω the log-domain iterations used (1: none). */
    double omegaUsed = 1;
    /** Scratch of the relaxed steps: the log ratios t (max(n, m)), and g before the g update (m); made on first use. */
    private double[] relaxT;
    private double[] gOld;

    private double[] relaxScratch() {
        if (relaxT == null) {
            relaxT = new double[Math.max(n, m)];
        }
        return relaxT;
    }

    /** {@return whether the problem is unbalanced (a finite ρ)} */
    boolean unbalanced() {
        return unbalanced;
    }

    /**
     * The over-relaxed f step f ← f + ω·(f' − f) from the f' of {@link #updateF()}, when it raises the dual by at least
     * {@link OverRelaxation#SUFFICIENT} of the plain step's gain ({@link OverRelaxation#gain}; relaxation stops when it
     * raises it by less). The column sums a fused pass computed with f' are dropped (the g update sweeps again).
     *
     * @return false when the relaxed step would lower the dual (nothing is changed; the caller takes the plain step)
     */
    boolean commitRelaxedF(double omega, OverRelaxation relax) {
        double[] t = relaxScratch();
        for (int i = 0; i < n; i++) {
            t[i] = (fNext[i] - f[i]) * invEps;
        }
        if (relax.judge(a, t, n, omega) == OverRelaxation.Step.LOWERS) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            fNext[i] = f[i] + omega * (fNext[i] - f[i]);
        }
        commitF();
        colPending = false;
        return true;
    }

    /**
     * The g update, over-relaxed when ω ≠ 1: g' from the column sweep, then g ← g + ω·(g' − g) when that raises the dual
     * by {@link OverRelaxation#SUFFICIENT} of the plain step's gain (else the plain g' stays and relaxation stops).
     *
     * @return {the column marginal error ‖Pᵀ·1 − b‖₁ of the new state (0 after a plain step)}, or null when the sweep
     *     failed (not finite)
     */
    double[] updateG(double omega, OverRelaxation relax) {
        if (omega == 1) {
            return updateG() ? new double[]{0} : null;
        }
        if (gOld == null) {
            gOld = new double[m];
        }
        double[] old = gOld;
        System.arraycopy(g, 0, old, 0, m);
        if (!updateG()) {
            return null;
        }
        double[] t = relaxScratch();
        for (int j = 0; j < m; j++) {
            t[j] = (g[j] - old[j]) * invEps;
        }
        if (relax.judge(b, t, m, omega) != OverRelaxation.Step.GAINS) {
            return new double[]{0};
        }
        double errB = 0;
        for (int j = 0; j < m; j++) {
            double relaxed = old[j] + omega * (g[j] - old[j]);
            // the columns of (f, g_relaxed) sum to b_j·exp((g_relaxed − g')/ε)
            if (b[j] > 0) {
                errB += Math.abs(b[j] * Math.expm1((relaxed - g[j]) * invEps));
            }
            g[j] = relaxed;
        }
        return new double[]{errB};
    }

    void commitF() {
        double[] t = f;
        f = fNext;
        fNext = t;
        colLseCurrent = false;
    }

    /**
     * Takes over potentials computed elsewhere (the stored-kernel loop) and the iterations spent on them;
     * the sweeps' cached log-sum-exps no longer belong to them.
     */
    void adopt(double[] f, double[] g, int iterations) {
        System.arraycopy(f, 0, this.f, 0, n);
        System.arraycopy(g, 0, this.g, 0, m);
        this.iterations = iterations;
        java.util.Arrays.fill(rowLse, Double.NaN);
        java.util.Arrays.fill(colLse, Double.NaN);
        rowLseCurrent = false;
        colLseCurrent = false;
        colPending = false;
    }

    /** {@return the geometry iterated on} */
    Geometry geometry() {
        return geometry;
    }

    /** Records the iterations spent at each ε of an annealing schedule, for the result. */
    void annealing(double[] epsilons, int[] iterations) {
        levelEpsilons = epsilons.clone();
        levelIterations = iterations.clone();
    }

    /** The g update; returns false if g is not finite. */
    boolean updateG() {
        prepareColumnSweep();
        boolean done = colPending && colTrusted;
        colPending = false;
        if (!done) {
            sweeps.logSumExp(true, hCol, hColF, invEps, colLse);
        }
        return finishColumnSweep();
    }

    /**
     * The result for the current potentials. Three more sweeps: the row and column log-sum-exps give the
     * plan's marginals exactly as the iterations see them, r_i = a_i·exp(f_i/ε + lse_i), and a plan-sum
     * sweep over the row-normalised plan gives each row's mean cost, so that no large exponent is ever
     * rounded to f32. {@code converged} is decided by the marginal errors and the tolerance.
     *
     * @return the result at the current potentials
     */
    public SinkhornResult result() {
        if (failure != null) {
            return failed(geometry, a, b, f.clone(), g.clone(), eps, iterations, failure, startNanos, kernels.name(),
                    options.threads(), levelEpsilons, levelIterations, "cpu", "cpu", rhoA, rhoB);
        }
        double[] rowCost = new double[n], rowNorm = new double[n];
        scaled(logB, g, hRow, hRowF);
        scaled(logA, f, hCol, hColF);
        if (!rowLseCurrent) {
            sweeps.logSumExp(false, hRow, hRowF, invEps, rowLse);
            rowLseCurrent = true;
        }
        if (!colLseCurrent) {
            sweeps.logSumExp(true, hCol, hColF, invEps, colLse);
            colLseCurrent = true;
        }
        double[] shift = new double[n];
        for (int i = 0; i < n; i++) {
            shift[i] = -rowLse[i];
        }
        sweeps.planSums(false, hRow, hRowF, invEps, shift, rowNorm, rowCost);
        return assemble(geometry, a, b, f.clone(), g.clone(), eps, rowLse, colLse, rowNorm, rowCost, iterations,
                options.tolerance(), startNanos, kernels.name(), options.threads(), levelEpsilons, levelIterations,
                "cpu", "cpu", rhoA, rhoB);
    }

    /**
     * The result for the current potentials from log-sum-exps and plan sums computed elsewhere (the
     * shared-kernel batch computes them with kernel products).
     */
    SinkhornResult resultFrom(double[] rowLse, double[] colLse, double[] rowNorm, double[] rowCost) {
        return assemble(geometry, a, b, f.clone(), g.clone(), eps, rowLse, colLse, rowNorm, rowCost, iterations,
                options.tolerance(), startNanos, kernels.name(), options.threads(), levelEpsilons, levelIterations,
                "cpu", "cpu", rhoA, rhoB);
    }

    /**
     * A result from the potentials and the final sweeps' outputs (on the CPU or on a device): the row and
     * column log-sum-exps give the plan's marginals exactly as the iterations see them,
     * r_i = a_i·exp(f_i/ε + lse_i), and the plan sums of the row-normalised plan (rowNorm, rowCost) give each
     * row's mean cost, so that no large exponent is ever rounded to f32. {@code converged} is decided by
     * the marginal error and the tolerance.
     */
    static SinkhornResult assemble(Geometry geometry, double[] a, double[] b, double[] f, double[] g, double eps,
                                   double[] rowLse, double[] colLse, double[] rowNorm, double[] rowCost, int iterations,
                                   double tol, long startNanos, String kernels, int threads, double[] levelEpsilons,
                                   int[] levelIterations, String backend, String device) {
        double inf = Double.POSITIVE_INFINITY;
        return assemble(geometry, a, b, f, g, eps, rowLse, colLse, rowNorm, rowCost, iterations, tol, startNanos, kernels,
                threads, levelEpsilons, levelIterations, backend, device, inf, inf);
    }

    /**
     * {@link #assemble(Geometry, double[], double[], double[], double[], double, double[], double[], double[],
     * double[], int, double, long, String, int, double[], int[], String, String)} with marginal penalties: with a
     * finite one the objective is ⟨P, C⟩ + ε·KL(P‖a⊗b) + ρ_a·KL(P·1‖a) + ρ_b·KL(Pᵀ·1‖b) (generalized KL), the dual
     * value −ρ_a⟨a, e^{−f/ρ_a} − 1⟩ − ρ_b⟨b, e^{−g/ρ_b} − 1⟩ − ε(m(P) − m(a)·m(b)) (⟨a, f⟩ for an infinite ρ_a),
     * and {@code converged} is decided by the potentials' change.
     */
    static SinkhornResult assemble(Geometry geometry, double[] a, double[] b, double[] f, double[] g, double eps,
                                   double[] rowLse, double[] colLse, double[] rowNorm, double[] rowCost, int iterations,
                                   double tol, long startNanos, String kernels, int threads, double[] levelEpsilons,
                                   int[] levelIterations, String backend, String device, double rhoA, double rhoB) {
        int n = a.length, m = b.length;
        double invEps = 1.0 / eps;
        boolean f32 = geometry.precision() == Precision.F32;
        double[] rowMass = new double[n], colMass = new double[m];
        for (int j = 0; j < m; j++) {
            colMass[j] = Math.exp(Math.log(b[j]) + g[j] * invEps + colLse[j]);
        }
        for (int i = 0; i < n; i++) {
            rowMass[i] = Math.exp(Math.log(a[i]) + f[i] * invEps + rowLse[i]);
        }
        double[] costs = new double[n];
        for (int i = 0; i < n; i++) {
            costs[i] = rowMass[i] > 0 ? rowMass[i] * (rowCost[i] / rowNorm[i]) : 0;
        }
        double cost = 0, objective = 0, dual = 0, errA = rowError(a, f, invEps, rowLse), errB = 0;
        for (int i = 0; i < n; i++) {
            cost += costs[i];
            if (a[i] > 0) {
                objective += rowMass[i] * f[i];
                dual += a[i] * f[i];
            }
        }
        for (int j = 0; j < m; j++) {
            errB += Math.abs(colMass[j] - b[j]);
            if (b[j] > 0) {
                objective += colMass[j] * g[j];
                dual += b[j] * g[j];
            }
        }
        double mass = 0;
        for (int i = 0; i < n; i++) {
            mass += rowMass[i];
        }
        if (rhoA != Double.POSITIVE_INFINITY || rhoB != Double.POSITIVE_INFINITY) {
            return assembleUnbalanced(geometry, a, b, f, g, eps, rowLse, colLse, rowMass, colMass, cost, mass, errA, errB,
                    iterations, tol, startNanos, kernels, threads, levelEpsilons, levelIterations, backend, device, rhoA, rhoB);
        }
        if (!(Double.isFinite(cost) && Double.isFinite(objective))) {
            return failed(geometry, a, b, f, g, eps, iterations, nonFinite(iterations, f32), startNanos, kernels, threads,
                    levelEpsilons, levelIterations, backend, device);
        }
        double err = errA;
        boolean converged = err <= tol;
        String status = converged
                ? "converged: marginal error " + fmt(err) + " <= tolerance " + tol + " after " + iterations + " iterations"
                : "not converged: marginal error " + fmt(err) + " > tolerance " + tol + " after " + iterations
                + " iterations (raise the iteration limit" + (f32 ? ", or use f64 if the error has stopped falling" : "") + ")";
        return new SinkhornResult(geometry, a, b, f, g, eps, cost, objective, dual, errA, errB,
                iterations, converged, status, System.nanoTime() - startNanos, kernels, threads,
                levelEpsilons, levelIterations, backend, device, mass, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
                Double.NaN);
    }

    /** The unbalanced part of {@link #assemble}: objective, dual value, potentials' change, mass check. */
    private static SinkhornResult assembleUnbalanced(Geometry geometry, double[] a, double[] b, double[] f, double[] g,
                                                     double eps, double[] rowLse, double[] colLse, double[] rowMass,
                                                     double[] colMass, double cost, double mass, double errA, double errB,
                                                     int iterations, double tol, long startNanos, String kernels, int threads,
                                                     double[] levelEpsilons, int[] levelIterations, String backend,
                                                     String device, double rhoA, double rhoB) {
        int n = a.length, m = b.length;
        boolean f32 = geometry.precision() == Precision.F32;
        double invEps = 1.0 / eps;
        checkMass("rho_a", "f", a, f, rhoA, eps, geometry);
        checkMass("rho_b", "g", b, g, rhoB, eps, geometry);
        double ma = sum(a), mb = sum(b);
        // ⟨P, C⟩ + ε·Σ P·log(P/(a⊗b)) = Σ_i r_i·f_i + Σ_j c_j·g_j; then the mass terms of the generalized KLs
        double primal = 0, klA = 0, klB = 0, dualA = 0, dualB = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] > 0) {
                primal += rowMass[i] * f[i];
                // KL(r‖a) term by term: r·log(r/a) − r + a, log(r_i/a_i) = f_i/ε + lse_i
                klA += rowMass[i] * (f[i] * invEps + rowLse[i]) - rowMass[i] + a[i];
                dualA += rhoA == Double.POSITIVE_INFINITY ? a[i] * f[i] : -rhoA * a[i] * Math.expm1(-f[i] / rhoA);
            }
        }
        for (int j = 0; j < m; j++) {
            if (b[j] > 0) {
                primal += colMass[j] * g[j];
                klB += colMass[j] * (g[j] * invEps + colLse[j]) - colMass[j] + b[j];
                dualB += rhoB == Double.POSITIVE_INFINITY ? b[j] * g[j] : -rhoB * b[j] * Math.expm1(-g[j] / rhoB);
            }
        }
        double massTerm = eps * (ma * mb - mass);
        primal += massTerm;
        if (rhoA != Double.POSITIVE_INFINITY) {
            primal += rhoA * klA;
        }
        if (rhoB != Double.POSITIVE_INFINITY) {
            primal += rhoB * klB;
        }
        double dual = dualA + dualB + massTerm;
        double dampedEpsA = tau("rho_a", rhoA, eps) * eps;
        double[] fNext = new double[n];
        for (int i = 0; i < n; i++) {
            fNext[i] = -dampedEpsA * rowLse[i];
        }
        double change = potentialChange(a, f, fNext, invEps);
        if (!(Double.isFinite(cost) && Double.isFinite(primal) && Double.isFinite(dual) && Double.isFinite(change))) {
            return failed(geometry, a, b, f, g, eps, iterations, nonFinite(iterations, f32), startNanos, kernels, threads,
                    levelEpsilons, levelIterations, backend, device, rhoA, rhoB);
        }
        boolean converged = change <= tol;
        String status = converged
                ? "converged: potentials' change " + fmt(change) + " <= tolerance " + tol + " after " + iterations + " iterations"
                : "not converged: potentials' change " + fmt(change) + " > tolerance " + tol + " after " + iterations
                + " iterations (raise the iteration limit: unbalanced iterations contract slowly when rho/epsilon is large"
                + (f32 ? "; or use f64 if the change has stopped falling" : "") + ")";
        return new SinkhornResult(geometry, a, b, f, g, eps, cost, primal, dual, errA, errB,
                iterations, converged, status, System.nanoTime() - startNanos, kernels, threads,
                levelEpsilons, levelIterations, backend, device, mass, rhoA, rhoB, change);
    }

    /**
     * The plan's marginal on a penalised side is w·e^{−p/ρ} at the fixed point: where that overflows f64 (costs
     * far below zero against ε + ρ_a + ρ_b), the mass and the objective cannot be represented.
     */
    private static void checkMass(String name, String potential, double[] w, double[] p, double rho, double eps,
                                  Geometry geometry) {
        if (rho == Double.POSITIVE_INFINITY) {
            return;
        }
        for (int i = 0; i < w.length; i++) {
            double e = -p[i] / rho;
            if (w[i] > 0 && (e > 700 || Double.isInfinite(w[i] * Math.exp(e)))) {
                throw new IllegalArgumentException(name + " = " + rho + ": exp(-" + potential + "/" + name + ") = exp(" + e
                        + ") at index " + i + " overflows f64, so the plan's mass is not representable (the costs go down to "
                        + geometry.minCost() + " with epsilon = " + eps + "); add a constant c to the costs, which scales"
                        + " the plan by exp(-c/(epsilon + rho_a + rho_b))");
            }
        }
    }

    static SinkhornResult failed(Geometry geometry, double[] a, double[] b, double[] f, double[] g, double eps, int iterations,
                                 String status, long startNanos, String kernels, int threads, double[] levelEpsilons,
                                 int[] levelIterations, String backend, String device) {
        double inf = Double.POSITIVE_INFINITY;
        return failed(geometry, a, b, f, g, eps, iterations, status, startNanos, kernels, threads, levelEpsilons,
                levelIterations, backend, device, inf, inf);
    }

    static SinkhornResult failed(Geometry geometry, double[] a, double[] b, double[] f, double[] g, double eps, int iterations,
                                 String status, long startNanos, String kernels, int threads, double[] levelEpsilons,
                                 int[] levelIterations, String backend, String device, double rhoA, double rhoB) {
        return new SinkhornResult(geometry, a, b, f, g, eps, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, iterations, false, status, System.nanoTime() - startNanos, kernels,
                threads, levelEpsilons, levelIterations, backend, device, Double.NaN, rhoA, rhoB, Double.NaN);
    }

    private String nonFinite(int it) {
        return nonFinite(it, f32);
    }

    static String nonFinite(int it, boolean f32) {
        return "not converged: the potentials became non-finite at iteration " + it
                + (f32 ? " (f32 range exceeded; use precision f64)" : " (epsilon too small for the costs' range)");
    }

    @Override
    public void close() {
        sweeps.close();
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** h = log w + p/ε, in f64 and (in f32) rounded to float. */
    private void scaled(double[] logW, double[] p, double[] h, float[] hf) {
        for (int k = 0; k < h.length; k++) {
            h[k] = logW[k] + p[k] * invEps;
        }
        if (hf != null) {
            for (int k = 0; k < h.length; k++) {
                hf[k] = (float) h[k];
            }
        }
    }

    private static double[] logs(double[] w) {
        double[] out = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = Math.log(w[k]);
        }
        return out;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    private static boolean allFinite(double[] v, int len) {
        for (int k = 0; k < len; k++) {
            if (!Double.isFinite(v[k])) {
                return false;
            }
        }
        return true;
    }
}
