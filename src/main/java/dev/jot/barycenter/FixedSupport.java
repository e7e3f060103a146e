package dev.jot.barycenter;

import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Arrays;
import java.util.Objects;

/**
 * Barycenters of histograms on one support: given k histograms h_k (k × n), an n × n cost matrix C and
 * barycentric weights w (non-negative, summing to 1), the barycenter b of n masses.
 *
 * <ul>
 *   <li>{@link #barycenter}: iterative Bregman projections (Benamou, Carlier, Cuturi, Nenna, Peyré 2015) in the
 *       log domain, POT's {@code ot.bregman.barycenter(A, M, reg, weights, method='sinkhorn_log')} at reg = ε.
 *       It minimises Σ_k w_k (⟨P_k, C⟩ − ε·H(P_k)) over plans P_k from h_k to a common b, which in JOT's
 *       convention is Σ_k w_k OT_ε(b, h_k) − ε·H(b) (H(p) = −Σ p log p): the entropy of b is rewarded, and
 *       b is blurred by about the entropic scale √ε.</li>
 *   <li>{@link #debiased}: the debiased barycenter (Janati, Cuturi, Gramfort 2020), the minimiser of
 *       Σ_k w_k S_ε(b, h_k) with the Sinkhorn divergence S_ε; it removes that blur (equal-width Gaussians on
 *       the line keep their width).</li>
 * </ul>
 *
 * <p>One iteration is a shared-cost batch: for each problem k a log-sum-exp over the rows of C (the
 * projection on h_k, f_k = log h_k − LSE_j(g_kj − C_ij/ε)), then one over the rows of Cᵀ (column sums,
 * log K^T e^f), then the barycenter log b = Σ_k w_k LSE_k (plus the debiasing potential), then g_k = log b −
 * LSE_k. Each sweep reads a tile of C once and applies it to the k problems while it is in cache, with the
 * kernels of {@link dev.jot.kernel.SinkhornKernels} ({@code logSumExpF32/F64}, {@code planSumsF32/F64}), so
 * f32 costs use the f32 kernels. Rows are split over threads in blocks; every row is computed alone, so the
 * result does not depend on the number of threads.
 *
 * <p>Stopping: before each row projection the current plans' row errors ‖P_k·1 − h_k‖₁ are known for free
 * (their column marginals are b exactly); the loop stops when the largest is at most the tolerance
 * ({@link SinkhornOptions#tolerance()}; 0 runs exactly {@link SinkhornOptions#maxIterations()} iterations).
 * Options used: ε, the iteration limit, the tolerance, the precision, the threads and the kernels; annealing is
 * refused; the backend, sweeps and check-every options are not used (the iteration runs on the CPU in the log
 * domain and checks every iteration).
 *
 * <p>Thread-safe: the static methods may be called from any number of threads at once; inputs are read, never
 * written.
 */
public final class FixedSupport {
    /** Relative tolerance on the histograms' totals and on the weights' sum. */
    static final double MASS_TOLERANCE = 1e-6;

    private FixedSupport() {
    }

    /**
     * The entropic barycenter by iterative Bregman projections (log domain).
     *
     * @param histograms the k × n histograms, one per row (non-negative, finite, equal positive totals within 1e-6
     *                   relative; each is divided by its total)
     * @param costMatrix the n × n cost matrix, finite
     * @param weights the k barycentric weights, non-negative, summing to 1 within 1e-6; null for uniform
     * @param options ε, iteration limit, tolerance, precision, threads, kernels
     * @return the barycenter and its diagnostics
     * @throws IllegalArgumentException for bad shapes, values, weights or options (the message names them)
     */
    public static FixedSupportResult barycenter(NdArray histograms, NdArray costMatrix, double[] weights, SinkhornOptions options) {
        return solve(histograms, costMatrix, weights, options, false);
    }

    /**
     * The debiased barycenter (Janati, Cuturi, Gramfort 2020): the iteration of {@link #barycenter} with a
     * debiasing potential d, log b = d + Σ_k w_k LSE_k, and one damped symmetric Sinkhorn step for d per iteration,
     * d ← ½(d + log b − LSE_i(d_i − C_ij/ε)) (so that at the fixed point e^d K e^d = b). The cost matrix should be
     * symmetric (the debiasing term is OT_ε(b, b)).
     *
     * @param histograms the k × n histograms (as for {@link #barycenter})
     * @param costMatrix the n × n cost matrix, finite
     * @param weights the k barycentric weights, summing to 1; null for uniform
     * @param options ε, iteration limit, tolerance, precision, threads, kernels
     * @return the barycenter and its diagnostics
     * @throws IllegalArgumentException for bad shapes, values, weights or options
     */
    public static FixedSupportResult debiased(NdArray histograms, NdArray costMatrix, double[] weights, SinkhornOptions options) {
        return solve(histograms, costMatrix, weights, options, true);
    }

    /**
     * {@link #barycenter} for arrays given as rows, in f64 with the default iteration limit and tolerance.
     *
     * @param histograms k rows of n masses
     * @param costMatrix n rows of n costs
     * @param weights the k barycentric weights, or null for uniform
     * @param epsilon ε, positive and finite
     * @return the barycenter and its diagnostics
     * @throws IllegalArgumentException for bad shapes or values
     */
    public static FixedSupportResult barycenter(double[][] histograms, double[][] costMatrix, double[] weights, double epsilon) {
        return barycenter(matrix("histograms", histograms), matrix("costMatrix", costMatrix), weights,
                SinkhornOptions.epsilon(epsilon).withPrecision(Precision.F64));
    }

    static NdArray matrix(String name, double[][] rows) {
        Objects.requireNonNull(rows, name);
        int r = rows.length;
        if (r == 0 || rows[0] == null) {
            throw new IllegalArgumentException(name + " has no rows");
        }
        int c = rows[0].length;
        double[] flat = new double[Math.multiplyExact(r, c)];
        for (int i = 0; i < r; i++) {
            if (rows[i] == null || rows[i].length != c) {
                throw new IllegalArgumentException(name + " row " + i + " has " + (rows[i] == null ? "no" : rows[i].length)
                        + " entries, row 0 has " + c);
            }
            System.arraycopy(rows[i], 0, flat, i * c, c);
        }
        return NdArray.of(flat, r, c);
    }

    private static FixedSupportResult solve(NdArray histograms, NdArray costMatrix, double[] weights, SinkhornOptions options,
                                            boolean debiased) {
        Objects.requireNonNull(histograms, "histograms");
        Objects.requireNonNull(costMatrix, "costMatrix");
        Objects.requireNonNull(options, "options");
        long t0 = System.nanoTime();
        if (options.annealFactor() != 0) {
            throw new IllegalArgumentException("annealing is not supported for barycenters (options.annealFactor = "
                    + options.annealFactor() + ")");
        }
        double[][] h = histograms(histograms);
        int k = h.length, n = h[0].length;
        double[] w = barycentricWeights("weights", weights, k);
        Support support = Support.of(costMatrix, n, options.precision(), options.kernels(), options.threads());
        try (support) {
            return new Ibp(support, h, w, options, debiased).run(t0);
        }
    }

    /** Checks a k × n array of histograms and returns its rows divided by their totals. */
    static double[][] histograms(NdArray a) {
        if (a.rank() != 2) {
            throw new IllegalArgumentException("histograms must be 2-D (k x n, one histogram per row), got shape "
                    + Arrays.toString(a.shape()));
        }
        int k = Math.toIntExact(a.shape(0)), n = Math.toIntExact(a.shape(1));
        if (k < 1 || n < 1) {
            throw new IllegalArgumentException("histograms is empty (shape " + k + " x " + n + ")");
        }
        double[] flat = a.toDoubleArray();
        double[][] h = new double[k][n];
        double first = 0;
        for (int r = 0; r < k; r++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                double v = flat[r * n + i];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("histograms[" + r + "][" + i + "] is " + v + " (masses must be finite)");
                }
                if (v < 0) {
                    throw new IllegalArgumentException("histograms[" + r + "][" + i + "] = " + v + " is negative (masses must be >= 0)");
                }
                h[r][i] = v;
                s += v;
            }
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException("histograms[" + r + "] sums to " + s + " (each histogram needs a positive, finite total)");
            }
            if (r == 0) {
                first = s;
            } else if (Math.abs(s - first) > MASS_TOLERANCE * Math.max(s, first)) {
                throw new IllegalArgumentException("histograms[" + r + "] sums to " + s + " but histograms[0] to " + first
                        + " (the totals must agree within 1e-6 relative)");
            }
            for (int i = 0; i < n; i++) {
                h[r][i] /= s;
            }
        }
        return h;
    }

    /**
     * Checks barycentric weights: k of them, finite, non-negative, summing to 1 within 1e-6 (then divided by
     * their sum); null gives 1/k each.
     *
     * @param name the argument's name, for the message
     * @param weights the weights, or null
     * @param k the number of measures
     * @return a new array of k weights summing to 1
     */
    static double[] barycentricWeights(String name, double[] weights, int k) {
        double[] w = new double[k];
        if (weights == null) {
            Arrays.fill(w, 1.0 / k);
            return w;
        }
        if (weights.length != k) {
            throw new IllegalArgumentException(name + " has " + weights.length + " entries but there are " + k + " measures");
        }
        double s = 0;
        for (int i = 0; i < k; i++) {
            if (!Double.isFinite(weights[i]) || weights[i] < 0) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + weights[i] + " (barycentric weights must be finite and >= 0)");
            }
            s += weights[i];
        }
        if (!(Math.abs(s - 1) <= MASS_TOLERANCE)) {
            throw new IllegalArgumentException(name + " sums to " + s + " (barycentric weights must sum to 1)");
        }
        for (int i = 0; i < k; i++) {
            w[i] = weights[i] / s;
        }
        return w;
    }

    /** The iteration's state: potentials and log-sum-exps of the k problems. */
    static final class Ibp {
        private final Sweeper s;
        private final double[][] h, logH, f, g, lseRow, lseCol;
        private final double[] w, logBar, d, lseD;
        private final double eps;
        private final SinkhornOptions options;
        private final boolean debiased;
        private final int k, n;

        Ibp(Sweeper s, double[][] h, double[] w, SinkhornOptions options, boolean debiased) {
            // (package-private callers: FixedSupport and Convolutional)
            this.s = s;
            this.h = h;
            this.w = w;
            this.options = options;
            this.debiased = debiased;
            this.eps = options.epsilon();
            this.k = h.length;
            this.n = h[0].length;
            logH = new double[k][n];
            f = new double[k][n];
            g = new double[k][n];
            lseRow = new double[k][n];
            lseCol = new double[k][n];
            for (int p = 0; p < k; p++) {
                logs(h[p], logH[p], n);
                Arrays.fill(lseRow[p], Double.NaN);
                Arrays.fill(lseCol[p], Double.NaN);
            }
            logBar = new double[n];
            d = new double[n];
            lseD = new double[n];
            Arrays.fill(lseD, Double.NaN);
        }

        FixedSupportResult run(long t0) {
            double tol = options.tolerance();
            int max = options.maxIterations();
            int iterations = 0;
            boolean converged = false;
            double[][] dOnly = {d};
            double[][] lseDOnly = {lseD};
            // (each element-wise step is a small method of its own: C2 compiles it after a few calls, where the loops
            // of one large method would each wait for on-stack replacement, and a first call would run them slowly)
            for (int it = 0; it < max; it++) {
                s.sweep(false, g, lseRow, 1 / eps);
                if (it > 0 && tol > 0 && rowError() <= tol) {
                    converged = true;
                    break;
                }
                for (int p = 0; p < k; p++) {
                    difference(logH[p], lseRow[p], f[p], n);
                }
                s.sweep(true, f, lseCol, 1 / eps);
                // log b = d (debiased; else 0) + Σ_p w_p·lse_p, added in that order
                if (debiased) {
                    System.arraycopy(d, 0, logBar, 0, n);
                } else {
                    Arrays.fill(logBar, 0);
                }
                for (int p = 0; p < k; p++) {
                    if (w[p] != 0) {
                        addScaled(logBar, w[p], lseCol[p], n);
                    }
                }
                for (int p = 0; p < k; p++) {
                    difference(logBar, lseCol[p], g[p], n);
                }
                if (debiased) {
                    s.sweep(true, dOnly, lseDOnly, 1 / eps);
                    halfStep(d, logBar, lseD, n);
                }
                iterations = it + 1;
            }
            // the final plans P_k = exp(f_k + g_k - C/eps): row sums and costs in one pass over a stored cost; on a
            // grid the row sums from one more sweep, and the dual value (no costs are formed there)
            double[][] mass = new double[k][n], cost = new double[k][n];
            boolean stored = s instanceof Support;
            if (stored) {
                ((Support) s).planSums(g, f, mass, cost, 1 / eps);
            } else {
                s.sweep(false, g, lseRow, 1 / eps);
                for (int p = 0; p < k; p++) {
                    rowMasses(h[p], f[p], lseRow[p], mass[p], n);
                }
            }
            // (the element-wise loops are small methods: this one runs once a solve, and C2 would otherwise compile it whole)
            double[] bar = new double[n];
            exps(logBar, bar, n);
            double barMass = sum(bar);
            double[] errors = new double[k], values = new double[k];
            double value = 0;
            for (int p = 0; p < k; p++) {
                double[] t = rowTerms(h[p], mass[p], cost[p], f[p], logH[p], n);
                double err = t[0], c = t[1], pm = t[3];
                double kl = columnTerms(t[2], bar, g[p], logBar, n);
                // KL(P | h x b) = sum P (f + g - C/eps - log h - log b) - sum P + |h| |b|; the column sums of P are b
                kl += -c / eps - pm + barMass;
                errors[p] = err;
                values[p] = stored ? c + eps * kl : dualValue(p, bar);
                value += w[p] * values[p];
                if (iterations == 0) {
                    errors[p] = Double.NaN;
                }
            }
            if (!converged && iterations > 0 && tol > 0) {
                double worst = 0;
                for (double e : errors) {
                    worst = Math.max(worst, e);
                }
                converged = worst <= tol;
            }
            return new FixedSupportResult(bar, iterations, converged, value, values, errors, eps, debiased, options.precision(),
                    (System.nanoTime() - t0) / 1e6);
        }

        /**
         * Problem p's dual value &lt;h, F&gt; + &lt;b, G&gt; with F = ε(f − log h), G = ε(g − log b): the plan is
         * P = h_i b_j exp((F_i + G_j − C_ij)/ε), its columns sum to b (g was fitted last), so the dual's mass term
         * −ε(Σ P − |h||b|) vanishes, and at convergence this equals the primal value (up to the marginal error
         * times the costs' scale).
         */
        private double dualValue(int p, double[] bar) {
            double v = 0;
            for (int i = 0; i < n; i++) {
                if (h[p][i] > 0) {
                    v += h[p][i] * (f[p][i] - logH[p][i]);
                }
            }
            for (int j = 0; j < n; j++) {
                if (bar[j] > 0) {
                    v += bar[j] * (g[p][j] - logBar[j]);
                }
            }
            return eps * v;
        }

        /** The largest row error of the plans (f, g) from the row log-sum-exps just computed. */
        private double rowError() {
            double worst = 0;
            for (int p = 0; p < k; p++) {
                worst = Math.max(worst, rowError(h[p], f[p], lseRow[p], n));
            }
            return worst;
        }

        /** Σ_i |exp(f_i + lse_i) − h_i| over the pixels with h_i &gt; 0: one plan's row error. */
        private static double rowError(double[] h, double[] f, double[] lse, int n) {
            double e = 0;
            for (int i = 0; i < n; i++) {
                if (h[i] > 0) {
                    e += Math.abs(Math.exp(f[i] + lse[i]) - h[i]);
                }
            }
            return e;
        }

        /** out = log x, element-wise. */
        private static void logs(double[] x, double[] out, int n) {
            for (int i = 0; i < n; i++) {
                out[i] = Math.log(x[i]);
            }
        }

        /** out = exp x, element-wise. */
        private static void exps(double[] x, double[] out, int n) {
            for (int i = 0; i < n; i++) {
                out[i] = Math.exp(x[i]);
            }
        }

        private static double sum(double[] x) {
            double s = 0;
            for (double v : x) {
                s += v;
            }
            return s;
        }

        /** One plan's row masses exp(f_i + lse_i) (0 where h_i = 0). */
        private static void rowMasses(double[] h, double[] f, double[] lse, double[] mass, int n) {
            for (int i = 0; i < n; i++) {
                mass[i] = h[i] > 0 ? Math.exp(f[i] + lse[i]) : 0;
            }
        }

        /** One plan's {L1 row error, cost, Σ P·(f − log h), mass} over its rows, in the rows' order. */
        private static double[] rowTerms(double[] h, double[] mass, double[] cost, double[] f, double[] logH, int n) {
            double err = 0, c = 0, kl = 0, pm = 0;
            for (int i = 0; i < n; i++) {
                err += Math.abs(mass[i] - h[i]);
                if (h[i] > 0 && mass[i] > 0) {
                    c += cost[i];
                    kl += mass[i] * (f[i] - logH[i]);
                    pm += mass[i];
                }
            }
            return new double[]{err, c, kl, pm};
        }

        /** kl + Σ_j b_j·(g_j − log b_j) over the barycenter's support, added in order. */
        private static double columnTerms(double kl, double[] bar, double[] g, double[] logBar, int n) {
            for (int j = 0; j < n; j++) {
                if (bar[j] > 0) {
                    kl += bar[j] * (g[j] - logBar[j]);
                }
            }
            return kl;
        }

        /** out = x − y, element-wise. */
        private static void difference(double[] x, double[] y, double[] out, int n) {
            for (int i = 0; i < n; i++) {
                out[i] = x[i] - y[i];
            }
        }

        /** acc += w·x, element-wise. */
        private static void addScaled(double[] acc, double w, double[] x, int n) {
            for (int i = 0; i < n; i++) {
                acc[i] += w * x[i];
            }
        }

        /** The debiasing step d = (d + log b − lse_d)/2. */
        private static void halfStep(double[] d, double[] logBar, double[] lseD, int n) {
            for (int j = 0; j < n; j++) {
                d[j] = 0.5 * (d[j] + logBar[j] - lseD[j]);
            }
        }
    }
}
