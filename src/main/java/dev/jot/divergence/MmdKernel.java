package dev.jot.divergence;

import java.util.Locale;

/**
 * A kernel k(x, y) = κ(|x − y|) for maximum mean discrepancies, MMD²_k(α, β) = ⟨α ⊗ α, k⟩ + ⟨β ⊗ β, k⟩
 * − 2⟨α ⊗ β, k⟩. JOT reports ½·MMD²_k, as GeomLoss's kernel losses do.
 */
public sealed interface MmdKernel {

    /**
     * −|x − y|: the energy distance; ½·MMD² with it is the ε → ∞ limit of the Sinkhorn divergence for |x − y|.
     *
     * @return the energy kernel
     */
    static MmdKernel energy() {
        return new Energy();
    }

    /**
     * exp(−|x − y|²/(2σ²)).
     *
     * @param sigma the bandwidth σ, positive and finite
     * @return the Gaussian kernel
     * @throws IllegalArgumentException if σ is not positive and finite, or so small that 1/(2σ²) overflows
     */
    static MmdKernel gaussian(double sigma) {
        return new Gaussian(sigma);
    }

    /**
     * exp(−|x − y|/σ).
     *
     * @param sigma the bandwidth σ, positive and finite
     * @return the Laplacian kernel
     * @throws IllegalArgumentException if σ is not positive and finite
     */
    static MmdKernel laplacian(double sigma) {
        return new Laplacian(sigma);
    }

    /**
     * Parses {@code energy}, {@code gaussian:<sigma>} or {@code laplacian:<sigma>}.
     *
     * @param s the spelling (case and surrounding blanks ignored)
     * @return the kernel
     * @throws IllegalArgumentException if {@code s} names no kernel or has a bad bandwidth
     */
    static MmdKernel parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("energy")) {
            return energy();
        }
        int colon = t.indexOf(':');
        if (colon > 0) {
            String name = t.substring(0, colon);
            double sigma;
            try {
                sigma = Double.parseDouble(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("kernel bandwidth must be a number, got '" + s + "'");
            }
            if (name.equals("gaussian")) {
                return gaussian(sigma);
            }
            if (name.equals("laplacian")) {
                return laplacian(sigma);
            }
        }
        throw new IllegalArgumentException("kernel must be energy, gaussian:<sigma> or laplacian:<sigma>, got '" + s + "'");
    }

    private static double checkSigma(double sigma) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("kernel bandwidth sigma must be positive and finite, got " + sigma);
        }
        return sigma;
    }

    /**
     * k for two points at squared distance s.
     *
     * @param s the squared distance |x − y|²
     * @return k(x, y)
     */
    double value(double s);

    /**
     * ψ with ∇_x k(x, y) = ψ·(x − y), for two points at squared distance s (0 where x = y and k has a kink).
     *
     * @param s the squared distance |x − y|²
     * @return the factor ψ
     */
    double gradientFactor(double s);

    /**
     * The command line's spelling.
     *
     * @return {@code energy}, {@code gaussian:<sigma>} or {@code laplacian:<sigma>}
     */
    String label();

    /** −|x − y|. */
    record Energy() implements MmdKernel {
        @Override
        public double value(double s) {
            return -Math.sqrt(s);
        }

        @Override
        public double gradientFactor(double s) {
            return s > 0 ? -1.0 / Math.sqrt(s) : 0.0;
        }

        @Override
        public String label() {
            return "energy";
        }
    }

    /**
     * exp(−|x − y|²/(2σ²)).
     *
     * @param sigma the bandwidth σ
     */
    record Gaussian(double sigma) implements MmdKernel {
        /** Checks σ: positive, finite, and large enough that 1/(2σ²) is finite. */
        public Gaussian {
            checkSigma(sigma);
            if (!Double.isFinite(1 / (2 * sigma * sigma))) {
                throw new IllegalArgumentException("kernel bandwidth sigma = " + sigma + " is too small: 1/(2 sigma^2) overflows f64");
            }
        }

        @Override
        public double value(double s) {
            return Math.exp(-s / (2 * sigma * sigma));
        }

        @Override
        public double gradientFactor(double s) {
            return -value(s) / (sigma * sigma);
        }

        @Override
        public String label() {
            return "gaussian:" + sigma;
        }
    }

    /**
     * exp(−|x − y|/σ).
     *
     * @param sigma the bandwidth σ
     */
    record Laplacian(double sigma) implements MmdKernel {
        /** Checks σ: positive and finite. */
        public Laplacian {
            checkSigma(sigma);
        }

        @Override
        public double value(double s) {
            return Math.exp(-Math.sqrt(s) / sigma);
        }

        @Override
        public double gradientFactor(double s) {
            return s > 0 ? -value(s) / (sigma * Math.sqrt(s)) : 0.0;
        }

        @Override
        public String label() {
            return "laplacian:" + sigma;
        }
    }
}
