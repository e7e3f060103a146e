package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import dev.jot.kernel.Kernels;
import dev.jot.kernel.SinkhornKernels;
import java.util.Objects;

/**
 * Options of an entropic solve (balanced by default; unbalanced with {@link #withRho}). Immutable: every {@code with…} method returns a copy.
 *
 * <p>Defaults: at most {@value #DEFAULT_MAX_ITERATIONS} iterations, tolerance 1e-6 on the L1 marginal error ‖P·1 − a‖₁ checked
 * every iteration, f32 kernels, all available processors, the kernels chosen at start-up.
 */
public final class SinkhornOptions {
    /**
     * The default iteration limit. A solve stops on the tolerance long before it in the common cases; it is there
     * for small ε (at ε = 0.002 on 2000 uniform points in the unit square, 1068 iterations reach 1e-6) and slowly
     * converging unbalanced problems, and a solve that reaches it says so ({@code converged} false, and why).
     */
    public static final int DEFAULT_MAX_ITERATIONS = 10_000;

    private final double epsilon;
    private final int maxIterations;
    private final double tolerance;
    private final int checkEvery;
    private final Precision precision;
    private final int threads;
    private final SinkhornKernels kernels;
    private final Boolean matrixFree;
    private final double annealFactor;
    private final String backend;
    private final String sweeps;
    private final double rhoA;
    private final double rhoB;
    private final boolean translationInvariant;
    private final boolean overRelaxation;

    private SinkhornOptions(double epsilon, int maxIterations, double tolerance, int checkEvery,
                            Precision precision, int threads, SinkhornKernels kernels, Boolean matrixFree,
                            double annealFactor, String backend, String sweeps, double rhoA, double rhoB,
                            boolean translationInvariant, boolean overRelaxation) {
        this.translationInvariant = translationInvariant;
        this.overRelaxation = overRelaxation;
        this.rhoA = rhoA;
        this.rhoB = rhoB;
        this.backend = backend;
        this.sweeps = sweeps;
        this.matrixFree = matrixFree;
        this.annealFactor = annealFactor;
        this.epsilon = epsilon;
        this.maxIterations = maxIterations;
        this.tolerance = tolerance;
        this.checkEvery = checkEvery;
        this.precision = precision;
        this.threads = threads;
        this.kernels = kernels;
    }

    /**
     * Options with the given regularisation ε (the weight of KL(P‖a⊗b), in the units of the cost) and
     * the defaults for everything else.
     *
     * @param epsilon ε, positive and finite (POT's {@code reg})
     * @return the options
     * @throws IllegalArgumentException if ε is not positive and finite
     */
    public static SinkhornOptions epsilon(double epsilon) {
        return new SinkhornOptions(checkEpsilon(epsilon), DEFAULT_MAX_ITERATIONS, 1e-6, 1, Precision.F32,
                Runtime.getRuntime().availableProcessors(), null, null, 0, null, "auto",
                Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, false, true);
    }

    private static double checkEpsilon(double epsilon) {
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
        }
        return epsilon;
    }

    /**
     * The same options with another ε.
     *
     * @param epsilon ε, positive and finite (POT's {@code reg})
     * @return a copy with that ε
     * @throws IllegalArgumentException if ε is not positive and finite
     */
    public SinkhornOptions withEpsilon(double epsilon) {
        return new SinkhornOptions(checkEpsilon(epsilon), maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree, annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * At most {@code maxIterations} iterations (each updates f, then g); at least 1.
     *
     * @param maxIterations the iteration limit
     * @return a copy with that limit
     * @throws IllegalArgumentException if {@code maxIterations} is below 1
     */
    public SinkhornOptions withMaxIterations(int maxIterations) {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be at least 1, got " + maxIterations);
        }
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree, annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * Stop when the L1 marginal error ‖P·1 − a‖₁ is at most {@code tolerance} (unbalanced, see {@link #withRho}: when
     * the potentials' change max_i |f'_i − f_i|/ε is); 0 runs exactly {@link #maxIterations()} iterations.
     *
     * @param tolerance the tolerance on the L1 marginal error, non-negative and finite
     * @return a copy with that tolerance
     * @throws IllegalArgumentException if the tolerance is negative or not finite
     */
    public SinkhornOptions withTolerance(double tolerance) {
        if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be non-negative and finite, got " + tolerance);
        }
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree, annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * Check the marginal error every {@code k} iterations (at least 1).
     *
     * @param k the number of iterations between checks
     * @return a copy that checks every {@code k} iterations
     * @throws IllegalArgumentException if {@code k} is below 1
     */
    public SinkhornOptions withCheckEvery(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("checkEvery must be at least 1, got " + k);
        }
        return new SinkhornOptions(epsilon, maxIterations, tolerance, k, precision, threads, kernels, matrixFree, annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * Precision of the cost tiles and of the kernels' arithmetic (potentials are always kept in f64).
     *
     * @param precision f32 or f64
     * @return a copy with that precision
     */
    public SinkhornOptions withPrecision(Precision precision) {
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery,
                Objects.requireNonNull(precision, "precision"), threads, kernels, matrixFree, annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * Number of threads the sweeps use (at least 1). Results do not depend on it.
     *
     * @param threads the number of threads
     * @return a copy with that number of threads
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    public SinkhornOptions withThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree, annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * Use these kernels instead of the ones chosen at start-up.
     *
     * @param kernels the kernels
     * @return a copy with those kernels
     */
    public SinkhornOptions withKernels(SinkhornKernels kernels) {
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads,
                Objects.requireNonNull(kernels, "kernels"), matrixFree, annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * For point clouds: {@code true} computes costs tile by tile from the coordinates (memory
     * O((n + m)·d)), {@code false} stores the cost matrix (2·n·m elements). By default JOT stores it when
     * that takes at most 1 GiB.
     *
     * @param matrixFree whether to compute the costs from the coordinates instead of storing them
     * @return a copy with that choice (overriding the default's size rule)
     */
    public SinkhornOptions withMatrixFree(boolean matrixFree) {
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree, annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * ε-annealing (ε-scaling), as GeomLoss does: start at the largest cost (about the squared diameter of
     * the data for the squared Euclidean cost), multiply ε by {@code factor} (0 &lt; factor &lt; 1; 0.5 is
     * the usual choice) down to the target, keeping the potentials from one ε to the next. Intermediate
     * stages stop at a marginal error of √tolerance (or 100 iterations); the last one runs to the
     * tolerance. 0 turns annealing off (the default).
     *
     * @param factor the factor on ε between stages, in (0, 1), or 0 for no annealing
     * @return a copy with that factor
     * @throws IllegalArgumentException if the factor is neither 0 nor in (0, 1)
     */
    public SinkhornOptions withAnnealing(double factor) {
        if (!(factor == 0 || (factor > 0 && factor < 1))) {
            throw new IllegalArgumentException("annealing factor must be in (0, 1), or 0 for none, got " + factor);
        }
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree, factor, backend, sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * Where the sweeps run: {@code cpu} (the default), {@code opencl} (the OpenCL device found at run time:
     * costs or points, weights and potentials stay on the device for the whole solve) or {@code tornado}
     * (builds with a TornadoVM SDK). {@link Sinkhorn#solve}, {@link Sinkhorn#solveBatch} and
     * {@link Sinkhorn#solveAll} honour it; the other solvers (symmetric, divergences, the iterator) run on
     * the CPU. The system property {@code jot.backend} gives the default.
     *
     * @param backend {@code cpu}, {@code opencl} or {@code tornado}
     * @return a copy with that backend
     * @throws IllegalArgumentException for an unknown name
     */
    public SinkhornOptions withBackend(String backend) {
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree,
                annealFactor, dev.jot.kernel.Accelerators.normalize(Objects.requireNonNull(backend, "backend")), sweeps, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * How a solve on a stored cost matrix sweeps it: {@code log} (log-sum-exp sweeps, one exponential per
     * cost entry and iteration), {@code kernel} (Schmitzer's stabilized scaling: the Gibbs kernel at absorbed
     * potentials is stored once, each iteration is one pass of products over it, the scalings are absorbed
     * into the potentials when they leave a safe range, and a row or column whose sums underflow sends the
     * iteration back to the log domain; see {@code KernelLoop}; a shared-cost batch stores one kernel for all
     * its problems and runs its iterations as matrix-matrix products, see {@code BatchKernelLoop}) or
     * {@code auto} (the default: kernel sweeps where they apply and pay, a single solve or a batch on the CPU
     * over a stored matrix of at least 2^16 entries in all). A single solve's result is computed from the
     * final potentials by the log-domain sweeps, a batch's from kernel products at those potentials, and a
     * solve whose kernel iterations stop short of the tolerance goes on in the log domain. Unbalanced problems
     * ({@link #withRho}) take the same choice and run the damped updates in the absorbed form. Matrix-free costs,
     * annealing stages above the target ε, and the devices use the log domain.
     *
     * @param sweeps {@code log}, {@code kernel} or {@code auto}
     * @return a copy with that choice
     * @throws IllegalArgumentException for another name
     */
    public SinkhornOptions withSweeps(String sweeps) {
        String s = Objects.requireNonNull(sweeps, "sweeps").trim().toLowerCase(java.util.Locale.ROOT);
        if (!s.equals("log") && !s.equals("kernel") && !s.equals("auto")) {
            throw new IllegalArgumentException("sweeps must be log, kernel or auto, got '" + sweeps + "'");
        }
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree,
                annealFactor, backend, s, rhoA, rhoB, translationInvariant, overRelaxation);
    }

    /**
     * Unbalanced transport with the same marginal penalty on both sides: see {@link #withRho(double, double)}.
     *
     * @param rho ρ for both marginals, positive ({@code Double.POSITIVE_INFINITY}: balanced)
     * @return a copy with ρ_a = ρ_b = ρ
     * @throws IllegalArgumentException if ρ is not positive (or is NaN)
     */
    public SinkhornOptions withRho(double rho) {
        return withRho(rho, rho);
    }

    /**
     * Unbalanced transport: the marginal constraints P·1 = a and Pᵀ·1 = b become the penalties
     * ρ_a·KL(P·1‖a) + ρ_b·KL(Pᵀ·1‖b) (generalized KL, KL(p‖q) = Σ p·log(p/q) − Σ p + Σ q), so the problem is
     * min ⟨P, C⟩ + ε·KL(P‖a⊗b) + ρ_a·KL(P·1‖a) + ρ_b·KL(Pᵀ·1‖b), and the masses of a and b may differ.
     * {@code Double.POSITIVE_INFINITY} on a side keeps its hard constraint (one infinite side: semi-relaxed
     * transport; both: the balanced problem, bit for bit the default). Each update is the balanced one damped
     * by τ = ρ/(ρ + ε) (POT's {@code reg_m} = ρ with {@code reg_type='kl'}; OTT's {@code tau_a}; GeomLoss's
     * {@code reach^p}). With a finite ρ the tolerance applies to the potentials' change
     * max_i |f'_i − f_i|/ε over one iteration instead of the marginal error. Every path runs it: the log-domain
     * sweeps, the stored-kernel ones ({@code kernel}, and {@code auto} by the balanced rule; single solves and
     * shared-cost batches), and the accelerator backends ({@code opencl}, {@code tornado}; without
     * {@link #withTranslationInvariant translation-invariant} updates, which they refuse).
     *
     * @param rhoA ρ_a, the penalty on the source marginal, positive (infinite: a hard constraint)
     * @param rhoB ρ_b, the penalty on the target marginal, positive (infinite: a hard constraint)
     * @return a copy with those penalties
     * @throws IllegalArgumentException if ρ_a or ρ_b is not positive (or is NaN)
     */
    public SinkhornOptions withRho(double rhoA, double rhoB) {
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree,
                annealFactor, backend, sweeps, checkRho("rho_a", rhoA), checkRho("rho_b", rhoB), translationInvariant, overRelaxation);
    }

    private static double checkRho(String name, double rho) {
        if (!(rho > 0)) {
            throw new IllegalArgumentException(name + " must be positive (or infinite for a hard marginal constraint), got " + rho);
        }
        return rho;
    }

    /**
     * Unbalanced only: after each f update, move the potentials along the dual's translation direction,
     * (f + λ, g − λ), to the λ that maximises the dual value, in closed form
     * λ = (ρ_a·ρ_b/(ρ_a + ρ_b))·log(⟨a, e^{−f/ρ_a}⟩ / ⟨b, e^{−g/ρ_b}⟩) (1/∞ = 0): the translation step of Séjourné,
     * Vialard and Peyré (2022)'s translation-invariant Sinkhorn. Plain damped iterations lose their speed when ρ/ε
     * is large because the potentials' common translation contracts only like (ρ/(ρ + ε))² per iteration; the
     * translation removes that mode. The fixed point, the stopping rule and the result are the same. Balanced
     * problems ignore it (their dual does not change along that direction). Off by default.
     *
     * @param on whether to translate after each f update
     * @return a copy with that choice
     */
    public SinkhornOptions withTranslationInvariant(boolean on) {
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree,
                annealFactor, backend, sweeps, rhoA, rhoB, on, overRelaxation);
    }

    /**
     * Whether balanced solves may over-relax their iterations at the target ε, f ← (1 − ω)·f + ω·f_sinkhorn
     * (u ← u^{1−ω}·(a/Kv)^ω on a stored kernel), in the stored-kernel sweeps and the matrix-free log-domain sweeps: on
     * by default. A stored matrix too small for the kernel sweeps (see {@link #withSweeps}) iterates plainly (its
     * iterations are cheap, and it keeps the iterates the batches, the devices and POT have), and so does a solve
     * with tolerance 0, whose fixed iteration count means that many plain Sinkhorn iterations. ω is chosen from the plain iterations' observed rate r once it has settled,
     * ω = 2/(1 + √(1 − r)) (Lehmann et al. 2022), and every relaxed step must raise the dual objective by a fixed
     * fraction of what the plain step would, else the plain step is taken; relaxation stops when the error falls
     * behind the plain rate. The fixed point and the stopping rule are the same (with relaxation the column
     * marginal error must be below the tolerance too), so the answer agrees with the plain iterations' to the
     * tolerance, not bit for bit; the potentials may also differ from the plain ones by a common shift
     * (f + λ, g − λ), which leaves the plan and every value unchanged (1.6e-8 at ε = 0.002, tolerance 1e-9, f64). At ε = 0.002 on 2000 uniform points it takes 194 iterations instead of 1012.
     * Unbalanced problems, the symmetric solves of the divergences' self-terms, annealing stages above the target
     * ε, shared-cost batches, the fixed-support and grid barycenters and the devices iterate plainly; what solves
     * problem by problem with these options (point-cloud and ragged batches, the free-support barycenter's entropic
     * plans, the divergences' other terms) follows the rule above. {@link SinkhornResult#omega()} says which ω was used.
     *
     * @param on whether to over-relax
     * @return a copy with that choice
     */
    public SinkhornOptions withOverRelaxation(boolean on) {
        return new SinkhornOptions(epsilon, maxIterations, tolerance, checkEvery, precision, threads, kernels, matrixFree,
                annealFactor, backend, sweeps, rhoA, rhoB, translationInvariant, on);
    }

    /** {@return whether balanced solves may over-relax their iterations (see {@link #withOverRelaxation}); default true} */
    public boolean overRelaxation() {
        return overRelaxation;
    }

    /** {@return whether the unbalanced iterations translate the potentials (see {@link #withTranslationInvariant})} */
    public boolean translationInvariant() {
        return translationInvariant;
    }

    /** {@return ρ_a, the penalty on the source marginal ({@code Infinity}: P·1 = a is a hard constraint)} */
    public double rhoA() {
        return rhoA;
    }

    /** {@return ρ_b, the penalty on the target marginal ({@code Infinity}: Pᵀ·1 = b is a hard constraint)} */
    public double rhoB() {
        return rhoB;
    }

    /** {@return whether a marginal penalty is finite (unbalanced or semi-relaxed transport)} */
    public boolean unbalanced() {
        return rhoA != Double.POSITIVE_INFINITY || rhoB != Double.POSITIVE_INFINITY;
    }

    /** {@return the sweeps asked for: {@code log}, {@code kernel} or {@code auto}} */
    public String sweeps() {
        return sweeps;
    }

    /** {@return the backend: the one given, or {@code -Djot.backend}, or {@code cpu}} */
    public String backend() {
        return backend != null ? backend : dev.jot.kernel.Accelerators.defaultBackend();
    }

    /** {@return the annealing factor, 0 for none} */
    public double annealFactor() {
        return annealFactor;
    }

    /**
     * Whether point clouds of these sizes get a matrix-free geometry (see {@link #withMatrixFree}).
     *
     * @param n the number of source points
     * @param m the number of target points
     * @return the choice given to {@link #withMatrixFree}, or by default whether 2·n·m costs in the options'
     *     precision would take more than 1 GiB
     */
    public boolean matrixFree(int n, int m) {
        return matrixFree != null ? matrixFree : 2.0 * n * m * precision.bytes() > (1L << 30);
    }

    /** {@return the regularisation ε} */
    public double epsilon() {
        return epsilon;
    }

    /** {@return the iteration limit} */
    public int maxIterations() {
        return maxIterations;
    }

    /** {@return the tolerance on ‖P·1 − a‖₁} */
    public double tolerance() {
        return tolerance;
    }

    /** {@return how often the marginal error is checked, in iterations} */
    public int checkEvery() {
        return checkEvery;
    }

    /** {@return the kernels' precision} */
    public Precision precision() {
        return precision;
    }

    /** {@return the number of threads} */
    public int threads() {
        return threads;
    }

    /** {@return the kernels used: the ones given, or those chosen at start-up} */
    public SinkhornKernels kernels() {
        return kernels != null ? kernels : Kernels.defaults();
    }

    @Override
    public String toString() {
        return "SinkhornOptions[epsilon=" + epsilon + ", maxIterations=" + maxIterations + ", tolerance=" + tolerance
                + ", checkEvery=" + checkEvery + ", precision=" + precision + ", threads=" + threads
                + ", kernels=" + kernels().name() + ", backend=" + backend() + ", sweeps=" + sweeps
                + (unbalanced() ? ", rhoA=" + rhoA + ", rhoB=" + rhoB : "") + "]";
    }
}
