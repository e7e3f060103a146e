package dev.jot.properties;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import dev.jot.exact.GromovWasserstein;
import dev.jot.exact.OneDimensional;
import dev.jot.geometry.CostFunction;
import dev.jot.properties.SinkhornProperties.Problem;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.PropagationMode;

/** What JOT guarantees about exact transport, over small random clouds and histograms (zeros included). */
@AddLifecycleHook(value = TriesFromSystemProperty.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class ExactProperties {

    @Provide
    Arbitrary<Problem> problems() {
        return SinkhornProperties.problems(1, 30);
    }

    /**
     * The network simplex's answer carries its own proof: exact marginals, f_i + g_j ≤ C_ij everywhere,
     * equality on the support, ⟨a, f⟩ + ⟨b, g⟩ = ⟨P, C⟩, and at most n + m − 1 nonzeros.
     */
    @Property(seed = "20261122")
    boolean dualCertificateHolds(@ForAll("problems") Problem p) {
        CostFunction cost = CostFunction.SQUARED_EUCLIDEAN;
        Points x = Points.of(p.x()), y = Points.of(p.y());
        ExactResult r = ExactTransport.emd(x, y, Weights.of(p.a()), Weights.of(p.b()), cost);
        if (!r.optimal() || r.planNonzeros() > p.n() + p.m() - 1) {
            throw new AssertionError(r.toString());
        }
        double[] px = x.array().toDoubleArray(), py = y.array().toDoubleArray(), f = r.f(), g = r.g();
        double tol = 1e-10 * (1 + 16);
        double[] row = new double[p.n()], col = new double[p.m()];
        int[] ri = r.planRows(), ci = r.planColumns();
        double[] v = r.planValues();
        for (int k = 0; k < v.length; k++) {
            row[ri[k]] += v[k];
            col[ci[k]] += v[k];
            double c = cost.cost(px, ri[k], py, ci[k], p.d());
            if (Math.abs(f[ri[k]] + g[ci[k]] - c) > tol) {
                throw new AssertionError("slackness at " + ri[k] + "," + ci[k]);
            }
        }
        double dual = 0;
        for (int i = 0; i < p.n(); i++) {
            if (Math.abs(row[i] - p.a()[i]) > 1e-12) {
                throw new AssertionError("row marginal " + i);
            }
            dual += p.a()[i] * f[i];
            for (int j = 0; j < p.m(); j++) {
                if (f[i] + g[j] > cost.cost(px, i, py, j, p.d()) + tol) {
                    throw new AssertionError("dual infeasible at " + i + "," + j);
                }
            }
        }
        for (int j = 0; j < p.m(); j++) {
            if (Math.abs(col[j] - p.b()[j]) > 1e-12) {
                throw new AssertionError("column marginal " + j);
            }
            dual += p.b()[j] * g[j];
        }
        return Math.abs(dual - r.cost()) <= tol;
    }

    /** In 1-D the quantile coupling's cost equals the network simplex's, for |x − y|^p with p in {1, 2, 3}. */
    @Property(seed = "20261122")
    boolean oneDimensionalClosedFormEqualsNetworkSimplex(@ForAll("problems") Problem p) {
        double[] x = new double[p.n()], y = new double[p.m()];
        for (int i = 0; i < p.n(); i++) {
            x[i] = p.x()[i][0];
        }
        for (int j = 0; j < p.m(); j++) {
            y[j] = p.y()[j][0];
        }
        for (double q : new double[]{1, 2, 3}) {
            double closed = OneDimensional.wasserstein(x, p.a(), y, p.b(), q);
            double simplex = ExactTransport.emd(Points.of(p.n(), 1, x), Points.of(p.m(), 1, y), Weights.of(p.a()),
                    Weights.of(p.b()), CostFunction.power(q)).cost();
            if (Math.abs(closed - simplex) > 1e-12 * (1 + simplex)) {
                throw new AssertionError("p = " + q + ": closed form " + closed + ", network simplex " + simplex);
            }
        }
        return true;
    }

    /** Σ_k −w_k log w_k (0 log 0 = 0). */
    static double entropy(double[] w) {
        double h = 0;
        for (double v : w) {
            h -= v > 0 ? v * Math.log(v) : 0;
        }
        return h;
    }

    /**
     * Entropic transport tends to exact transport as ε → 0: for ε = s·max C with s = 1, 0.1, 0.01,
     * OT_0 ≤ ⟨P_ε, C⟩ ≤ OT_0 + ε·min(H(a), H(b)), and ⟨P_ε, C⟩ shrinks with ε (to the marginal error).
     */
    @Property(seed = "20261123")
    boolean entropicTendsToExactAsEpsilonShrinks(@ForAll("problems") Problem p) {
        CostFunction cost = CostFunction.SQUARED_EUCLIDEAN;
        Points x = Points.of(p.x()), y = Points.of(p.y());
        double exact = ExactTransport.emd(x, y, Weights.of(p.a()), Weights.of(p.b()), cost).cost();
        double[] px = x.array().toDoubleArray(), py = y.array().toDoubleArray();
        double maxC = 0;
        for (int i = 0; i < p.n(); i++) {
            for (int j = 0; j < p.m(); j++) {
                maxC = Math.max(maxC, cost.cost(px, i, py, j, p.d()));
            }
        }
        double h = Math.min(entropy(p.a()), entropy(p.b())), previous = Double.POSITIVE_INFINITY, previousSlack = 0;
        for (double s : new double[]{1, 0.1, 0.01}) {
            double eps = s * Math.max(maxC, 1e-3);
            SinkhornResult r = Sinkhorn.solve(x, y, Weights.of(p.a()), Weights.of(p.b()), cost,
                    SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-10).withMaxIterations(200_000));
            double slack = 2 * maxC * (r.marginalErrorA() + r.marginalErrorB()) + 1e-12 * (1 + maxC);
            double got = r.cost();
            if (!r.converged() || got < exact - slack || got > exact + eps * h + slack || got > previous + slack + previousSlack) {
                throw new AssertionError("eps " + eps + ": <P,C> = " + got + ", OT_0 = " + exact + ", bound " + (exact + eps * h)
                        + ", at the previous eps " + previous + " (" + r.status() + ")");
            }
            previous = got;
            previousSlack = slack;
        }
        return true;
    }

    @Provide
    Arbitrary<Problem> smallProblems() {
        return SinkhornProperties.problems(1, 10);
    }

    /**
     * Entropic Gromov–Wasserstein is symmetric: swapping the two spaces (with their weights) gives the same
     * value (to 1e-6 relative) and the transposed coupling (to 1e-6), and the value is ≥ 0.
     */
    @Property(seed = "20261124", tries = 25)
    boolean gromovWassersteinIsSymmetric(@ForAll("smallProblems") Problem p) {
        Points x = Points.of(p.x()), y = Points.of(p.y());
        double eps = 0.5 * p.eps();
        GromovWasserstein.Result xy = GromovWasserstein.entropic(x, Weights.of(p.a()), y, Weights.of(p.b()),
                CostFunction.SQUARED_EUCLIDEAN, eps, 500, 1e-10);
        GromovWasserstein.Result yx = GromovWasserstein.entropic(y, Weights.of(p.b()), x, Weights.of(p.a()),
                CostFunction.SQUARED_EUCLIDEAN, eps, 500, 1e-10);
        Assume.that(xy.converged() && yx.converged());
        if (!(xy.value() >= -1e-12) || Math.abs(xy.value() - yx.value()) > 1e-6 * (1e-9 + Math.abs(xy.value()))) {
            throw new AssertionError("GW(x, y) = " + xy.value() + ", GW(y, x) = " + yx.value());
        }
        double[] t = xy.plan().toDoubleArray(), u = yx.plan().toDoubleArray();
        for (int i = 0; i < p.n(); i++) {
            for (int j = 0; j < p.m(); j++) {
                if (Math.abs(t[i * p.m() + j] - u[j * p.n() + i]) > 1e-6) {
                    throw new AssertionError("coupling (" + i + ", " + j + "): " + t[i * p.m() + j] + " vs " + u[j * p.n() + i]);
                }
            }
        }
        return true;
    }
}
