package dev.jot.barycenter;

import dev.jot.data.NdArray;
import java.util.Locale;

/**
 * The outcome of a free-support barycenter ({@link FreeSupport}): the support X (K × d) with its weights b, and how
 * the iteration went. Immutable: the arrays returned are copies.
 */
public final class FreeSupportResult {
    private final double[] x;
    private final int size, d;
    private final double[] weights;
    private final int iterations;
    private final boolean converged;
    private final double change;
    private final double value;
    private final int innerUnconverged;
    private final double millis;

    FreeSupportResult(double[] x, int size, int d, double[] weights, int iterations, boolean converged, double change,
                      double value, int innerUnconverged, double millis) {
        this.innerUnconverged = innerUnconverged;
        this.x = x;
        this.size = size;
        this.d = d;
        this.weights = weights;
        this.iterations = iterations;
        this.converged = converged;
        this.change = change;
        this.value = value;
        this.millis = millis;
    }

    /** {@return the support, K × d row-major (a copy)} */
    public double[] support() {
        return x.clone();
    }

    /** {@return the support as a K × d f64 array} */
    public NdArray supportArray() {
        return NdArray.of(x, size, d);
    }

    /**
     * Coordinate {@code c} of support point {@code i}.
     *
     * @param i the point, 0 ≤ i &lt; K
     * @param c the coordinate, 0 ≤ c &lt; d
     * @return X_ic
     */
    public double get(int i, int c) {
        return x[i * d + c];
    }

    /** {@return K, the number of support points} */
    public int size() {
        return size;
    }

    /** {@return d, the dimension} */
    public int d() {
        return d;
    }

    /** {@return the barycenter's weights b (a copy; fixed during the iteration)} */
    public double[] weights() {
        return weights.clone();
    }

    /** {@return the number of outer iterations} */
    public int iterations() {
        return iterations;
    }

    /** {@return whether the last change was at most the tolerance} */
    public boolean converged() {
        return converged;
    }

    /** {@return the support's change in the last iteration, (Σ_i b_i |X_i − X_i'|²)^½} */
    public double change() {
        return change;
    }

    /**
     * Σ_k w_k W_k at the last plans, before their last move: the transport cost ⟨T_k, C⟩ of each plan (exact: W₂²;
     * entropic: the cost of the entropic plan, without its entropy term).
     *
     * @return the weighted transport cost
     */
    public double value() {
        return value;
    }

    /** {@return how many of the entropic plans' Sinkhorn solves stopped at their iteration limit (0 for exact plans)} */
    public int innerUnconverged() {
        return innerUnconverged;
    }

    /** {@return the wall time in milliseconds} */
    public double millis() {
        return millis;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "FreeSupportResult[K=%d, d=%d, iterations=%d, converged=%s, change=%.3g, value=%.10g]",
                size, d, iterations, converged, change, value);
    }
}
