package dev.jot.barycenter;

import dev.jot.exact.Gaussians;
import java.util.Locale;
import java.util.Objects;

/**
 * The W₂ barycenter of Gaussians N(m_k, Σ_k) with weights w_k for |x − y|²: a Gaussian N(m, S) with m = Σ_k w_k m_k
 * and S the fixed point of S = Σ_k w_k (S^½ Σ_k S^½)^½ (the Bures–Wasserstein barycenter), found by the iteration of
 * Álvarez-Esteban, del Barrio, Cuesta-Albertos and Matrán (2016),
 * <pre>S ← S^−½ (Σ_k w_k (S^½ Σ_k S^½)^½)² S^−½,</pre>
 * from S₀ = Σ_k w_k Σ_k (it converges for positive definite inputs; their Theorem 4.2). Beside the closed-form W₂
 * of {@link Gaussians}, whose eigendecomposition it uses. Immutable; the arrays returned are copies.
 */
public final class GaussianBarycenter {
    private final double[] mean;
    private final double[][] covariance;
    private final int iterations;
    private final boolean converged;
    private final double change;

    private GaussianBarycenter(double[] mean, double[][] covariance, int iterations, boolean converged, double change) {
        this.mean = mean;
        this.covariance = covariance;
        this.iterations = iterations;
        this.converged = converged;
        this.change = change;
    }

    /**
     * Computes the barycenter.
     *
     * @param means the k means, each of length d
     * @param covariances the k covariances, each d × d symmetric positive semi-definite, at least one with weight &gt; 0
     *                    positive definite (so that S₀ is)
     * @param weights the k barycentric weights, summing to 1; null for uniform
     * @param tolerance stop when ‖S' − S‖_F ≤ tolerance·‖S‖_F, non-negative
     * @param maxIterations the iteration limit, at least 1
     * @return the barycenter N(m, S)
     * @throws IllegalArgumentException for mismatched dimensions, non-finite entries, covariances that are not
     *     symmetric positive semi-definite, or weights that do not sum to 1
     */
    public static GaussianBarycenter of(double[][] means, double[][][] covariances, double[] weights, double tolerance,
                                        int maxIterations) {
        Objects.requireNonNull(means, "means");
        Objects.requireNonNull(covariances, "covariances");
        int k = means.length;
        if (k == 0) {
            throw new IllegalArgumentException("means is empty (a barycenter needs at least one Gaussian)");
        }
        if (covariances.length != k) {
            throw new IllegalArgumentException("covariances has " + covariances.length + " entries but means has " + k);
        }
        if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be non-negative and finite, got " + tolerance);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be at least 1, got " + maxIterations);
        }
        double[] w = FixedSupport.barycentricWeights("weights", weights, k);
        int d = means[0] == null ? 0 : means[0].length;
        if (d < 1) {
            throw new IllegalArgumentException("means[0] is empty");
        }
        for (int p = 0; p < k; p++) {
            if (means[p] == null || means[p].length != d) {
                throw new IllegalArgumentException("means[" + p + "] has " + (means[p] == null ? "no" : means[p].length)
                        + " entries, means[0] has " + d);
            }
            for (int i = 0; i < d; i++) {
                if (!Double.isFinite(means[p][i])) {
                    throw new IllegalArgumentException("means[" + p + "][" + i + "] is " + means[p][i]);
                }
            }
            checkCovariance("covariances[" + p + "]", covariances[p], d);
        }
        double[] m = new double[d];
        double[][] s = new double[d][d];
        for (int p = 0; p < k; p++) {
            for (int i = 0; i < d; i++) {
                m[i] += w[p] * means[p][i];
                for (int j = 0; j < d; j++) {
                    s[i][j] += w[p] * covariances[p][i][j];
                }
            }
        }
        Gaussians.Eigen e0 = Gaussians.eigen(s);
        double top = 0, bottom = Double.POSITIVE_INFINITY;
        for (double l : e0.values()) {
            top = Math.max(top, l);
            bottom = Math.min(bottom, l);
        }
        if (!(bottom > 1e-14 * top)) {
            throw new IllegalArgumentException("the weighted mean of the covariances is singular (smallest eigenvalue " + bottom
                    + "): give at least one positive definite covariance a positive weight");
        }
        int iterations = 0;
        double change = Double.NaN;
        for (int it = 0; it < maxIterations; it++) {
            Gaussians.Eigen e = Gaussians.eigen(s);
            double[][] root = apply(e, l -> Math.sqrt(Math.max(0, l)));
            double[][] invRoot = apply(e, l -> 1 / Math.sqrt(l));
            double[][] t = new double[d][d];
            for (int p = 0; p < k; p++) {
                if (w[p] == 0) {
                    continue;
                }
                double[][] r = apply(Gaussians.eigen(symmetric(mul(mul(root, covariances[p]), root))), l -> Math.sqrt(Math.max(0, l)));
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        t[i][j] += w[p] * r[i][j];
                    }
                }
            }
            double[][] next = symmetric(mul(mul(invRoot, mul(t, t)), invRoot));
            double diff = 0, norm = 0;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    diff += (next[i][j] - s[i][j]) * (next[i][j] - s[i][j]);
                    norm += next[i][j] * next[i][j];
                }
            }
            s = next;
            iterations = it + 1;
            change = Math.sqrt(diff / norm);
            if (tolerance > 0 && change <= tolerance) {
                break;
            }
        }
        return new GaussianBarycenter(m, s, iterations, change <= tolerance, change);
    }

    private static void checkCovariance(String name, double[][] s, int d) {
        if (s == null || s.length != d) {
            throw new IllegalArgumentException(name + " must be " + d + " x " + d + ", got " + (s == null ? "null" : s.length + " rows"));
        }
        for (int i = 0; i < d; i++) {
            if (s[i] == null || s[i].length != d) {
                throw new IllegalArgumentException(name + " row " + i + " must have " + d + " entries");
            }
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(s[i][j])) {
                    throw new IllegalArgumentException(name + "[" + i + "][" + j + "] is " + s[i][j]);
                }
                if (Math.abs(s[i][j] - s[j][i]) > 1e-12 * (Math.abs(s[i][j]) + Math.abs(s[j][i])) && j > i) {
                    throw new IllegalArgumentException(name + " is not symmetric: [" + i + "][" + j + "] = " + s[i][j]
                            + ", [" + j + "][" + i + "] = " + s[j][i]);
                }
            }
        }
        double top = 0;
        double[] values = Gaussians.eigen(s).values();
        for (double l : values) {
            top = Math.max(top, Math.abs(l));
        }
        for (double l : values) {
            if (l < -1e-12 * Math.max(top, Double.MIN_NORMAL)) {
                throw new IllegalArgumentException(name + " is not positive semi-definite (eigenvalue " + l + ")");
            }
        }
    }

    private static double[][] apply(Gaussians.Eigen e, java.util.function.DoubleUnaryOperator f) {
        double[] v = e.values();
        double[][] q = e.vectors();
        int d = v.length;
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int t = 0; t < d; t++) {
                    s += q[i][t] * f.applyAsDouble(v[t]) * q[j][t];
                }
                r[i][j] = s;
            }
        }
        return r;
    }

    private static double[][] mul(double[][] p, double[][] q) {
        int d = p.length;
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int t = 0; t < d; t++) {
                    s += p[i][t] * q[t][j];
                }
                r[i][j] = s;
            }
        }
        return r;
    }

    private static double[][] symmetric(double[][] s) {
        int d = s.length;
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                r[i][j] = 0.5 * (s[i][j] + s[j][i]);
            }
        }
        return r;
    }

    /** {@return the barycenter's mean m = Σ_k w_k m_k (a copy)} */
    public double[] mean() {
        return mean.clone();
    }

    /** {@return the barycenter's covariance S, d × d (a copy)} */
    public double[][] covariance() {
        double[][] c = new double[covariance.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = covariance[i].clone();
        }
        return c;
    }

    /** {@return the number of fixed-point iterations} */
    public int iterations() {
        return iterations;
    }

    /** {@return whether the last relative change ‖S' − S‖_F / ‖S'‖_F was at most the tolerance} */
    public boolean converged() {
        return converged;
    }

    /** {@return the last relative change of S} */
    public double change() {
        return change;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "GaussianBarycenter[d=%d, iterations=%d, converged=%s, change=%.3g]",
                mean.length, iterations, converged, change);
    }
}
