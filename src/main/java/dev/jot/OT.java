package dev.jot;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;

/**
 * The calls most users need, in the spirit of POT's {@code ot} module. Everything here delegates to
 * {@link Sinkhorn}; use it directly (with {@link SinkhornOptions}) for precision, threads, tolerances.
 *
 * <pre>{@code
 * SinkhornResult r = OT.sinkhorn(new double[][]{{0, 0}, {1, 0}}, new double[][]{{0, 1}, {1, 1}}, 0.1);
 * r.cost();       // <P, C> with C = |x - y|^2
 * r.objective();  // <P, C> + 0.1 * KL(P | a x b)
 * }</pre>
 *
 * <p>Thread-safe: every method may be called from any number of threads at once (each call owns its state; results are immutable).
 */
public final class OT {
    private OT() {
    }

    /**
     * Entropic OT between two point clouds with uniform weights and the squared Euclidean cost, in f64.
     *
     * @param x the source points, one row each
     * @param y the target points, one row each, of x's dimension
     * @param epsilon ε, positive and finite (POT's {@code reg})
     * @return the solve's result
     */
    public static SinkhornResult sinkhorn(double[][] x, double[][] y, double epsilon) {
        return Sinkhorn.solve(Points.of(x), Points.of(y), null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(epsilon).withPrecision(Precision.F64));
    }

    /**
     * Entropic OT between weighted point clouds with any cost and options.
     *
     * @param x the source points, n × d
     * @param y the target points, m × d
     * @param a source weights, or {@code null} for uniform
     * @param b target weights, or {@code null} for uniform
     * @param cost the ground cost
     * @param options the solver's settings
     * @return the solve's result
     */
    public static SinkhornResult sinkhorn(Points x, Points y, Weights a, Weights b, CostFunction cost, SinkhornOptions options) {
        return Sinkhorn.solve(x, y, a, b, cost, options);
    }

    /**
     * Entropic OT with a given cost matrix (n × m, rows of equal length) and weights, in f64, like POT's
     * {@code ot.sinkhorn(a, b, M, reg)} with {@code method="sinkhorn_log"}.
     *
     * @param a the source weights (n), or {@code null} for uniform
     * @param b the target weights (m), with a's total, or {@code null} for uniform
     * @param costMatrix the costs C, n rows of m entries
     * @param epsilon ε, positive and finite (POT's {@code reg})
     * @return the solve's result
     */
    public static SinkhornResult sinkhorn(double[] a, double[] b, double[][] costMatrix, double epsilon) {
        return Sinkhorn.solve(DenseGeometry.of(costMatrix, Precision.F64), a == null ? null : Weights.of(a), b == null ? null : Weights.of(b),
                SinkhornOptions.epsilon(epsilon).withPrecision(Precision.F64));
    }
}
