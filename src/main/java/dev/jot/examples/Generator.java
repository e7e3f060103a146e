package dev.jot.examples;

import java.util.SplittableRandom;

/**
 * A two-layer perceptron z ∈ [0,1]² → ReLU(W₁z + b₁) ∈ R^h → sigmoid(W₂ᵀh + b₂) ∈ [0,1]^p, with its
 * backward pass written by hand and Adam. The parameters live in one flat array θ = (W₁ (h × 2, row
 * per hidden unit), b₁ (h), W₂ (h × p, row per hidden unit, so that the output loop is contiguous),
 * b₂ (p)); gradients use the same layout.
 */
final class Generator {
    static final int LATENT = 2;

    final int hidden;
    final int out;
    final double[] theta;
    private final int oB1;
    private final int oW2;
    private final int oB2;
    // Adam state
    private final Adam optimizer;

    Generator(int hidden, int out) {
        this.hidden = hidden;
        this.out = out;
        oB1 = hidden * LATENT;
        oW2 = oB1 + hidden;
        oB2 = oW2 + hidden * out;
        theta = new double[oB2 + out];
        optimizer = new Adam(theta.length);
    }

    /** Number of parameters. */
    int size() {
        return theta.length;
    }

    /**
     * Random initialisation: each hidden unit is a ReLU ramp w·(z − c) with a random direction w
     * (N(0, s²) entries) and a kink through a uniform point c of the latent square, so that every unit
     * bends somewhere in [0,1]²; the output weights are scaled so that the output pre-activations vary
     * by about 1 over the square, around the logit of the mean pixel {@code meanPixel}.
     */
    void initialise(SplittableRandom rnd, double[] meanPixel) {
        double s = 4.0;
        for (int j = 0; j < hidden; j++) {
            double w0 = s * gaussian(rnd), w1 = s * gaussian(rnd);
            double c0 = rnd.nextDouble(), c1 = rnd.nextDouble();
            theta[2 * j] = w0;
            theta[2 * j + 1] = w1;
            theta[oB1 + j] = -(w0 * c0 + w1 * c1);
        }
        // mean square hidden activation over a grid of the latent square
        double sum = 0;
        int g = 16;
        for (int a = 0; a < g; a++) {
            for (int b = 0; b < g; b++) {
                double z0 = (a + 0.5) / g, z1 = (b + 0.5) / g;
                for (int j = 0; j < hidden; j++) {
                    double pre = theta[2 * j] * z0 + theta[2 * j + 1] * z1 + theta[oB1 + j];
                    if (pre > 0) {
                        sum += pre * pre;
                    }
                }
            }
        }
        double meanSq = sum / (g * g * (double) hidden);
        double sigma = 1.0 / Math.sqrt(hidden * Math.max(meanSq, 1e-12));
        for (int k = oW2; k < oB2; k++) {
            theta[k] = sigma * gaussian(rnd);
        }
        for (int k = 0; k < out; k++) {
            double p = Math.min(0.95, Math.max(0.05, meanPixel[k]));
            theta[oB2 + k] = Math.log(p / (1 - p));
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box–Muller, one value (deterministic for a given generator state)
        double u = 1.0 - rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * Forward pass for {@code count} latent points z (count × 2, row-major): writes the hidden
     * activations (count × h) and the outputs (count × p).
     */
    void forward(double[] z, int count, double[] hid, double[] x) {
        for (int b = 0; b < count; b++) {
            double z0 = z[2 * b], z1 = z[2 * b + 1];
            int hb = b * hidden, xb = b * out;
            for (int j = 0; j < hidden; j++) {
                double pre = theta[2 * j] * z0 + theta[2 * j + 1] * z1 + theta[oB1 + j];
                hid[hb + j] = pre > 0 ? pre : 0.0;
            }
            System.arraycopy(theta, oB2, x, xb, out);
            for (int j = 0; j < hidden; j++) {
                double hj = hid[hb + j];
                if (hj != 0) {
                    int w = oW2 + j * out;
                    for (int k = 0; k < out; k++) {
                        x[xb + k] += hj * theta[w + k];
                    }
                }
            }
            for (int k = 0; k < out; k++) {
                x[xb + k] = 1.0 / (1.0 + Math.exp(-x[xb + k]));
            }
        }
    }

    /**
     * Backward pass: given ∂loss/∂x (count × p) at the outputs of the last {@link #forward} with these
     * z, hid and x, writes ∂loss/∂θ into {@code grad} (overwritten).
     */
    void backward(double[] z, int count, double[] hid, double[] x, double[] gx, double[] grad) {
        java.util.Arrays.fill(grad, 0.0);
        double[] d = new double[out];
        for (int b = 0; b < count; b++) {
            double z0 = z[2 * b], z1 = z[2 * b + 1];
            int hb = b * hidden, xb = b * out;
            for (int k = 0; k < out; k++) {
                double xk = x[xb + k];
                d[k] = gx[xb + k] * xk * (1 - xk);
                grad[oB2 + k] += d[k];
            }
            for (int j = 0; j < hidden; j++) {
                double hj = hid[hb + j];
                if (hj > 0) {
                    int w = oW2 + j * out;
                    double dh = 0;
                    for (int k = 0; k < out; k++) {
                        grad[w + k] += hj * d[k];
                        dh += theta[w + k] * d[k];
                    }
                    grad[2 * j] += dh * z0;
                    grad[2 * j + 1] += dh * z1;
                    grad[oB1 + j] += dh;
                }
            }
        }
    }

    /** One Adam step (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, bias-corrected) along {@code grad}. */
    void adam(double[] grad, double lr) {
        optimizer.step(theta, grad, lr);
    }
}
