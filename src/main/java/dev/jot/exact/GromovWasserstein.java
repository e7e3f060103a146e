package dev.jot.exact;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.util.Locale;
import java.util.Objects;

/**
 * Entropic Gromov–Wasserstein with the square loss (Peyré, Cuturi and Solomon 2016): compares two
 * metric-measure spaces (C₁, a) and (C₂, b), possibly of different dimensions, by
 * GW(T) = Σ_ijkl (C₁_ik − C₂_jl)² T_ij T_kl over couplings T of a and b. Each outer iteration
 * linearises GW at the current T, L(T) = C₁²·a·1ᵀ + 1·bᵀ·C₂² − 2·C₁·T·C₂, and replaces T by the
 * entropic transport plan for the gradient 2·L(T) at ε (a log-domain Sinkhorn solve, f64), starting from
 * T = a·bᵀ, until T moves by less than the tolerance (L1). The reported value is GW(T) = ⟨L(T), T⟩.
 * ε means what POT's {@code epsilon} means in
 * {@code ot.gromov.entropic_gromov_wasserstein(C1, C2, p, q, "square_loss", epsilon)} (POT's inner cost is
 * its {@code gwggrad}, 2·L(T)): the values agree at equal ε. Before JOT 0.2 the inner cost was L(T), so
 * ε meant POT's ε/2.
 * Dense: O(n² + m²) memory and O(n²m + nm²) time per outer iteration.
 *
 * <p>Thread-safe: every method may be called from any number of threads at once (the cost matrices given are read, never written).
 */
public final class GromovWasserstein {
    private GromovWasserstein() {
    }

    /**
     * The coupling found and its GW value.
     *
     * @param value the GW value ⟨L(T), T⟩ of the final coupling T
     * @param plan the coupling T, n × m, f64
     * @param iterations the number of outer iterations (linearise, then solve) done
     * @param converged whether T moved by at most the tolerance (L1) in the last iteration
     * @param status what happened, in words
     * @param millis the wall time, in milliseconds
     */
    public record Result(double value, NdArray plan, int iterations, boolean converged, String status, double millis) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "GW %.10g after %d iterations (%s)", value, iterations, status);
        }
    }

    /**
     * Entropic GW between two point clouds (any dimensions), with intra-space costs c(x_i, x_k) and
     * c(y_j, y_l) (default |·|², not halved).
     *
     * @param x the first cloud, n × d₁
     * @param a weights of x, or null for uniform (normalised to sum 1)
     * @param y the second cloud, m × d₂ (d₂ may differ from d₁)
     * @param b weights of y, or null for uniform (normalised to sum 1)
     * @param cost the intra-space cost
     * @param epsilon ε, positive and finite (POT's {@code epsilon})
     * @param maxIterations the limit on outer iterations, at least 1
     * @param tolerance the L1 change of T at which to stop, non-negative and finite
     * @return the coupling, its GW value and how the iterations ended
     * @throws IllegalArgumentException for invalid clouds, weights or settings, or costs that overflow
     */
    public static Result entropic(Points x, Weights a, Points y, Weights b, CostFunction cost, double epsilon,
                                  int maxIterations, double tolerance) {
        Objects.requireNonNull(cost, "cost");
        Sinkhorn.checkPoints("x", x);
        Sinkhorn.checkPoints("y", y);
        return entropic(intra("x", x, cost), a, intra("y", y, cost), b, epsilon, maxIterations, tolerance);
    }

    /**
     * Entropic GW between two given square cost matrices c1 (n × n) and c2 (m × m).
     *
     * @param c1 the first space's costs, n × n, finite (symmetric: the linearisation assumes it)
     * @param aw weights of the first space, or null for uniform (normalised to sum 1)
     * @param c2 the second space's costs, m × m, finite (symmetric)
     * @param bw weights of the second space, or null for uniform (normalised to sum 1)
     * @param epsilon ε, positive and finite (POT's {@code epsilon})
     * @param maxIterations the limit on outer iterations, at least 1
     * @param tolerance the L1 change of T at which to stop, non-negative and finite
     * @return the coupling, its GW value and how the iterations ended
     * @throws IllegalArgumentException for non-square or non-finite costs, invalid weights or settings, or squared
     *     costs that overflow
     */
    public static Result entropic(double[][] c1, Weights aw, double[][] c2, Weights bw, double epsilon,
                                  int maxIterations, double tolerance) {
        long t0 = System.nanoTime();
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be at least 1, got " + maxIterations);
        }
        if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be non-negative and finite, got " + tolerance);
        }
        checkSquare("c1", c1);
        checkSquare("c2", c2);
        int n = c1.length, m = c2.length;
        double[] a = Sinkhorn.checkProbabilities("a", aw, n, "n");
        double[] b = Sinkhorn.checkProbabilities("b", bw, m, "m");
        // constC = (C1² a) 1ᵀ + 1 (C2² b)ᵀ
        double[] ca = new double[n], cb = new double[m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                ca[i] += c1[i][k] * c1[i][k] * a[k];
            }
        }
        for (int j = 0; j < m; j++) {
            for (int l = 0; l < m; l++) {
                cb[j] += c2[j][l] * c2[j][l] * b[l];
            }
        }
        if (!Double.isFinite(sum(ca)) || !Double.isFinite(sum(cb))) {
            throw new IllegalArgumentException("the squared intra-space costs overflow f64 (largest |c1| " + largest(c1)
                    + ", |c2| " + largest(c2) + "); rescale the costs");
        }
        double[] t = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                t[i * m + j] = a[i] * b[j];
            }
        }
        // the plan for the cost 2·L at ε (POT's gwggrad and reg) is the plan for L at ε/2
        SinkhornOptions opts = SinkhornOptions.epsilon(epsilon / 2).withPrecision(Precision.F64).withTolerance(1e-9)
                .withMaxIterations(100_000).withAnnealing(0.5).withThreads(1);
        int it = 0;
        boolean converged = false;
        String why = "";
        double[] lin = new double[n * m];
        while (it < maxIterations) {
            linearise(c1, c2, ca, cb, t, lin, n, m);
            SinkhornResult r = Sinkhorn.solve(NdArray.of(lin, n, m), Weights.of(a), Weights.of(b), opts);
            it++;
            if (!Double.isFinite(r.cost())) {
                why = "the inner Sinkhorn solve failed: " + r.status();
                break;
            }
            double[] next = r.plan().toDoubleArray();
            double change = 0;
            for (int k = 0; k < next.length; k++) {
                change += Math.abs(next[k] - t[k]);
            }
            t = next;
            if (change <= tolerance) {
                converged = true;
                break;
            }
            why = "the coupling still moved by " + String.format(Locale.ROOT, "%.3g", change) + " (L1)";
        }
        linearise(c1, c2, ca, cb, t, lin, n, m);
        double value = 0;
        for (int k = 0; k < t.length; k++) {
            value += lin[k] * t[k];
        }
        String status = converged ? "converged: the coupling moved by at most " + tolerance + " after " + it + " iterations"
                : "not converged after " + it + " iterations: " + why;
        return new Result(value, NdArray.of(t, n, m), it, converged, status, (System.nanoTime() - t0) / 1e6);
    }

    private static void checkSquare(String name, double[][] c) {
        Objects.requireNonNull(c, name);
        for (int i = 0; i < c.length; i++) {
            if (c[i] == null || c[i].length != c.length) {
                throw new IllegalArgumentException(name + " must be a square matrix: it has " + c.length + " rows but row " + i
                        + (c[i] == null ? " is null" : " has " + c[i].length + " entries"));
            }
            for (int k = 0; k < c.length; k++) {
                if (!Double.isFinite(c[i][k])) {
                    throw new IllegalArgumentException(name + "[" + i + "][" + k + "] is " + c[i][k] + " (costs must be finite)");
                }
            }
        }
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    private static double largest(double[][] c) {
        double m = 0;
        for (double[] row : c) {
            for (double v : row) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    /** lin = constC − 2·C1·T·C2 (C1, C2 symmetric). */
    private static void linearise(double[][] c1, double[][] c2, double[] ca, double[] cb, double[] t, double[] lin, int n, int m) {
        double[] tc2 = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < m; l++) {
                double til = t[i * m + l];
                if (til == 0) {
                    continue;
                }
                double[] row = c2[l];
                for (int j = 0; j < m; j++) {
                    tc2[i * m + j] += til * row[j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                lin[i * m + j] = ca[i] + cb[j];
            }
            for (int k = 0; k < n; k++) {
                double cik = c1[i][k];
                for (int j = 0; j < m; j++) {
                    lin[i * m + j] -= 2 * cik * tc2[k * m + j];
                }
            }
        }
    }

    static double[][] intra(String name, Points p, CostFunction cost) {
        double[] v = p.array().toDoubleArray();
        int n = p.n();
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                c[i][k] = cost.cost(v, i, v, k, p.d());
                if (!Double.isFinite(c[i][k])) {
                    throw new IllegalArgumentException("the cost between " + name + "[" + i + "] and " + name + "[" + k + "] is "
                            + c[i][k] + ": the points' extent overflows the cost; rescale the points");
                }
            }
        }
        return c;
    }
}
