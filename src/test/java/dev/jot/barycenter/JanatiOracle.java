package dev.jot.barycenter;

/**
 * An independent, plain implementation of Janati, Cuturi and Gramfort's (2020) debiased Sinkhorn barycenter,
 * their Algorithm 1 written in the log domain with naive double loops (no kernels, no tiles, no transpose): the
 * test oracle; without the debiasing step it is the plain iterative Bregman projections.
 */
final class JanatiOracle {
    private JanatiOracle() {
    }

    static double lse(double[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            m = Math.max(m, v);
        }
        if (m == Double.NEGATIVE_INFINITY) {
            return m;
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - m);
        }
        return m + Math.log(s);
    }

    /** Runs exactly {@code iterations} iterations of the debiased iteration and returns the barycenter. */
    static double[] barycenter(double[][] h, double[][] c, double[] w, double eps, int iterations) {
        return barycenter(h, c, w, eps, iterations, true);
    }

    /**
     * Runs exactly {@code iterations} iterations and returns the barycenter; without debiasing (d stays 1) this is
     * Benamou et al.'s iterative Bregman projections.
     */
    static double[] barycenter(double[][] h, double[][] c, double[] w, double eps, int iterations, boolean debiased) {
        int k = h.length, n = c.length;
        double[][] logB = new double[k][n]; // log of the scalings b_k, start 1
        double[] logD = new double[n];
        double[] logAlpha = new double[n];
        double[] z = new double[n];
        for (int it = 0; it < iterations; it++) {
            double[][] logKta = new double[k][n];
            for (int p = 0; p < k; p++) {
                double[] logA = new double[n];
                for (int i = 0; i < n; i++) { // a_k = h_k / (K b_k)
                    for (int j = 0; j < n; j++) {
                        z[j] = -c[i][j] / eps + logB[p][j];
                    }
                    logA[i] = Math.log(h[p][i]) - lse(z);
                }
                for (int j = 0; j < n; j++) { // K^T a_k
                    for (int i = 0; i < n; i++) {
                        z[i] = -c[i][j] / eps + logA[i];
                    }
                    logKta[p][j] = lse(z);
                }
            }
            for (int j = 0; j < n; j++) { // alpha = d * prod_k (K^T a_k)^{w_k}
                double s = logD[j];
                for (int p = 0; p < k; p++) {
                    s += w[p] * logKta[p][j];
                }
                logAlpha[j] = s;
            }
            for (int p = 0; p < k; p++) { // b_k = alpha / K^T a_k
                for (int j = 0; j < n; j++) {
                    logB[p][j] = logAlpha[j] - logKta[p][j];
                }
            }
            double[] next = new double[n];
            for (int j = 0; j < n; j++) { // d = sqrt(d * alpha / (K d))
                for (int i = 0; i < n; i++) {
                    z[i] = -c[i][j] / eps + logD[i];
                }
                next[j] = 0.5 * (logD[j] + logAlpha[j] - lse(z));
            }
            if (debiased) {
                logD = next;
            }
        }
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            out[j] = Math.exp(logAlpha[j]);
        }
        return out;
    }
}
