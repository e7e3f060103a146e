package dev.jot.sinkhorn;

import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.geometry.Geometry;

/**
 * The outcome of an entropic solve (balanced, or unbalanced with {@link SinkhornOptions#withRho}): the dual
 * potentials f and g, and everything computed from them. Immutable; array accessors return copies.
 *
 * <p>The plan is P_ij = a_i·b_j·exp((f_i + g_j − C_ij)/ε). It is never stored: {@link #plan()} forms it on
 * request, and {@link #applyPlan} / {@link #applyPlanTransposed} multiply by it without forming it.
 */
public final class SinkhornResult {
    private final Geometry geometry;
    private final double[] a;
    private final double[] b;
    private final double[] f;
    private final double[] g;
    private final double epsilon;
    private final double cost;
    private final double objective;
    private final double dualObjective;
    private final double marginalErrorA;
    private final double marginalErrorB;
    private final int iterations;
    private final boolean converged;
    private final String status;
    private final long solveNanos;
    private final String kernels;
    private final int threads;
    private final double[] annealEpsilons;
    private final int[] annealIterations;
    private final String backend;
    private final String device;
    private final String sweeps;
    private final int absorptions;
    private final double omega;
    private final int fallbacks;
    private final double mass;
    private final double rhoA;
    private final double rhoB;
    private final double potentialChange;

    SinkhornResult(Geometry geometry, double[] a, double[] b, double[] f, double[] g, double epsilon,
                   double cost, double objective, double dualObjective, double marginalErrorA, double marginalErrorB,
                   int iterations, boolean converged, String status, long solveNanos, String kernels, int threads,
                   double[] annealEpsilons, int[] annealIterations, String backend, String device,
                   double mass, double rhoA, double rhoB, double potentialChange) {
        this.mass = mass;
        this.rhoA = rhoA;
        this.rhoB = rhoB;
        this.potentialChange = potentialChange;
        this.backend = backend;
        this.device = device;
        this.annealEpsilons = annealEpsilons;
        this.annealIterations = annealIterations;
        this.geometry = geometry;
        this.a = a;
        this.b = b;
        this.f = f;
        this.g = g;
        this.epsilon = epsilon;
        this.cost = cost;
        this.objective = objective;
        this.dualObjective = dualObjective;
        this.marginalErrorA = marginalErrorA;
        this.marginalErrorB = marginalErrorB;
        this.iterations = iterations;
        this.converged = converged;
        this.status = status;
        this.solveNanos = solveNanos;
        this.kernels = kernels;
        this.threads = threads;
        this.sweeps = "log";
        this.absorptions = 0;
        this.fallbacks = 0;
        this.omega = 1;
    }

    /** A copy of {@code r} that records how its sweeps ran (see {@link SinkhornOptions#withSweeps}). */
    SinkhornResult(SinkhornResult r, String sweeps, int absorptions, int fallbacks, double omega) {
        this.geometry = r.geometry;
        this.a = r.a;
        this.b = r.b;
        this.f = r.f;
        this.g = r.g;
        this.epsilon = r.epsilon;
        this.cost = r.cost;
        this.objective = r.objective;
        this.dualObjective = r.dualObjective;
        this.marginalErrorA = r.marginalErrorA;
        this.marginalErrorB = r.marginalErrorB;
        this.iterations = r.iterations;
        this.converged = r.converged;
        this.status = r.status;
        this.solveNanos = r.solveNanos;
        this.kernels = r.kernels;
        this.threads = r.threads;
        this.annealEpsilons = r.annealEpsilons;
        this.annealIterations = r.annealIterations;
        this.backend = r.backend;
        this.device = r.device;
        this.sweeps = sweeps;
        this.absorptions = absorptions;
        this.fallbacks = fallbacks;
        this.omega = omega;
        this.mass = r.mass;
        this.rhoA = r.rhoA;
        this.rhoB = r.rhoB;
        this.potentialChange = r.potentialChange;
    }

    /** {@return the plan's total mass Σ_ij P_ij (m(a) for balanced transport; it may differ when unbalanced)} */
    public double mass() {
        return mass;
    }

    /** {@return ρ_a, the source marginal's penalty ({@code Infinity}: a hard constraint, balanced or semi-relaxed)} */
    public double rhoA() {
        return rhoA;
    }

    /** {@return ρ_b, the target marginal's penalty ({@code Infinity}: a hard constraint)} */
    public double rhoB() {
        return rhoB;
    }

    /** {@return whether a marginal penalty is finite (the problem is unbalanced or semi-relaxed)} */
    public boolean unbalanced() {
        return rhoA != Double.POSITIVE_INFINITY || rhoB != Double.POSITIVE_INFINITY;
    }

    /**
     * The unbalanced stopping quantity max_i |f'_i − f_i|/ε (over rows of positive weight), f' the f update of
     * the current g: what the tolerance applies to when {@link #unbalanced()}. NaN for balanced results.
     *
     * @return the potentials' change over one more f update, in units of ε
     */
    public double potentialChange() {
        return potentialChange;
    }

    /**
     * {@return how the iterations swept the costs: {@code log}, {@code kernel} (stored-kernel iterations,
     * then the log-domain result), or {@code kernel+log} (some iterations went back to the log domain)}
     */
    public String sweeps() {
        return sweeps;
    }

    /** {@return how many times the kernel sweeps absorbed their scalings into the potentials (each rebuilds the kernel)} */
    public int absorptions() {
        return absorptions;
    }

    /**
     * {@return the largest over-relaxation ω the iterations used (see {@link SinkhornOptions#withOverRelaxation}); 1 when
     * every iteration was plain}
     */
    public double omega() {
        return omega;
    }

    /** {@return how many kernel iterations were redone in the log domain because sums underflowed} */
    public int fallbacks() {
        return fallbacks;
    }

    /** {@return the number of source points (rows of the plan)} */
    public int n() {
        return f.length;
    }

    /** {@return the number of target points (columns of the plan)} */
    public int m() {
        return g.length;
    }

    /** {@return the regularisation ε} */
    public double epsilon() {
        return epsilon;
    }

    /** {@return the source potential f (length n)} */
    public double[] f() {
        return f.clone();
    }

    /** {@return the target potential g (length m)} */
    public double[] g() {
        return g.clone();
    }

    /** {@return the transport cost ⟨P, C⟩ of the plan found} */
    public double cost() {
        return cost;
    }

    /**
     * The regularised objective ⟨P, C⟩ + ε·KL(P‖a⊗b) of the plan found, with KL(P‖Q) = Σ P·log(P/Q).
     * Unbalanced: ⟨P, C⟩ + ε·KL(P‖a⊗b) + ρ_a·KL(P·1‖a) + ρ_b·KL(Pᵀ·1‖b) with the generalized KL
     * (KL(p‖q) = Σ p·log(p/q) − Σ p + Σ q), an infinite ρ's term left out (its marginal is then the constraint).
     * At convergence it equals {@link #dualObjective()}.
     *
     * @return the primal objective
     */
    public double objective() {
        return objective;
    }

    /**
     * The dual objective: ⟨a, f⟩ + ⟨b, g⟩; unbalanced, −ρ_a⟨a, e^{−f/ρ_a} − 1⟩ − ρ_b⟨b, e^{−g/ρ_b} − 1⟩
     * − ε(m(P) − m(a)·m(b)), with ⟨a, f⟩ in place of the first term when ρ_a is infinite (and ⟨b, g⟩ likewise).
     *
     * @return the dual objective
     */
    public double dualObjective() {
        return dualObjective;
    }

    /** {@return ‖P·1 − a‖₁, the error on the source marginal (the quantity the tolerance applies to)} */
    public double marginalErrorA() {
        return marginalErrorA;
    }

    /** {@return ‖Pᵀ·1 − b‖₁, the error on the target marginal} At rounding level: every iteration ends with a g update. */
    public double marginalErrorB() {
        return marginalErrorB;
    }

    /** {@return the marginal error the tolerance applies to: ‖P·1 − a‖₁ (see {@link #marginalErrorA()})} */
    public double marginalError() {
        return marginalErrorA;
    }

    /** {@return the number of full iterations (f update then g update) behind these potentials} */
    public int iterations() {
        return iterations;
    }

    /** {@return whether ‖P·1 − a‖₁ (unbalanced: {@link #potentialChange()}) reached the tolerance} */
    public boolean converged() {
        return converged;
    }

    /** {@return a short explanation: why the solver stopped, and what to do if it did not converge} */
    public String status() {
        return status;
    }

    /** {@return the solver's own wall time in milliseconds (building the costs included, reading files not)} */
    public double solveMillis() {
        return solveNanos / 1e6;
    }

    /** {@return the kernels that ran ({@code scalar} or {@code vector}; on an accelerator, the backend's name)} */
    public String kernels() {
        return kernels;
    }

    /** {@return where the sweeps ran: {@code cpu}, {@code opencl} or {@code tornado}} */
    public String backend() {
        return backend;
    }

    /** {@return the device that ran the sweeps, as its driver names it ({@code cpu} for the CPU backend)} */
    public String device() {
        return device;
    }

    /**
     * The ε of each stage of an ε-annealing schedule, the last one the target; empty without annealing.
     *
     * @return the stages' ε, largest first (a copy)
     */
    public double[] annealEpsilons() {
        return annealEpsilons.clone();
    }

    /** {@return the iterations spent at each ε of {@link #annealEpsilons()}} They add up to {@link #iterations()}. */
    public int[] annealIterations() {
        return annealIterations.clone();
    }

    /** {@return the number of threads the sweeps used} */
    public int threads() {
        return threads;
    }

    /** {@return the precision of the kernels} */
    public Precision precision() {
        return geometry.precision();
    }

    private double logA(int i) {
        return Math.log(a[i]);
    }

    /**
     * Entry P_ij of the plan.
     *
     * @param i the row (source point), 0 ≤ i &lt; n
     * @param j the column (target point), 0 ≤ j &lt; m
     * @return P_ij = a_i·b_j·exp((f_i + g_j − C_ij)/ε)
     */
    public double plan(int i, int j) {
        return Math.exp(logA(i) + Math.log(b[j]) + (f[i] + g[j] - geometry.cost(i, j)) / epsilon);
    }

    /** {@return the dense n × m plan, in f64} Memory n·m·8 bytes: prefer {@link #applyPlan} for large problems. */
    public NdArray plan() {
        int n = n(), m = m();
        double[] p = new double[Math.multiplyExact(n, m)];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                p[i * m + j] = plan(i, j);
            }
        }
        return NdArray.of(p, n, m);
    }

    /**
     * P·v for a vector v of length m, without forming P.
     *
     * @param v the vector, length m
     * @return P·v, length n
     * @throws IllegalArgumentException if {@code v} does not have length m
     */
    public double[] applyPlan(double[] v) {
        if (v.length != m()) {
            throw new IllegalArgumentException("v must have length m = " + m() + ", got " + v.length);
        }
        double[] out = new double[n()];
        for (int i = 0; i < n(); i++) {
            double s = 0;
            for (int j = 0; j < m(); j++) {
                s += plan(i, j) * v[j];
            }
            out[i] = s;
        }
        return out;
    }

    /**
     * Pᵀ·u for a vector u of length n, without forming P.
     *
     * @param u the vector, length n
     * @return Pᵀ·u, length m
     * @throws IllegalArgumentException if {@code u} does not have length n
     */
    public double[] applyPlanTransposed(double[] u) {
        if (u.length != n()) {
            throw new IllegalArgumentException("u must have length n = " + n() + ", got " + u.length);
        }
        double[] out = new double[m()];
        for (int i = 0; i < n(); i++) {
            for (int j = 0; j < m(); j++) {
                out[j] += plan(i, j) * u[i];
            }
        }
        return out;
    }

    /**
     * P·V for an m × k matrix V (row-major), without forming P: for example the barycentric projection
     * of the target points when V = y and the result is divided by a.
     *
     * @param v the matrix V, m × k row-major
     * @param k the number of columns of V, at least 1
     * @return P·V, n × k row-major
     * @throws IllegalArgumentException if {@code v} does not hold m × k values
     */
    public double[] applyPlan(double[] v, int k) {
        if (k < 1 || (long) m() * k != v.length) {
            throw new IllegalArgumentException("V must be m x k = " + m() + " x " + k + ", got " + v.length + " values");
        }
        double[] out = new double[n() * k];
        for (int i = 0; i < n(); i++) {
            for (int j = 0; j < m(); j++) {
                double p = plan(i, j);
                for (int c = 0; c < k; c++) {
                    out[i * k + c] += p * v[j * k + c];
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "SinkhornResult[n=" + n() + ", m=" + m() + ", epsilon=" + epsilon + ", cost=" + cost
                + ", objective=" + objective + ", iterations=" + iterations + ", marginalError=" + marginalError()
                + ", converged=" + converged + "]";
    }
}
