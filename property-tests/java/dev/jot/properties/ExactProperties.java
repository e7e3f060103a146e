package dev.jot.properties;

import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import dev.jot.exact.OneDimensional;
import dev.jot.geometry.CostFunction;
import dev.jot.properties.SinkhornProperties.Problem;
import net.jqwik.api.Arbitrary;
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
}
