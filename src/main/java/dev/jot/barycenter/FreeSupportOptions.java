package dev.jot.barycenter;

import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Objects;

/**
 * Options of a free-support barycenter ({@link FreeSupport}): exact plans (network simplex) or entropic ones
 * (Sinkhorn, with its own options), the outer iteration limit, the tolerance on the change of the support, and
 * the seed of the default initial support. Immutable: every {@code with…} method returns a copy.
 *
 * <p>Defaults: at most 100 outer iterations, tolerance 1e-7, seed 0.
 */
public final class FreeSupportOptions {
    private final SinkhornOptions sinkhorn;
    private final int maxIterations;
    private final double tolerance;
    private final long seed;

    private FreeSupportOptions(SinkhornOptions sinkhorn, int maxIterations, double tolerance, long seed) {
        this.sinkhorn = sinkhorn;
        this.maxIterations = maxIterations;
        this.tolerance = tolerance;
        this.seed = seed;
    }

    /** {@return options for exact plans (the network simplex, as POT's {@code ot.lp.free_support_barycenter})} */
    public static FreeSupportOptions exact() {
        return new FreeSupportOptions(null, 100, 1e-7, 0);
    }

    /**
     * Options for entropic plans (POT's {@code ot.bregman.free_support_sinkhorn_barycenter}), each a Sinkhorn solve
     * with the given options (their ε, precision, tolerance, iteration limit, threads).
     *
     * @param sinkhorn the inner solves' options
     * @return the options
     */
    public static FreeSupportOptions entropic(SinkhornOptions sinkhorn) {
        return new FreeSupportOptions(Objects.requireNonNull(sinkhorn, "sinkhorn"), 100, 1e-7, 0);
    }

    /**
     * At most {@code maxIterations} outer iterations (each solves k transport problems and moves the support).
     *
     * @param maxIterations the limit, at least 1
     * @return a copy with that limit
     * @throws IllegalArgumentException if it is below 1
     */
    public FreeSupportOptions withMaxIterations(int maxIterations) {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be at least 1, got " + maxIterations);
        }
        return new FreeSupportOptions(sinkhorn, maxIterations, tolerance, seed);
    }

    /**
     * Stop when the support moves by at most {@code tolerance} in an iteration: the change is
     * (Σ_i b_i |X_i − X_i'|²)^½, the root mean square displacement under the barycenter's weights. 0 runs exactly
     * the iteration limit.
     *
     * @param tolerance non-negative and finite
     * @return a copy with that tolerance
     * @throws IllegalArgumentException if it is negative or not finite
     */
    public FreeSupportOptions withTolerance(double tolerance) {
        if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be non-negative and finite, got " + tolerance);
        }
        return new FreeSupportOptions(sinkhorn, maxIterations, tolerance, seed);
    }

    /**
     * The seed of the default initial support (K points drawn from the input clouds, a cloud with probability w_k,
     * then a point with its weight).
     *
     * @param seed any value
     * @return a copy with that seed
     */
    public FreeSupportOptions withSeed(long seed) {
        return new FreeSupportOptions(sinkhorn, maxIterations, tolerance, seed);
    }

    /** {@return whether the plans are exact} */
    public boolean exactPlans() {
        return sinkhorn == null;
    }

    /** {@return the inner Sinkhorn options, or null for exact plans} */
    public SinkhornOptions sinkhorn() {
        return sinkhorn;
    }

    /** {@return the outer iteration limit} */
    public int maxIterations() {
        return maxIterations;
    }

    /** {@return the tolerance on the support's change} */
    public double tolerance() {
        return tolerance;
    }

    /** {@return the seed of the default initial support} */
    public long seed() {
        return seed;
    }

    @Override
    public String toString() {
        return "FreeSupportOptions[" + (sinkhorn == null ? "exact" : "epsilon=" + sinkhorn.epsilon()) + ", maxIterations="
                + maxIterations + ", tolerance=" + tolerance + ", seed=" + seed + "]";
    }
}
