package dev.jot.divergence;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Losses between measures and their gradients, without automatic differentiation.
 *
 * <ul>
 * <li>{@link #sinkhorn}: the debiased divergence S_ε or the Genevay loss (see {@link Loss}), for point
 *     clouds (with gradients in positions and weights) or histograms on cost matrices (weights). The
 *     self-transport terms OT_ε(α, α) are solved with symmetric updates.</li>
 * <li>{@link #transport}: OT_ε(α, β) alone, with the same gradients.</li>
 * <li>{@link #mmd}: ½·MMD²_k with the energy, Gaussian or Laplacian kernel, computed directly.</li>
 * <li>{@link #unrolled}: the loss computed by exactly L Sinkhorn iterations from g = 0 (Genevay et al.'s
 *     algorithmic loss) and its exact gradient, by a reverse (adjoint) pass through the L iterations that
 *     keeps each iteration's potentials (memory O(L·(n + m))) and recomputes plan tiles.</li>
 * </ul>
 *
 * <p>Gradients of OT_ε and S_ε use the envelope theorem at the converged potentials: ∂OT_ε/∂a = f,
 * ∂OT_ε/∂b = g (projected to mean zero), ∂OT_ε/∂x_i = Σ_j P_ij·∇_x c(x_i, y_j), one more sweep over
 * tiles of the plan, never stored. They are exact at convergence; the Genevay loss, which is not a
 * minimum, has no such formula, so its gradients come from the reverse pass through the iterations the
 * solve needs (plain iterations from g = 0 at the target ε, stopped when the potentials settle to the
 * tolerance), and its value is then that iterate's. Gradient sweeps run in f64 on one thread.
 *
 * <p>Thread-safe: every method may be called from any number of threads at once, sharing inputs; results are immutable.
 */
public final class Divergences {
    private Divergences() {
    }

    /**
     * The Sinkhorn loss between two weighted point clouds.
     *
     * @param x the first cloud, n × d
     * @param a weights of x, or null for uniform (normalised to sum 1)
     * @param y the second cloud, m × d
     * @param b weights of y, or null for uniform (normalised to sum 1)
     * @param cost the ground cost
     * @param options the solver's settings (ε, tolerance, iterations, precision, ...), used for each solve
     * @param loss {@link Loss#DEBIASED}, {@link Loss#GENEVAY} or {@link Loss#TRANSPORT}
     * @param gradients whether to compute gradients in x, y, a and b
     * @return the loss, its three terms, the solves' convergence and, when asked, the gradients
     * @throws IllegalArgumentException for {@link Loss#MMD} (use {@link #mmd}), or invalid clouds or weights
     */
    public static DivergenceResult sinkhorn(Points x, Weights a, Points y, Weights b, CostFunction cost,
                                            SinkhornOptions options, Loss loss, boolean gradients) {
        long t0 = System.nanoTime();
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(options, "options");
        checkUnbalanced(options, loss);
        double[][] w = checked(x, a, y, b, options.unbalanced());
        double[] wa = w[0], wb = w[1];
        return switch (loss) {
            case MMD -> throw new IllegalArgumentException("loss mmd needs a kernel: use Divergences.mmd");
            case TRANSPORT -> transport(x, Weights.of(wa), y, Weights.of(wb), cost, options, gradients);
            case DEBIASED -> debiased(x, wa, y, wb, cost, options, gradients, t0);
            case GENEVAY -> gradients
                    ? genevayUnrolled(x, wa, y, wb, cost, options, t0)
                    : genevay(x, wa, y, wb, cost, options, t0);
        };
    }

    /**
     * OT_ε(α, β) = ⟨a, f⟩ + ⟨b, g⟩ at convergence between two weighted point clouds, with its envelope
     * gradients when asked.
     *
     * @param x the first cloud, n × d
     * @param a weights of x, or null for uniform (normalised to sum 1)
     * @param y the second cloud, m × d
     * @param b weights of y, or null for uniform (normalised to sum 1)
     * @param cost the ground cost
     * @param options the solver's settings
     * @param gradients whether to compute gradients in x, y, a and b (skipped when the objective is not finite)
     * @return the value OT_ε(α, β), with terms (OT_ε(α, β), NaN, NaN), and the gradients when asked
     */
    public static DivergenceResult transport(Points x, Weights a, Points y, Weights b, CostFunction cost,
                                             SinkhornOptions options, boolean gradients) {
        long t0 = System.nanoTime();
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(options, "options");
        double[][] w = checked(x, a, y, b, options.unbalanced());
        double[] wa = w[0], wb = w[1];
        SinkhornResult r = Sinkhorn.solve(x, y, Weights.of(wa), Weights.of(wb), cost, options);
        double[] gx = null, gy = null, ga = null, gb = null;
        if (gradients && Double.isFinite(r.dualObjective())) {
            gx = new double[x.n() * x.d()];
            gy = new double[y.n() * y.d()];
            try (Pair p = pair(x, y, cost, options)) {
                envelope(p, logs(wa), r.f(), logs(wb), r.g(), r.epsilon(), 1.0, gx, gy);
            }
            if (options.unbalanced()) {
                ga = transportWeightGradient(r.f(), r.rhoA(), r.epsilon(), sum(wb));
                gb = transportWeightGradient(r.g(), r.rhoB(), r.epsilon(), sum(wa));
            } else {
                ga = centred(r.f());
                gb = centred(r.g());
            }
        }
        return new DivergenceResult(Loss.TRANSPORT, r.dualObjective(), new double[]{r.dualObjective(), Double.NaN, Double.NaN},
                r.converged(), r.status(), r.iterations(), gx, gy, ga, gb, millis(t0));
    }

    /**
     * The Sinkhorn loss between two histograms, given the three cost matrices C(x, y) (n × m), C(x, x)
     * (n × n) and C(y, y) (m × m). Gradients are with respect to the weights only (there are no positions).
     *
     * @param cxy the costs C(x, y), n × m
     * @param cxx the costs C(x, x), n × n
     * @param cyy the costs C(y, y), m × m
     * @param a weights of the n sources, or null for uniform (normalised to sum 1)
     * @param b weights of the m targets, or null for uniform (normalised to sum 1)
     * @param options the solver's settings, used for each of the three solves
     * @param loss {@link Loss#DEBIASED}, {@link Loss#GENEVAY} or {@link Loss#TRANSPORT}
     * @param gradients whether to compute gradients in a and b (not available for {@link Loss#GENEVAY})
     * @return the loss, its three terms, the solves' convergence and, when asked, the weight gradients
     * @throws IllegalArgumentException for {@link Loss#MMD}, mismatched shapes, invalid weights, or weight
     *     gradients of {@link Loss#GENEVAY}
     */
    public static DivergenceResult sinkhorn(NdArray cxy, NdArray cxx, NdArray cyy, Weights a, Weights b,
                                            SinkhornOptions options, Loss loss, boolean gradients) {
        long t0 = System.nanoTime();
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(cxy, "cxy");
        if (loss == Loss.MMD) {
            throw new IllegalArgumentException("loss mmd needs points and a kernel: use Divergences.mmd");
        }
        checkSquare("cxx", cxx);
        checkSquare("cyy", cyy);
        if (cxy.rank() != 2 || cxy.shape()[0] != cxx.shape()[0] || cxy.shape()[1] != cyy.shape()[0]) {
            throw new IllegalArgumentException("cxy must be n x m with n = " + cxx.shape()[0] + " (cxx) and m = "
                    + cyy.shape()[0] + " (cyy), got shape " + java.util.Arrays.toString(cxy.shape()));
        }
        int n = (int) cxx.shape()[0], m = (int) cyy.shape()[0];
        checkUnbalanced(options, loss);
        boolean unbalanced = options.unbalanced();
        Weights wa = Weights.of(unbalanced ? Sinkhorn.checkWeights("a", a, n, "n") : Sinkhorn.checkProbabilities("a", a, n, "n"));
        Weights wb = Weights.of(unbalanced ? Sinkhorn.checkWeights("b", b, m, "m") : Sinkhorn.checkProbabilities("b", b, m, "m"));
        SinkhornResult ab = Sinkhorn.solve(cxy, wa, wb, options);
        SinkhornResult aa = Sinkhorn.solve(cxx, wa, wa, options);
        SinkhornResult bb = Sinkhorn.solve(cyy, wb, wb, options);
        boolean genevay = loss == Loss.GENEVAY;
        double[] terms = genevay
                ? new double[]{ab.cost(), aa.cost(), bb.cost()}
                : new double[]{ab.dualObjective(), aa.dualObjective(), bb.dualObjective()};
        double value = genevay ? 2 * terms[0] - terms[1] - terms[2]
                : loss == Loss.TRANSPORT ? terms[0] : terms[0] - 0.5 * terms[1] - 0.5 * terms[2];
        if (unbalanced && loss == Loss.DEBIASED) {
            value += massTerm(ab.epsilon(), wa.sum(), wb.sum());
        }
        double[] ga = null, gb = null;
        if (gradients && unbalanced) {
            double[] wav = wa.toArray(), wbv = wb.toArray();
            if (loss == Loss.TRANSPORT) {
                ga = transportWeightGradient(ab.f(), ab.rhoA(), ab.epsilon(), sum(wbv));
                gb = transportWeightGradient(ab.g(), ab.rhoB(), ab.epsilon(), sum(wav));
            } else {
                ga = debiasedWeightGradient(ab.f(), aa.f(), ab.rhoA(), ab.epsilon());
                gb = debiasedWeightGradient(ab.g(), bb.f(), ab.rhoB(), ab.epsilon());
            }
        } else if (gradients) {
            if (genevay) {
                throw new IllegalArgumentException("weight gradients of the genevay loss on cost matrices are not available;"
                        + " use the debiased loss, or point clouds");
            }
            ga = new double[n];
            gb = new double[m];
            double[] f = ab.f(), g = ab.g(), faa = aa.f(), gaa = aa.g(), fbb = bb.f(), gbb = bb.g();
            double self = loss == Loss.TRANSPORT ? 0.0 : 0.5;
            for (int i = 0; i < n; i++) {
                ga[i] = f[i] - self * (faa[i] + gaa[i]);
            }
            for (int j = 0; j < m; j++) {
                gb[j] = g[j] - self * (fbb[j] + gbb[j]);
            }
            ga = centred(ga);
            gb = centred(gb);
        }
        return finish(loss, value, terms, List.of(ab, aa, bb), null, null, ga, gb, t0);
    }

    /**
     * {@link #sinkhorn(Points, Weights, Points, Weights, CostFunction, SinkhornOptions, Loss, boolean)} for each pair of a batch.
     *
     * @param xs the first clouds
     * @param as their weights, or null for all uniform (an entry may be null for uniform)
     * @param ys the second clouds, as many as {@code xs}
     * @param bs their weights, or null for all uniform (an entry may be null for uniform)
     * @param cost the ground cost
     * @param options the solver's settings, used for every pair
     * @param loss the loss, as in {@link #sinkhorn(Points, Weights, Points, Weights, CostFunction, SinkhornOptions, Loss, boolean)}
     * @param gradients whether to compute gradients
     * @return one result per pair, in order
     * @throws IllegalArgumentException if the lists' sizes differ, or for a bad pair (the message names it)
     */
    public static List<DivergenceResult> sinkhornAll(List<Points> xs, List<Weights> as, List<Points> ys, List<Weights> bs,
                                                     CostFunction cost, SinkhornOptions options, Loss loss, boolean gradients) {
        Objects.requireNonNull(xs, "xs");
        Objects.requireNonNull(ys, "ys");
        if (xs.size() != ys.size()) {
            throw new IllegalArgumentException("the batch has " + xs.size() + " x clouds but " + ys.size() + " y clouds");
        }
        if (as != null && as.size() != xs.size() || bs != null && bs.size() != xs.size()) {
            throw new IllegalArgumentException("the batch has " + xs.size() + " pairs but " + (as == null ? 0 : as.size())
                    + " a and " + (bs == null ? 0 : bs.size()) + " b weight vectors");
        }
        List<DivergenceResult> out = new ArrayList<>(xs.size());
        for (int k = 0; k < xs.size(); k++) {
            try {
                out.add(sinkhorn(xs.get(k), as == null ? null : as.get(k), ys.get(k), bs == null ? null : bs.get(k),
                        cost, options, loss, gradients));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("problem " + k + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * ½·MMD²_k(α, β) = ½⟨α ⊗ α, k⟩ + ½⟨β ⊗ β, k⟩ − ⟨α ⊗ β, k⟩, computed directly in f64 with vectorised
     * tiles, with gradients in x, y, a and b when asked. With the energy kernel −|x − y| it is the ε → ∞
     * limit of {@link Loss#DEBIASED} for the cost |x − y|.
     *
     * @param x the first cloud, n × d
     * @param a weights of x, or null for uniform (normalised to sum 1)
     * @param y the second cloud, m × d
     * @param b weights of y, or null for uniform (normalised to sum 1)
     * @param kernel the kernel k
     * @param gradients whether to compute gradients in x, y, a and b
     * @return the value ½·MMD²_k, with terms (⟨α ⊗ β, k⟩, ⟨α ⊗ α, k⟩, ⟨β ⊗ β, k⟩), and the gradients when asked
     */
    public static DivergenceResult mmd(Points x, Weights a, Points y, Weights b, MmdKernel kernel, boolean gradients) {
        long t0 = System.nanoTime();
        Objects.requireNonNull(kernel, "kernel");
        double[][] w = checked(x, a, y, b);
        double[] wa = w[0], wb = w[1];
        double[] px = x.array().toDoubleArray(), py = y.array().toDoubleArray();
        int n = x.n(), m = y.n(), d = x.d();
        double extent = 0;
        for (double[] p : new double[][]{px, py}) {
            for (double v : p) {
                extent = Math.max(extent, Math.abs(v));
            }
        }
        if (kernel instanceof MmdKernel.Energy && !Double.isFinite(4.0 * d * extent * extent)) {
            // −|x − y| would be −Infinity and the sums Infinity − Infinity (the decaying kernels go to 0 instead)
            throw new IllegalArgumentException("the points' extent overflows the squared distances (largest |coordinate| "
                    + extent + "); rescale the points");
        }
        double[] gx = gradients ? new double[n * d] : null, gy = gradients ? new double[m * d] : null;
        double[] ka = gradients ? new double[n] : null, kb = gradients ? new double[m] : null;
        double xx, yy, xy;
        var kernels = dev.jot.kernel.Kernels.defaults();
        try (Pair pxx = new Pair(px, n, px, n, d, CostFunction.SQUARED_EUCLIDEAN, kernels)) {
            xx = kernelSum(pxx, wa, wa, kernel, gx, 1.0, ka, 1.0);
        }
        try (Pair pyy = new Pair(py, m, py, m, d, CostFunction.SQUARED_EUCLIDEAN, kernels)) {
            yy = kernelSum(pyy, wb, wb, kernel, gy, 1.0, kb, 1.0);
        }
        try (Pair pxy = new Pair(px, n, py, m, d, CostFunction.SQUARED_EUCLIDEAN, kernels)) {
            xy = kernelSum(pxy, wa, wb, kernel, gx, -1.0, ka, -1.0);
        }
        if (gradients) {
            try (Pair pyx = new Pair(py, m, px, n, d, CostFunction.SQUARED_EUCLIDEAN, kernels)) {
                kernelSum(pyx, wb, wa, kernel, gy, -1.0, kb, -1.0);
            }
        }
        double value = 0.5 * xx + 0.5 * yy - xy;
        return new DivergenceResult(Loss.MMD, value, new double[]{xy, xx, yy}, true,
                "computed directly (" + kernel.label() + " kernel)", 0, gx, gy,
                gradients ? centred(ka) : null, gradients ? centred(kb) : null, millis(t0));
    }

    /**
     * The loss computed by exactly {@code iterations} log-domain Sinkhorn iterations from g = 0 at a fixed
     * ε, for each of its transport terms, and its exact gradient by a reverse pass (f64). For
     * {@link Loss#GENEVAY} this is the paper's algorithmic loss 2·⟨P_L(α, β), C⟩ − ⟨P_L(α, α), C⟩ −
     * ⟨P_L(β, β), C⟩; for {@link Loss#DEBIASED} each OT_ε is the dual value ⟨a, f_L⟩ + ⟨b, g_L⟩ of the
     * L-th iterate. Gradients: x, y, and a, b projected to mean zero.
     *
     * @param x the first cloud, n × d
     * @param a weights of x, or null for uniform (normalised to sum 1)
     * @param y the second cloud, m × d
     * @param b weights of y, or null for uniform (normalised to sum 1)
     * @param cost the ground cost
     * @param epsilon the fixed ε (POT's reg), positive and finite
     * @param iterations the number of iterations L, at least 1
     * @param loss {@link Loss#DEBIASED} or {@link Loss#GENEVAY}
     * @param options the solver's other settings (its ε, annealing, precision, tolerance and iteration limit are
     *     replaced: ε = {@code epsilon}, no annealing, f64, exactly L iterations)
     * @return the loss of the L-th iterates, its three terms and the gradients
     */
    public static DivergenceResult unrolled(Points x, Weights a, Points y, Weights b, CostFunction cost, double epsilon,
                                            int iterations, Loss loss, SinkhornOptions options) {
        return unrolled(x, a, y, b, cost, epsilon, iterations, loss, options, true);
    }

    /**
     * {@link #unrolled(Points, Weights, Points, Weights, CostFunction, double, int, Loss, SinkhornOptions)},
     * with the reverse pass only when {@code gradients} (without it: the forward iterations and the value).
     *
     * @param x the first cloud, n × d
     * @param a weights of x, or null for uniform (normalised to sum 1)
     * @param y the second cloud, m × d
     * @param b weights of y, or null for uniform (normalised to sum 1)
     * @param cost the ground cost
     * @param epsilon the fixed ε (POT's reg), positive and finite
     * @param iterations the number of iterations L, at least 1
     * @param loss {@link Loss#DEBIASED} or {@link Loss#GENEVAY}
     * @param options the solver's other settings (its ε, annealing, precision, tolerance and iteration limit are
     *     replaced: ε = {@code epsilon}, no annealing, f64, exactly L iterations)
     * @param gradients whether to run the reverse pass for the gradients
     * @return the loss of the L-th iterates, its three terms and, when asked, the gradients
     * @throws IllegalArgumentException for another loss, fewer than one iteration, a bad ε, or invalid clouds or weights
     */
    public static DivergenceResult unrolled(Points x, Weights a, Points y, Weights b, CostFunction cost, double epsilon,
                                            int iterations, Loss loss, SinkhornOptions options, boolean gradients) {
        long t0 = System.nanoTime();
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(options, "options");
        if (loss == Loss.MMD || loss == Loss.TRANSPORT) {
            throw new IllegalArgumentException("unrolled losses are debiased or genevay, got " + loss.label());
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        }
        if (options.unbalanced()) {
            throw new IllegalArgumentException("unrolled losses are balanced only (rho_a = " + options.rhoA() + ", rho_b = "
                    + options.rhoB() + ")");
        }
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
        }
        double[][] w = checked(x, a, y, b);
        double[] wa = w[0], wb = w[1];
        SinkhornOptions opts = options.withEpsilon(epsilon).withPrecision(Precision.F64).withAnnealing(0)
                .withTolerance(0).withMaxIterations(iterations);
        return unrolledLoss(x, wa, y, wb, cost, opts, loss, iterations, 0, gradients, t0);
    }

    // ---------------------------------------------------------------------------------------------

    private static DivergenceResult debiased(Points x, double[] wa, Points y, double[] wb, CostFunction cost,
                                             SinkhornOptions options, boolean gradients, long t0) {
        SinkhornResult[] r = threeSolves(x, wa, y, wb, cost, options);
        SinkhornResult ab = r[0], aa = r[1], bb = r[2];
        double[] terms = {ab.dualObjective(), aa.dualObjective(), bb.dualObjective()};
        double value = terms[0] - 0.5 * terms[1] - 0.5 * terms[2];
        boolean unbalanced = options.unbalanced();
        if (unbalanced) {
            value += massTerm(ab.epsilon(), sum(wa), sum(wb));
        }
        double[] gx = null, gy = null, ga = null, gb = null;
        if (gradients && Double.isFinite(value)) {
            int n = x.n(), m = y.n(), d = x.d();
            gx = new double[n * d];
            gy = new double[m * d];
            double[] la = logs(wa), lb = logs(wb);
            double eps = ab.epsilon();
            try (Pair p = pair(x, y, cost, options)) {
                envelope(p, la, ab.f(), lb, ab.g(), eps, 1.0, gx, gy);
            }
            try (Pair p = pair(x, x, cost, options)) {
                // x sits on both sides of OT(α, α): −½·(rows + columns)
                envelope(p, la, aa.f(), la, aa.g(), eps, -0.5, gx, gx);
            }
            try (Pair p = pair(y, y, cost, options)) {
                envelope(p, lb, bb.f(), lb, bb.g(), eps, -0.5, gy, gy);
            }
            ga = new double[n];
            gb = new double[m];
            double[] f = ab.f(), g = ab.g(), p = aa.f(), q = bb.f();
            if (unbalanced) {
                ga = debiasedWeightGradient(f, p, ab.rhoA(), eps);
                gb = debiasedWeightGradient(g, q, ab.rhoB(), eps);
            } else {
                for (int i = 0; i < n; i++) {
                    ga[i] = f[i] - p[i];
                }
                for (int j = 0; j < m; j++) {
                    gb[j] = g[j] - q[j];
                }
                ga = centred(ga);
                gb = centred(gb);
            }
        }
        return finish(Loss.DEBIASED, value, terms, List.of(ab, aa, bb), gx, gy, ga, gb, t0);
    }

    /** OT_ε(α, β), and the self-transport terms OT_ε(α, α), OT_ε(β, β) with symmetric updates. */
    private static SinkhornResult[] threeSolves(Points x, double[] wa, Points y, double[] wb, CostFunction cost,
                                                SinkhornOptions options) {
        return new SinkhornResult[]{Sinkhorn.solve(x, y, Weights.of(wa), Weights.of(wb), cost, options),
                Sinkhorn.solveSymmetric(x, Weights.of(wa), cost, options), Sinkhorn.solveSymmetric(y, Weights.of(wb), cost, options)};
    }

    private static DivergenceResult genevay(Points x, double[] wa, Points y, double[] wb, CostFunction cost,
                                            SinkhornOptions options, long t0) {
        SinkhornResult[] r = threeSolves(x, wa, y, wb, cost, options);
        SinkhornResult ab = r[0], aa = r[1], bb = r[2];
        double[] terms = {ab.cost(), aa.cost(), bb.cost()};
        return finish(Loss.GENEVAY, 2 * terms[0] - terms[1] - terms[2], terms, List.of(ab, aa, bb), null, null, null, null, t0);
    }

    /** The Genevay loss with gradients: the reverse pass through the iterations until the potentials settle. */
    private static DivergenceResult genevayUnrolled(Points x, double[] wa, Points y, double[] wb, CostFunction cost,
                                                    SinkhornOptions options, long t0) {
        SinkhornOptions opts = options.withPrecision(Precision.F64).withAnnealing(0).withTolerance(0);
        return unrolledLoss(x, wa, y, wb, cost, opts, Loss.GENEVAY, options.maxIterations(), options.tolerance(), true, t0);
    }

    private static DivergenceResult unrolledLoss(Points x, double[] wa, Points y, double[] wb, CostFunction cost,
                                                 SinkhornOptions opts, Loss loss, int iterations, double settle,
                                                 boolean gradients, long t0) {
        int n = x.n(), m = y.n(), d = x.d();
        double[] px = x.array().toDoubleArray(), py = y.array().toDoubleArray();
        double[] gx = new double[n * d], gy = new double[m * d], ga = new double[n], gb = new double[m];
        boolean genevay = loss == Loss.GENEVAY;
        Unrolled.Result ab = Unrolled.run(px, n, py, m, d, wa, wb, cost, opts, iterations, settle, genevay, gradients,
                gx, gy, ga, gb, genevay ? 2.0 : 1.0);
        Unrolled.Result aa = Unrolled.run(px, n, px, n, d, wa, wa, cost, opts, iterations, settle, genevay, gradients,
                gx, gx, ga, ga, genevay ? -1.0 : -0.5);
        Unrolled.Result bb = Unrolled.run(py, m, py, m, d, wb, wb, cost, opts, iterations, settle, genevay, gradients,
                gy, gy, gb, gb, genevay ? -1.0 : -0.5);
        double[] terms = {ab.value(), aa.value(), bb.value()};
        double value = genevay ? 2 * terms[0] - terms[1] - terms[2] : terms[0] - 0.5 * terms[1] - 0.5 * terms[2];
        int its = Math.max(ab.iterations(), Math.max(aa.iterations(), bb.iterations()));
        boolean settled = settle > 0 ? ab.settled() && aa.settled() && bb.settled() : true;
        boolean finite = Double.isFinite(value);
        String status = !finite ? "not converged: the unrolled iterations became non-finite (epsilon too small for the costs)"
                : settle > 0
                ? (settled ? "converged: the potentials settled to " + settle + " after " + its + " iterations (reverse pass through them)"
                : "not converged: the potentials did not settle to " + settle + " in " + its + " iterations")
                : "computed by " + its + " iterations and their reverse pass";
        return gradients
                ? new DivergenceResult(loss, value, terms, finite && settled, status, its, gx, gy, centred(ga), centred(gb), millis(t0))
                : new DivergenceResult(loss, value, terms, finite && settled, status, its, null, null, null, null, millis(t0));
    }

    private static DivergenceResult finish(Loss loss, double value, double[] terms, List<SinkhornResult> solves,
                                           double[] gx, double[] gy, double[] ga, double[] gb, long t0) {
        boolean converged = true;
        int its = 0;
        StringBuilder why = new StringBuilder();
        String[] names = {"(a, b)", "(a, a)", "(b, b)"};
        for (int k = 0; k < solves.size(); k++) {
            SinkhornResult r = solves.get(k);
            its = Math.max(its, r.iterations());
            if (!r.converged()) {
                converged = false;
                why.append(why.isEmpty() ? "" : "; ").append(names[k]).append(": ").append(r.status());
            }
        }
        String status = converged
                ? String.format(Locale.ROOT, "converged: all three solves (at most %d iterations)", its)
                : "not converged: " + why;
        return new DivergenceResult(loss, value, terms, converged && Double.isFinite(value), status, its, gx, gy, ga, gb, millis(t0));
    }

    /** gx += scale·Σ_j P_ij ∇_x c(x_i, y_j) and gy += scale·Σ_i P_ij ∇_y c(x_i, y_j), P from the potentials. */
    static void envelope(Pair p, double[] logA, double[] f, double[] logB, double[] g, double eps, double scale,
                         double[] gx, double[] gy) {
        double invEps = 1.0 / eps;
        double[] rowH = new double[p.n], colH = new double[p.m];
        for (int i = 0; i < p.n; i++) {
            rowH[i] = logA[i] + f[i] * invEps;
        }
        for (int j = 0; j < p.m; j++) {
            colH[j] = logB[j] + g[j] * invEps;
        }
        double[] cv = p.columnVectors(null);
        double[][] parts = p.newParts();
        double s = scale * p.constantPhi();
        for (int r0 = 0; r0 < p.n; r0 += p.tileRows) {
            int rows = Math.min(p.tileRows, p.n - r0);
            MemorySegment sq = p.squared(r0, rows);
            MemorySegment c = p.costs(sq, rows);
            MemorySegment e = p.e(rows);
            p.kernels.expTileF64(c, rows, p.m, rowH, r0, colH, invEps, e);
            MemorySegment w = p.phiWeights(e, sq, rows);
            p.addRowGradient(w, r0, rows, cv, null, s, gx);
            p.addColumnParts(w, r0, rows, null, parts);
        }
        p.finishColumnGradient(parts, null, s, gy);
    }

    /**
     * Σ_ij u_i·v_j·k(x_i, y_j) for the pair's clouds; adds gradScale·u_i·Σ_j v_j·∇_x k(x_i, y_j) to gx and
     * weightScale·Σ_j v_j·k(x_i, y_j) to gu (each when not null).
     */
    private static double kernelSum(Pair p, double[] u, double[] v, MmdKernel kernel, double[] gx, double gradScale,
                                    double[] gu, double weightScale) {
        double[] rowSums = new double[p.n];
        double[] cv = gx == null ? null : p.columnVectors(v);
        double[] zeroRows = new double[p.n], zeroCols = new double[p.m];
        for (int r0 = 0; r0 < p.n; r0 += p.tileRows) {
            int rows = Math.min(p.tileRows, p.n - r0);
            MemorySegment sq = p.squared(r0, rows);
            MemorySegment k = p.e(rows);
            long count = (long) rows * p.m;
            if (kernel instanceof MmdKernel.Gaussian gk) {
                p.kernels.expTileF64(sq, rows, p.m, zeroRows, r0, zeroCols, 1.0 / (2 * gk.sigma() * gk.sigma()), k);
            } else {
                for (long q = 0; q < count; q++) {
                    k.setAtIndex(ValueLayout.JAVA_DOUBLE, q, kernel.value(sq.getAtIndex(ValueLayout.JAVA_DOUBLE, q)));
                }
            }
            p.kernels.rowDotF64(k, rows, p.m, v, 0, rowSums, r0);
            if (gx != null) {
                MemorySegment w = p.w(rows);
                if (kernel instanceof MmdKernel.Gaussian gk) {
                    double f = -1.0 / (gk.sigma() * gk.sigma());
                    p.addRowGradient(k, r0, rows, cv, u, gradScale * f, gx);
                } else {
                    for (long q = 0; q < count; q++) {
                        w.setAtIndex(ValueLayout.JAVA_DOUBLE, q, kernel.gradientFactor(sq.getAtIndex(ValueLayout.JAVA_DOUBLE, q)));
                    }
                    p.addRowGradient(w, r0, rows, cv, u, gradScale, gx);
                }
            }
        }
        double total = 0;
        for (int i = 0; i < p.n; i++) {
            total += u[i] * rowSums[i];
            if (gu != null) {
                gu[i] += weightScale * rowSums[i];
            }
        }
        return total;
    }

    private static Pair pair(Points x, Points y, CostFunction cost, SinkhornOptions options) {
        return new Pair(x.array().toDoubleArray(), x.n(), y.array().toDoubleArray(), y.n(), x.d(), cost, options.kernels());
    }

    private static void checkSquare(String name, NdArray c) {
        Objects.requireNonNull(c, name);
        if (c.rank() != 2 || c.shape()[0] != c.shape()[1]) {
            throw new IllegalArgumentException(name + " must be a square matrix, got shape " + java.util.Arrays.toString(c.shape()));
        }
    }

    static double[] logs(double[] w) {
        double[] out = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = Math.log(w[k]);
        }
        return out;
    }

    /** Checks two weighted clouds of the same dimension; returns their weights as probability vectors. */
    private static double[][] checked(Points x, Weights a, Points y, Weights b) {
        return checked(x, a, y, b, false);
    }

    /** {@link #checked(Points, Weights, Points, Weights)}; unbalanced, the weights keep their masses. */
    private static double[][] checked(Points x, Weights a, Points y, Weights b, boolean unbalanced) {
        Sinkhorn.checkPoints("x", x);
        Sinkhorn.checkPoints("y", y);
        CostFunction.checkSameDimension(x, y);
        if (unbalanced) {
            return new double[][]{Sinkhorn.checkWeights("a", a, x.n(), "n"), Sinkhorn.checkWeights("b", b, y.n(), "m")};
        }
        return new double[][]{Sinkhorn.checkProbabilities("a", a, x.n(), "n"), Sinkhorn.checkProbabilities("b", b, y.n(), "m")};
    }

    /** Unbalanced losses: the debiased and transport ones, with one ρ for both sides of the debiased loss. */
    private static void checkUnbalanced(SinkhornOptions options, Loss loss) {
        if (!options.unbalanced()) {
            return;
        }
        if (loss == Loss.GENEVAY) {
            throw new IllegalArgumentException("loss genevay is balanced only; with rho use the debiased or transport loss");
        }
        if (loss == Loss.DEBIASED && options.rhoA() != options.rhoB()) {
            throw new IllegalArgumentException("the unbalanced debiased divergence needs rho_a = rho_b, got rho_a = "
                    + options.rhoA() + " and rho_b = " + options.rhoB());
        }
    }

    /** (ε/2)·(m(a) − m(b))², the mass term of Séjourné et al.'s unbalanced debiased divergence. */
    private static double massTerm(double eps, double ma, double mb) {
        return 0.5 * eps * (ma - mb) * (ma - mb);
    }

    /**
     * ∂OT_{ε,ρ}(a, b)/∂a_i = −ρ(u_i − 1) − ε(u_i − m(b)) with u_i = e^{−f_i/ρ} (the envelope theorem on the dual;
     * at the fixed point Σ_j b_j·e^{(f_i + g_j − C_ij)/ε} = u_i); f_i − ε(1 − m(b)) on a side with ρ = ∞; not
     * projected: masses are free.
     */
    private static double[] transportWeightGradient(double[] f, double rho, double eps, double otherMass) {
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            if (rho == Double.POSITIVE_INFINITY) {
                // a hard constraint on this side: its marginal is w itself
                out[i] = f[i] - eps * (1 - otherMass);
            } else {
                double u = Math.exp(-f[i] / rho);
                out[i] = -rho * (u - 1) - eps * (u - otherMass);
            }
        }
        return out;
    }

    /**
     * ∂S_{ε,ρ}/∂a_i = −(ρ + ε)·(e^{−f_i/ρ} − e^{−p_i/ρ}), f the potential of OT(a, b) and p that of OT(a, a)
     * (the mass terms cancel against the derivative of (ε/2)(m(a) − m(b))²).
     */
    private static double[] debiasedWeightGradient(double[] f, double[] p, double rho, double eps) {
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = -(rho + eps) * (Math.exp(-f[i] / rho) - Math.exp(-p[i] / rho));
        }
        return out;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    /** v − mean(v): the projection onto the tangent space of the simplex. */
    static double[] centred(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double[] out = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = v[k] - mean;
        }
        return out;
    }

    private static double millis(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
