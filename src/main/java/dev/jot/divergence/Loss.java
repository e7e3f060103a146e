package dev.jot.divergence;

import java.util.Locale;

/**
 * Which loss between two measures α = Σ a_i δ_{x_i} and β = Σ b_j δ_{y_j}; ε multiplies the relative
 * entropy KL(P | a ⊗ b), and c is the ground cost (|x − y|², not halved, by default).
 */
public enum Loss {
    /**
     * The debiased Sinkhorn divergence of GeomLoss and OTT-JAX on the regularised objective:
     * S_ε(α, β) = OT_ε(α, β) − ½·OT_ε(α, α) − ½·OT_ε(β, β), with
     * OT_ε = min_P ⟨P, C⟩ + ε·KL(P | a ⊗ b) = ⟨a, f⟩ + ⟨b, g⟩ at the optimum. It is ≥ 0, 0 iff α = β,
     * tends to OT_0 as ε → 0 and to ½·MMD²_{−c}(α, β) = ⟨α ⊗ β, C⟩ − ½⟨α ⊗ α, C⟩ − ½⟨β ⊗ β, C⟩ as ε → ∞
     * (for |x − y|², to |mean(α) − mean(β)|²). With GeomLoss's halved cost and ε = blur^p, GeomLoss's
     * value is ½ of this one for the squared Euclidean cost and ε = 2·blur².
     */
    DEBIASED,
    /**
     * The loss of Genevay, Peyré and Cuturi (2018) on the transport cost of the entropic plan:
     * Ĝ_ε(α, β) = 2·W_ε(α, β) − W_ε(α, α) − W_ε(β, β), W_ε = ⟨P_ε, C⟩ (the {@code cost} of a solve, not
     * its objective). As the paper's Theorem 1 states, it tends to 2·OT_0 as ε → 0 and to MMD²_{−c}(α, β)
     * as ε → ∞: twice the limits of {@link #DEBIASED} at both ends.
     */
    GENEVAY,
    /** A kernel norm, MMD²_k(α, β)/2 with the kernel given separately (see {@link MmdKernel}). */
    MMD,
    /** OT_ε(α, β) alone (biased: not 0 when α = β), as returned by {@link Divergences#transport}. */
    TRANSPORT;

    /**
     * Parses {@code debiased} (or {@code sinkhorn}), {@code genevay}, {@code mmd} or {@code transport} (or {@code ot}).
     *
     * @param s the spelling (case and surrounding blanks ignored)
     * @return the loss
     * @throws IllegalArgumentException if {@code s} names no loss
     */
    public static Loss parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "debiased", "sinkhorn" -> DEBIASED;
            case "genevay" -> GENEVAY;
            case "mmd" -> MMD;
            case "transport", "ot" -> TRANSPORT;
            default -> throw new IllegalArgumentException("loss must be debiased, genevay, mmd or transport, got '" + s + "'");
        };
    }

    /**
     * The command line's spelling.
     *
     * @return the name in lower case: {@code debiased}, {@code genevay}, {@code mmd} or {@code transport}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
