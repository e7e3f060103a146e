package dev.jot.sinkhorn;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.Geometry;
import dev.jot.geometry.PointCloudGeometry;
import java.util.List;
import java.util.Objects;

/**
 * Entropic optimal transport in the log domain:
 * min ⟨P, C⟩ + ε·KL(P‖a⊗b) over plans P with P·1 = a and Pᵀ·1 = b (balanced, the default), or, with
 * {@link SinkhornOptions#withRho}, min ⟨P, C⟩ + ε·KL(P‖a⊗b) + ρ_a·KL(P·1‖a) + ρ_b·KL(Pᵀ·1‖b) over P ≥ 0
 * (unbalanced; each update damped by ρ/(ρ + ε), masses kept as given).
 *
 * <p>Each iteration updates the dual potentials with two soft-minimum sweeps,
 * f_i = −ε·log Σ_j b_j·exp((g_j − C_ij)/ε) and then g_j = −ε·log Σ_i a_i·exp((f_i − C_ij)/ε), each an
 * log-sum-exp that reads every cost entry once from memory. After the g update the column marginals are
 * exact; the row marginal error ‖P·1 − a‖₁ falls out of the next f sweep at no extra cost, and the
 * solver stops when it is at most the tolerance. Two final sweeps give the plan's marginals and
 * transport cost. No exponential can overflow: every exponent is a log-sum-exp shifted by its maximum.
 *
 * <p>Thread-safe: the static solvers may be called from any number of threads at once, sharing inputs (geometries, points and weights are read, never written); each solve owns its scratch and worker threads and gives the bits of a sequential solve. {@link SinkhornIterator} is not thread-safe.
 */
public final class Sinkhorn {
    /** Relative difference of total masses accepted as equal (b is then rescaled to a's mass). */
    public static final double MASS_TOLERANCE = 1e-6;

    private Sinkhorn() {
    }

    /**
     * Solves between two point clouds with the given cost (the cost matrix is built in the options'
     * precision).
     *
     * @param x the source points, n × d
     * @param y the target points, m × d
     * @param a source weights, or {@code null} for uniform
     * @param b target weights, or {@code null} for uniform
     * @param cost the ground cost c(x_i, y_j)
     * @param options the solver's settings
     * @return the potentials, the plan's marginal error and cost, and how the solve ended
     * @throws IllegalArgumentException for an empty cloud, non-finite coordinates, invalid weights or
     *     unequal masses
     */
    public static SinkhornResult solve(Points x, Points y, Weights a, Weights b, CostFunction cost, SinkhornOptions options) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(options, "options");
        checkPoints("x", x);
        checkPoints("y", y);
        long t0 = System.nanoTime();
        return solve(geometry(x, y, cost, options), a, b, options, t0);
    }

    /**
     * A batch of point-cloud problems, of equal or different sizes (a ragged batch: no padding), solved
     * in parallel over problems with the options' threads, each on one thread, so that problem k gives
     * the bits of a single solve. Each problem stops on its own tolerance and reports its own
     * iterations and convergence. Weights lists may be {@code null} (all uniform) or hold {@code null}s.
     *
     * @param xs the source clouds
     * @param ys the target clouds, as many as {@code xs}
     * @param as the source weights, one per problem, or {@code null}
     * @param bs the target weights, one per problem, or {@code null}
     * @param cost the ground cost
     * @param options the solver's settings
     * @return one result per problem, in order, and the batch's wall time
     * @throws IllegalArgumentException for an empty batch, lists of different sizes, or a bad problem (the
     *     message names it)
     */
    public static BatchResult solveAll(List<Points> xs, List<Points> ys, List<Weights> as, List<Weights> bs,
                                       CostFunction cost, SinkhornOptions options) {
        Objects.requireNonNull(xs, "xs");
        Objects.requireNonNull(ys, "ys");
        Objects.requireNonNull(options, "options");
        int count = xs.size();
        if (ys.size() != count) {
            throw new IllegalArgumentException("the batch has " + count + " x clouds but " + ys.size() + " y clouds");
        }
        if (count == 0) {
            throw new IllegalArgumentException("the batch is empty");
        }
        checkBatchWeights("a", as, count);
        checkBatchWeights("b", bs, count);
        long t0 = System.nanoTime();
        if (!"cpu".equals(options.backend()) && sameShapes(xs, ys, count)) {
            // one device batch: an extra NDRange dimension over the problems
            List<Geometry> geometries = new java.util.ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                try {
                    Objects.requireNonNull(xs.get(k), "x");
                    Objects.requireNonNull(ys.get(k), "y");
                    checkPoints("x", xs.get(k));
                    checkPoints("y", ys.get(k));
                    geometries.add(geometry(xs.get(k), ys.get(k), Objects.requireNonNull(cost, "cost"), options));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("problem " + k + ": " + e.getMessage(), e);
                }
            }
            return new BatchResult(DeviceSolve.solve(geometries, as, bs, options, t0), System.nanoTime() - t0);
        }
        SinkhornOptions single = options.withThreads(1);
        SinkhornResult[] out = new SinkhornResult[count];
        java.util.function.IntConsumer one = k -> {
            try {
                out[k] = solve(xs.get(k), ys.get(k), as == null ? null : as.get(k), bs == null ? null : bs.get(k), cost, single);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("problem " + k + ": " + e.getMessage(), e);
            }
        };
        if (options.threads() == 1 || count == 1) {
            for (int k = 0; k < count; k++) {
                one.accept(k);
            }
        } else {
            try (java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(options.threads())) {
                pool.submit(() -> java.util.stream.IntStream.range(0, count).parallel().forEach(one)).join();
            }
        }
        return new BatchResult(java.util.Arrays.asList(out), System.nanoTime() - t0);
    }

    /**
     * The self-transport problem OT_ε(α, α) of a weighted cloud with itself, solved with symmetric
     * (averaged) updates f ← (f + T(f))/2, where T(f)_i = −ε·log Σ_j a_j·exp((f_j − C_ij)/ε): the fixed point
     * is the same as Sinkhorn's, reached without oscillation and with g = f throughout (GeomLoss's
     * self-transport terms of the Sinkhorn divergence). The result has f = g.
     *
     * @param x the cloud, n × d
     * @param a its weights, or {@code null} for uniform
     * @param cost the ground cost
     * @param options the solver's settings
     * @return the solve's result, with f = g
     */
    public static SinkhornResult solveSymmetric(Points x, Weights a, CostFunction cost, SinkhornOptions options) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(options, "options");
        checkPoints("x", x);
        if (options.rhoA() != options.rhoB()) {
            throw new IllegalArgumentException("the self-transport problem needs rho_a = rho_b, got rho_a = " + options.rhoA()
                    + " and rho_b = " + options.rhoB());
        }
        long t0 = System.nanoTime();
        Geometry geometry = geometry(x, x, cost, options);
        try (SinkhornIterator it = new SinkhornIterator(geometry, a, a, options, t0)) {
            runSchedule(it, geometry, options, true, null);
            return it.result();
        }
    }

    /**
     * A batch of histogram pairs (a_k, b_k) over one shared cost matrix (a geometry); the B × n × m tensor is
     * never formed. With stored-kernel sweeps (the default {@code auto} on a batch of at least 2^16 entries in
     * all, or {@code kernel}) the batch shares one stored kernel and iterates by matrix-matrix products with
     * per-problem scalings, falling back to the log domain problem by problem where its sums underflow
     * (see {@link SinkhornOptions#withSweeps}); with {@code log} sweeps one pass over each tile of C serves a
     * chunk of the batch, and problem k gives the bits of a single log-domain solve. Each problem stops on its
     * own tolerance.
     *
     * @param geometry the shared costs, n × m
     * @param as the source weights a_k (entries may be {@code null} for uniform)
     * @param bs the target weights b_k, as many as {@code as} (entries may be {@code null} for uniform)
     * @param options the solver's settings
     * @return one result per pair, in order, and the batch's wall time
     * @throws IllegalArgumentException for an empty batch or lists of different sizes
     */
    public static BatchResult solveBatch(Geometry geometry, List<Weights> as, List<Weights> bs, SinkhornOptions options) {
        Objects.requireNonNull(geometry, "geometry");
        Objects.requireNonNull(as, "as");
        Objects.requireNonNull(bs, "bs");
        Objects.requireNonNull(options, "options");
        if (as.size() != bs.size()) {
            throw new IllegalArgumentException("the batch has " + as.size() + " a vectors but " + bs.size() + " b vectors");
        }
        if (as.isEmpty()) {
            throw new IllegalArgumentException("the batch is empty");
        }
        if (!"cpu".equals(options.backend())) {
            long t0 = System.nanoTime();
            return new BatchResult(DeviceSolve.solve(java.util.Collections.nCopies(as.size(), geometry), as, bs, options, t0),
                    System.nanoTime() - t0);
        }
        return SharedCostBatch.solve(geometry, as, bs, options);
    }

    /** The stored cost matrix of two clouds, or their matrix-free geometry where the options ask for one. */
    private static Geometry geometry(Points x, Points y, CostFunction cost, SinkhornOptions options) {
        return options.matrixFree(x.n(), y.n())
                ? PointCloudGeometry.of(x, y, cost, options.precision())
                : DenseGeometry.of(x, y, cost, options.precision());
    }

    /** Whether every problem of a point-cloud batch has the sizes and dimension of the first (one device batch). */
    private static boolean sameShapes(List<Points> xs, List<Points> ys, int count) {
        Points x0 = xs.get(0), y0 = ys.get(0);
        if (x0 == null || y0 == null) {
            return false;
        }
        for (int k = 0; k < count; k++) {
            Points x = xs.get(k), y = ys.get(k);
            if (x == null || y == null || x.n() != x0.n() || y.n() != y0.n() || x.d() != x0.d() || y.d() != y0.d()) {
                return false;
            }
        }
        return true;
    }

    private static void checkBatchWeights(String name, List<Weights> w, int count) {
        if (w != null && w.size() != count) {
            throw new IllegalArgumentException("the batch has " + count + " problems but " + w.size() + " " + name + " weight vectors");
        }
    }

    /**
     * Solves with a given n × m cost matrix.
     *
     * @param costMatrix the costs C, n × m
     * @param a source weights, or {@code null} for uniform
     * @param b target weights, or {@code null} for uniform
     * @param options the solver's settings (the matrix is read in their precision)
     * @return the solve's result
     */
    public static SinkhornResult solve(NdArray costMatrix, Weights a, Weights b, SinkhornOptions options) {
        Objects.requireNonNull(costMatrix, "costMatrix");
        Objects.requireNonNull(options, "options");
        long t0 = System.nanoTime();
        Geometry geometry = DenseGeometry.of(costMatrix, options.precision());
        return solve(geometry, a, b, options, t0);
    }

    /**
     * Solves on a geometry; its precision decides the kernels' precision.
     *
     * @param geometry the costs, n × m
     * @param a source weights, or {@code null} for uniform
     * @param b target weights, or {@code null} for uniform
     * @param options the solver's settings
     * @return the solve's result
     */
    public static SinkhornResult solve(Geometry geometry, Weights a, Weights b, SinkhornOptions options) {
        return solve(geometry, a, b, options, System.nanoTime());
    }

    /**
     * Validates a point cloud: at least one point, dimension at least 1, finite coordinates (the message names it).
     *
     * @param name the argument's name, for the message
     * @param p the points
     * @throws IllegalArgumentException if the cloud is empty, has dimension 0 or a non-finite coordinate
     */
    public static void checkPoints(String name, Points p) {
        if (p.n() < 1) {
            throw new IllegalArgumentException(name + " has no points (shape " + p.n() + " x " + p.d() + ")");
        }
        if (p.d() < 1) {
            throw new IllegalArgumentException(name + " has dimension 0 (shape " + p.n() + " x 0)");
        }
        long bad = p.array().firstNonFinite();
        if (bad >= 0) {
            throw new IllegalArgumentException(name + "[" + bad / p.d() + "][" + bad % p.d() + "] is " + p.array().getFlat(bad)
                    + " (coordinates must be finite)");
        }
    }

    /**
     * {@link #checkWeights}, then divided by their total: a probability vector (a copy).
     *
     * @param name the argument's name, for the message
     * @param w the weights, or {@code null} for uniform
     * @param size the number of weights expected
     * @param sizeName the name of that number, for the message
     * @return the weights divided by their total, a new array
     * @throws IllegalArgumentException as {@link #checkWeights} does
     */
    public static double[] checkProbabilities(String name, Weights w, int size, String sizeName) {
        double[] v = checkWeights(name, w, size, sizeName);
        double s = 0;
        for (double x : v) {
            s += x;
        }
        for (int k = 0; k < v.length; k++) {
            v[k] /= s;
        }
        return v;
    }

    /**
     * Validates weights: finite, non-negative, a positive and finite total, the right length. Returns a copy.
     *
     * @param name the argument's name, for the message
     * @param w the weights, or {@code null} for uniform (1/size each)
     * @param size the number of weights expected
     * @param sizeName the name of that number, for the message
     * @return the weights, a new array
     * @throws IllegalArgumentException if the length is wrong, a weight is negative or not finite, or the total is
     *     not positive and finite
     */
    public static double[] checkWeights(String name, Weights w, int size, String sizeName) {
        if (w == null) {
            return Weights.uniform(size).toArray();
        }
        if (w.size() != size) {
            throw new IllegalArgumentException(name + " has " + w.size() + " weights but " + sizeName + " = " + size);
        }
        double[] v = w.toArray();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + v[i] + " (weights must be finite)");
            }
            if (v[i] < 0) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + v[i] + " is negative (weights must be >= 0)");
            }
        }
        double sum = w.sum();
        if (!(sum > 0)) {
            throw new IllegalArgumentException(name + " sums to " + sum + " (weights need a positive total)");
        }
        if (sum == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(name + " sums to Infinity (the total overflows f64; rescale the weights)");
        }
        return v;
    }

    /**
     * An iterator over the Sinkhorn loop on a geometry, for callers that drive the iterations
     * themselves. Close it when done.
     *
     * @param geometry the costs, n × m
     * @param a source weights, or {@code null} for uniform
     * @param b target weights, or {@code null} for uniform
     * @param options the solver's settings (the iterator runs at their ε; no annealing, no stopping rule)
     * @return a new iterator at f = g = 0
     */
    public static SinkhornIterator iterator(Geometry geometry, Weights a, Weights b, SinkhornOptions options) {
        return new SinkhornIterator(geometry, a, b, options, System.nanoTime());
    }

    /**
     * Runs the ε schedule (just the target without annealing): each intermediate stage until the
     * marginal error is at most √tolerance or for 100 iterations, the last until the tolerance or the
     * iteration limit; records the iterations per stage. At the target ε, {@code kernel} (when not null)
     * runs first ({@link KernelLoop}); the log domain then checks its state and goes on if the error is
     * still above the tolerance.
     *
     * @return the log-domain iterations at the target ε
     */
    private static int runSchedule(SinkhornIterator it, Geometry geometry, SinkhornOptions options, boolean symmetric,
                                   KernelLoop kernel) {
        double[] schedule = schedule(geometry, options);
        int[] spent = new int[schedule.length];
        int logAtTarget = 0;
        for (int level = 0; level < schedule.length; level++) {
            boolean last = level == schedule.length - 1;
            it.setEpsilon(schedule[level]);
            int start = it.iterations();
            int limit = last ? options.maxIterations() : Math.min(options.maxIterations(), start + 100);
            double tol = last ? options.tolerance() : Math.sqrt(options.tolerance());
            if (last && kernel != null) {
                kernel.run(it, limit, tol, options.checkEvery());
            }
            int before = it.iterations();
            if (!(last && kernel != null && kernel.converged())) {
                // (a kernel that stopped on the tolerance has its result checked by the caller instead)
                // at the target ε a balanced solve on matrix-free costs over-relaxes its log-domain iterations too (see
                // OverRelaxation); a stored matrix too small for the kernel sweeps iterates plainly (its iterations are
                // cheap, and it then gives the iterates of the batches, the devices and POT), as does a fixed count
                OverRelaxation relax = last && !symmetric && options.overRelaxation() && !it.unbalanced() && tol > 0
                        && !geometry.materialized() ? new OverRelaxation(true) : null;
                iterate(it, limit, tol, options.checkEvery(), symmetric, relax);
            }
            logAtTarget = it.iterations() - before;
            spent[level] = it.iterations() - start;
        }
        if (schedule.length > 1) {
            it.annealing(schedule, spent);
        }
        return logAtTarget;
    }

    /**
     * Runs the loop until the row marginal error (unbalanced: the potentials' change max_i |f'_i − f_i|/ε) is
     * at most {@code tol} or {@code limit} iterations are done. The error of the current state falls out of the f update, so a converged state is kept as it is.
     */
    static void iterate(SinkhornIterator it, int limit, double tol, int checkEvery, boolean symmetric) {
        iterate(it, limit, tol, checkEvery, symmetric, null);
    }

    /**
     * {@link #iterate(SinkhornIterator, int, double, int, boolean)}, over-relaxed by {@code relax} when not null (balanced,
     * not symmetric): f ← f + ω·(f' − f) and g ← g + ω·(g' − g), each half-step checked to raise the dual by
     * {@link OverRelaxation#SUFFICIENT} of the plain step's gain (else the plain step), and the stop then also needs the
     * column marginal error within the tolerance.
     */
    static void iterate(SinkhornIterator it, int limit, double tol, int checkEvery, boolean symmetric, OverRelaxation relax) {
        if (relax != null && !symmetric) {
            iterateRelaxed(it, limit, tol, checkEvery, relax);
            return;
        }
        while (it.iterations() < limit) {
            if (!(symmetric ? it.symmetricUpdate() : it.updateF())) {
                return;
            }
            int done = it.iterations();
            if (done > 0 && tol > 0 && done % checkEvery == 0 && it.rowErrorFromUpdate() <= tol) {
                return;
            }
            if (symmetric) {
                it.commitSymmetric();
            } else {
                it.commitF();
                it.translate();
                if (!it.updateG()) {
                    return;
                }
            }
        }
    }

    private static void iterateRelaxed(SinkhornIterator it, int limit, double tol, int checkEvery, OverRelaxation relax) {
        double errB = 0;
        while (it.iterations() < limit) {
            // (the last iteration before the limit is plain, so that a solve that stops there ends with P^T·1 = b)
            double omega = it.iterations() + 1 < limit ? relax.omega() : 1;
            if (!it.updateF()) {
                return;
            }
            int done = it.iterations();
            double err = it.rowErrorFromUpdate();
            if (done > 0 && tol > 0 && done % checkEvery == 0 && err <= tol && errB <= tol) {
                return;
            }
            if (omega == 1 || !it.commitRelaxedF(omega, relax)) {
                // plain (or the relaxed f step would lower the dual: the plain one, and a plain g step after it)
                it.commitF();
                omega = 1;
            }
            double[] col = it.updateG(omega, relax);
            if (col == null) {
                return;
            }
            errB = col[0];
            relax.observe(err);
            it.omegaUsed = Math.max(it.omegaUsed, omega);
        }
    }

    /** The ε of each stage: just the target, or the annealing schedule from the largest cost down. */
    static double[] schedule(Geometry geometry, SinkhornOptions options) {
        double target = options.epsilon(), factor = options.annealFactor();
        double start = Math.max(Math.abs(geometry.maxCost()), Math.abs(geometry.minCost()));
        if (factor == 0 || !(start > target)) {
            return new double[]{target};
        }
        java.util.List<Double> eps = new java.util.ArrayList<>();
        for (double e = start; e > target; e *= factor) {
            eps.add(e);
        }
        eps.add(target);
        return eps.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static SinkhornResult solve(Geometry geometry, Weights a, Weights b, SinkhornOptions options, long t0) {
        Objects.requireNonNull(options, "options");
        if (!"cpu".equals(options.backend())) {
            return DeviceSolve.solve(List.of(geometry), java.util.Arrays.asList(a), java.util.Arrays.asList(b), options, t0).get(0);
        }
        final int checkEvery = options.checkEvery();
        final double tol = options.tolerance();
        try (SinkhornIterator it = new SinkhornIterator(geometry, a, b, options, t0)) {
            if (!KernelLoop.applies(geometry, options)) {
                runSchedule(it, geometry, options, false, null);
                SinkhornResult r = it.result();
                return it.omegaUsed > 1 ? new SinkhornResult(r, r.sweeps(), r.absorptions(), r.fallbacks(), it.omegaUsed) : r;
            }
            return kernelSolve(it, geometry, options);
        }
    }

    /**
     * The ε schedule with stored-kernel iterations at the target ε ({@link KernelLoop}); intermediate ε of an
     * annealing schedule in the log domain. The result records whether some iterations ran in the log
     * domain ({@code kernel+log}), and the kernel's absorptions and fallbacks.
     */
    private static SinkhornResult kernelSolve(SinkhornIterator it, Geometry geometry, SinkhornOptions options) {
        try (KernelLoop loop = new KernelLoop(geometry, options.kernels(), options.threads(), it.weightsA(), it.weightsB(),
                options.epsilon(), options.rhoA(), options.rhoB(), options.translationInvariant(),
                options.overRelaxation())) {
            int logAtTarget = runSchedule(it, geometry, options, false, loop);
            SinkhornResult r = null;
            if (loop.converged()) {
                r = loop.result(it);
                if (!r.converged()) {
                    // the kernel's sums said converged, its result's do not (rounding at the tolerance's edge)
                    int before = it.iterations();
                    iterate(it, options.maxIterations(), options.tolerance(), options.checkEvery(), false);
                    logAtTarget += it.iterations() - before;
                    r = null;
                }
            }
            if (r == null) {
                r = it.result();
            }
            if (loop.omega() > 1 && !r.unbalanced() && r.converged() && r.marginalErrorB() > options.tolerance()
                    && it.iterations() < options.maxIterations()) {
                // an over-relaxed state went to the log domain (a fallback), whose stopping test sees P·1 only: one plain
                // iteration puts P^T·1 back on b, then the plain loop goes on to the tolerance
                int before = it.iterations();
                it.step();
                iterate(it, options.maxIterations(), options.tolerance(), options.checkEvery(), false);
                logAtTarget += it.iterations() - before;
                r = it.result();
            }
            String sweeps = loop.fallbacks() > 0 || logAtTarget > 0 ? "kernel+log" : "kernel";
            return new SinkhornResult(r, sweeps, loop.absorptions(), loop.fallbacks(), Math.max(loop.omega(), it.omegaUsed));
        }
    }
}
