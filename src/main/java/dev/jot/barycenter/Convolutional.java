package dev.jot.barycenter;

import dev.jot.data.NdArray;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Arrays;
import java.util.Objects;

/**
 * Barycenters of images on a regular grid (convolutional Wasserstein barycenters, Solomon, de Goes, Peyré, Cuturi,
 * Butscher, Nguyen, Du, Guibas 2015): the iteration of {@link FixedSupport} with the Gibbs kernel of the grid
 * applied as two 1-D passes (the kernel of |x − y|² on a grid is separable), in the log domain, so an iteration
 * costs O(k·rows·cols·(rows + cols)) instead of O(k·(rows·cols)²) and no n × n matrix is stored. The grid is
 * {@code linspace(0, 1, rows)} × {@code linspace(0, 1, cols)}, as POT's {@code convolutional_barycenter2d(A, reg)}
 * at reg = ε. Each image is divided by its total (mass 1).
 *
 * <p>The result's barycenter is the image flattened row-major (rows × cols). Its {@link FixedSupportResult#values()}
 * are the dual values OT_ε(b, h_k) = &lt;h_k, F_k&gt; + &lt;b, G_k&gt; of the final potentials (no n × n costs are
 * formed on a grid; at convergence the dual equals the primal value that {@link FixedSupport} reports, up to the
 * marginal error times the costs' scale); the marginal errors are as for {@link FixedSupport}.
 *
 * <p>Thread-safe: the static methods may be called from any number of threads at once.
 */
public final class Convolutional {
    private Convolutional() {
    }

    /**
     * The entropic barycenter of images on a grid.
     *
     * @param images k × rows × cols masses (non-negative, finite, each with a positive total)
     * @param weights the k barycentric weights, summing to 1; null for uniform
     * @param options ε, iteration limit, tolerance, precision, threads (over the images), kernels
     * @return the barycenter (rows × cols, flattened) and its diagnostics
     * @throws IllegalArgumentException for bad shapes, values, weights or options
     */
    public static FixedSupportResult barycenter(NdArray images, double[] weights, SinkhornOptions options) {
        return solve(images, weights, options, false);
    }

    /**
     * The debiased barycenter of images on a grid (Janati et al. 2020; see {@link FixedSupport#debiased}).
     *
     * @param images k × rows × cols masses
     * @param weights the k barycentric weights, summing to 1; null for uniform
     * @param options ε, iteration limit, tolerance, precision, threads, kernels
     * @return the barycenter (rows × cols, flattened) and its diagnostics
     * @throws IllegalArgumentException for bad shapes, values, weights or options
     */
    public static FixedSupportResult debiased(NdArray images, double[] weights, SinkhornOptions options) {
        return solve(images, weights, options, true);
    }

    /**
     * Image p of the flattened stack, checked (finite, non-negative, a positive finite total) and divided by its total
     * (a method of its own, so that this one-off loop does not make C2 compile the whole solve).
     */
    private static double[] normalised(double[] flat, int p, int n, int cols) {
        double[] h = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = flat[p * n + i];
            if (!Double.isFinite(v) || v < 0) {
                throw new IllegalArgumentException("images[" + p + "][" + i / cols + "][" + i % cols + "] = " + v
                        + " (masses must be finite and >= 0)");
            }
            h[i] = v;
            s += v;
        }
        if (!(s > 0) || !Double.isFinite(s)) {
            throw new IllegalArgumentException("images[" + p + "] sums to " + s + " (each image needs a positive, finite total)");
        }
        for (int i = 0; i < n; i++) {
            h[i] /= s;
        }
        return h;
    }

    private static FixedSupportResult solve(NdArray images, double[] weights, SinkhornOptions options, boolean debiased) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(options, "options");
        long t0 = System.nanoTime();
        if (options.annealFactor() != 0) {
            throw new IllegalArgumentException("annealing is not supported for barycenters (options.annealFactor = "
                    + options.annealFactor() + ")");
        }
        if (images.rank() != 3) {
            throw new IllegalArgumentException("images must be 3-D (k x rows x cols), got shape " + Arrays.toString(images.shape()));
        }
        int k = Math.toIntExact(images.shape(0)), rows = Math.toIntExact(images.shape(1)), cols = Math.toIntExact(images.shape(2));
        if (k < 1 || rows < 1 || cols < 1) {
            throw new IllegalArgumentException("images is empty (shape " + Arrays.toString(images.shape()) + ")");
        }
        double[] flat = images.toDoubleArray();
        int n = Math.multiplyExact(rows, cols);
        double[][] h = new double[k][];
        for (int p = 0; p < k; p++) {
            h[p] = normalised(flat, p, n, cols);
        }
        double[] w = FixedSupport.barycentricWeights("weights", weights, k);
        try (Grid grid = new Grid(rows, cols, options.precision(), options.kernels(), Math.min(options.threads(), k))) {
            return new FixedSupport.Ibp(grid, h, w, options, debiased).run(t0);
        }
    }
}
