package dev.jot.barycenter;

import dev.jot.data.Precision;
import java.util.Locale;

/**
 * The outcome of a fixed-support barycenter ({@link FixedSupport}). Immutable: the arrays returned are copies.
 *
 * <p>The final plans P_k (one per input histogram h_k) have the barycenter as their column marginal (every
 * iteration ends with that projection); {@link #marginalErrors()} are their row errors ‖P_k·1 − h_k‖₁, the
 * quantity the tolerance applies to (their largest must be at most the tolerance for {@link #converged()}).
 */
public final class FixedSupportResult {
    private final double[] barycenter;
    private final int iterations;
    private final boolean converged;
    private final double value;
    private final double[] values;
    private final double[] marginalErrors;
    private final double epsilon;
    private final boolean debiased;
    private final Precision precision;
    private final double millis;

    FixedSupportResult(double[] barycenter, int iterations, boolean converged, double value, double[] values,
                       double[] marginalErrors, double epsilon, boolean debiased, Precision precision, double millis) {
        this.barycenter = barycenter;
        this.iterations = iterations;
        this.converged = converged;
        this.value = value;
        this.values = values;
        this.marginalErrors = marginalErrors;
        this.epsilon = epsilon;
        this.debiased = debiased;
        this.precision = precision;
        this.millis = millis;
    }

    /** {@return the barycenter, n masses (a copy); its total is 1 up to the marginal errors} */
    public double[] barycenter() {
        return barycenter.clone();
    }

    /** {@return the number of full iterations (k row projections, the barycenter, k column projections)} */
    public int iterations() {
        return iterations;
    }

    /** {@return whether the largest of {@link #marginalErrors()} is at most the tolerance} */
    public boolean converged() {
        return converged;
    }

    /**
     * Σ_k w_k OT_ε(b, h_k) at the final plans: each term ⟨P_k, C⟩ + ε·KL(P_k‖h_k⊗b) (the generalised KL, with
     * its mass terms), in JOT's convention; on a grid ({@link Convolutional}) each term is the dual value of the
     * final potentials, which equals it at convergence.
     *
     * @return the weighted sum of the entropic transport costs
     */
    public double value() {
        return value;
    }

    /** {@return the k terms OT_ε(b, h_k) of {@link #value()}, unweighted (a copy)} */
    public double[] values() {
        return values.clone();
    }

    /** {@return the k row errors ‖P_k·1 − h_k‖₁ of the final plans (a copy)} */
    public double[] marginalErrors() {
        return marginalErrors.clone();
    }

    /** {@return the largest of {@link #marginalErrors()}} */
    public double marginalError() {
        double m = 0;
        for (double e : marginalErrors) {
            m = Math.max(m, e);
        }
        return m;
    }

    /** {@return ε, the regularisation} */
    public double epsilon() {
        return epsilon;
    }

    /** {@return whether this is the debiased barycenter (Janati et al. 2020)} */
    public boolean debiased() {
        return debiased;
    }

    /** {@return the precision of the stored costs and of the sweeps' inputs} */
    public Precision precision() {
        return precision;
    }

    /** {@return the solver's wall time in milliseconds} */
    public double millis() {
        return millis;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "FixedSupportResult[n=%d, k=%d, epsilon=%s, debiased=%s, iterations=%d, converged=%s, value=%.10g, marginalError=%.3g]",
                barycenter.length, values.length, epsilon, debiased, iterations, converged, value, marginalError());
    }
}
