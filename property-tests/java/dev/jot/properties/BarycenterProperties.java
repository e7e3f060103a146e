package dev.jot.properties;

import dev.jot.barycenter.FixedSupport;
import dev.jot.barycenter.FixedSupportResult;
import dev.jot.barycenter.FreeSupport;
import dev.jot.barycenter.FreeSupportOptions;
import dev.jot.barycenter.FreeSupportResult;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.exact.ExactTransport;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.PropagationMode;

/** What JOT guarantees about barycenters, over small random supports, histograms (zeros included) and weights. */
@AddLifecycleHook(value = TriesFromSystemProperty.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class BarycenterProperties {

    /** k histograms on one cloud of n points in d dimensions, barycentric weights and ε. */
    record Problem(double[][] x, double[][] h, double[] w, double eps) {
        NdArray histograms() {
            int k = h.length, n = h[0].length;
            double[] flat = new double[k * n];
            for (int p = 0; p < k; p++) {
                System.arraycopy(h[p], 0, flat, p * n, n);
            }
            return NdArray.of(flat, k, n);
        }

        NdArray cost() {
            int n = x.length;
            double[] c = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int t = 0; t < x[0].length; t++) {
                        s += (x[i][t] - x[j][t]) * (x[i][t] - x[j][t]);
                    }
                    c[i * n + j] = s;
                }
            }
            return NdArray.of(c, n, n);
        }

        @Override
        public String toString() {
            return "Problem[x=" + Arrays.deepToString(x) + ", h=" + Arrays.deepToString(h) + ", w=" + Arrays.toString(w)
                    + ", eps=" + eps + "]";
        }
    }

    @Provide
    Arbitrary<Problem> problems() {
        return Combinators.combine(Arbitraries.integers().between(1, 20), Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 3)).flatAs((n, k, d) -> Combinators.combine(SinkhornProperties.cloud(n, d),
                SinkhornProperties.histogram(n).list().ofSize(k), SinkhornProperties.histogram(k), SinkhornProperties.epsilons())
                .as((x, hs, w, eps) -> new Problem(x, hs.toArray(double[][]::new), w, eps)));
    }

    private static SinkhornOptions fixed(double eps, int iterations) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(0).withMaxIterations(iterations).withThreads(1);
    }

    /**
     * A converged barycenter is non-negative with mass 1 (within the tolerance), its plans' row errors are within the
     * tolerance, and its value Σ_k w_k OT_ε(b, h_k) is finite and non-negative (⟨P, C⟩ ≥ 0 and the generalised KL ≥ 0).
     */
    @Property(seed = "20261202")
    boolean convergedBarycentersHaveMassOneAndSmallErrors(@ForAll("problems") Problem p) {
        FixedSupportResult r = FixedSupport.barycenter(p.histograms(), p.cost(), p.w(),
                SinkhornOptions.epsilon(p.eps()).withPrecision(Precision.F64).withTolerance(1e-9).withMaxIterations(20_000).withThreads(1));
        Assume.that(r.converged());
        double mass = Arrays.stream(r.barycenter()).sum();
        if (Math.abs(mass - 1) > 1e-8 || r.marginalError() > 1e-9 || !Double.isFinite(r.value()) || r.value() < -1e-9) {
            throw new AssertionError(r + ", mass " + mass);
        }
        return Arrays.stream(r.barycenter()).allMatch(v -> v >= 0);
    }

    /** The vector kernels give the scalar kernels' barycenter (30 iterations, to 1e-9 relative). */
    @Property(seed = "20261203")
    @AddLifecycleHook(SinkhornProperties.RequiresVectorKernels.class)
    boolean vectorKernelsGiveTheScalarBarycenter(@ForAll("problems") Problem p) {
        FixedSupportResult s = FixedSupport.barycenter(p.histograms(), p.cost(), p.w(), fixed(p.eps(), 30).withKernels(Kernels.scalar()));
        FixedSupportResult v = FixedSupport.barycenter(p.histograms(), p.cost(), p.w(), fixed(p.eps(), 30).withKernels(Kernels.vector().get()));
        double[] a = s.barycenter(), b = v.barycenter();
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > 1e-9 * Math.max(1e-300, Math.max(a[i], b[i])) + 1e-300) {
                throw new AssertionError("bin " + i + ": scalar " + a[i] + ", vector " + b[i]);
            }
        }
        return true;
    }

    /** Reversing the order of the inputs (and of their weights) gives the same barycenter, plain and debiased. */
    @Property(seed = "20261204")
    boolean theOrderOfTheInputsDoesNotMatter(@ForAll("problems") Problem p) {
        int k = p.h().length;
        double[][] rh = new double[k][];
        double[] rw = new double[k];
        for (int i = 0; i < k; i++) {
            rh[i] = p.h()[k - 1 - i];
            rw[i] = p.w()[k - 1 - i];
        }
        Problem q = new Problem(p.x(), rh, rw, p.eps());
        for (boolean debiased : new boolean[] {false, true}) {
            FixedSupportResult a = debiased ? FixedSupport.debiased(p.histograms(), p.cost(), p.w(), fixed(p.eps(), 30))
                    : FixedSupport.barycenter(p.histograms(), p.cost(), p.w(), fixed(p.eps(), 30));
            FixedSupportResult b = debiased ? FixedSupport.debiased(q.histograms(), q.cost(), q.w(), fixed(p.eps(), 30))
                    : FixedSupport.barycenter(q.histograms(), q.cost(), q.w(), fixed(p.eps(), 30));
            double[] u = a.barycenter(), v = b.barycenter();
            for (int i = 0; i < u.length; i++) {
                if (Math.abs(u[i] - v[i]) > 1e-10 * Math.max(u[i], v[i]) + 1e-300) {
                    throw new AssertionError("debiased " + debiased + ", bin " + i + ": " + u[i] + " against " + v[i]);
                }
            }
        }
        return true;
    }

    /** With exact plans, each free-support step does not increase Σ_k w_k W₂²(X, X_k). */
    @Property(seed = "20261205", tries = 40)
    boolean freeSupportStepsDoNotIncreaseTheObjective(@ForAll("problems") Problem p) {
        List<Points> clouds = new ArrayList<>();
        List<dev.jot.data.Weights> weights = new ArrayList<>();
        for (double[] h : p.h()) {
            clouds.add(Points.of(p.x()));
            weights.add(dev.jot.data.Weights.of(h));
        }
        int size = Math.max(1, p.x().length / 2);
        double last = Double.POSITIVE_INFINITY;
        Points init = null;
        for (int steps = 1; steps <= 4; steps++) {
            FreeSupportResult r = FreeSupport.barycenter(clouds, weights, p.w(), size, FreeSupportOptions.exact().withMaxIterations(steps)
                    .withTolerance(0));
            // the objective at the support after `steps` moves
            Points xs = Points.of(r.size(), r.d(), r.support());
            double obj = 0;
            for (int k = 0; k < clouds.size(); k++) {
                obj += p.w()[k] * ExactTransport.emd(xs, clouds.get(k), dev.jot.data.Weights.of(r.weights()), weights.get(k),
                        CostFunction.SQUARED_EUCLIDEAN).cost();
            }
            if (obj > last + 1e-9 * (1 + Math.abs(last))) {
                throw new AssertionError("step " + steps + ": " + obj + " after " + last);
            }
            last = obj;
        }
        return true;
    }
}
