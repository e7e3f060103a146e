package dev.jot.sinkhorn;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.Geometry;
import dev.jot.kernel.SinkhornKernels;
import java.util.Objects;

/**
 * Balanced entropic optimal transport in the log domain:
 * min ⟨P, C⟩ + ε·KL(P‖a⊗b) over plans P with P·1 = a and Pᵀ·1 = b.
 *
 * <p>Each iteration updates the dual potentials with two soft-minimum sweeps,
 * f_i = −ε·log Σ_j b_j·exp((g_j − C_ij)/ε) and then g_j = −ε·log Σ_i a_i·exp((f_i − C_ij)/ε), each an
 * online log-sum-exp that reads every cost entry once. After the g update the column marginals are
 * exact; the row marginal error ‖P·1 − a‖₁ falls out of the next f sweep at no extra cost, and the
 * solver stops when it is at most the tolerance. Two final sweeps give the plan's marginals and
 * transport cost. No exponential can overflow: every exponent is a log-sum-exp shifted by its maximum.
 */
public final class Sinkhorn {
    /** Relative difference of total masses accepted as equal (b is then rescaled to a's mass). */
    public static final double MASS_TOLERANCE = 1e-6;

    private Sinkhorn() {
    }

    /**
     * Solves between two point clouds with the given cost (the cost matrix is built in the options'
     * precision).
     *
     * @param a source weights, or {@code null} for uniform
     * @param b target weights, or {@code null} for uniform
     */
    public static SinkhornResult solve(Points x, Points y, Weights a, Weights b, CostFunction cost, SinkhornOptions options) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(options, "options");
        checkPoints("x", x);
        checkPoints("y", y);
        if (x.d() != y.d()) {
            throw new IllegalArgumentException("x and y must have the same dimension, got x: " + x.n() + " x " + x.d()
                    + ", y: " + y.n() + " x " + y.d());
        }
        long t0 = System.nanoTime();
        Geometry geometry = DenseGeometry.of(x, y, cost, options.precision());
        return solve(geometry, a, b, options, t0);
    }

    /** Solves with a given n × m cost matrix. */
    public static SinkhornResult solve(NdArray costMatrix, Weights a, Weights b, SinkhornOptions options) {
        Objects.requireNonNull(costMatrix, "costMatrix");
        Objects.requireNonNull(options, "options");
        long t0 = System.nanoTime();
        Geometry geometry = DenseGeometry.of(costMatrix, options.precision());
        return solve(geometry, a, b, options, t0);
    }

    /** Solves on a geometry; its precision decides the kernels' precision. */
    public static SinkhornResult solve(Geometry geometry, Weights a, Weights b, SinkhornOptions options) {
        return solve(geometry, a, b, options, System.nanoTime());
    }

    private static void checkPoints(String name, Points p) {
        if (p.n() < 1) {
            throw new IllegalArgumentException(name + " has no points (shape " + p.n() + " x " + p.d() + ")");
        }
        if (p.d() < 1) {
            throw new IllegalArgumentException(name + " has dimension 0 (shape " + p.n() + " x 0)");
        }
        long bad = p.array().firstNonFinite();
        if (bad >= 0) {
            throw new IllegalArgumentException(name + "[" + bad / p.d() + "][" + bad % p.d() + "] is " + p.array().getFlat(bad)
                    + " (coordinates must be finite)");
        }
    }

    /** Validates weights: finite, non-negative, positive total, the right length. Returns a copy. */
    static double[] checkWeights(String name, Weights w, int size, String sizeName) {
        if (w == null) {
            return Weights.uniform(size).toArray();
        }
        if (w.size() != size) {
            throw new IllegalArgumentException(name + " has " + w.size() + " weights but " + sizeName + " = " + size);
        }
        double[] v = w.toArray();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + v[i] + " (weights must be finite)");
            }
            if (v[i] < 0) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + v[i] + " is negative (weights must be >= 0)");
            }
        }
        double sum = w.sum();
        if (!(sum > 0)) {
            throw new IllegalArgumentException(name + " sums to " + sum + " (weights need a positive total)");
        }
        return v;
    }

    private static SinkhornResult solve(Geometry geometry, Weights aw, Weights bw, SinkhornOptions options, long t0) {
        Objects.requireNonNull(geometry, "geometry");
        Objects.requireNonNull(options, "options");
        final int n = geometry.n(), m = geometry.m();
        if (n < 1 || m < 1) {
            throw new IllegalArgumentException("the problem is empty: n = " + n + ", m = " + m);
        }
        double[] a = checkWeights("a", aw, n, "n");
        double[] b = checkWeights("b", bw, m, "m");
        double sa = sum(a), sb = sum(b);
        if (Math.abs(sa - sb) > MASS_TOLERANCE * Math.max(sa, sb)) {
            throw new IllegalArgumentException("balanced transport needs equal masses, but a sums to " + sa
                    + " and b sums to " + sb);
        }
        for (int j = 0; j < m; j++) {
            b[j] *= sa / sb;
        }
        final double eps = options.epsilon();
        final double invEps = 1.0 / eps;
        final boolean f32 = geometry.precision() == Precision.F32;
        if (f32 && Math.max(Math.abs(geometry.maxCost()), Math.abs(geometry.minCost())) * invEps > 1e30) {
            throw new IllegalArgumentException("costs / epsilon = " + (geometry.maxCost() * invEps)
                    + " overflows f32; use precision f64 or a larger epsilon");
        }
        final SinkhornKernels kernels = options.kernels();
        final double[] logA = logs(a), logB = logs(b);

        double[] f = new double[n], g = new double[m], fNext = new double[n], lse = new double[Math.max(n, m)];
        double[] hRow = new double[m], hCol = new double[n];
        float[] hRowF = f32 ? new float[m] : null, hColF = f32 ? new float[n] : null;
        int iterations = 0;
        boolean converged = false;
        String status = null;
        double tol = options.tolerance();
        try (Sweeps sweeps = new Sweeps(geometry, kernels, options.threads())) {
            for (int it = 1; it <= options.maxIterations(); it++) {
                // f update: f_i = -eps * log sum_j exp(log b_j + g_j/eps - C_ij/eps)
                scaled(logB, g, invEps, hRow, hRowF);
                sweeps.logSumExp(false, hRow, hRowF, invEps, lse);
                for (int i = 0; i < n; i++) {
                    fNext[i] = -eps * lse[i];
                }
                if (!allFinite(fNext, n)) {
                    status = nonFinite(f32, it);
                    break;
                }
                // the row marginal error of the state after iteration it-1, for free
                if (it > 1 && (it - 1) % options.checkEvery() == 0 && tol > 0) {
                    double err = 0;
                    for (int i = 0; i < n; i++) {
                        err += Math.abs(a[i] * Math.expm1((f[i] - fNext[i]) * invEps));
                    }
                    if (err <= tol) {
                        converged = true;
                        break;
                    }
                }
                double[] t = f;
                f = fNext;
                fNext = t;
                // g update: g_j = -eps * log sum_i exp(log a_i + f_i/eps - C_ij/eps)
                scaled(logA, f, invEps, hCol, hColF);
                sweeps.logSumExp(true, hCol, hColF, invEps, lse);
                for (int j = 0; j < m; j++) {
                    g[j] = -eps * lse[j];
                }
                iterations = it;
                if (!allFinite(g, m)) {
                    status = nonFinite(f32, it);
                    break;
                }
            }
            if (status != null) {
                return failed(geometry, a, b, f, g, eps, iterations, status, t0, kernels, options.threads());
            }
            // two final sweeps: the plan's row and column sums, and its transport cost
            double[] rowMass = new double[n], rowCost = new double[n], colMass = new double[m], colCost = new double[m];
            scaled(logB, g, invEps, hRow, hRowF);
            scaled(logA, f, invEps, hCol, hColF);
            sweeps.planSums(false, hRow, hRowF, invEps, hCol, rowMass, rowCost);
            sweeps.planSums(true, hCol, hColF, invEps, hRow, colMass, colCost);
            double cost = 0, objective = 0, dual = 0, errA = 0, errB = 0;
            for (int i = 0; i < n; i++) {
                cost += rowCost[i];
                errA += Math.abs(rowMass[i] - a[i]);
                if (a[i] > 0) {
                    objective += rowMass[i] * f[i];
                    dual += a[i] * f[i];
                }
            }
            for (int j = 0; j < m; j++) {
                errB += Math.abs(colMass[j] - b[j]);
                if (b[j] > 0) {
                    objective += colMass[j] * g[j];
                    dual += b[j] * g[j];
                }
            }
            if (!converged) {
                converged = errA <= tol && errB <= tol;
            }
            if (!(Double.isFinite(cost) && Double.isFinite(objective))) {
                return failed(geometry, a, b, f, g, eps, iterations, nonFinite(f32, iterations), t0, kernels, options.threads());
            }
            status = converged
                    ? "converged: marginal error " + fmt(Math.max(errA, errB)) + " <= tolerance " + tol + " after " + iterations + " iterations"
                    : "not converged: marginal error " + fmt(Math.max(errA, errB)) + " > tolerance " + tol + " after "
                    + iterations + " iterations (raise the iteration limit" + (f32 ? ", or use f64 if the error has stopped falling" : "") + ")";
            return new SinkhornResult(geometry, a, b, f, g, eps, cost, objective, dual, errA, errB, iterations, converged,
                    status, System.nanoTime() - t0, kernels.name(), options.threads());
        }
    }

    private static SinkhornResult failed(Geometry geometry, double[] a, double[] b, double[] f, double[] g, double eps,
                                         int iterations, String status, long t0, SinkhornKernels kernels, int threads) {
        return new SinkhornResult(geometry, a, b, f, g, eps, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                iterations, false, status, System.nanoTime() - t0, kernels.name(), threads);
    }

    private static String nonFinite(boolean f32, int it) {
        return "not converged: the potentials became non-finite at iteration " + it
                + (f32 ? " (f32 range exceeded; use precision f64)" : " (epsilon too small for the costs' range)");
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.3g", v);
    }

    /** h = log w + p/ε, in f64 and (when asked) rounded to f32. */
    private static void scaled(double[] logW, double[] p, double invEps, double[] h, float[] hf) {
        for (int k = 0; k < h.length; k++) {
            h[k] = logW[k] + p[k] * invEps;
        }
        if (hf != null) {
            for (int k = 0; k < h.length; k++) {
                hf[k] = (float) h[k];
            }
        }
    }

    private static double[] logs(double[] w) {
        double[] out = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = Math.log(w[k]);
        }
        return out;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    private static boolean allFinite(double[] v, int len) {
        for (int k = 0; k < len; k++) {
            if (!Double.isFinite(v[k])) {
                return false;
            }
        }
        return true;
    }
}
