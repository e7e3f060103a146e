package dev.jot.examples;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A critic D : R² → R for {@link WganExample}: a perceptron x = z₀ → a_l = W_l z_{l−1} + b_l,
 * z_l = σ(a_l) for the hidden layers l = 1..L−1, D(x) = a_L (one output, no activation), with the
 * WGAN-GP loss and its exact gradient with respect to the weights written out by hand.
 *
 * <p>The parameters live in one flat array θ: for each layer l in turn, W_l (row per output unit, so
 * W_l[j][k] at {@code offset(l) + j·in + k}) then b_l; gradients use the same layout.
 *
 * <p><b>The penalty's gradient (double backpropagation).</b> For one interpolate x̂, let
 * g = ∇ₓD(x̂) and P = (|g| − 1)². With v = ∂P/∂g = 2(|g| − 1)·g/|g|, held fixed, ∂P/∂θ = ∂(vᵀg)/∂θ, and
 * vᵀg = Ḋ is the directional derivative of D at x̂ along v: the forward tangent pass ż₀ = v,
 * ȧ_l = W_l ż_{l−1}, ż_l = σ'(a_l)ȧ_l, Ḋ = ȧ_L. Backpropagating Ḋ through the tangent and the primal
 * pass, with τ_l = ∂Ḋ/∂ȧ_l and α_l = ∂Ḋ/∂a_l (τ_L = 1, α_L = 0):
 * <pre>
 *   ∂Ḋ/∂W_l = τ_l ż_{l−1}ᵀ + α_l z_{l−1}ᵀ,   ∂Ḋ/∂b_l = α_l,
 *   τ_{l−1} = σ'(a_{l−1}) ⊙ W_lᵀτ_l,
 *   α_{l−1} = σ''(a_{l−1}) ⊙ ȧ_{l−1} ⊙ W_lᵀτ_l + σ'(a_{l−1}) ⊙ W_lᵀα_l.
 * </pre>
 * The τ recursion is ordinary backpropagation of D itself (∂D/∂a_l = τ_l), so g = W₁ᵀτ₁ comes out of the
 * same sweep; σ'' is the second-order term (zero for ReLU, whose penalty gradient has only the τ ż part).
 *
 * <p>Not thread-safe: the passes share per-layer work arrays.
 */
final class Critic {
    /** The hidden layers' activation σ with σ' and σ''. */
    enum Activation {
        /** tanh: σ' = 1 − σ², σ'' = −2σσ'. */
        TANH,
        /** softplus log(1 + eᵃ): σ' = 1/(1 + e⁻ᵃ), σ'' = σ'(1 − σ'). */
        SOFTPLUS,
        /** max(a, 0): σ' = 1 for a &gt; 0 and 0 otherwise, σ'' = 0. */
        RELU;

        double value(double a) {
            return switch (this) {
                case TANH -> Math.tanh(a);
                case SOFTPLUS -> a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
                case RELU -> a > 0 ? a : 0.0;
            };
        }

        /** σ'(a), given σ(a) = {@code s}. */
        double first(double a, double s) {
            return switch (this) {
                case TANH -> 1 - s * s;
                case SOFTPLUS -> 1 / (1 + Math.exp(-a));
                case RELU -> a > 0 ? 1.0 : 0.0;
            };
        }

        /** σ''(a), given σ(a) = {@code s} and σ'(a) = {@code d}. */
        double second(double a, double s, double d) {
            return switch (this) {
                case TANH -> -2 * s * d;
                case SOFTPLUS -> d * (1 - d);
                case RELU -> 0.0;
            };
        }
    }

    /**
     * Mean terms of the WGAN-GP loss for one evaluation.
     *
     * @param real    E[D(real)]
     * @param fake    E[D(fake)]
     * @param penalty E[(|∇ₓD(x̂)| − 1)²] over the interpolates
     * @param lambda  the penalty's weight λ
     */
    record Terms(double real, double fake, double penalty, double lambda) {
        /** The loss −E[D(real)] + E[D(fake)] + λ·E[(|∇ₓD(x̂)| − 1)²]. */
        double loss() {
            return -real + fake + lambda * penalty;
        }

        /** The critic's estimate of W1, E[D(real)] − E[D(fake)]. */
        double estimate() {
            return real - fake;
        }
    }

    /** Input dimension. */
    static final int IN = 2;

    final int[] widths;
    final Activation activation;
    final double[] theta;
    private final int[] offset;
    private final Adam optimizer;
    // per-point work space, one row per layer (index 0: the input)
    private final double[][] a, z, s1, s2, za, zt, tau, alpha, back, backAlpha;

    /**
     * A critic with layer widths {@code widths} (the first 2, the last 1, hidden ones in between), all
     * parameters zero.
     */
    Critic(int[] widths, Activation activation) {
        if (widths.length < 2 || widths[0] != IN || widths[widths.length - 1] != 1) {
            throw new IllegalArgumentException("widths must run from 2 to 1, got " + Arrays.toString(widths));
        }
        for (int w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException("every width must be at least 1, got " + Arrays.toString(widths));
            }
        }
        this.widths = widths.clone();
        this.activation = activation;
        int layers = widths.length - 1;
        offset = new int[layers + 1];
        for (int l = 1; l <= layers; l++) {
            offset[l] = offset[l - 1] + (l == 1 ? 0 : widths[l - 1] * widths[l - 2] + widths[l - 1]);
        }
        theta = new double[offset[layers] + widths[layers] * widths[layers - 1] + widths[layers]];
        optimizer = new Adam(theta.length);
        a = rows();
        z = rows();
        s1 = rows();
        s2 = rows();
        za = rows();
        zt = rows();
        tau = rows();
        alpha = rows();
        back = rows();
        backAlpha = rows();
    }

    private double[][] rows() {
        double[][] r = new double[widths.length][];
        for (int l = 0; l < widths.length; l++) {
            r[l] = new double[widths[l]];
        }
        return r;
    }

    /** Number of parameters. */
    int size() {
        return theta.length;
    }

    /** Number of layers with weights (hidden layers + 1). */
    int layers() {
        return widths.length - 1;
    }

    /** Where W_l starts in θ (l = 1..L); b_l follows it. */
    int offset(int l) {
        return offset[l];
    }

    /**
     * Random initialisation: weights N(0, 1/fan-in) (Glorot-like for tanh), biases zero, the output
     * weights scaled down by 10 so that the untrained critic is nearly flat.
     */
    void initialise(SplittableRandom rnd) {
        Arrays.fill(theta, 0.0);
        for (int l = 1; l <= layers(); l++) {
            int in = widths[l - 1], out = widths[l];
            double sd = 1 / Math.sqrt(in) * (l == layers() ? 0.1 : 1);
            for (int k = 0; k < in * out; k++) {
                theta[offset[l] + k] = sd * gaussian(rnd);
            }
        }
    }

    static double gaussian(SplittableRandom rnd) {
        // Box–Muller, one value (deterministic for a given generator state)
        double u = 1.0 - rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** D(x₀, x₁). */
    double value(double x0, double x1) {
        forward(x0, x1);
        return a[layers()][0];
    }

    /** ∇ₓD at (x₀, x₁), written into {@code g} (length 2). */
    void inputGradient(double x0, double x1, double[] g) {
        forward(x0, x1);
        backwardTau();
        inputFromTau(g);
    }

    /** The primal pass at x: a_l, z_l = σ(a_l) and σ'(a_l), σ''(a_l) for the hidden layers. */
    private void forward(double x0, double x1) {
        z[0][0] = x0;
        z[0][1] = x1;
        int last = layers();
        for (int l = 1; l <= last; l++) {
            int in = widths[l - 1], out = widths[l], w = offset[l], b = w + in * out;
            double[] zin = z[l - 1];
            for (int j = 0; j < out; j++) {
                double s = theta[b + j];
                int row = w + j * in;
                for (int k = 0; k < in; k++) {
                    s += theta[row + k] * zin[k];
                }
                a[l][j] = s;
                if (l < last) {
                    double v = activation.value(s), d = activation.first(s, v);
                    z[l][j] = v;
                    s1[l][j] = d;
                    s2[l][j] = activation.second(s, v, d);
                } else {
                    z[l][j] = s;
                }
            }
        }
    }

    /** τ_l = ∂D/∂a_l after {@link #forward}: τ_L = 1, τ_{l−1} = σ'(a_{l−1}) ⊙ W_lᵀτ_l. */
    private void backwardTau() {
        int last = layers();
        tau[last][0] = 1;
        for (int l = last; l >= 2; l--) {
            transposeTimes(l, tau[l], back[l - 1]);
            for (int j = 0; j < widths[l - 1]; j++) {
                tau[l - 1][j] = s1[l - 1][j] * back[l - 1][j];
            }
        }
    }

    /** g = W₁ᵀτ₁. */
    private void inputFromTau(double[] g) {
        transposeTimes(1, tau[1], back[0]);
        g[0] = back[0][0];
        g[1] = back[0][1];
    }

    /** {@code out} = W_lᵀ·{@code u} (u of length widths[l], out of length widths[l − 1]). */
    private void transposeTimes(int l, double[] u, double[] out) {
        int in = widths[l - 1], rows = widths[l], w = offset[l];
        Arrays.fill(out, 0, in, 0.0);
        for (int j = 0; j < rows; j++) {
            double uj = u[j];
            if (uj != 0) {
                int row = w + j * in;
                for (int k = 0; k < in; k++) {
                    out[k] += theta[row + k] * uj;
                }
            }
        }
    }

    /**
     * The WGAN-GP loss for n pairs (real_i, fake_i) (each n × 2 row-major) with interpolates
     * x̂_i = t_i·real_i + (1 − t_i)·fake_i, and, if {@code grad} is not null, its gradient with respect to θ
     * (overwritten): {@link #loss(double[], int, double[], int, double[], int, double, double[])} on these
     * interpolates.
     */
    Terms loss(double[] real, double[] fake, int n, double[] t, double lambda, double[] grad) {
        double[] hat = new double[2 * n];
        for (int i = 0; i < n; i++) {
            hat[2 * i] = t[i] * real[2 * i] + (1 - t[i]) * fake[2 * i];
            hat[2 * i + 1] = t[i] * real[2 * i + 1] + (1 - t[i]) * fake[2 * i + 1];
        }
        return loss(real, n, fake, n, hat, n, lambda, grad);
    }

    /**
     * The WGAN-GP loss's mean terms for {@code nr} real points, {@code nf} fake points and {@code nh}
     * interpolates (each row-major, 2 coordinates a point), and, if {@code grad} is not null, the
     * gradient of {@link Terms#loss()} with respect to θ written into {@code grad} (overwritten).
     */
    Terms loss(double[] real, int nr, double[] fake, int nf, double[] hat, int nh, double lambda, double[] grad) {
        if (grad != null) {
            Arrays.fill(grad, 0.0);
        }
        int last = layers();
        double sumReal = 0, sumFake = 0, sumPenalty = 0;
        for (int side = 0; side < 2; side++) {
            double[] pts = side == 0 ? real : fake;
            int count = side == 0 ? nr : nf;
            double weight = (side == 0 ? -1.0 : 1.0) / count; // ∂loss/∂D of each point
            for (int i = 0; i < count; i++) {
                forward(pts[2 * i], pts[2 * i + 1]);
                if (side == 0) {
                    sumReal += a[last][0];
                } else {
                    sumFake += a[last][0];
                }
                if (grad != null) {
                    backwardTau();
                    for (int l = 1; l <= last; l++) {
                        accumulate(grad, l, tau[l], z[l - 1], weight, true);
                    }
                }
            }
        }
        double[] g = new double[IN];
        for (int i = 0; i < nh; i++) {
            double x0 = hat[2 * i], x1 = hat[2 * i + 1];
            forward(x0, x1);
            backwardTau();
            inputFromTau(g);
            double norm = Math.hypot(g[0], g[1]);
            sumPenalty += (norm - 1) * (norm - 1);
            if (grad == null || norm == 0) {
                continue; // at g = 0 the penalty's derivative in g has no direction; it is taken as 0
            }
            double c = 2 * (norm - 1) / norm;
            penaltyGradient(c * g[0], c * g[1], grad, lambda / nh);
        }
        return new Terms(nr == 0 ? 0 : sumReal / nr, nf == 0 ? 0 : sumFake / nf, nh == 0 ? 0 : sumPenalty / nh, lambda);
    }

    /**
     * After {@link #forward} and {@link #backwardTau} at x̂: adds {@code weight}·∂(vᵀ∇ₓD)/∂θ to
     * {@code grad}, the tangent pass along v = (v₀, v₁) and the reverse sweep of the class comment.
     */
    private void penaltyGradient(double v0, double v1, double[] grad, double weight) {
        int last = layers();
        // forward tangent: za[l] = ȧ_l, zt[l] = ż_l
        zt[0][0] = v0;
        zt[0][1] = v1;
        for (int l = 1; l <= last; l++) {
            int in = widths[l - 1], out = widths[l], w = offset[l];
            for (int j = 0; j < out; j++) {
                double s = 0;
                int row = w + j * in;
                for (int k = 0; k < in; k++) {
                    s += theta[row + k] * zt[l - 1][k];
                }
                za[l][j] = s;
                zt[l][j] = l < last ? s1[l][j] * s : s;
            }
        }
        // reverse: τ is D's own backpropagation (already in tau), α_L = 0
        Arrays.fill(alpha[last], 0.0);
        for (int l = last; l >= 1; l--) {
            accumulate(grad, l, tau[l], zt[l - 1], weight, false); // ȧ_l = W_l ż_{l−1} has no bias
            if (l < last) {
                accumulate(grad, l, alpha[l], z[l - 1], weight, true);
            }
            if (l >= 2) {
                // back[l − 1] = W_lᵀτ_l is still there from backwardTau
                if (l < last) {
                    transposeTimes(l, alpha[l], backAlpha[l - 1]);
                } else {
                    Arrays.fill(backAlpha[l - 1], 0.0);
                }
                for (int j = 0; j < widths[l - 1]; j++) {
                    alpha[l - 1][j] = s2[l - 1][j] * za[l - 1][j] * back[l - 1][j] + s1[l - 1][j] * backAlpha[l - 1][j];
                }
            }
        }
    }

    /** grad[W_l] += weight·u·inᵀ and, if {@code bias}, grad[b_l] += weight·u. */
    private void accumulate(double[] grad, int l, double[] u, double[] in, double weight, boolean bias) {
        int cols = widths[l - 1], rows = widths[l], w = offset[l], b = w + cols * rows;
        for (int j = 0; j < rows; j++) {
            double uj = weight * u[j];
            if (uj != 0) {
                int row = w + j * cols;
                for (int k = 0; k < cols; k++) {
                    grad[row + k] += uj * in[k];
                }
                if (bias) {
                    grad[b + j] += uj;
                }
            }
        }
    }

    /** One Adam step (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, bias-corrected) along {@code grad}. */
    void adam(double[] grad, double lr) {
        optimizer.step(theta, grad, lr);
    }
}
