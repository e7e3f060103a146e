package dev.jot.sinkhorn;

/**
 * An independent scalar f64 oracle for unbalanced entropic OT, written from the definition and nothing of
 * the solver's: plain damped log-domain updates f_i = −τ_a·ε·log Σ_j b_j·exp((g_j − C_ij)/ε) (τ = ρ/(ρ + ε),
 * 1 for ρ = ∞) run until the potentials stop moving, then the primal value computed from the plan itself:
 * ⟨P, C⟩ + ε·KL(P‖a⊗b) + ρ_a·KL(P·1‖a) + ρ_b·KL(Pᵀ·1‖b), generalized KL (an infinite ρ's term left out).
 */
public final class UnbalancedOracle {
    public final double[][] plan;
    public final double[] f;
    public final double[] g;
    public final double primal;
    public final double mass;
    public final int iterations;

    public UnbalancedOracle(double[][] c, double[] a, double[] b, double eps, double rhoA, double rhoB) {
        int n = a.length, m = b.length;
        double ta = Double.isInfinite(rhoA) ? 1 : rhoA / (rhoA + eps);
        double tb = Double.isInfinite(rhoB) ? 1 : rhoB / (rhoB + eps);
        double[] fv = new double[n], gv = new double[m];
        int it = 0;
        for (; it < 200000; it++) {
            double change = 0;
            for (int i = 0; i < n; i++) {
                double mx = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < m; j++) {
                    if (b[j] > 0) {
                        mx = Math.max(mx, Math.log(b[j]) + (gv[j] - c[i][j]) / eps);
                    }
                }
                double s = 0;
                for (int j = 0; j < m; j++) {
                    if (b[j] > 0) {
                        s += Math.exp(Math.log(b[j]) + (gv[j] - c[i][j]) / eps - mx);
                    }
                }
                double fi = -ta * eps * (mx + Math.log(s));
                change = Math.max(change, Math.abs(fi - fv[i]));
                fv[i] = fi;
            }
            for (int j = 0; j < m; j++) {
                double mx = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    if (a[i] > 0) {
                        mx = Math.max(mx, Math.log(a[i]) + (fv[i] - c[i][j]) / eps);
                    }
                }
                double s = 0;
                for (int i = 0; i < n; i++) {
                    if (a[i] > 0) {
                        s += Math.exp(Math.log(a[i]) + (fv[i] - c[i][j]) / eps - mx);
                    }
                }
                gv[j] = -tb * eps * (mx + Math.log(s));
            }
            if (change < 1e-15 * Math.max(1, eps) && it > 10) {
                break;
            }
        }
        iterations = it;
        f = fv;
        g = gv;
        plan = new double[n][m];
        double[] r = new double[n], col = new double[m];
        double value = 0, total = 0, ma = 0, mb = 0;
        for (int i = 0; i < n; i++) {
            ma += a[i];
        }
        for (int j = 0; j < m; j++) {
            mb += b[j];
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double ab = a[i] * b[j];
                double p = ab * Math.exp((fv[i] + gv[j] - c[i][j]) / eps);
                plan[i][j] = p;
                r[i] += p;
                col[j] += p;
                total += p;
                value += p * c[i][j];
                if (p > 0) {
                    value += eps * p * Math.log(p / ab);
                }
            }
        }
        value += eps * (ma * mb - total);
        if (!Double.isInfinite(rhoA)) {
            value += rhoA * kl(r, a);
        }
        if (!Double.isInfinite(rhoB)) {
            value += rhoB * kl(col, b);
        }
        primal = value;
        mass = total;
    }

    /** Generalized KL(p‖q) = Σ p·log(p/q) − Σ p + Σ q. */
    public static double kl(double[] p, double[] q) {
        double s = 0;
        for (int k = 0; k < p.length; k++) {
            s += (p[k] > 0 ? p[k] * Math.log(p[k] / q[k]) : 0) - p[k] + q[k];
        }
        return s;
    }
}
