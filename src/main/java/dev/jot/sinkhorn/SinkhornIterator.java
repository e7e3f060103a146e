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
 * f_i = −ε·log Σ_j b_j·exp((g_j − C_ij)/ε), then g_j = −ε·log Σ_i a_i·exp((f_i − C_ij)/ε).
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
    private int iterations;
    private String failure;

    SinkhornIterator(Geometry geometry, Weights aw, Weights bw, SinkhornOptions options, long startNanos) {
        this.geometry = Objects.requireNonNull(geometry, "geometry");
        this.options = Objects.requireNonNull(options, "options");
        this.startNanos = startNanos;
        n = geometry.n();
        m = geometry.m();
        double[][] ab = checkedWeights(geometry, aw, bw, options.epsilon());
        a = ab[0];
        b = ab[1];
        eps = options.epsilon();
        invEps = 1.0 / eps;
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
        int n = geometry.n(), m = geometry.m();
        if (n < 1 || m < 1) {
            throw new IllegalArgumentException("the problem is empty: n = " + n + ", m = " + m);
        }
        double[] a = Sinkhorn.checkWeights("a", aw, n, "n");
        double[] b = Sinkhorn.checkWeights("b", bw, m, "m");
        double sa = sum(a), sb = sum(b);
        if (Math.abs(sa - sb) > Sinkhorn.MASS_TOLERANCE * Math.max(sa, sb)) {
            throw new IllegalArgumentException("balanced transport needs equal masses, but a sums to " + sa
                    + " and b sums to " + sb);
        }
        for (int j = 0; j < m; j++) {
            b[j] *= sa / sb;
        }
        double invEps = 1.0 / epsilon;
        double range = Math.max(Math.abs(geometry.maxCost()), Math.abs(geometry.minCost()));
        if (geometry.precision() == Precision.F32 && range * invEps > 1e30) {
            throw new IllegalArgumentException("costs / epsilon = " + range * invEps
                    + " overflows f32; use precision f64 or a larger epsilon");
        }
        return new double[][]{a, b};
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

    /** {@return a copy of b rescaled to a's total mass, as the iterations use it} */
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
        colPending = sweeps.beginFused(hRow, hRowF, eps, rowLse, logA, shift) != null;
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
        for (int i = 0; i < n; i++) {
            fNext[i] = -eps * rowLse[i];
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
        for (int j = 0; j < m; j++) {
            g[j] = -eps * colLse[j];
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
        return rowError(rowLse);
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
                    options.threads(), levelEpsilons, levelIterations, "cpu", "cpu");
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
                "cpu", "cpu");
    }

    /**
     * The result for the current potentials from log-sum-exps and plan sums computed elsewhere (the
     * shared-kernel batch computes them with kernel products).
     */
    SinkhornResult resultFrom(double[] rowLse, double[] colLse, double[] rowNorm, double[] rowCost) {
        return assemble(geometry, a, b, f.clone(), g.clone(), eps, rowLse, colLse, rowNorm, rowCost, iterations,
                options.tolerance(), startNanos, kernels.name(), options.threads(), levelEpsilons, levelIterations,
                "cpu", "cpu");
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
                levelEpsilons, levelIterations, backend, device);
    }

    static SinkhornResult failed(Geometry geometry, double[] a, double[] b, double[] f, double[] g, double eps, int iterations,
                                 String status, long startNanos, String kernels, int threads, double[] levelEpsilons,
                                 int[] levelIterations, String backend, String device) {
        return new SinkhornResult(geometry, a, b, f, g, eps, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, iterations, false, status, System.nanoTime() - startNanos, kernels,
                threads, levelEpsilons, levelIterations, backend, device);
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
