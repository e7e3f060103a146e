package dev.jot.exact;

import java.util.Arrays;
import java.util.Objects;

/**
 * Optimal transport on the line in O((n + m) log(n + m)): for a convex cost |x − y|^p (p ≥ 1) the
 * monotone coupling of the quantile functions is optimal, W_p^p = ∫₀¹ |F⁻¹(t) − G⁻¹(t)|^p dt, and the
 * optimal map is T = G⁻¹∘F. Computed by sorting both samples and walking their cumulative weights
 * together (the north-west corner rule on sorted points), which also gives the plan (at most n + m − 1
 * nonzeros). Weights are normalised to sum 1.
 *
 * <p>Thread-safe: every method may be called from any number of threads at once (the arrays given are read, never written).
 */
public final class OneDimensional {
    private OneDimensional() {
    }

    /**
     * A sparse plan: nonzeros (rows[k], cols[k]) = values[k], in the caller's indices.
     *
     * @param rows the source index of each nonzero
     * @param cols the target index of each nonzero
     * @param values the mass of each nonzero
     */
    public record SparsePlan(int[] rows, int[] cols, double[] values) {
        /** {@return the number of nonzeros} */
        public int nonzeros() {
            return values.length;
        }
    }

    /**
     * W_p^p between Σ a_i δ_{x_i} and Σ b_j δ_{y_j} (a, b null for uniform; p ≥ 1). A value beyond the
     * largest double is reported (IllegalArgumentException), not returned as Infinity.
     *
     * @param x the source points
     * @param a their weights, or null for uniform (normalised to sum 1)
     * @param y the target points
     * @param b their weights, or null for uniform (normalised to sum 1)
     * @param p the exponent of the cost |x − y|^p, finite and at least 1
     * @return W_p^p (not its p-th root)
     * @throws IllegalArgumentException for p &lt; 1, empty or non-finite points, invalid weights, or a value that
     *     overflows
     */
    public static double wasserstein(double[] x, double[] a, double[] y, double[] b, double p) {
        checkP(p);
        return cost(x, y, plan(x, a, y, b), p);
    }

    private static void checkP(double p) {
        if (!(p >= 1) || !Double.isFinite(p)) {
            throw new IllegalArgumentException("p must be at least 1 (a convex cost), got " + p);
        }
    }

    /**
     * The cost Σ P_ij |x_i − y_j|^p of a plan of these points, for callers that need the plan as well: with
     * the plan from {@link #plan}, W_p^p.
     *
     * @param x the source points
     * @param y the target points
     * @param plan a plan between them, in their indices
     * @param p the exponent, finite and at least 1
     * @return the plan's cost
     * @throws IllegalArgumentException for p &lt; 1, or a cost that overflows
     */
    public static double cost(double[] x, double[] y, SparsePlan plan, double p) {
        checkP(p);
        double s = 0;
        for (int k = 0; k < plan.values.length; k++) {
            double d = Math.abs(x[plan.rows[k]] - y[plan.cols[k]]);
            s += plan.values[k] * (p == 1 ? d : p == 2 ? d * d : Math.pow(d, p));
        }
        if (s == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("W_p^p overflows f64 (p = " + p + ", the points span up to "
                    + Math.max(span(x), span(y)) + "); rescale the points");
        }
        return s;
    }

    /**
     * The monotone (quantile) coupling, optimal for every convex cost of x − y.
     *
     * @param x the source points
     * @param a their weights, or null for uniform (normalised to sum 1)
     * @param y the target points
     * @param b their weights, or null for uniform (normalised to sum 1)
     * @return the plan's nonzeros, in the order of the walk (increasing x, then y)
     * @throws IllegalArgumentException for empty or non-finite points, or invalid weights
     */
    public static SparsePlan plan(double[] x, double[] a, double[] y, double[] b) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        double[] wa = weights("a", a, x, "x"), wb = weights("b", b, y, "y");
        checkFinite("x", x);
        checkFinite("y", y);
        Integer[] ox = order(x), oy = order(y);
        int n = x.length, m = y.length;
        int[] rows = new int[n + m], cols = new int[n + m];
        double[] vals = new double[n + m];
        int k = 0, i = 0, j = 0;
        double ra = wa[ox[0]], rb = wb[oy[0]];
        while (i < n && j < m) {
            double t = Math.min(ra, rb);
            if (t > 0) {
                rows[k] = ox[i];
                cols[k] = oy[j];
                vals[k] = t;
                k++;
            }
            ra -= t;
            rb -= t;
            // the side that ran out moves on (the source first when both did)
            if (ra <= rb) {
                if (++i < n) {
                    ra = wa[ox[i]];
                }
            } else if (++j < m) {
                rb = wb[oy[j]];
            }
        }
        return new SparsePlan(Arrays.copyOf(rows, k), Arrays.copyOf(cols, k), Arrays.copyOf(vals, k));
    }

    /**
     * The monotone map at each x_i, T(x_i) = Σ_j P_ij·y_j / a_i (G⁻¹∘F averaged over the mass of x_i, which is
     * exactly G⁻¹(F(x_i)) wherever that mass lands on one target). A point of weight 0 carries no mass and
     * has no image: its entry is NaN.
     *
     * @param x the source points
     * @param a their weights, or null for uniform (normalised to sum 1)
     * @param y the target points
     * @param b their weights, or null for uniform (normalised to sum 1)
     * @return T(x_i) for each i, in the order of {@code x}
     * @throws IllegalArgumentException for empty or non-finite points, or invalid weights
     */
    public static double[] map(double[] x, double[] a, double[] y, double[] b) {
        return map(x.length, y, plan(x, a, y, b));
    }

    /**
     * The barycentric map of a plan, T(x_i) = Σ_j P_ij y_j / Σ_j P_ij (NaN for a row without mass): with the
     * plan from {@link #plan}, the monotone map.
     *
     * @param n the number of source points
     * @param y the target points
     * @param plan a plan from the n source points to y
     * @return T(x_i) for each source point
     */
    public static double[] map(int n, double[] y, SparsePlan plan) {
        double[] t = new double[n], mass = new double[n];
        for (int k = 0; k < plan.values.length; k++) {
            t[plan.rows[k]] += plan.values[k] * y[plan.cols[k]];
            mass[plan.rows[k]] += plan.values[k];
        }
        for (int i = 0; i < t.length; i++) {
            t[i] = mass[i] > 0 ? t[i] / mass[i] : Double.NaN;
        }
        return t;
    }

    static double[] weights(String name, double[] w, double[] points, String pointsName) {
        if (points.length == 0) {
            throw new IllegalArgumentException(pointsName + " has no points");
        }
        if (w == null) {
            double[] u = new double[points.length];
            Arrays.fill(u, 1.0 / points.length);
            return u;
        }
        if (w.length != points.length) {
            throw new IllegalArgumentException(name + " has " + w.length + " weights but " + pointsName + " has " + points.length + " points");
        }
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] >= 0) || !Double.isFinite(w[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + w[i] + " (weights must be finite and >= 0)");
            }
            s += w[i];
        }
        if (!(s > 0)) {
            throw new IllegalArgumentException(name + " sums to " + s + " (weights need a positive total)");
        }
        if (s == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(name + " sums to Infinity (the total overflows f64; rescale the weights)");
        }
        double[] o = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            o[i] = w[i] / s;
        }
        return o;
    }

    private static void checkFinite(String name, double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + v[i] + " (points must be finite)");
            }
        }
    }

    private static double span(double[] v) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        return hi - lo;
    }

    private static Integer[] order(double[] v) {
        Integer[] o = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = i;
        }
        Arrays.sort(o, (p, q) -> Double.compare(v[p], v[q]));
        return o;
    }
}
