package dev.jot.divergence;

import java.util.Locale;

/**
 * The value of a loss between two measures, how it was reached, and (when asked for) its gradients.
 * Immutable: arrays are copied in and out. Gradients with respect to positions are row-major n × d and
 * m × d; with respect to weights they are projected to mean zero (the tangent space of the simplex).
 */
public final class DivergenceResult {
    private final Loss loss;
    private final double value;
    private final double[] terms;
    private final boolean converged;
    private final String status;
    private final int iterations;
    private final double[] gradX;
    private final double[] gradY;
    private final double[] gradA;
    private final double[] gradB;
    private final double millis;

    DivergenceResult(Loss loss, double value, double[] terms, boolean converged, String status, int iterations,
                     double[] gradX, double[] gradY, double[] gradA, double[] gradB, double millis) {
        this.loss = loss;
        this.value = value;
        this.terms = terms.clone();
        this.converged = converged;
        this.status = status;
        this.iterations = iterations;
        this.gradX = gradX == null ? null : gradX.clone();
        this.gradY = gradY == null ? null : gradY.clone();
        this.gradA = gradA == null ? null : gradA.clone();
        this.gradB = gradB == null ? null : gradB.clone();
        this.millis = millis;
    }

    /** {@return which loss this is} */
    public Loss loss() {
        return loss;
    }

    /** {@return the loss} NaN only with {@code converged() == false} and a status that says why. */
    public double value() {
        return value;
    }

    /**
     * The three terms the value is made of: (α, β), (α, α), (β, β) — OT_ε values for {@link Loss#DEBIASED},
     * W_ε = ⟨P, C⟩ for {@link Loss#GENEVAY}, ⟨·⊗·, k⟩ for {@link Loss#MMD}.
     *
     * @return the three terms, a copy
     */
    public double[] terms() {
        return terms.clone();
    }

    /** {@return whether every solve behind the value reached its tolerance} Always true for MMD. */
    public boolean converged() {
        return converged;
    }

    /** {@return what happened, in words} */
    public String status() {
        return status;
    }

    /** {@return the largest iteration count of the solves behind the value} 0 for MMD. */
    public int iterations() {
        return iterations;
    }

    /** {@return ∂value/∂x, n × d row-major, or null if not computed} */
    public double[] gradX() {
        return gradX == null ? null : gradX.clone();
    }

    /** {@return ∂value/∂y, m × d row-major, or null if not computed} */
    public double[] gradY() {
        return gradY == null ? null : gradY.clone();
    }

    /** {@return ∂value/∂a projected to mean zero, or null if not computed} */
    public double[] gradA() {
        return gradA == null ? null : gradA.clone();
    }

    /** {@return ∂value/∂b projected to mean zero, or null if not computed} */
    public double[] gradB() {
        return gradB == null ? null : gradB.clone();
    }

    /** {@return the wall time of the whole computation, in milliseconds} */
    public double millis() {
        return millis;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s = %.10g (%s)", loss.label(), value, status);
    }
}
