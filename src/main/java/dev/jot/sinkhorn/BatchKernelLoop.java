package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import dev.jot.geometry.Geometry;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stored-kernel iterations for a batch of problems over one cost matrix, as matrix-matrix products.
 *
 * <p>One kernel is shared by the batch: K_ij = exp((α_i + β_j − C_ij)/ε), stored with its transpose in the
 * problems' precision, at shared absorbed potentials α, β (the mean of the problems' potentials when it is
 * built). Problem p's potentials are f_p = α + c_p + ε·log u_p and g_p = β − c_p + ε·log v_p, with a constant
 * shift c_p of its own (f + c, g − c is the same plan) chosen so that both scalings lie in the safe range
 * [e^−L, e^L] (L = 23 in f32, 115 in f64). An iteration of every problem at once is then two products with
 * the batch as the wide dimension, S = K·(b∘v) and T = Kᵀ·(a∘u) (u = 1/S, v = 1/T), run by
 * {@link SinkhornKernels#batchProductF32} in register tiles: no exponential, and the kernel is read from
 * cache once per 2 vectors of problems instead of once per problem.
 *
 * <p>Unbalanced problems (a finite ρ_a or ρ_b) take the damped updates in this form: with S = K·(b∘v), the log
 * domain's f' = τ_a·(α + c − ε·log S) is the scaling u' = exp((τ_a − 1)·α_i/ε)·exp((τ_a − 1)·c/ε)·S^−τ_a, the first
 * factor fixed per build and the second per problem, both kept as logarithms
 * ({@link SinkhornKernels#dampedScalingStepF32}); likewise v' with τ_b, β and −c. The scalings' logarithms are kept
 * (the potentials come from them), the absorption test is on them for both sides, the stopping test is each
 * problem's potentials' change max_i |f'_i − f_i|/ε = max_i |log u'_i − log u_i|, tested at the count a problem is
 * loaded at as in the log domain, and the translation-invariant step multiplies u' by e^{λ/ε} before the column
 * product. A problem whose column sums fail hands back its last whole iteration (the row step is committed only
 * after the column step).
 *
 * <p>Safety, problem by problem, so that the answer is the log-domain one:
 * <ul>
 *   <li>a problem whose row or column sums fall below the precision's safe range (1e-15 in f32, whose kernel
 *       entries below 1e-25 are stored as 0; 1e-280 in f64), or are not finite, has had terms underflow:
 *       its iteration is discarded and it runs log-domain iterations instead (1, then twice as many after
 *       each further failure), then rejoins at the next rebuild; after {@link KernelLoop#MAX_FALLBACKS}
 *       it stays in the log domain;</li>
 *   <li>a problem whose scalings leave the safe range, or that cannot be given a shift keeping both in it,
 *       waits for the next rebuild of the kernel (an absorption), which re-centres α and β on the problems
 *       still iterating; a rebuild also happens when half the problems are done, so that the products
 *       shrink with the batch;</li>
 *   <li>the stopping test is each problem's row marginal error at its current state, from the row product;
 *       the caller then checks every problem in the log domain and goes on there if the error is still
 *       above the tolerance, and computes the results from the potentials with the log-domain sweeps.</li>
 * </ul>
 * Each output entry of a product is summed in one order by one task, so the bits do not depend on the
 * number of threads.
 */
final class BatchKernelLoop implements AutoCloseable {
    /** The most kernel builds in one solve; after them the remaining problems stay in the log domain. */
    static final int MAX_BUILDS = 64;
    /** Kernel rows per task of a product. */
    private static final int ROWS_PER_TASK = 32;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private final Geometry geometry;
    private final SinkhornKernels kernels;
    private final int n;
    private final int m;
    private final boolean f32;
    private final double eps;
    private final double invEps;
    private final double lo;
    /** The scalings' safe range, as a logarithm. */
    private final double logRange;
    private final Arena arena;
    private final MemorySegment k;
    private final MemorySegment kt;
    /** K∘C, for the results' costs (built at the end). */
    private MemorySegment kc;
    private final double[] alpha;
    private final double[] beta;
    private final Team pool;
    /** Unbalanced: the damping τ = ρ/(ρ + ε) of each side (1 for a hard side), and the translation step. */
    private final boolean damped;
    private final double tauA;
    private final double tauB;
    private final double rhoA;
    private final double rhoB;
    private final boolean translate;
    private final double translationFactor;
    /** Unbalanced: (τ_a − 1)·α/ε and (τ_b − 1)·β/ε at the current build. */
    private final double[] logDRow;
    private final double[] logDCol;
    private int builds;
    private int[] fallbacks;
    /** Per problem: whether the kernel finished it (converged, or at the limit), so that its result can come from the kernel. */
    private boolean[] byKernel;
    /** Per problem (unbalanced): the iteration count at which the kernel last found it converged, or −1. */
    private int[] convergedAt;

    /**
     * Whether a batch with these options on this geometry runs stored-kernel products.
     *
     * @param geometry the shared costs
     * @param options the options ({@code sweeps}, backend)
     * @param count the number of problems
     * @return true for {@code kernel} on a stored matrix on the CPU, and for {@code auto} when the batch also
     *     has at least {@link KernelLoop#AUTO_MIN_ENTRIES} entries in all
     */
    static boolean applies(Geometry geometry, SinkhornOptions options, int count) {
        return KernelLoop.applies(geometry, options, (long) count * geometry.n() * geometry.m());
    }

    BatchKernelLoop(Geometry geometry, SinkhornKernels kernels, int threads, double eps) {
        this(geometry, kernels, threads, eps, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, false);
    }

    /**
     * A loop at ε; with a finite ρ_a or ρ_b its updates are the damped (unbalanced) ones, with the translation step
     * after each f update when {@code translate}.
     *
     * @throws IllegalArgumentException if a finite ρ is so large against ε that the damping rounds to 1
     */
    BatchKernelLoop(Geometry geometry, SinkhornKernels kernels, int threads, double eps, double rhoA, double rhoB,
                    boolean translate) {
        this.geometry = geometry;
        this.kernels = kernels;
        n = geometry.n();
        m = geometry.m();
        f32 = geometry.precision() == Precision.F32;
        this.eps = eps;
        invEps = 1.0 / eps;
        lo = KernelLoop.sumFloor(f32);
        logRange = KernelLoop.logRange(f32);
        arena = Arena.ofShared();
        long bytes = (long) n * m * geometry.precision().bytes();
        k = arena.allocate(bytes, 64);
        kt = arena.allocate(bytes, 64);
        alpha = new double[n];
        beta = new double[m];
        pool = threads > 1 ? new Team(threads) : null;
        this.rhoA = rhoA;
        this.rhoB = rhoB;
        damped = rhoA != Double.POSITIVE_INFINITY || rhoB != Double.POSITIVE_INFINITY;
        tauA = SinkhornIterator.tau("rho_a", rhoA, eps);
        tauB = SinkhornIterator.tau("rho_b", rhoB, eps);
        this.translate = damped && translate;
        translationFactor = SinkhornIterator.translationFactor(rhoA, rhoB);
        logDRow = damped ? new double[n] : null;
        logDCol = damped ? new double[m] : null;
    }

    /** {@return how many times the shared kernel was built after the first} */
    int absorptions() {
        return Math.max(0, builds - 1);
    }

    /**
     * {@return the log-domain fallbacks of problem p}
     *
     * @param p the problem's index in the batch
     */
    int fallbacks(int p) {
        return fallbacks == null ? 0 : fallbacks[p];
    }

    /** Per problem: handed back after a failed column phase with its f updated and its g not (balanced problems). */
    private boolean[] halfIteration;

    /**
     * Iterates every active problem from its iterator's potentials until its row marginal error is at most
     * {@code tol} (checked every {@code checkEvery} iterations), {@code limit} iterations are done, or the
     * kernel gives up on it; each iterator then holds its potentials and iteration count.
     *
     * @param it the problems' iterators
     * @param active which problems to iterate
     * @param limit the iteration count to stop at
     * @param tol the tolerance on ‖P·1 − a‖₁ (0: run to the limit)
     * @param checkEvery how often to test the error
     */
    void run(SinkhornIterator[] it, boolean[] active, int limit, double tol, int checkEvery) {
        int count = it.length;
        if (fallbacks == null) {
            fallbacks = new int[count];
            convergedAt = new int[count];
            Arrays.fill(convergedAt, -1);
        }
        int[] backoff = new int[count];
        Arrays.fill(backoff, 1);
        halfIteration = new boolean[count];
        boolean[] finished = new boolean[count];
        byKernel = new boolean[count];
        for (int p = 0; p < count; p++) {
            finished[p] = !active[p] || it[p].iterations() >= limit;
        }
        while (builds < MAX_BUILDS) {
            List<Integer> waiting = new ArrayList<>();
            for (int p = 0; p < count; p++) {
                if (!finished[p]) {
                    waiting.add(p);
                }
            }
            if (waiting.isEmpty()) {
                return;
            }
            List<Integer> served = cluster(it, waiting);
            build(it, served, false);
            Batch batch = admit(it, served);
            // the others wait for a later build
            List<Integer> failed = batch.width == 0 ? served : batch.iterate(it, limit, tol, checkEvery, finished, byKernel);
            for (int p : failed) {
                // its sums underflowed (or it fits no shift): log-domain iterations, then the kernel again
                fallbacks[p]++;
                if (halfIteration[p]) {
                    // a balanced problem whose column sums failed came back with its new f and its last g: the log
                    // domain's g update completes that iteration (else the state's row error, 0, would pass the test)
                    halfIteration[p] = false;
                    if (!it[p].updateG()) {
                        finished[p] = true;
                        continue;
                    }
                }
                int target = Math.min(limit, it[p].iterations() + backoff[p]);
                backoff[p] = Math.min(2 * backoff[p], 256);
                Sinkhorn.iterate(it[p], target, tol, checkEvery, false);
                if (it[p].iterations() < target || it[p].iterations() >= limit || fallbacks[p] > KernelLoop.MAX_FALLBACKS) {
                    finished[p] = true; // converged (or failed) in the log domain, or the kernel keeps failing it
                }
            }
        }
    }

    /**
     * The problems that one kernel will serve: those whose potentials are within the safe range (up to a shift)
     * of a centre problem's; of a few candidate centres spread over the list, the one that serves the most.
     */
    private List<Integer> cluster(SinkhornIterator[] it, List<Integer> waiting) {
        List<Integer> best = List.of();
        int tries = Math.min(4, waiting.size());
        for (int t = 0; t < tries; t++) {
            int centre = waiting.get((int) ((long) t * waiting.size() / tries));
            double[] f0 = it[centre].f(), g0 = it[centre].g();
            List<Integer> served = new ArrayList<>();
            for (int p : waiting) {
                // with the centre's potentials as α and β, and a margin of half the range for the mean's pull
                if (p == centre || !Double.isNaN(fits(it[p].f(), it[p].g(), f0, g0, 0.5 * logRange))) {
                    served.add(p);
                }
            }
            if (served.size() > best.size()) {
                best = served;
            }
            if (best.size() == waiting.size()) {
                break;
            }
        }
        return best;
    }

    /**
     * The shift c/ε that puts the scalings of potentials (f, g) against (f0, g0) within [−range, range], the
     * middle of the feasible interval, or NaN when there is none.
     */
    private double fits(double[] f, double[] g, double[] f0, double[] g0, double range) {
        double xLo = Double.POSITIVE_INFINITY, xHi = Double.NEGATIVE_INFINITY;
        double yLo = Double.POSITIVE_INFINITY, yHi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double x = (f[i] - f0[i]) * invEps;
            xLo = Math.min(xLo, x);
            xHi = Math.max(xHi, x);
        }
        for (int j = 0; j < m; j++) {
            double y = (g[j] - g0[j]) * invEps;
            yLo = Math.min(yLo, y);
            yHi = Math.max(yHi, y);
        }
        // the shift must keep x − c/ε and y + c/ε within [−range, range]
        double lower = Math.max(xHi - range, -range - yLo), upper = Math.min(xLo + range, range - yHi);
        return lower <= upper && Double.isFinite(lower) && Double.isFinite(upper) ? 0.5 * (lower + upper) : Double.NaN;
    }

    /**
     * The results of the problems the kernel finished (converged, or at the iteration limit), from kernel
     * products at one more build (see {@link Batch#results}); null for the others, and for any that fit no
     * build (the caller computes those in the log domain).
     *
     * @param it the problems' iterators, holding the states {@link #run} left
     * @return a result per problem, or null
     */
    SinkhornResult[] results(SinkhornIterator[] it) {
        SinkhornResult[] out = new SinkhornResult[it.length];
        List<Integer> waiting = new ArrayList<>();
        for (int p = 0; p < it.length; p++) {
            if (byKernel != null && byKernel[p]) {
                waiting.add(p);
            }
        }
        for (int round = 0; round < 4 && !waiting.isEmpty(); round++) {
            List<Integer> served = cluster(it, waiting);
            build(it, served, true);
            Batch batch = admit(it, served);
            if (batch.width == 0) {
                break;
            }
            SinkhornResult[] r = batch.results(it, kc);
            for (int s = 0; s < batch.width; s++) {
                out[batch.problem[s]] = r[s];
                waiting.remove(Integer.valueOf(batch.problem[s]));
            }
        }
        return out;
    }

    /**
     * Builds K and Kᵀ at α, β = the mean potentials of the listed problems, and K∘C when {@code withCost} (for
     * the results; such a build is not an absorption).
     */
    private void build(SinkhornIterator[] it, List<Integer> problems, boolean withCost) {
        if (!withCost) {
            builds++;
        } else if (kc == null) {
            kc = arena.allocate((long) n * m * geometry.precision().bytes(), 64);
        }
        Arrays.fill(alpha, 0);
        Arrays.fill(beta, 0);
        for (int p : problems) {
            double[] f = it[p].f(), g = it[p].g();
            for (int i = 0; i < n; i++) {
                alpha[i] += f[i];
            }
            for (int j = 0; j < m; j++) {
                beta[j] += g[j];
            }
        }
        double[] rowH = new double[n], colH = new double[m];
        for (int i = 0; i < n; i++) {
            alpha[i] /= problems.size();
            rowH[i] = alpha[i] * invEps;
        }
        for (int j = 0; j < m; j++) {
            beta[j] /= problems.size();
            colH[j] = beta[j] * invEps;
        }
        if (damped) {
            for (int i = 0; i < n; i++) {
                logDRow[i] = tauA == 1 ? 0 : (tauA - 1) * rowH[i];
            }
            for (int j = 0; j < m; j++) {
                logDCol[j] = tauB == 1 ? 0 : (tauB - 1) * colH[j];
            }
        }
        long rowBytes = (long) m * geometry.precision().bytes();
        int stripes = (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        forTasks(stripes, q -> {
            int r0 = q * ROWS_PER_TASK, rows = Math.min(ROWS_PER_TASK, n - r0);
            MemorySegment cost = geometry.tile(false, r0, rows, null);
            MemorySegment out = k.asSlice(r0 * rowBytes, rows * rowBytes);
            if (f32) {
                kernels.gibbsTileF32(cost, rows, m, rowH, r0, colH, invEps, out);
            } else {
                kernels.expTileF64(cost, rows, m, rowH, r0, colH, invEps, out);
            }
            // an entry that overflowed (inf, or NaN from a vector exponential out of its range) becomes the largest
            // finite value, so that a zero weight times it is 0 (it belongs to a pair the potentials do not bound:
            // where such an entry meets a positive weight, the sum leaves the scalings' range, and the problem is
            // absorbed or falls back); K∘C is formed from the entries so made finite
            long first = (long) r0 * m;
            for (long e = 0; e < (long) rows * m; e++) {
                if (f32) {
                    float v = k.getAtIndex(F32, first + e);
                    if (!(v < Float.POSITIVE_INFINITY)) {
                        v = Float.MAX_VALUE;
                        k.setAtIndex(F32, first + e, v);
                    }
                    if (withCost) {
                        kc.setAtIndex(F32, first + e, v * cost.getAtIndex(F32, e));
                    }
                } else {
                    double v = k.getAtIndex(F64, first + e);
                    if (!(v < Double.POSITIVE_INFINITY)) {
                        v = Double.MAX_VALUE;
                        k.setAtIndex(F64, first + e, v);
                    }
                    if (withCost) {
                        kc.setAtIndex(F64, first + e, v * cost.getAtIndex(F64, e));
                    }
                }
            }
        });
        // the transpose, in blocks
        final int blk = 32;
        int colBlocks = (m + blk - 1) / blk;
        forTasks(colBlocks, q -> {
            int j0 = q * blk, j1 = Math.min(m, j0 + blk);
            for (int i0 = 0; i0 < n; i0 += blk) {
                int i1 = Math.min(n, i0 + blk);
                for (int j = j0; j < j1; j++) {
                    for (int i = i0; i < i1; i++) {
                        long at = (long) i * m + j, to = (long) j * n + i;
                        if (f32) {
                            kt.setAtIndex(F32, to, k.getAtIndex(F32, at));
                        } else {
                            kt.setAtIndex(F64, to, k.getAtIndex(F64, at));
                        }
                    }
                }
            }
        });
    }

    private static double[] logs(double[] w) {
        double[] out = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = Math.log(w[k]);
        }
        return out;
    }

    private void forTasks(int tasks, java.util.function.IntConsumer task) {
        if (pool == null) {
            for (int t = 0; t < tasks; t++) {
                task.accept(t);
            }
        } else {
            pool.run(tasks, task);
        }
    }

    /**
     * The problems that fit the kernel: each gets the shift that centres its scalings' logarithms in the safe
     * range, and a slot; those that fit none are left out (they wait for a later build).
     */
    private Batch admit(SinkhornIterator[] it, List<Integer> problems) {
        List<Integer> in = new ArrayList<>();
        List<Double> shifts = new ArrayList<>();
        for (int p : problems) {
            double c = fits(it[p].f(), it[p].g(), alpha, beta, logRange);
            if (!Double.isNaN(c)) {
                in.add(p);
                shifts.add(c);
            }
        }
        Batch b = new Batch(in.size());
        for (int s = 0; s < in.size(); s++) {
            b.load(s, in.get(s), it[in.get(s)], shifts.get(s));
        }
        return b;
    }

    /**
     * The problems admitted to one kernel build, in "row × problem" layouts (the problem index fastest): their
     * weights, scalings (double-buffered, so that a failed or converged step keeps the last good state) and the
     * products' inputs and outputs, in the kernel's precision. Inputs of retired slots go on being computed
     * from stale values: each slot is a column of the products, so they cannot reach a live one.
     */
    private final class Batch {
        final int width;
        final int[] problem;
        final double[] shift;
        final int[] iterations;
        /**
         * Each slot's iteration count when it was loaded: its error is tested only after an iteration here (balanced:
         * a state handed back after a failed column phase is half an iteration, whose row error is 0). Unbalanced
         * slots never hand back such a state, so their error is tested at the count they are loaded at too, as the
         * log domain would, except where the kernel found that state converged before (its result said otherwise).
         */
        final int[] loaded;
        final boolean[] live;
        // f32 layouts
        final float[] aF, bF, xF, yF, rowF, colF;
        float[] uF, vF, uNextF, vNextF;
        // f64 layouts
        final double[] aD, bD, xD, yD, rowD, colD;
        double[] uD, vD, uNextD, vNextD;
        /** Per slot: the smallest and largest sum of a product, and the row error (unbalanced: the potentials' change). */
        final double[] low, high, err;
        /**
         * Unbalanced: the scalings' logarithms (double-buffered; the potentials come from them), each slot's damping
         * terms (τ_a − 1)·c and −(τ_b − 1)·c, the smallest and largest logarithm of the last row and column phases,
         * and, for the translation step, each slot's weights and their logarithms.
         */
        double[] logU, logV, logUNext, logVNext;
        final double[] logERow, logECol, rowLogLow, rowLogHigh, colLogLow, colLogHigh;
        final double[][] slotA, slotB, slotLogA, slotLogB;

        Batch(int width) {
            this.width = width;
            problem = new int[width];
            shift = new double[width];
            iterations = new int[width];
            loaded = new int[width];
            live = new boolean[width];
            int nw = n * width, mw = m * width;
            aF = f32 ? new float[nw] : null;
            uF = f32 ? new float[nw] : null;
            uNextF = f32 ? new float[nw] : null;
            yF = f32 ? new float[nw] : null;
            rowF = f32 ? new float[nw] : null;
            bF = f32 ? new float[mw] : null;
            vF = f32 ? new float[mw] : null;
            vNextF = f32 ? new float[mw] : null;
            xF = f32 ? new float[mw] : null;
            colF = f32 ? new float[mw] : null;
            aD = f32 ? null : new double[nw];
            uD = f32 ? null : new double[nw];
            uNextD = f32 ? null : new double[nw];
            yD = f32 ? null : new double[nw];
            rowD = f32 ? null : new double[nw];
            bD = f32 ? null : new double[mw];
            vD = f32 ? null : new double[mw];
            vNextD = f32 ? null : new double[mw];
            xD = f32 ? null : new double[mw];
            colD = f32 ? null : new double[mw];
            low = new double[width];
            high = new double[width];
            err = new double[width];
            logU = damped ? new double[nw] : null;
            logUNext = damped ? new double[nw] : null;
            logV = damped ? new double[mw] : null;
            logVNext = damped ? new double[mw] : null;
            logERow = damped ? new double[width] : null;
            logECol = damped ? new double[width] : null;
            rowLogLow = damped ? new double[width] : null;
            rowLogHigh = damped ? new double[width] : null;
            colLogLow = damped ? new double[width] : null;
            colLogHigh = damped ? new double[width] : null;
            slotA = translate ? new double[width][] : null;
            slotB = translate ? new double[width][] : null;
            slotLogA = translate ? new double[width][] : null;
            slotLogB = translate ? new double[width][] : null;
        }

        double u(int i, int s) {
            return f32 ? uF[i * width + s] : uD[i * width + s];
        }

        double v(int j, int s) {
            return f32 ? vF[j * width + s] : vD[j * width + s];
        }

        void load(int s, int p, SinkhornIterator it, double c) {
            problem[s] = p;
            shift[s] = c;
            iterations[s] = it.iterations();
            loaded[s] = damped && iterations[s] != convergedAt[p] ? iterations[s] - 1 : iterations[s];
            live[s] = true;
            double[] f = it.f(), g = it.g(), wa = it.weightsA(), wb = it.weightsB();
            if (damped) {
                logERow[s] = tauA == 1 ? 0 : (tauA - 1) * c;
                logECol[s] = tauB == 1 ? 0 : -(tauB - 1) * c;
                if (translate) {
                    slotA[s] = wa;
                    slotB[s] = wb;
                    slotLogA[s] = logs(wa);
                    slotLogB[s] = logs(wb);
                }
            }
            for (int i = 0; i < n; i++) {
                int o = i * width + s;
                double lu = (f[i] - alpha[i]) * invEps - c;
                if (damped) {
                    logU[o] = lu;
                }
                double u = Math.exp(lu);
                if (f32) {
                    aF[o] = (float) wa[i];
                    uF[o] = (float) u;
                } else {
                    aD[o] = wa[i];
                    uD[o] = u;
                }
            }
            for (int j = 0; j < m; j++) {
                int o = j * width + s;
                double lv = (g[j] - beta[j]) * invEps + c;
                if (damped) {
                    logV[o] = lv;
                }
                double v = Math.exp(lv);
                if (f32) {
                    bF[o] = (float) wb[j];
                    vF[o] = (float) v;
                    xF[o] = (float) (wb[j] * v);
                } else {
                    bD[o] = wb[j];
                    vD[o] = v;
                    xD[o] = wb[j] * v;
                }
            }
        }

        /** The potentials of slot s: f = α + c + ε·log u, g = β − c + ε·log v. */
        double[][] potentials(int s) {
            double[] f = new double[n], g = new double[m];
            double c = shift[s] * eps;
            for (int i = 0; i < n; i++) {
                f[i] = alpha[i] + c + eps * (damped ? logU[i * width + s] : Math.log(u(i, s)));
            }
            for (int j = 0; j < m; j++) {
                g[j] = beta[j] - c + eps * (damped ? logV[j * width + s] : Math.log(v(j, s)));
            }
            return new double[][]{f, g};
        }

        /** Hands slot s's state back to its iterator and retires the slot. */
        void retire(int s, SinkhornIterator it) {
            double[][] fg = potentials(s);
            it.adopt(fg[0], fg[1], iterations[s]);
            live[s] = false;
        }

        /** One product of K (or Kᵀ, or K∘C) with an input layout, into an output layout. */
        void product(MemorySegment kernel, boolean transposed, boolean withRowInput) {
            int rows = transposed ? m : n, cols = transposed ? n : m;
            int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
            forTasks(tasks, t -> {
                int r0 = t * ROWS_PER_TASK, count = Math.min(ROWS_PER_TASK, rows - r0);
                if (f32) {
                    kernels.batchProductF32(kernel, cols, r0, count, withRowInput ? yF : xF, width, transposed ? colF : rowF);
                } else {
                    kernels.batchProductF64(kernel, cols, r0, count, withRowInput ? yD : xD, width, transposed ? colD : rowD);
                }
            });
        }

        /**
         * The row phase, fused: from S = K·(b∘v), the next scalings u' = 1/S, the column product's input a∘u',
         * each slot's smallest and largest S and, when {@code check}, its row error Σ a·|u·S − 1|.
         */
        void rowPhase(boolean check) {
            if (damped) {
                dampedStep(rowF, aF, uNextF, yF, rowD, aD, uNextD, yD, logU, logUNext, n, logDRow, logERow, tauA,
                        rowLogLow, rowLogHigh, check);
                return;
            }
            step(rowF, aF, uF, uNextF, yF, rowD, aD, uD, uNextD, yD, n, check);
        }

        /** The column phase: from T = Kᵀ·(a∘u), v' = 1/T, the next row product's input b∘v', T's range. */
        void columnPhase() {
            if (damped) {
                dampedStep(colF, bF, vNextF, xF, colD, bD, vNextD, xD, logV, logVNext, m, logDCol, logECol, tauB,
                        colLogLow, colLogHigh, false);
                return;
            }
            step(colF, bF, vF, vNextF, xF, colD, bD, vD, vNextD, xD, m, false);
        }

        /**
         * The damped scaling step ({@link SinkhornKernels#dampedScalingStepF32}): the next scalings and their
         * logarithms, each slot's range of sums and of logarithms, and, when {@code check}, each slot's change
         * max |log u' − log u| (into {@code err}).
         */
        private void dampedStep(float[] sumF, float[] wF, float[] nextF, float[] prodF, double[] sumD, double[] wD,
                                double[] nextD, double[] prodD, double[] logOld, double[] logNext, int rows, double[] logD,
                                double[] logE, double tau, double[] logLow, double[] logHigh, boolean check) {
            Arrays.fill(logLow, Double.POSITIVE_INFINITY);
            Arrays.fill(logHigh, Double.NEGATIVE_INFINITY);
            Arrays.fill(err, 0);
            if (f32) {
                float[] lo = new float[width], hi = new float[width];
                Arrays.fill(lo, Float.POSITIVE_INFINITY);
                Arrays.fill(hi, Float.NEGATIVE_INFINITY);
                kernels.dampedScalingStepF32(sumF, wF, logOld, logNext, nextF, prodF, rows, width, logD, logE, tau, lo, hi,
                        logLow, logHigh, check ? err : null);
                for (int s = 0; s < width; s++) {
                    low[s] = lo[s];
                    high[s] = hi[s];
                }
            } else {
                Arrays.fill(low, Double.POSITIVE_INFINITY);
                Arrays.fill(high, Double.NEGATIVE_INFINITY);
                kernels.dampedScalingStepF64(sumD, wD, logOld, logNext, nextD, prodD, rows, width, logD, logE, tau, low, high,
                        logLow, logHigh, check ? err : null);
            }
        }

        /**
         * The translation step of the live slots after their row phase (the log domain's, at (f', g)): λ from the
         * masses of f' = α + c + ε·log u' and g = β − c + ε·log v, then log u' += λ/ε, and u' and a∘u' (the column
         * product's input) recomputed from it.
         */
        void translateRows() {
            double[] f = new double[n], g = new double[m];
            for (int s = 0; s < width; s++) {
                if (!live[s]) {
                    continue;
                }
                double c = shift[s] * eps;
                for (int i = 0; i < n; i++) {
                    f[i] = alpha[i] + c + eps * logUNext[i * width + s];
                }
                for (int j = 0; j < m; j++) {
                    g[j] = beta[j] - c + eps * logV[j * width + s];
                }
                double lambda = translationFactor * (SinkhornIterator.logMass(slotA[s], slotLogA[s], f, rhoA)
                        - SinkhornIterator.logMass(slotB[s], slotLogB[s], g, rhoB));
                if (!Double.isFinite(lambda) || lambda == 0) {
                    continue;
                }
                double d = lambda * invEps;
                rowLogLow[s] += d;
                rowLogHigh[s] += d;
                for (int i = 0; i < n; i++) {
                    int o = i * width + s;
                    double x = logUNext[o] + d;
                    logUNext[o] = x;
                    if (f32) {
                        uNextF[o] = (float) Math.exp(x);
                        yF[o] = aF[o] * uNextF[o];
                    } else {
                        uNextD[o] = Math.exp(x);
                        yD[o] = aD[o] * uNextD[o];
                    }
                }
            }
        }

        /**
         * The scaling step ({@link SinkhornKernels#scalingStepF32}) in parallel over the problems: each task a
         * stripe of columns of the layouts, so each problem's range and error are summed in row order by one task.
         */
        private void step(float[] sumF, float[] wF, float[] oldF, float[] nextF, float[] prodF,
                          double[] sumD, double[] wD, double[] oldD, double[] nextD, double[] prodD, int rows, boolean check) {
            if (f32) {
                float[] lo = new float[width], hi = new float[width], e = check ? new float[width] : null;
                Arrays.fill(lo, Float.POSITIVE_INFINITY);
                Arrays.fill(hi, Float.NEGATIVE_INFINITY);
                kernels.scalingStepF32(sumF, wF, oldF, nextF, prodF, rows, width, lo, hi, e);
                for (int s = 0; s < width; s++) {
                    low[s] = lo[s];
                    high[s] = hi[s];
                    err[s] = e == null ? 0 : e[s];
                }
            } else {
                Arrays.fill(low, Double.POSITIVE_INFINITY);
                Arrays.fill(high, Double.NEGATIVE_INFINITY);
                Arrays.fill(err, 0);
                kernels.scalingStepF64(sumD, wD, oldD, nextD, prodD, rows, width, low, high, check ? err : null);
            }
        }

        /**
         * Takes the next scalings (of the rows, or of the columns): the buffers are swapped, which leaves the
         * retired slots' entries stale (their states were handed back when they retired).
         */
        void commit(boolean rows) {
            if (damped) {
                double[] t = rows ? logU : logV;
                if (rows) {
                    logU = logUNext;
                    logUNext = t;
                } else {
                    logV = logVNext;
                    logVNext = t;
                }
            }
            if (rows) {
                float[] tf = uF;
                uF = uNextF;
                uNextF = tf;
                double[] td = uD;
                uD = uNextD;
                uNextD = td;
            } else {
                float[] tf = vF;
                vF = vNextF;
                vNextF = tf;
                double[] td = vD;
                vD = vNextD;
                vNextD = td;
            }
        }

        /** Whether slot s's sums of the last phase are all in the safe range (not underflowed, finite, not NaN). */
        boolean sumsOk(int s) {
            return low[s] > lo && high[s] < Double.POSITIVE_INFINITY;
        }

        /** Whether the scalings 1/sum of the last phase leave [e^−L, e^L] for slot s. */
        boolean outside(int s, double top) {
            if (damped) {
                // the scalings' logarithms of both phases (a damped row scaling is not 1/sum: it is tested itself)
                return !(rowLogHigh[s] <= logRange && rowLogLow[s] >= -logRange && colLogHigh[s] <= logRange
                        && colLogLow[s] >= -logRange);
            }
            return high[s] > top || low[s] * top < 1;
        }

        /**
         * Iterates the live slots until each converges, reaches the limit or fails, or until half the slots are
         * retired (then the caller rebuilds the kernel for the rest).
         *
         * @return the problems that failed (their sums underflowed)
         */
        List<Integer> iterate(SinkhornIterator[] it, int limit, double tol, int checkEvery, boolean[] finished, boolean[] byKernel) {
            List<Integer> failed = new ArrayList<>();
            int alive = width;
            double top = Math.exp(logRange);
            while (alive > 0 && 2 * alive > width) {
                product(k, false, false);
                boolean check = false;
                for (int s = 0; s < width; s++) {
                    check |= live[s] && iterations[s] > loaded[s] && iterations[s] > 0 && tol > 0 && iterations[s] % checkEvery == 0;
                }
                rowPhase(check);
                for (int s = 0; s < width; s++) {
                    if (!live[s]) {
                        continue;
                    }
                    int p = problem[s];
                    boolean checked = iterations[s] > loaded[s] && iterations[s] > 0 && tol > 0 && iterations[s] % checkEvery == 0;
                    if (!sumsOk(s)) {
                        retire(s, it[p]);
                        failed.add(p);
                        alive--;
                    } else if (checked && err[s] <= tol) {
                        retire(s, it[p]); // the state whose error was measured
                        if (damped) {
                            convergedAt[p] = iterations[s];
                        }
                        finished[p] = true;
                        byKernel[p] = true;
                        alive--;
                    }
                }
                if (translate) {
                    translateRows();
                }
                if (!damped) {
                    commit(true);
                }
                product(kt, true, true);
                columnPhase();
                for (int s = 0; s < width; s++) {
                    if (live[s] && !sumsOk(s)) {
                        // balanced: u is new, v the last good one (half an iteration, completed in the log domain);
                        // unbalanced: u is not committed yet, so the state handed back is the last whole iteration's
                        retire(s, it[problem[s]]);
                        halfIteration[problem[s]] = !damped;
                        failed.add(problem[s]);
                        alive--;
                    }
                }
                if (damped) {
                    commit(true);
                }
                commit(false);
                for (int s = 0; s < width; s++) {
                    if (!live[s]) {
                        continue;
                    }
                    iterations[s]++;
                    int p = problem[s];
                    if (iterations[s] >= limit) {
                        retire(s, it[p]);
                        finished[p] = true;
                        byKernel[p] = true;
                        alive--;
                    } else if (outside(s, top)) {
                        retire(s, it[p]); // an absorption: it waits for the next build
                        alive--;
                    }
                }
            }
            for (int s = 0; s < width; s++) {
                if (live[s]) {
                    retire(s, it[problem[s]]);
                }
            }
            return failed;
        }

        /**
         * The results of the loaded slots at their states, from three products: S = K·(b∘v), T = Kᵀ·(a∘u) and
         * R = (K∘C)·(b∘v) give the log-sum-exps of the log-domain result, rowLse_i = log S_i − α_i/ε − c/ε and
         * colLse_j = log T_j − β_j/ε + c/ε, and each row's mean cost R_i/S_i.
         */
        SinkhornResult[] results(SinkhornIterator[] it, MemorySegment kc) {
            for (int r = 0; r < n; r++) {
                int o = r * width;
                for (int s = 0; s < width; s++) {
                    if (f32) {
                        yF[o + s] = aF[o + s] * uF[o + s];
                    } else {
                        yD[o + s] = aD[o + s] * uD[o + s];
                    }
                }
            }
            product(kt, true, true);
            product(kc, false, false);
            float[] costF = f32 ? rowF.clone() : null;
            double[] costD = f32 ? null : rowD.clone();
            product(k, false, false);
            SinkhornResult[] out = new SinkhornResult[width];
            for (int s = 0; s < width; s++) {
                double[] rowLse = new double[n], colLse = new double[m], rowNorm = new double[n], rowCost = new double[n];
                for (int i = 0; i < n; i++) {
                    int o = i * width + s;
                    double sum = f32 ? rowF[o] : rowD[o];
                    rowLse[i] = Math.log(sum) - alpha[i] * invEps - shift[s];
                    rowNorm[i] = 1;
                    rowCost[i] = sum > 0 ? (f32 ? costF[o] : costD[o]) / sum : 0;
                }
                for (int j = 0; j < m; j++) {
                    int o = j * width + s;
                    colLse[j] = Math.log(f32 ? colF[o] : colD[o]) - beta[j] * invEps + shift[s];
                }
                double[][] fg = potentials(s);
                SinkhornIterator p = it[problem[s]];
                p.adopt(fg[0], fg[1], iterations[s]);
                out[s] = p.resultFrom(rowLse, colLse, rowNorm, rowCost);
            }
            return out;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        arena.close();
    }
}


