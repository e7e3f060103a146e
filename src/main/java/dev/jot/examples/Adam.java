package dev.jot.examples;

/**
 * Adam (Kingma and Ba, 2015) on a flat parameter vector: β₁ = 0.9, β₂ = 0.999, ε̂ = 1e-8, with bias
 * correction.
 */
final class Adam {
    private final double[] m, v;
    private int t;

    Adam(int size) {
        this.m = new double[size];
        this.v = new double[size];
    }

    /** θ ← θ − rate·m̂/(√v̂ + ε̂) for the gradient g. */
    void step(double[] theta, double[] g, double rate) {
        t++;
        double c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
        for (int i = 0; i < theta.length; i++) {
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
            theta[i] -= rate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
        }
    }
}
