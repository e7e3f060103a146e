package dev.jot.barycenter;

import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Free-support barycenters of point clouds for the cost |x − y|²: K support points X (K × d) with fixed weights b
 * (uniform unless given), moved by the fixed point of Cuturi and Doucet (2014, Algorithm 2 with θ = 1) and
 * Álvarez-Esteban et al. (2016),
 * <pre>X ← Σ_k w_k diag(1/b) T_k X_k,</pre>
 * where T_k is an optimal plan from (X, b) to the k-th cloud (X_k, a_k): exact ({@link ExactTransport}, the network
 * simplex; POT's {@code ot.lp.free_support_barycenter}) or entropic ({@link Sinkhorn}; POT's
 * {@code ot.bregman.free_support_sinkhorn_barycenter}). Each step cannot increase Σ_k w_k W₂²(X, X_k) with exact
 * plans; the loop stops when the support moves by at most the tolerance ({@link FreeSupportOptions}).
 *
 * <p>Each cloud's weights are divided by their total (each cloud is a probability measure).
 *
 * <p>Thread-safe: the static methods may be called from any number of threads at once; inputs are read, never
 * written.
 */
public final class FreeSupport {
    private FreeSupport() {
    }

    /**
     * The barycenter from K initial points drawn from the clouds (seeded by {@link FreeSupportOptions#seed()}: a
     * cloud with probability w_k, then one of its points with its weight), with uniform weights 1/K.
     *
     * @param clouds the k point clouds, of one dimension d
     * @param cloudWeights their weights (a list of k, entries null for uniform), or null for all uniform
     * @param weights the k barycentric weights, summing to 1; null for uniform
     * @param size K, the number of support points, at least 1
     * @param options exact or entropic plans, iteration limit, tolerance, seed
     * @return the support and its diagnostics
     * @throws IllegalArgumentException for bad clouds, weights or sizes (the message names them)
     */
    public static FreeSupportResult barycenter(List<Points> clouds, List<Weights> cloudWeights, double[] weights, int size,
                                               FreeSupportOptions options) {
        Objects.requireNonNull(options, "options");
        if (size < 1) {
            throw new IllegalArgumentException("size (the number of support points) must be at least 1, got " + size);
        }
        Problem p = new Problem(clouds, cloudWeights, weights);
        SplittableRandom rng = new SplittableRandom(options.seed());
        double[] x0 = new double[size * p.d];
        for (int i = 0; i < size; i++) {
            int k = draw(rng, p.w);
            int j = draw(rng, p.a.get(k));
            for (int c = 0; c < p.d; c++) {
                x0[i * p.d + c] = p.x.get(k)[j * p.d + c];
            }
        }
        return run(p, x0, size, null, options);
    }

    /**
     * The barycenter from a given initial support.
     *
     * @param clouds the k point clouds, of one dimension d
     * @param cloudWeights their weights (a list of k, entries null for uniform), or null for all uniform
     * @param weights the k barycentric weights, summing to 1; null for uniform
     * @param init the initial support X₀, K × d
     * @param supportWeights the barycenter's weights b (K, positive; divided by their total), or null for uniform
     * @param options exact or entropic plans, iteration limit, tolerance
     * @return the support and its diagnostics
     * @throws IllegalArgumentException for bad clouds, weights or sizes (the message names them)
     */
    public static FreeSupportResult barycenter(List<Points> clouds, List<Weights> cloudWeights, double[] weights, Points init,
                                               Weights supportWeights, FreeSupportOptions options) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(init, "init");
        Problem p = new Problem(clouds, cloudWeights, weights);
        Sinkhorn.checkPoints("init", init);
        if (init.d() != p.d) {
            throw new IllegalArgumentException("init has dimension " + init.d() + " but the clouds have d = " + p.d);
        }
        return run(p, init.array().toDoubleArray(), init.n(), supportWeights, options);
    }

    private static int draw(SplittableRandom rng, double[] p) {
        double u = rng.nextDouble(), s = 0;
        for (int i = 0; i < p.length; i++) {
            s += p[i];
            if (u < s && p[i] > 0) {
                return i;
            }
        }
        for (int i = p.length - 1; i >= 0; i--) {
            if (p[i] > 0) {
                return i;
            }
        }
        throw new IllegalStateException("no positive weight");
    }

    /** The checked inputs. */
    private static final class Problem {
        final List<Points> clouds;
        final List<double[]> x = new ArrayList<>(), a = new ArrayList<>();
        final List<Weights> aw = new ArrayList<>();
        final double[] w;
        final int d;

        Problem(List<Points> clouds, List<Weights> cloudWeights, double[] weights) {
            Objects.requireNonNull(clouds, "clouds");
            if (clouds.isEmpty()) {
                throw new IllegalArgumentException("clouds is empty (a barycenter needs at least one measure)");
            }
            if (cloudWeights != null && cloudWeights.size() != clouds.size()) {
                throw new IllegalArgumentException("cloudWeights has " + cloudWeights.size() + " entries but there are "
                        + clouds.size() + " clouds");
            }
            this.clouds = clouds;
            int dim = -1;
            for (int k = 0; k < clouds.size(); k++) {
                Points c = clouds.get(k);
                if (c == null) {
                    throw new IllegalArgumentException("clouds[" + k + "] is null");
                }
                Sinkhorn.checkPoints("clouds[" + k + "]", c);
                if (dim < 0) {
                    dim = c.d();
                } else if (c.d() != dim) {
                    throw new IllegalArgumentException("clouds[" + k + "] has dimension " + c.d() + " but clouds[0] has " + dim);
                }
                double[] ak = Sinkhorn.checkProbabilities("cloudWeights[" + k + "]", cloudWeights == null ? null : cloudWeights.get(k),
                        c.n(), "clouds[" + k + "].n");
                x.add(c.array().toDoubleArray());
                a.add(ak);
                aw.add(Weights.of(ak));
            }
            this.d = dim;
            this.w = FixedSupport.barycentricWeights("weights", weights, clouds.size());
        }
    }

    private static FreeSupportResult run(Problem p, double[] x, int size, Weights supportWeights, FreeSupportOptions options) {
        long t0 = System.nanoTime();
        int d = p.d;
        double[] b = Sinkhorn.checkProbabilities("supportWeights", supportWeights, size, "K");
        for (int i = 0; i < size; i++) {
            if (!(b[i] > 0)) {
                throw new IllegalArgumentException("supportWeights[" + i + "] = " + b[i] + " (the barycenter's weights must be positive)");
            }
        }
        Weights bw = Weights.of(b);
        int iterations = 0;
        double change = Double.NaN, value = Double.NaN;
        boolean converged = false;
        int unconverged = 0;
        for (int it = 0; it < options.maxIterations(); it++) {
            Points xp = Points.of(size, d, x);
            double[] next = new double[size * d];
            value = 0;
            for (int k = 0; k < p.clouds.size(); k++) {
                if (p.w[k] == 0) {
                    continue;
                }
                double[] tx; // T_k X_k, K x d
                if (options.exactPlans()) {
                    ExactResult r = ExactTransport.emd(xp, p.clouds.get(k), bw, p.aw.get(k), CostFunction.SQUARED_EUCLIDEAN);
                    if (!r.optimal()) {
                        throw new IllegalStateException("the exact plan to clouds[" + k + "]: " + r.status());
                    }
                    tx = new double[size * d];
                    int[] rows = r.planRows(), cols = r.planColumns();
                    double[] vals = r.planValues();
                    double[] xk = p.x.get(k);
                    for (int t = 0; t < vals.length; t++) {
                        for (int c = 0; c < d; c++) {
                            tx[rows[t] * d + c] += vals[t] * xk[cols[t] * d + c];
                        }
                    }
                    value += p.w[k] * r.cost();
                } else {
                    SinkhornResult r = Sinkhorn.solve(xp, p.clouds.get(k), bw, p.aw.get(k), CostFunction.SQUARED_EUCLIDEAN,
                            options.sinkhorn());
                    tx = r.applyPlan(p.x.get(k), d);
                    unconverged += r.converged() ? 0 : 1;
                    value += p.w[k] * r.cost();
                }
                for (int i = 0; i < size; i++) {
                    for (int c = 0; c < d; c++) {
                        next[i * d + c] += p.w[k] * tx[i * d + c] / b[i];
                    }
                }
            }
            double ch = 0;
            for (int i = 0; i < size; i++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    double e = next[i * d + c] - x[i * d + c];
                    s += e * e;
                }
                ch += b[i] * s;
            }
            change = Math.sqrt(ch);
            x = next;
            iterations = it + 1;
            if (options.tolerance() > 0 && change <= options.tolerance()) {
                break;
            }
        }
        converged = change <= options.tolerance();
        return new FreeSupportResult(x, size, d, b, iterations, converged, change, value, unconverged, (System.nanoTime() - t0) / 1e6);
    }
}
