package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import dev.jot.geometry.Geometry;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Stored-kernel Sinkhorn iterations with absorption (Schmitzer, "Stabilized sparse scaling algorithms for
 * entropy regularized transport problems", 2019), for one problem on a stored cost matrix.
 *
 * <p>The potentials are split as f = f~ + ε·log u and g = g~ + ε·log v. The kernel at the absorbed
 * potentials, K~_ij = exp((f~_i + g~_j − C_ij)/ε), is stored once, in the problem's precision; an
 * iteration is then u_i = 1 / Σ_j K~_ij·b_j·v_j and v_j = 1 / Σ_i a_i·u_i·K~_ij, the exact log-domain
 * updates of f and g. Both products come out of one pass over K~: each stripe of at most 64 rows computes
 * its rows' sums, then, with the row still in cache, adds a_i·u_i·K~_i to its own column sums, which are
 * added in stripe order afterwards (so the result is the same on any number of threads). No exponential is
 * evaluated in an iteration; POT's {@code sinkhorn_stabilized} is the unfused form of the same iteration.
 *
 * <p>Unbalanced problems (a finite ρ_a or ρ_b) run the damped updates in the same absorbed form: the log domain's
 * f' = τ_a·(−ε·log Σ_j b_j·exp((g_j − C_ij)/ε)) is f' = τ_a·(f~ − ε·log s) with s = K~·(b∘v), so the next scaling
 * is u' = exp((f' − f~)/ε) = exp((τ_a − 1)·f~_i/ε)·s_i^−τ_a ({@link SinkhornKernels#kernelRowStepDampedF32}, which
 * sums the columns with a∘u' in the same pass), and likewise v' = exp((τ_b − 1)·g~_j/ε)·t_j^−τ_b. The scalings are
 * kept as logarithms (the potentials come from them, finite where exp((τ − 1)·f~/ε) alone would overflow); a hard
 * side (τ = 1) takes the balanced step itself. The stopping test is the log domain's, max_i |f'_i − f_i|/ε over
 * the rows of positive weight (= max_i |log u'_i − log u_i|), at the same iterations, so that both stop at the
 * same iteration; the translation-invariant step (f + λ, g − λ) multiplies u' and the column sums by e^{λ/ε}.
 * A damped scaling can leave the safe range without its sum doing so: the absorption test is on the logarithms,
 * and a coefficient a_i·u'_i that overflows makes the column sums non-finite, which sends the iteration to the log
 * domain like an underflow.
 *
 * <p>Safety, so that the answer is always the log-domain one:
 * <ul>
 *   <li>when a scaling leaves [e^−L, e^L] (L = 23 in f32, 115 in f64) it is absorbed into the potentials
 *       and K~ rebuilt there (one exponential per entry, as one log-domain sweep);</li>
 *   <li>a row or column sum below the precision's safe range (1e-15 in f32, where kernel entries below
 *       1e-25 are stored as 0; 1e-280 in f64), or not finite,
 *       means its terms underflowed: the iteration is done in the log domain instead (a fallback), and K~
 *       rebuilt at the log-domain potentials; when a freshly built kernel fails again, twice as many
 *       log-domain iterations go first (far from the optimum, or at an ε small for the costs' spread, the
 *       first iterations are the log domain's); after {@link #MAX_FALLBACKS} the solve stays there;</li>
 *   <li>the stopping test uses the row marginal error of the current state (unbalanced: the potentials' change),
 *       which falls out of the pass;
 *       a solve that stops on it gets its result from one more pass over K~ and C ({@link #result}), and
 *       goes on iterating in the log domain if that result's error is above the tolerance; any other end
 *       (the iteration limit, a fallback) gets the log-domain sweeps' result.</li>
 * </ul>
 */
final class KernelLoop implements AutoCloseable {
    /** Rows per stripe (a stripe's f32 column sums are at most this deep). */
    static final int STRIPE = 64;
    /** Below this many entries {@code auto} keeps the log domain (the kernel's set-up does not pay). */
    static final long AUTO_MIN_ENTRIES = 1L << 16;
    /** After this many fallbacks the rest of the solve stays in the log domain. */
    static final int MAX_FALLBACKS = 12;

    private final Geometry geometry;
    private final SinkhornKernels kernels;
    private final int n;
    private final int m;
    private final boolean f32;
    private final double eps;
    private final double invEps;
    private final double[] a;
    private final double[] b;
    private final double lo;
    /** The scalings' safe range [1/scaleMax, scaleMax] (e^L); outside it they are absorbed. */
    private final double scaleMax;
    private final Arena arena;
    private final MemorySegment k;
    private final double[] ft;
    private final double[] gt;
    private final double[] u;
    private final double[] v;
    private final double[] s;
    private final double[] colSum;
    private final float[] wF;
    private final double[] wD;
    private final float[][] partF;
    private final double[][] partD;
    private final int stripes;
    private final Team pool;
    /** Unbalanced: the damping τ = ρ/(ρ + ε) of each side (1 for a hard side), and whether to translate. */
    private final boolean damped;
    private final double tauA;
    private final double tauB;
    private final boolean translate;
    private final double rhoA;
    private final double rhoB;
    private final double translationFactor;
    private final double[] logA;
    private final double[] logB;
    /** Unbalanced: (τ − 1)·f~/ε and (τ − 1)·g~/ε at the kernel's build, and log u, log v (the scalings' logarithms). */
    private final double[] logDRow;
    private final double[] logDCol;
    private final double[] logU;
    private final double[] logV;
    private final double[] logUNext;
    private final double[] logVNext;
    /** Unbalanced: the next scalings, and scratch for the scaling steps' per-entry outputs. */
    private final double[] uNext;
    private final double[] vNext;
    private final double[] stepProd;
    private final double[] stepLow;
    private final double[] stepHigh;
    private final double[] stepLogLow;
    private final double[] stepLogHigh;
    private final double[] stepChange;
    private int absorptions;
    private int fallbacks;
    /** Balanced: the over-relaxation of the next pass's row step (1: none), (1 − ω)·log u for it, and scratch. */
    private double omega = 1;
    private final double[] relaxLog;
    private final double[] tRow;
    private final double[] tCol;
    private final boolean overRelax;
    private double omegaUsed = 1;
    private OverRelaxation relaxation = new OverRelaxation(false);
    /** Whether K~ was just built (no iteration has run on it yet), and the next fallback's log-domain iterations. */
    private boolean fresh;
    private int backoff;
    /** Whether the last {@link #run} stopped on the tolerance in the kernel (s is then the row sums at its state). */
    private boolean converged;

    /**
     * {@return the smallest row or column sum of a kernel product that is trusted: below it its terms underflowed}
     * (1e-15 in f32, whose kernel entries below 1e-25 are stored as 0; 1e-280 in f64)
     *
     * @param f32 whether the kernel is stored in f32
     */
    static double sumFloor(boolean f32) {
        return f32 ? 1e-15 : 1e-280;
    }

    /**
     * {@return L, the scalings' safe range [e^−L, e^L] as a logarithm: 23 in f32, 115 in f64}
     *
     * @param f32 whether the kernel is stored in f32
     */
    static double logRange(boolean f32) {
        return f32 ? 23 : 115;
    }

    /**
     * Whether a solve with these options on this geometry runs kernel sweeps.
     *
     * @param geometry the costs
     * @param options the options ({@code sweeps}, backend)
     * @return true for {@code kernel} on a stored matrix on the CPU, and for {@code auto} when it also has at
     *     least {@link #AUTO_MIN_ENTRIES} entries
     */
    static boolean applies(Geometry geometry, SinkhornOptions options) {
        return applies(geometry, options, (long) geometry.n() * geometry.m());
    }

    /**
     * Whether stored-kernel iterations run: {@code kernel} on a stored matrix on the CPU, {@code auto} when the
     * work also has at least {@link #AUTO_MIN_ENTRIES} entries in all (the shared-kernel batches ask with theirs).
     *
     * @param geometry the costs
     * @param options the options ({@code sweeps}, backend; balanced and unbalanced problems alike)
     * @param entries the entries of the work: n·m, or problems·n·m for a batch
     * @return whether to run them
     */
    static boolean applies(Geometry geometry, SinkhornOptions options, long entries) {
        if (!geometry.materialized() || !"cpu".equals(options.backend())) {
            return false;
        }
        return switch (options.sweeps()) {
            case "kernel" -> true;
            case "auto" -> entries >= AUTO_MIN_ENTRIES;
            default -> false;
        };
    }


    /**
     * A loop for one problem at ε; with a finite ρ_a or ρ_b its updates are the damped (unbalanced) ones, with the
     * translation step after each f update when {@code translate}; a balanced one over-relaxes its updates when
     * {@code overRelax} ({@link OverRelaxation}).
     *
     * @throws IllegalArgumentException if a finite ρ is so large against ε that the damping rounds to 1
     */
    KernelLoop(Geometry geometry, SinkhornKernels kernels, int threads, double[] a, double[] b, double eps,
               double rhoA, double rhoB, boolean translate, boolean overRelax) {
        this.geometry = geometry;
        this.kernels = kernels;
        n = geometry.n();
        m = geometry.m();
        f32 = geometry.precision() == Precision.F32;
        this.eps = eps;
        invEps = 1.0 / eps;
        this.a = a;
        this.b = b;
        lo = sumFloor(f32);
        scaleMax = Math.exp(logRange(f32));
        arena = Arena.ofShared();
        k = arena.allocate((long) n * m * geometry.precision().bytes(), 64);
        ft = new double[n];
        gt = new double[m];
        u = new double[n];
        v = new double[m];
        s = new double[n];
        colSum = new double[m];
        stripes = (n + STRIPE - 1) / STRIPE;
        wF = f32 ? new float[m] : null;
        wD = f32 ? null : new double[m];
        partF = f32 ? new float[stripes][m] : null;
        partD = f32 ? null : new double[stripes][m];
        pool = threads > 1 && (long) n * m >= (1L << 15) ? new Team(threads) : null;
        this.rhoA = rhoA;
        this.rhoB = rhoB;
        damped = rhoA != Double.POSITIVE_INFINITY || rhoB != Double.POSITIVE_INFINITY;
        tauA = SinkhornIterator.tau("rho_a", rhoA, eps);
        tauB = SinkhornIterator.tau("rho_b", rhoB, eps);
        this.translate = damped && translate;
        translationFactor = SinkhornIterator.translationFactor(rhoA, rhoB);
        logA = damped ? logs(a) : null;
        logB = damped ? logs(b) : null;
        logDRow = damped ? new double[n] : null;
        logDCol = damped ? new double[m] : null;
        logU = damped ? new double[n] : null;
        logV = damped ? new double[m] : null;
        logUNext = damped ? new double[n] : null;
        logVNext = damped ? new double[m] : null;
        uNext = damped ? new double[n] : null;
        vNext = damped ? new double[m] : null;
        int wide = Math.max(n, m);
        stepProd = damped ? new double[wide] : null;
        stepLow = damped ? new double[wide] : null;
        stepHigh = damped ? new double[wide] : null;
        stepLogLow = damped ? new double[wide] : null;
        stepLogHigh = damped ? new double[wide] : null;
        stepChange = damped ? new double[wide] : null;
        this.overRelax = !damped && overRelax;
        relaxLog = damped ? null : new double[n];
        tRow = damped ? null : new double[n];
        tCol = damped ? null : new double[m];
    }

    /**
     * One side's damped scalings from its sums, by {@link SinkhornKernels#dampedScalingStepF64} over one row of
     * {@code len} entries: x_k = shift + logD_k − τ·log sum_k (τ = 1: x = log(1/sum), next = 1/sum) into
     * {@code logNext}, exp(x) into {@code next}, and, with {@code change}, |x_k − logOld_k| where w_k &gt; 0 into
     * {@link #stepChange}.
     */
    private void dampedStep(double[] sums, double[] w, double[] logOld, double[] logNext, double[] next, int len, double shift,
                            double[] logD, double tau, boolean change) {
        if (change) {
            Arrays.fill(stepChange, 0, len, 0);
        }
        kernels.dampedScalingStepF64(sums, w, logOld, logNext, next, stepProd, 1, len, new double[]{shift}, logD, tau, stepLow,
                stepHigh, stepLogLow, stepLogHigh, change ? stepChange : null);
    }

    private static double[] logs(double[] w) {
        double[] out = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = Math.log(w[k]);
        }
        return out;
    }

    int absorptions() {
        return absorptions;
    }

    int fallbacks() {
        return fallbacks;
    }

    /** {@return the largest over-relaxation ω a row step used (1: none)} */
    double omega() {
        return omegaUsed;
    }

    private void forStripes(java.util.function.IntConsumer task) {
        if (pool == null) {
            for (int q = 0; q < stripes; q++) {
                task.accept(q);
            }
        } else {
            pool.run(stripes, task);
        }
    }

    /** Absorbs the potentials (f, g) as f~, g~ (the scalings become 1) and rebuilds K~ there. */
    private void rebuild(double[] f, double[] g) {
        System.arraycopy(f, 0, ft, 0, n);
        System.arraycopy(g, 0, gt, 0, m);
        Arrays.fill(u, 1);
        Arrays.fill(v, 1);
        if (damped) {
            Arrays.fill(logU, 0);
            Arrays.fill(logV, 0);
            for (int i = 0; i < n; i++) {
                logDRow[i] = tauA == 1 ? 0 : (tauA - 1) * ft[i] * invEps;
            }
            for (int j = 0; j < m; j++) {
                logDCol[j] = tauB == 1 ? 0 : (tauB - 1) * gt[j] * invEps;
            }
        }
        double[] rowH = new double[n], colH = new double[m];
        for (int i = 0; i < n; i++) {
            rowH[i] = ft[i] * invEps;
        }
        for (int j = 0; j < m; j++) {
            colH[j] = gt[j] * invEps;
        }
        long rowBytes = (long) m * geometry.precision().bytes();
        forStripes(q -> {
            int r0 = q * STRIPE, rows = Math.min(STRIPE, n - r0);
            MemorySegment cost = geometry.tile(false, r0, rows, null);
            MemorySegment out = k.asSlice(r0 * rowBytes, rows * rowBytes);
            if (f32) {
                kernels.gibbsTileF32(cost, rows, m, rowH, r0, colH, invEps, out);
            } else {
                kernels.expTileF64(cost, rows, m, rowH, r0, colH, invEps, out);
            }
        });
    }

    /**
     * One pass over K~: s = K~·(b∘v), and colSum = K~ᵀ·(a∘u') with u' = 1/s, stripe by stripe (over-relaxed, when
     * {@link #omega} is not 1: u' = u^{1−ω}·s^{−ω} from {@link #relaxLog} = (1 − ω)·log u; unbalanced: the damped u').
     */
    private void pass() {
        for (int j = 0; j < m; j++) {
            if (f32) {
                wF[j] = (float) (b[j] * v[j]);
            } else {
                wD[j] = b[j] * v[j];
            }
        }
        long rowBytes = (long) m * geometry.precision().bytes();
        forStripes(q -> {
            int r0 = q * STRIPE, rows = Math.min(STRIPE, n - r0);
            MemorySegment stripe = k.asSlice(r0 * rowBytes, rows * rowBytes);
            // a hard row side (τ_a = 1) takes the balanced step itself; an over-relaxed balanced step is the damped
            // coefficient with logD = (1 − ω)·log u and τ = ω
            double[] logD = damped ? (tauA != 1 ? logDRow : null) : (omega != 1 ? relaxLog : null);
            double tau = damped ? tauA : omega;
            if (f32) {
                Arrays.fill(partF[q], 0f);
                if (logD != null) {
                    kernels.kernelRowStepDampedF32(stripe, rows, m, wF, a, logD, tau, s, r0, partF[q]);
                } else {
                    kernels.kernelRowStepF32(stripe, rows, m, wF, a, s, r0, partF[q]);
                }
            } else {
                Arrays.fill(partD[q], 0.0);
                if (logD != null) {
                    kernels.kernelRowStepDampedF64(stripe, rows, m, wD, a, logD, tau, s, r0, partD[q]);
                } else {
                    kernels.kernelRowStepF64(stripe, rows, m, wD, a, s, r0, partD[q]);
                }
            }
        });
        // the stripes' column sums, added in stripe order per column (independent of the thread count)
        Arrays.fill(colSum, 0);
        for (int q = 0; q < stripes; q++) {
            if (f32) {
                float[] p = partF[q];
                for (int j = 0; j < m; j++) {
                    colSum[j] += p[j];
                }
            } else {
                double[] p = partD[q];
                for (int j = 0; j < m; j++) {
                    colSum[j] += p[j];
                }
            }
        }
    }

    /** f = f~ + ε·log u, into {@code out} (unbalanced: from the kept log u, which is finite where u may not be). */
    private void potentialF(double[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = ft[i] + eps * (damped ? logU[i] : Math.log(u[i]));
        }
    }

    private void potentialG(double[] out) {
        for (int j = 0; j < m; j++) {
            out[j] = gt[j] + eps * (damped ? logV[j] : Math.log(v[j]));
        }
    }

    /**
     * Iterates from the iterator's potentials at its ε until the row marginal error of the current state
     * (unbalanced: the potentials' change max_i |f'_i − f_i|/ε) is at most {@code tol} (checked every
     * {@code checkEvery} iterations), {@code limit} iterations are done, or the kernel sweeps give up; the iterator
     * then holds the potentials (and any log-domain iterations).
     *
     * @param it the iterator (its potentials are the start, and receive the end)
     * @param limit the iteration count to stop at
     * @param tol the tolerance on ‖P·1 − a‖₁, or on the potentials' change (0: run to the limit)
     * @param checkEvery how often to test the error
     */
    void run(SinkhornIterator it, int limit, double tol, int checkEvery) {
        if (damped) {
            runDamped(it, limit, tol, checkEvery);
            return;
        }
        converged = false;
        double[] f = it.f(), g = it.g();
        int done = it.iterations();
        rebuild(f, g);
        fresh = true;
        backoff = 1;
        // a fixed number of iterations (tolerance 0) means that many plain Sinkhorn iterations
        relaxation = new OverRelaxation(overRelax && tol > 0);
        // the column marginal error of the current state: 0 after a plain g step (v = 1/colSum), measured after a relaxed one
        double errB = 0;
        while (done < limit) {
            // (the last iteration before the limit is plain, so that a solve that stops there ends with P^T·1 = b)
            omega = done + 1 < limit ? relaxation.omega() : 1;
            if (omega != 1) {
                for (int i = 0; i < n; i++) {
                    relaxLog[i] = (1 - omega) * Math.log(u[i]);
                }
            }
            pass();
            boolean rowsOk = trusted(s);
            boolean check = done > 0 && tol > 0 && done % checkEvery == 0;
            double err = Double.NaN;
            if (rowsOk && (check || relaxation.enabled())) {
                err = 0;
                for (int i = 0; i < n; i++) {
                    if (a[i] > 0) {
                        err += Math.abs(a[i] * (u[i] * s[i] - 1));
                    }
                }
                if (check && err <= tol && errB <= tol) {
                    converged = true;
                    break;
                }
            }
            boolean sumsOk = rowsOk && trusted(colSum);
            if (sumsOk && omega != 1 && !relaxedRowStep()) {
                // the relaxed step would lower the dual: the plain step instead (one more pass over K~)
                relaxation.stop();
                omega = 1;
                pass();
                sumsOk = trusted(s) && trusted(colSum);
            }
            if (!sumsOk) {
                relaxation.observe(Double.NaN);
                if (!fallBack(it, f, g, done, limit, tol, checkEvery)) {
                    return;
                }
                done = it.iterations();
                f = it.f();
                g = it.g();
                errB = 0;
                continue;
            }
            // the sums are positive and finite here, so the scalings are too: compared with the range, no logarithm
            boolean outside = false;
            if (omega == 1) {
                for (int i = 0; i < n; i++) {
                    u[i] = 1 / s[i];
                }
            }
            for (int i = 0; i < n; i++) {
                outside |= u[i] > scaleMax || u[i] * scaleMax < 1 || !(u[i] > 0);
            }
            errB = omega == 1 ? 0 : relaxedColumnStep();
            if (omega == 1) {
                for (int j = 0; j < m; j++) {
                    v[j] = 1 / colSum[j];
                }
            }
            for (int j = 0; j < m; j++) {
                outside |= v[j] > scaleMax || v[j] * scaleMax < 1 || !(v[j] > 0);
            }
            relaxation.observe(err);
            done++;
            endIteration(outside, f, g);
        }
        omega = 1;
        potentialF(f);
        potentialG(g);
        it.adopt(f, g, done);
    }

    /**
     * The over-relaxed row step's check and update after a pass at ω: u' = u^{1−ω}·s^{−ω}, the coefficient the pass
     * summed the columns with, when it increases the dual ({@link OverRelaxation#gain}); relaxation stops when the
     * increase is short of the plain step's by more than {@link OverRelaxation#SUFFICIENT}.
     *
     * @return false when the step would lower the dual (u is then unchanged, and the caller takes the plain step)
     */
    private boolean relaxedRowStep() {
        for (int i = 0; i < n; i++) {
            tRow[i] = -Math.log(u[i] * s[i]);
        }
        if (relaxation.judge(a, tRow, n, omega) == OverRelaxation.Step.LOWERS) {
            return false;
        }
        // the relaxed scalings' logarithms (tRow now holds them); one far outside the absorption range (the plain
        // one is within it after its absorption) takes the plain step
        double far = 2 * logRange(f32);
        for (int i = 0; i < n; i++) {
            tRow[i] = SinkhornKernels.dampedLog(relaxLog[i], omega, s[i]);
            if (!(Math.abs(tRow[i]) <= far)) {
                return false;
            }
        }
        for (int i = 0; i < n; i++) {
            u[i] = Math.exp(tRow[i]);
        }
        omegaUsed = Math.max(omegaUsed, omega);
        return true;
    }

    /**
     * The over-relaxed column step, v' = v^{1−ω}·colSum^{−ω}, or the plain v' = 1/colSum when the relaxed one would
     * not increase the dual by {@link OverRelaxation#SUFFICIENT} of the plain one, or would leave the safe range
     * far behind (relaxation then stops).
     *
     * @return the column marginal error Σ_j b_j·|v'_j·colSum_j − 1| of the new state (0 after a plain step)
     */
    private double relaxedColumnStep() {
        for (int j = 0; j < m; j++) {
            tCol[j] = -Math.log(v[j] * colSum[j]);
        }
        boolean relaxed = relaxation.judge(b, tCol, m, omega) == OverRelaxation.Step.GAINS;
        double far = 2 * logRange(f32);
        for (int j = 0; j < m && relaxed; j++) {
            tCol[j] = SinkhornKernels.dampedLog((1 - omega) * Math.log(v[j]), omega, colSum[j]);
            relaxed = Math.abs(tCol[j]) <= far;
        }
        if (!relaxed) {
            relaxation.stop();
            for (int j = 0; j < m; j++) {
                v[j] = 1 / colSum[j];
            }
            return 0;
        }
        double errB = 0;
        for (int j = 0; j < m; j++) {
            v[j] = Math.exp(tCol[j]);
            if (b[j] > 0) {
                errB += Math.abs(b[j] * (v[j] * colSum[j] - 1));
            }
        }
        return errB;
    }

    /**
     * {@link #run} for unbalanced problems: the damped updates in their absorbed form. With s = K~·(b∘v) the
     * update f' = τ_a·(f~ − ε·log s) is the scaling u' = exp((f' − f~)/ε) = exp((τ_a − 1)·f~/ε)·s^−τ_a, kept as its
     * logarithm (τ_a = 1: the balanced u' = 1/s); the fused pass sums the columns with a∘u', and likewise
     * v' = exp((τ_b − 1)·g~/ε)·t^−τ_b. The stopping test is the log domain's, max_i |f'_i − f_i|/ε over the rows
     * of positive weight, which is max_i |log u'_i − log u_i|, at the same iterations; the translation step
     * (f + λ, g − λ) multiplies u' by e^{λ/ε} and the column sums with it. Absorption, fallbacks and their limits
     * are the balanced loop's; the absorption test is on the logarithms.
     */
    private void runDamped(SinkhornIterator it, int limit, double tol, int checkEvery) {
        converged = false;
        double[] f = it.f(), g = it.g();
        int done = it.iterations();
        double range = logRange(f32);
        double[] fNext = translate ? new double[n] : null;
        rebuild(f, g);
        fresh = true;
        backoff = 1;
        while (done < limit) {
            pass();
            boolean rowsOk = trusted(s);
            if (rowsOk) {
                boolean check = done > 0 && tol > 0 && done % checkEvery == 0;
                dampedStep(s, a, logU, logUNext, uNext, n, 0, logDRow, tauA, check);
                if (check) {
                    double change = 0;
                    for (int i = 0; i < n; i++) {
                        change = Math.max(change, stepChange[i]);
                    }
                    if (change <= tol) {
                        converged = true;
                        break;
                    }
                }
            }
            if (!rowsOk || !trusted(colSum)) {
                if (!fallBack(it, f, g, done, limit, tol, checkEvery)) {
                    return;
                }
                done = it.iterations();
                f = it.f();
                g = it.g();
                continue;
            }
            double shift = 0;
            if (translate) {
                // the log domain's translation step at (f', g): λ from the masses, u' and the column sums times e^{λ/ε}
                for (int i = 0; i < n; i++) {
                    fNext[i] = ft[i] + eps * logUNext[i];
                }
                potentialG(g);
                double lambda = translationFactor * (SinkhornIterator.logMass(a, logA, fNext, rhoA)
                        - SinkhornIterator.logMass(b, logB, g, rhoB));
                if (Double.isFinite(lambda) && lambda != 0) {
                    shift = lambda * invEps;
                }
            }
            boolean outside = false;
            for (int i = 0; i < n; i++) {
                double x = logUNext[i] + shift;
                logU[i] = x;
                u[i] = shift == 0 ? uNext[i] : Math.exp(x);
                outside |= x > range || x < -range;
            }
            if (tauB == 1 && shift != 0) {
                // a hard column side after a translation: v = 1/(t·e^{λ/ε})
                for (int j = 0; j < m; j++) {
                    double x = -(Math.log(colSum[j]) + shift);
                    logV[j] = x;
                    v[j] = Math.exp(x);
                    outside |= x > range || x < -range;
                }
            } else {
                // v' = exp((τ_b − 1)·g~/ε − τ_b·(log t + λ/ε)) (τ_b = 1 and no translation: the balanced 1/t)
                dampedStep(colSum, b, logV, logVNext, vNext, m, -tauB * shift, logDCol, tauB, false);
                for (int j = 0; j < m; j++) {
                    double x = logVNext[j];
                    logV[j] = x;
                    v[j] = vNext[j];
                    outside |= x > range || x < -range;
                }
            }
            done++;
            endIteration(outside, f, g);
        }
        potentialF(f);
        potentialG(g);
        it.adopt(f, g, done);
    }

    /** Whether every sum of a product is trusted: above the precision's floor and finite (its terms did not underflow). */
    private boolean trusted(double[] sums) {
        for (double x : sums) {
            if (!(x > lo && x < Double.POSITIVE_INFINITY)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The end of an iteration on K~: when a scaling left its range ({@code outside}), the scalings are absorbed into
     * the potentials (f, g receive them) and K~ is rebuilt there.
     */
    private void endIteration(boolean outside, double[] f, double[] g) {
        fresh = false;
        if (outside) {
            absorptions++;
            potentialF(f);
            potentialG(g);
            rebuild(f, g);
            fresh = true;
        }
    }

    /**
     * After a row or column sum underflowed (far from the optimum, or ε small for the costs' spread): the potentials
     * of the state (f, g) after {@code done} iterations go to the iterator, which runs log-domain iterations (1 the
     * first time, twice as many after each failure of a fresh kernel), and K~ is rebuilt at their potentials.
     *
     * @return false when the solve is to stay in the log domain: it converged (or failed) there, reached the
     *     limit, or the kernel has failed {@link #MAX_FALLBACKS} times; the iterator then holds the state
     */
    private boolean fallBack(SinkhornIterator it, double[] f, double[] g, int done, int limit, double tol, int checkEvery) {
        fallbacks++;
        potentialF(f);
        potentialG(g);
        it.adopt(f, g, done);
        int steps = fresh ? backoff : 1;
        if (fresh) {
            backoff = Math.min(2 * backoff, 256);
        }
        int target = Math.min(limit, done + steps);
        Sinkhorn.iterate(it, target, tol, checkEvery, false);
        if (it.iterations() < target || fallbacks > MAX_FALLBACKS) {
            return false;
        }
        rebuild(it.f(), it.g());
        fresh = true;
        return true;
    }

    /** {@return whether the last run stopped on the tolerance in the kernel, so that {@link #result} applies} */
    boolean converged() {
        return converged;
    }

    /**
     * The result at the state the last {@link #run} converged at, from one pass over K~ and C
     * ({@link SinkhornKernels#kernelResultStepF32}) instead of the log-domain sweeps: with s = K~·(b∘v) from the
     * iteration that measured the error, T = K~ᵀ·(a∘u) and R_i = Σ_j K~_ij·b_j·v_j·C_ij, the log-domain
     * result's log-sum-exps are rowLse_i = log s_i − f~_i/ε and colLse_j = log T_j − g~_j/ε, and row i's mean
     * cost is R_i/s_i (unbalanced problems alike: u is the state's scaling, and the result's unbalanced terms come
     * from the same log-sum-exps). The iterator holds the state's potentials.
     *
     * @param it the iterator {@link #run} left its potentials in
     * @return the result ({@code converged} decided again from these sums)
     */
    SinkhornResult result(SinkhornIterator it) {
        if (!converged) {
            throw new IllegalStateException("the kernel iterations did not converge");
        }
        double[] w = new double[m], c = new double[n], rowCost = new double[n];
        for (int j = 0; j < m; j++) {
            w[j] = b[j] * v[j];
        }
        for (int i = 0; i < n; i++) {
            c[i] = a[i] * u[i];
        }
        double[][] parts = new double[stripes][m];
        long rowBytes = (long) m * geometry.precision().bytes();
        forStripes(q -> {
            int r0 = q * STRIPE, rows = Math.min(STRIPE, n - r0);
            MemorySegment stripe = k.asSlice(r0 * rowBytes, rows * rowBytes);
            MemorySegment cost = geometry.tile(false, r0, rows, null);
            if (f32) {
                kernels.kernelResultStepF32(stripe, cost, rows, m, w, c, rowCost, r0, parts[q]);
            } else {
                kernels.kernelResultStepF64(stripe, cost, rows, m, w, c, rowCost, r0, parts[q]);
            }
        });
        double[] rowLse = new double[n], colLse = new double[m], rowNorm = new double[n];
        for (int i = 0; i < n; i++) {
            rowLse[i] = Math.log(s[i]) - ft[i] * invEps;
            rowNorm[i] = 1;
            rowCost[i] = s[i] > 0 ? rowCost[i] / s[i] : 0;
        }
        for (int j = 0; j < m; j++) {
            double t = 0;
            for (int q = 0; q < stripes; q++) {
                t += parts[q][j];
            }
            colLse[j] = Math.log(t) - gt[j] * invEps;
        }
        return it.resultFrom(rowLse, colLse, rowNorm, rowCost);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        arena.close();
    }
}
