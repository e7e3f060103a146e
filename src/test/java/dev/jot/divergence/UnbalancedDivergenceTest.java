package dev.jot.divergence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.UnbalancedOracle;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Séjourné et al. (2019)'s unbalanced debiased divergence S = OT(a,b) − ½OT(a,a) − ½OT(b,b) + (ε/2)(m(a) − m(b))²:
 * the issue's value, the oracle, S(a,a) = 0, S ≥ 0, and envelope gradients in x, y, a, b against central
 * differences.
 */
class UnbalancedDivergenceTest {
    private static SinkhornOptions opts(double eps, double rho) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-14).withMaxIterations(200000)
                .withRho(rho);
    }

    private static Points line(double... v) {
        return Points.of(v.length, 1, v);
    }

    private static double[][] sq(double[] x, double[] y, double scale) {
        double[][] c = new double[x.length][y.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                c[i][j] = scale * (x[i] - y[j]) * (x[i] - y[j]);
            }
        }
        return c;
    }

    private static NdArray matrix(double[][] c) {
        int n = c.length, m = c[0].length;
        double[] v = new double[n * m];
        for (int i = 0; i < n; i++) {
            System.arraycopy(c[i], 0, v, i * m, m);
        }
        return NdArray.of(v, n, m);
    }

    @Test
    void theIssuesThreePointValueInBothConventions() {
        double[] x = {0, 1, 2}, y = {0.5, 1.5}, a = {0.2, 0.5, 0.3}, b = {0.6, 0.9};
        DivergenceResult r = Divergences.sinkhorn(line(x), Weights.of(a), line(y), Weights.of(b),
                CostFunction.SQUARED_EUCLIDEAN, opts(1, 2), Loss.DEBIASED, false);
        assertTrue(r.converged(), r.status());
        assertEquals(0.23999409898, r.value(), 1e-11);
        // the oracle: three primal values from the definition
        double oracle = new UnbalancedOracle(sq(x, y, 1), a, b, 1, 2, 2).primal
                - 0.5 * new UnbalancedOracle(sq(x, x, 1), a, a, 1, 2, 2).primal
                - 0.5 * new UnbalancedOracle(sq(y, y, 1), b, b, 1, 2, 2).primal + 0.5 * 1 * (1.0 - 1.5) * (1.0 - 1.5);
        assertEquals(oracle, r.value(), 1e-12);
        // GeomLoss's convention: the cost |x-y|^2/2 with eps = 0.5, rho = 1 (reach = 1, blur^2 = 0.5), on cost matrices
        DivergenceResult half = Divergences.sinkhorn(matrix(sq(x, y, 0.5)), matrix(sq(x, x, 0.5)), matrix(sq(y, y, 0.5)),
                Weights.of(a), Weights.of(b), opts(0.5, 1), Loss.DEBIASED, false);
        assertEquals(0.11999704949, half.value(), 1e-11);
    }

    @Test
    void zeroOnEqualMeasuresAndPositiveOtherwise() {
        Random rnd = new Random(1);
        for (int trial = 0; trial < 4; trial++) {
            int n = 6 + trial, m = 9 - trial;
            double[] x = new double[2 * n], y = new double[2 * m], a = new double[n], b = new double[m];
            for (int k = 0; k < x.length; k++) {
                x[k] = rnd.nextDouble();
            }
            for (int k = 0; k < y.length; k++) {
                y[k] = rnd.nextDouble();
            }
            for (int i = 0; i < n; i++) {
                a[i] = 0.3 * (1 + trial) * (0.2 + rnd.nextDouble());
            }
            for (int j = 0; j < m; j++) {
                b[j] = 0.2 + rnd.nextDouble();
            }
            SinkhornOptions o = opts(0.1 + 0.3 * trial, 0.5 + trial);
            Points px = Points.of(n, 2, x), py = Points.of(m, 2, y);
            DivergenceResult self = Divergences.sinkhorn(px, Weights.of(a), px, Weights.of(a), CostFunction.SQUARED_EUCLIDEAN,
                    o, Loss.DEBIASED, false);
            assertEquals(0, self.value(), 1e-12, "S(a, a), trial " + trial);
            DivergenceResult s = Divergences.sinkhorn(px, Weights.of(a), py, Weights.of(b), CostFunction.SQUARED_EUCLIDEAN,
                    o, Loss.DEBIASED, false);
            assertTrue(s.converged(), s.status());
            assertTrue(s.value() > 0, "S >= 0, trial " + trial + ": " + s.value());
        }
    }

    @Test
    void gradientsMatchCentralDifferences() {
        Random rnd = new Random(7);
        int n = 12, m = 10;
        double[] x = new double[2 * n], y = new double[2 * m], a = new double[n], b = new double[m];
        for (int k = 0; k < x.length; k++) {
            x[k] = 0.8 * rnd.nextDouble();
        }
        for (int k = 0; k < y.length; k++) {
            y[k] = 0.2 + 0.8 * rnd.nextDouble();
        }
        for (int i = 0; i < n; i++) {
            a[i] = (0.5 + rnd.nextDouble()) / n;
        }
        for (int j = 0; j < m; j++) {
            b[j] = 1.6 * (0.5 + rnd.nextDouble()) / m;
        }
        SinkhornOptions o = opts(0.3, 0.7);
        for (Loss loss : new Loss[]{Loss.DEBIASED, Loss.TRANSPORT}) {
            Function<double[][], Double> value = v -> Divergences.sinkhorn(Points.of(n, 2, v[0]), Weights.of(v[2]),
                    Points.of(m, 2, v[1]), Weights.of(v[3]), CostFunction.SQUARED_EUCLIDEAN, o, loss, false).value();
            DivergenceResult r = Divergences.sinkhorn(Points.of(n, 2, x), Weights.of(a), Points.of(m, 2, y), Weights.of(b),
                    CostFunction.SQUARED_EUCLIDEAN, o, loss, true);
            assertTrue(r.converged(), r.status());
            double[][] base = {x, y, a, b};
            double[][] grads = {r.gradX(), r.gradY(), r.gradA(), r.gradB()};
            String[] names = {"x", "y", "a", "b"};
            for (int part = 0; part < 4; part++) {
                double[] dir = new double[base[part].length];
                double norm = 0, gnorm = 0, dot = 0;
                for (int k = 0; k < dir.length; k++) {
                    dir[k] = rnd.nextGaussian();
                    norm += dir[k] * dir[k];
                    gnorm += grads[part][k] * grads[part][k];
                    dot += grads[part][k] * dir[k];
                }
                double h = 1e-5 * (part >= 2 ? 0.05 : 1);
                double fd = (value.apply(shifted(base, part, dir, h)) - value.apply(shifted(base, part, dir, -h))) / (2 * h);
                double scale = Math.sqrt(norm * gnorm);
                assertEquals(fd, dot, 1e-6 * scale, loss.label() + " gradient in " + names[part]);
            }
        }
    }

    private static double[][] shifted(double[][] base, int part, double[] dir, double h) {
        double[][] out = base.clone();
        out[part] = base[part].clone();
        for (int k = 0; k < dir.length; k++) {
            out[part][k] += h * dir[k];
        }
        return out;
    }

    @Test
    void unsupportedCombinationsAreClearErrors() {
        Points x = line(0, 1), y = line(0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Divergences.sinkhorn(x, null, y, null,
                CostFunction.SQUARED_EUCLIDEAN, opts(1, 1), Loss.GENEVAY, false));
        assertTrue(e.getMessage().contains("genevay"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Divergences.sinkhorn(x, null, y, null,
                CostFunction.SQUARED_EUCLIDEAN, opts(1, 1).withRho(1, 2), Loss.DEBIASED, false));
        assertTrue(e.getMessage().contains("rho_a = rho_b"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Divergences.unrolled(x, null, y, null,
                CostFunction.SQUARED_EUCLIDEAN, 1, 5, Loss.DEBIASED, opts(1, 1)));
        assertTrue(e.getMessage().contains("balanced only"), e.getMessage());
    }
}
