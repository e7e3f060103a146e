package dev.jot.testutil;

/**
 * An independent log-domain Sinkhorn for the tests, written from the textbook formulas on plain
 * {@code double[][]} arrays. It shares no code with {@code src/main}: its cost matrices, log-sum-exps
 * (two passes: maximum, then sum), plan, marginals, cost and objective are all computed here.
 *
 * <p>Entropic OT: min ⟨P, C⟩ + ε·KL(P‖a⊗b). Iteration: f_i = −ε·log Σ_j b_j·exp((g_j − C_ij)/ε), then
 * g_j = −ε·log Σ_i a_i·exp((f_i − C_ij)/ε); plan P_ij = a_i·b_j·exp((f_i + g_j − C_ij)/ε). It stops when
 * the L1 marginal error ‖P·1 − a‖₁ + ‖Pᵀ·1 − b‖₁ is below the tolerance, or at the iteration cap.
 */
public final class OracleSinkhorn {
    private OracleSinkhorn() {
    }

    /** The oracle's answer. */
    public record Solution(double[] f, double[] g, double[][] plan, double cost, double objective,
                           double dualObjective, double marginalError, int iterations, boolean converged) {
        /** Row sums of the plan. */
        public double[] rowSums() {
            double[] r = new double[plan.length];
            for (int i = 0; i < plan.length; i++) {
                for (double p : plan[i]) {
                    r[i] += p;
                }
            }
            return r;
        }
    }

    /** |x_i − y_j|², not halved. */
    public static double[][] squaredEuclidean(double[][] x, double[][] y) {
        double[][] c = new double[x.length][y.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                double s = 0;
                for (int k = 0; k < x[i].length; k++) {
                    double t = x[i][k] - y[j][k];
                    s += t * t;
                }
                c[i][j] = s;
            }
        }
        return c;
    }

    /** |x_i − y_j|. */
    public static double[][] euclidean(double[][] x, double[][] y) {
        double[][] c = squaredEuclidean(x, y);
        for (double[] row : c) {
            for (int j = 0; j < row.length; j++) {
                row[j] = Math.sqrt(row[j]);
            }
        }
        return c;
    }

    /**
     * Solves the entropic problem with weights {@code a} (length n), {@code b} (length m, same total
     * mass) and the n × m cost matrix {@code c}.
     *
     * @param tolerance stop when the L1 marginal error is below this
     * @param maxIterations the iteration cap
     */
    public static Solution solve(double[] a, double[] b, double[][] c, double eps, double tolerance, int maxIterations) {
        int n = a.length, m = b.length;
        if (c.length != n || c[0].length != m) {
            throw new IllegalArgumentException("cost matrix must be " + n + " x " + m);
        }
        double[] f = new double[n], g = new double[m];
        double[] t = new double[Math.max(n, m)];
        double[][] plan = new double[n][m];
        double err = Double.POSITIVE_INFINITY;
        int it = 0;
        while (it < maxIterations) {
            for (int i = 0; i < n; i++) {
                int k = 0;
                for (int j = 0; j < m; j++) {
                    if (b[j] > 0) {
                        t[k++] = Math.log(b[j]) + (g[j] - c[i][j]) / eps;
                    }
                }
                f[i] = -eps * logSumExp(t, k);
            }
            for (int j = 0; j < m; j++) {
                int k = 0;
                for (int i = 0; i < n; i++) {
                    if (a[i] > 0) {
                        t[k++] = Math.log(a[i]) + (f[i] - c[i][j]) / eps;
                    }
                }
                g[j] = -eps * logSumExp(t, k);
            }
            it++;
            fillPlan(a, b, c, eps, f, g, plan);
            err = marginalError(a, b, plan);
            if (err < tolerance) {
                break;
            }
        }
        double cost = 0, kl = 0, dual = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double p = plan[i][j];
                cost += p * c[i][j];
                if (p > 0) {
                    kl += p * Math.log(p / (a[i] * b[j]));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            dual += a[i] > 0 ? a[i] * f[i] : 0;
        }
        for (int j = 0; j < m; j++) {
            dual += b[j] > 0 ? b[j] * g[j] : 0;
        }
        return new Solution(f, g, plan, cost, cost + eps * kl, dual, err, it, err < tolerance);
    }

    private static void fillPlan(double[] a, double[] b, double[][] c, double eps, double[] f, double[] g, double[][] plan) {
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                plan[i][j] = a[i] > 0 && b[j] > 0
                        ? a[i] * b[j] * Math.exp((f[i] + g[j] - c[i][j]) / eps)
                        : 0.0;
            }
        }
    }

    private static double marginalError(double[] a, double[] b, double[][] plan) {
        double err = 0;
        double[] col = new double[b.length];
        for (int i = 0; i < a.length; i++) {
            double r = 0;
            for (int j = 0; j < b.length; j++) {
                r += plan[i][j];
                col[j] += plan[i][j];
            }
            err += Math.abs(r - a[i]);
        }
        for (int j = 0; j < b.length; j++) {
            err += Math.abs(col[j] - b[j]);
        }
        return err;
    }

    /** log Σ_k exp(t_k) over the first {@code len} entries, in two passes (maximum, then the sum). */
    public static double logSumExp(double[] t, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < len; k++) {
            max = Math.max(max, t[k]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        double s = 0;
        for (int k = 0; k < len; k++) {
            s += Math.exp(t[k] - max);
        }
        return max + Math.log(s);
    }
}
