package dev.jot.exact;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import java.util.Arrays;
import java.util.Objects;

/**
 * Exact optimal transport between histograms, POT's {@code ot.emd}: min ⟨P, C⟩ over P ≥ 0 with P·1 = a
 * and Pᵀ·1 = b, by the network simplex ({@link NetworkSimplex}). The plan is a vertex: at most n + m − 1
 * nonzeros. Weights must have equal totals within 1e-6 relative (b is rescaled to a's total, as for
 * {@link Sinkhorn}).
 *
 * <p>Thread-safe: every method may be called from any number of threads at once, sharing inputs; results are immutable.
 */
public final class ExactTransport {
    private ExactTransport() {
    }

    /**
     * Exact transport between weights a (n) and b (m) for a given n × m cost matrix (f32 or f64).
     *
     * @param a source weights (n), or null for uniform
     * @param b target weights (m), or null for uniform; rescaled to a's total
     * @param costMatrix the costs C, n × m, finite
     * @return the plan, its cost and the dual potentials
     * @throws IllegalArgumentException for a matrix that is not 2-D, non-finite costs, invalid weights or unequal
     *     masses
     */
    public static ExactResult emd(Weights a, Weights b, NdArray costMatrix) {
        Objects.requireNonNull(costMatrix, "costMatrix");
        if (costMatrix.rank() != 2) {
            throw new IllegalArgumentException("the cost matrix must be 2-D, got shape " + Arrays.toString(costMatrix.shape()));
        }
        int n = Math.toIntExact(costMatrix.shape(0)), m = Math.toIntExact(costMatrix.shape(1));
        // solve() checks every cost (naming the entry) as it finds the largest
        double[] c = costMatrix.toDoubleArray();
        return solve(a, b, n, m, c);
    }

    /**
     * {@link #emd(Weights, Weights, NdArray)} for a cost matrix given as rows.
     *
     * @param a source weights (n), or null for uniform
     * @param b target weights (m), or null for uniform; rescaled to a's total
     * @param costMatrix the costs C, n rows of m entries, finite
     * @return the plan, its cost and the dual potentials
     * @throws IllegalArgumentException for ragged or null rows, non-finite costs, invalid weights or unequal masses
     */
    public static ExactResult emd(double[] a, double[] b, double[][] costMatrix) {
        Objects.requireNonNull(costMatrix, "costMatrix");
        int n = costMatrix.length, m = n == 0 || costMatrix[0] == null ? 0 : costMatrix[0].length;
        double[] c = new double[n * m];
        for (int i = 0; i < n; i++) {
            if (costMatrix[i] == null) {
                throw new IllegalArgumentException("cost matrix row " + i + " is null");
            }
            if (costMatrix[i].length != m) {
                throw new IllegalArgumentException("cost matrix row " + i + " has " + costMatrix[i].length + " entries, row 0 has " + m);
            }
            System.arraycopy(costMatrix[i], 0, c, i * m, m);
        }
        return solve(a == null ? null : Weights.of(a), b == null ? null : Weights.of(b), n, m, c);
    }

    /**
     * Exact transport between two weighted point clouds (weights null for uniform) for a ground cost.
     *
     * @param x the source points, n × d
     * @param y the target points, m × d
     * @param a source weights, or null for uniform
     * @param b target weights, or null for uniform; rescaled to a's total
     * @param cost the ground cost
     * @return the plan, its cost and the dual potentials
     * @throws IllegalArgumentException for invalid clouds or weights, unequal masses, or costs that overflow
     */
    public static ExactResult emd(Points x, Points y, Weights a, Weights b, CostFunction cost) {
        Objects.requireNonNull(cost, "cost");
        Sinkhorn.checkPoints("x", x);
        Sinkhorn.checkPoints("y", y);
        CostFunction.checkSameDimension(x, y);
        int n = x.n(), m = y.n(), d = x.d();
        double[] px = x.array().toDoubleArray(), py = y.array().toDoubleArray();
        double[] c = new double[Math.multiplyExact(n, m)];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                c[i * m + j] = cost.cost(px, i, py, j, d);
                if (!Double.isFinite(c[i * m + j])) {
                    throw new IllegalArgumentException("the cost between x[" + i + "] and y[" + j + "] is " + c[i * m + j]
                            + ": the points' extent overflows the cost; rescale the points");
                }
            }
        }
        return solve(a, b, n, m, c);
    }

    static ExactResult solve(Weights aw, Weights bw, int n, int m, double[] c) {
        long t0 = System.nanoTime();
        if (n < 1 || m < 1) {
            throw new IllegalArgumentException("the problem is empty: n = " + n + ", m = " + m);
        }
        double[] a = Sinkhorn.checkWeights("a", aw, n, "n");
        double[] b = Sinkhorn.checkWeights("b", bw, m, "m");
        double sa = Arrays.stream(a).sum(), sb = Arrays.stream(b).sum();
        if (Math.abs(sa - sb) > Sinkhorn.MASS_TOLERANCE * Math.max(sa, sb)) {
            throw new IllegalArgumentException("balanced transport needs equal masses, but a sums to " + sa
                    + " and b sums to " + sb);
        }
        for (int j = 0; j < m; j++) {
            b[j] *= sa / sb;
        }
        double maxAbs = 0;
        for (int k = 0; k < c.length; k++) {
            if (!Double.isFinite(c[k])) {
                throw new IllegalArgumentException("cost [" + k / m + "][" + k % m + "] is " + c[k] + " (costs must be finite)");
            }
            maxAbs = Math.max(maxAbs, Math.abs(c[k]));
        }
        final int cols = m;
        // the simplex runs on costs scaled by a power of two (exactly) to a largest |cost| in [1, 2): its pricing
        // tolerance and artificial costs are relative to that, so costs of 1e-60 are not all "zero" and costs
        // near the largest double do not overflow the artificial arcs
        final double unit = maxAbs > 0 ? Math.scalb(1.0, -Math.getExponent(maxAbs)) : 1.0;
        NetworkSimplex ns = new NetworkSimplex(a, b, (i, j) -> c[i * cols + j] * unit, maxAbs * unit);
        long limit = Math.max(1_000_000L, 200L * (n + m) * (long) Math.max(1, Math.log(n + m)));
        boolean optimal = ns.run(limit);
        int cap = n + m;
        int[] rows = new int[cap], colIdx = new int[cap];
        double[] vals = new double[cap];
        int[] count = {0};
        double[] cost = {0};
        ns.plan((i, j, v) -> {
            rows[count[0]] = i;
            colIdx[count[0]] = j;
            vals[count[0]] = v;
            count[0]++;
            cost[0] += v * c[i * cols + j];
        });
        int k = count[0];
        double art = ns.artificialFlow();
        String status = optimal
                ? "optimal after " + ns.pivots() + " pivots"
                : "not optimal: stopped after the pivot limit of " + limit;
        if (optimal && art > 1e-9 * sa) {
            optimal = false;
            status = "infeasible: " + art + " of the mass could not be placed";
        }
        return new ExactResult(n, m, cost[0], Arrays.copyOf(rows, k), Arrays.copyOf(colIdx, k), Arrays.copyOf(vals, k),
                unscaled(ns.f(), unit), unscaled(ns.g(), unit), optimal, status, ns.pivots(), (System.nanoTime() - t0) / 1e6);
    }

    /** v / unit, in place (exact: unit is a power of two). */
    private static double[] unscaled(double[] v, double unit) {
        for (int k = 0; k < v.length; k++) {
            v[k] /= unit;
        }
        return v;
    }
}
