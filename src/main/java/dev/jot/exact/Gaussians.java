package dev.jot.exact;

import java.util.Objects;

/**
 * Optimal transport between Gaussians N(m₁, Σ₁) and N(m₂, Σ₂) for |x − y|², in closed form:
 * W₂² = |m₁ − m₂|² + tr(Σ₁ + Σ₂ − 2·(Σ₁^½ Σ₂ Σ₁^½)^½) (the Bures metric), and the optimal map is linear,
 * T(x) = m₂ + A·(x − m₁) with A = Σ₁^−½ (Σ₁^½ Σ₂ Σ₁^½)^½ Σ₁^−½. When Σ₁ and Σ₂ commute, the trace term
 * is ‖Σ₁^½ − Σ₂^½‖²_F. Matrix square roots come from a symmetric eigendecomposition (cyclic Jacobi),
 * accurate to about 1e-15 relative for well-conditioned d × d matrices.
 *
 * <p>Thread-safe: every method may be called from any number of threads at once (the arrays given are read, never written).
 */
public final class Gaussians {
    private Gaussians() {
    }

    /**
     * The optimal map T(x) = A·x + c.
     *
     * @param a the matrix A, d × d (symmetric)
     * @param c the offset c = m₂ − A·m₁
     */
    public record LinearMap(double[][] a, double[] c) {
        /**
         * T(x).
         *
         * @param x a point, length d
         * @return T(x) = A·x + c, a new array
         */
        public double[] apply(double[] x) {
            double[] y = c.clone();
            for (int i = 0; i < y.length; i++) {
                for (int k = 0; k < x.length; k++) {
                    y[i] += a[i][k] * x[k];
                }
            }
            return y;
        }
    }

    /**
     * W₂² between N(m1, s1) and N(m2, s2) (covariances symmetric positive semi-definite).
     *
     * @param m1 the first mean, length d
     * @param s1 the first covariance, d × d
     * @param m2 the second mean, length d
     * @param s2 the second covariance, d × d
     * @return W₂² for the cost |x − y|² (not halved)
     * @throws IllegalArgumentException for mismatched dimensions, non-finite entries, a covariance that is not
     *     symmetric positive semi-definite, or a value that overflows
     */
    public static double w2Squared(double[] m1, double[][] s1, double[] m2, double[][] s2) {
        int d = check(m1, s1, m2, s2);
        double mean = 0;
        for (int k = 0; k < d; k++) {
            mean += (m1[k] - m2[k]) * (m1[k] - m2[k]);
        }
        // the trace term is homogeneous of degree 1 in (s1, s2): computed on covariances scaled to entries
        // of at most 1, so that neither their products overflow nor underflow
        double scale = scale(s1, s2);
        double[][] t1 = scaled(s1, scale), t2 = scaled(s2, scale);
        double[][] r1 = sqrt(t1);
        double[][] cross = sqrt(mul(mul(r1, t2), r1));
        double tr = 0;
        for (int k = 0; k < d; k++) {
            tr += t1[k][k] + t2[k][k] - 2 * cross[k][k];
        }
        double w2 = mean + scale * Math.max(0, tr);
        if (w2 == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("W2^2 overflows f64 (|m1 - m2|^2 = " + mean + ", covariances up to " + scale
                    + "); rescale the inputs");
        }
        return w2;
    }

    /**
     * The optimal (Monge) map from N(m1, s1) to N(m2, s2); s1 must be positive definite.
     *
     * @param m1 the source mean, length d
     * @param s1 the source covariance, d × d, positive definite
     * @param m2 the target mean, length d
     * @param s2 the target covariance, d × d, positive semi-definite
     * @return the map T(x) = A·x + c
     * @throws IllegalArgumentException for mismatched dimensions, non-finite entries, a covariance that is not
     *     symmetric positive semi-definite, or a singular source covariance
     */
    public static LinearMap map(double[] m1, double[][] s1, double[] m2, double[][] s2) {
        int d = check(m1, s1, m2, s2);
        // A is homogeneous of degree 0 in (s1, s2): computed on covariances scaled to entries of at most 1
        double scale = scale(s1, s2);
        s1 = scaled(s1, scale);
        s2 = scaled(s2, scale);
        Eigen e = eigen(s1);
        for (double l : e.values) {
            if (!(l > 0)) {
                throw new IllegalArgumentException("the source covariance must be positive definite for a map (eigenvalue " + l + ")");
            }
        }
        double[][] r1 = e.apply(Math::sqrt), r1inv = e.apply(l -> 1 / Math.sqrt(l));
        double[][] a = mul(mul(r1inv, sqrt(mul(mul(r1, s2), r1))), r1inv);
        // symmetrise the rounding away
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < i; k++) {
                double v = 0.5 * (a[i][k] + a[k][i]);
                a[i][k] = v;
                a[k][i] = v;
            }
        }
        double[] c = m2.clone();
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                c[i] -= a[i][k] * m1[k];
            }
        }
        return new LinearMap(a, c);
    }

    /** The largest |entry| of s1 and s2, or 1 when both are 0. */
    private static double scale(double[][] s1, double[][] s2) {
        double m = 0;
        for (double[][] s : new double[][][]{s1, s2}) {
            for (double[] row : s) {
                for (double v : row) {
                    m = Math.max(m, Math.abs(v));
                }
            }
        }
        return m > 0 ? m : 1;
    }

    /** s / scale, entrywise (a copy). */
    private static double[][] scaled(double[][] s, double scale) {
        double[][] r = new double[s.length][];
        for (int i = 0; i < s.length; i++) {
            r[i] = new double[s[i].length];
            for (int k = 0; k < s[i].length; k++) {
                r[i][k] = s[i][k] / scale;
            }
        }
        return r;
    }

    /** The symmetric positive semi-definite square root (negative rounding eigenvalues clipped to 0). */
    static double[][] sqrt(double[][] s) {
        return eigen(s).apply(l -> Math.sqrt(Math.max(0, l)));
    }

    private static int check(double[] m1, double[][] s1, double[] m2, double[][] s2) {
        Objects.requireNonNull(m1, "m1");
        Objects.requireNonNull(m2, "m2");
        int d = m1.length;
        if (d == 0 || m2.length != d) {
            throw new IllegalArgumentException("means must have the same positive dimension, got " + d + " and " + m2.length);
        }
        checkFinite("m1", m1);
        checkFinite("m2", m2);
        checkCovariance("s1", s1, d);
        checkCovariance("s2", s2, d);
        return d;
    }

    private static void checkFinite(String name, double[] m) {
        for (int k = 0; k < m.length; k++) {
            if (!Double.isFinite(m[k])) {
                throw new IllegalArgumentException(name + "[" + k + "] is " + m[k] + " (means must be finite)");
            }
        }
    }

    private static void checkCovariance(String name, double[][] s, int d) {
        Objects.requireNonNull(s, name);
        if (s.length != d) {
            throw new IllegalArgumentException(name + " must be " + d + " x " + d + ", got " + s.length + " rows");
        }
        double scale = 0;
        for (int i = 0; i < d; i++) {
            if (s[i].length != d) {
                throw new IllegalArgumentException(name + " must be " + d + " x " + d + ", row " + i + " has " + s[i].length);
            }
            for (int k = 0; k < d; k++) {
                if (!Double.isFinite(s[i][k])) {
                    throw new IllegalArgumentException(name + "[" + i + "][" + k + "] is " + s[i][k]);
                }
                scale = Math.max(scale, Math.abs(s[i][k]));
            }
        }
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < i; k++) {
                if (Math.abs(s[i][k] - s[k][i]) > 1e-12 * Math.max(1, scale)) {
                    throw new IllegalArgumentException(name + " is not symmetric: [" + i + "][" + k + "] = " + s[i][k]
                            + " but [" + k + "][" + i + "] = " + s[k][i]);
                }
            }
        }
        double unit = scale > 0 ? scale : 1;
        for (double l : eigen(scaled(s, unit)).values) {
            if (l < -1e-10) {
                throw new IllegalArgumentException(name + " is not positive semi-definite (eigenvalue " + l * unit + ")");
            }
        }
    }

    static double[][] mul(double[][] p, double[][] q) {
        int d = p.length;
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double s = 0;
                for (int t = 0; t < d; t++) {
                    s += p[i][t] * q[t][k];
                }
                r[i][k] = s;
            }
        }
        return r;
    }

    /**
     * An eigendecomposition S = V·diag(values)·Vᵀ of a symmetric matrix: {@code vectors[i][t]} is component i
     * of the unit eigenvector of {@code values[t]} (the eigenvectors are the columns). Values are in no
     * particular order. For a covariance these are the principal axes and variances (PCA).
     *
     * @param values the eigenvalues
     * @param vectors the eigenvectors, as columns
     */
    public record Eigen(double[] values, double[][] vectors) {
        double[][] apply(java.util.function.DoubleUnaryOperator f) {
            int d = values.length;
            double[][] r = new double[d][d];
            for (int i = 0; i < d; i++) {
                for (int k = 0; k < d; k++) {
                    double s = 0;
                    for (int t = 0; t < d; t++) {
                        s += vectors[i][t] * f.applyAsDouble(values[t]) * vectors[k][t];
                    }
                    r[i][k] = s;
                }
            }
            return r;
        }
    }

    /**
     * The eigendecomposition of a symmetric matrix by cyclic Jacobi rotations (accurate to rounding for the
     * small matrices of this class: covariances of a few dimensions).
     *
     * @param s the matrix, d × d, finite (read as symmetric; not checked)
     * @return its eigenvalues and unit eigenvectors
     * @throws IllegalArgumentException if {@code s} is not square or holds a non-finite entry
     */
    public static Eigen eigen(double[][] s) {
        int d = s.length;
        for (int i = 0; i < d; i++) {
            if (s[i] == null || s[i].length != d) {
                throw new IllegalArgumentException("matrix must be square: row " + i + " has "
                        + (s[i] == null ? "no" : s[i].length) + " entries, expected " + d);
            }
            for (double v : s[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("matrix row " + i + " holds " + v);
                }
            }
        }
        double[][] a = new double[d][];
        for (int i = 0; i < d; i++) {
            a[i] = s[i].clone();
        }
        double[][] v = new double[d][d];
        for (int i = 0; i < d; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, diag = 0;
            for (int i = 0; i < d; i++) {
                diag += a[i][i] * a[i][i];
                for (int k = i + 1; k < d; k++) {
                    off += a[i][k] * a[i][k];
                }
            }
            if (off <= 1e-32 * diag || off == 0) {
                break;
            }
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), sn = t * c;
                    for (int k = 0; k < d; k++) {
                        double akp = a[k][p], akq = a[k][q];
                        a[k][p] = c * akp - sn * akq;
                        a[k][q] = sn * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++) {
                        double apk = a[p][k], aqk = a[q][k];
                        a[p][k] = c * apk - sn * aqk;
                        a[q][k] = sn * apk + c * aqk;
                    }
                    for (int k = 0; k < d; k++) {
                        double vkp = v[k][p], vkq = v[k][q];
                        v[k][p] = c * vkp - sn * vkq;
                        v[k][q] = sn * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            values[i] = a[i][i];
        }
        return new Eigen(values, v);
    }
}
