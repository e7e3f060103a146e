package dev.jot.exact;

import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.sinkhorn.Sinkhorn;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The sliced Wasserstein distance: the average over random directions θ on the unit sphere of the 1-D
 * W_p^p between the projections ⟨θ, x⟩ and ⟨θ, y⟩, SW_p^p = E_θ W_p^p(θ#α, θ#β). Directions are drawn
 * from a seeded generator, so a seed gives the same value every time. POT's
 * {@code ot.sliced_wasserstein_distance} returns (SW_p^p)^(1/p); {@link #distance} does too.
 *
 * <p>Thread-safe: every method may be called from any number of threads at once; a seed gives the same directions in every thread.
 */
public final class Sliced {
    private Sliced() {
    }

    /**
     * SW_p^p estimated with {@code projections} random directions drawn from {@code seed}.
     *
     * @param x the first cloud, n × d
     * @param a weights of x, or null for uniform (normalised to sum 1)
     * @param y the second cloud, m × d
     * @param b weights of y, or null for uniform (normalised to sum 1)
     * @param p the exponent of the cost |x − y|^p on the line, at least 1
     * @param projections the number of directions, at least 1
     * @param seed the seed of the directions' generator
     * @return the estimate of SW_p^p: the mean of the projections' W_p^p
     * @throws IllegalArgumentException for invalid clouds or weights, p &lt; 1, fewer than one projection, or a value
     *     that overflows
     */
    public static double wassersteinPower(Points x, Weights a, Points y, Weights b, double p, int projections, long seed) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Sinkhorn.checkPoints("x", x);
        Sinkhorn.checkPoints("y", y);
        dev.jot.geometry.CostFunction.checkSameDimension(x, y);
        if (projections < 1) {
            throw new IllegalArgumentException("projections must be at least 1, got " + projections);
        }
        int d = x.d();
        double[] px = x.array().toDoubleArray(), py = y.array().toDoubleArray();
        double[] wa = a == null ? null : a.toArray(), wb = b == null ? null : b.toArray();
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] theta = new double[d], u = new double[x.n()], v = new double[y.n()];
        double total = 0;
        for (int k = 0; k < projections; k++) {
            double norm = 0;
            for (int c = 0; c < d; c++) {
                theta[c] = gaussian(rnd);
                norm += theta[c] * theta[c];
            }
            norm = Math.sqrt(norm);
            for (int c = 0; c < d; c++) {
                theta[c] /= norm;
            }
            project(px, d, theta, u);
            project(py, d, theta, v);
            total += OneDimensional.wasserstein(u, wa, v, wb, p);
        }
        if (total == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("SW_p^p overflows f64 (p = " + p + "); rescale the points");
        }
        return total / projections;
    }

    /**
     * (SW_p^p)^(1/p), as POT's {@code sliced_wasserstein_distance}.
     *
     * @param x the first cloud, n × d
     * @param a weights of x, or null for uniform (normalised to sum 1)
     * @param y the second cloud, m × d
     * @param b weights of y, or null for uniform (normalised to sum 1)
     * @param p the exponent, at least 1
     * @param projections the number of directions, at least 1
     * @param seed the seed of the directions' generator
     * @return {@link #wassersteinPower} to the power 1/p
     */
    public static double distance(Points x, Weights a, Points y, Weights b, double p, int projections, long seed) {
        return Math.pow(wassersteinPower(x, a, y, b, p, projections, seed), 1.0 / p);
    }

    private static void project(double[] pts, int d, double[] theta, double[] out) {
        for (int i = 0; i < out.length; i++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                s += pts[i * d + c] * theta[c];
            }
            out[i] = s;
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box–Muller (one of the pair)
        double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
