package dev.jot.divergence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The losses' defining properties, their limits in ε, and agreement between the ways to compute them. */
class DivergenceTest {

    static Points cloud(Random rnd, int n, int d, double shift) {
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble() + (k % d == 0 ? shift : 0);
        }
        return Points.of(n, d, v);
    }

    static Weights weights(Random rnd, int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.2 + rnd.nextDouble();
        }
        return Weights.of(w);
    }

    static SinkhornOptions f64(double eps) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-11)
                .withMaxIterations(1_000_000).withAnnealing(0.5);
    }

    @ParameterizedTest(name = "eps={0}")
    @ValueSource(doubles = {0.01, 0.1, 1, 10})
    void lossesAreNonNegativeSymmetricAndZeroOnEqualInputs(double eps) {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 3; trial++) {
            Points x = cloud(rnd, 40 + trial, 2, 0.3), y = cloud(rnd, 31 + 2 * trial, 2, 0);
            Weights a = weights(rnd, x.n()), b = weights(rnd, y.n());
            for (Loss loss : new Loss[]{Loss.DEBIASED, Loss.GENEVAY}) {
                var cost = CostFunction.SQUARED_EUCLIDEAN;
                DivergenceResult xy = Divergences.sinkhorn(x, a, y, b, cost, f64(eps), loss, false);
                DivergenceResult yx = Divergences.sinkhorn(y, b, x, a, cost, f64(eps), loss, false);
                DivergenceResult xx = Divergences.sinkhorn(x, a, x, a, cost, f64(eps), loss, false);
                assertTrue(xy.converged() && yx.converged() && xx.converged(), xy.status());
                double scale = Math.abs(xy.terms()[0]) + 1e-300;
                assertTrue(xy.value() >= -1e-9 * scale, loss + " negative: " + xy);
                assertEquals(xy.value(), yx.value(), 1e-9 * scale, loss + " not symmetric");
                assertEquals(0.0, xx.value(), 1e-9 * scale, loss + " not 0 on equal inputs");
            }
        }
    }

    /**
     * As ε grows, S_ε tends to ½·MMD²_{−c} (for |x − y|²: the squared distance between the means) and the
     * Genevay loss to twice that (MMD²_{−c}, the paper's Theorem 1); as ε shrinks, S_ε tends to the exact
     * transport cost and the Genevay loss to twice it (here in 1-D with equal uniform weights, where the
     * exact cost is that of matching sorted points).
     */
    @Test
    @org.junit.jupiter.api.Tag("heavy")
    void limitsInEpsilonAreTheMmdAndTheExactCost() {
        Random rnd = new Random(9);
        int n = 60;
        Points x = cloud(rnd, n, 1, 0.5), y = cloud(rnd, n, 1, 0);
        double[] xs = x.array().toDoubleArray(), ys = y.array().toDoubleArray();
        double mx = Arrays.stream(xs).average().orElseThrow(), my = Arrays.stream(ys).average().orElseThrow();
        double mmd = (mx - my) * (mx - my);
        double[] sx = xs.clone(), sy = ys.clone();
        Arrays.sort(sx);
        Arrays.sort(sy);
        double exact = 0;
        for (int i = 0; i < n; i++) {
            exact += (sx[i] - sy[i]) * (sx[i] - sy[i]) / n;
        }
        var cost = CostFunction.SQUARED_EUCLIDEAN;
        System.out.printf(Locale.ROOT, "limits: exact OT %.8f, MMD limit %.8f%n", exact, mmd);
        double prevToMmd = Double.POSITIVE_INFINITY;
        for (double eps : new double[]{1, 10, 100, 1000, 10000}) {
            double s = Divergences.sinkhorn(x, null, y, null, cost, limit(eps), Loss.DEBIASED, false).value();
            double g = Divergences.sinkhorn(x, null, y, null, cost, limit(eps), Loss.GENEVAY, false).value();
            System.out.printf(Locale.ROOT, "  eps %8.0e  debiased %.8f  genevay/2 %.8f  |debiased - MMD| %.2e%n", eps, s, g / 2,
                    Math.abs(s - mmd));
            assertTrue(Math.abs(s - mmd) <= prevToMmd, "not approaching the MMD at eps " + eps);
            assertTrue(Math.abs(s - mmd) <= 1e-4 * mmd * 1e4 / eps, "too far from the MMD at eps " + eps);
            assertEquals(2 * mmd, g, 2e-3 * mmd * 10 / eps, "genevay at eps " + eps);
            prevToMmd = Math.abs(s - mmd);
        }
        double prevToExact = Double.POSITIVE_INFINITY;
        for (double eps : new double[]{1e-1, 1e-2, 1e-3, 1e-4}) {
            double s = Divergences.sinkhorn(x, null, y, null, cost, limit(eps), Loss.DEBIASED, false).value();
            double g = Divergences.sinkhorn(x, null, y, null, cost, limit(eps), Loss.GENEVAY, false).value();
            System.out.printf(Locale.ROOT, "  eps %8.0e  debiased %.8f  genevay/2 %.8f  |debiased - OT| %.2e%n", eps, s, g / 2,
                    Math.abs(s - exact));
            assertTrue(Math.abs(s - exact) <= prevToExact, "not approaching the exact cost at eps " + eps);
            if (eps == 1e-4) {
                assertEquals(exact, s, 1e-3 * exact);
                assertEquals(2 * exact, g, 2e-3 * exact);
            }
            prevToExact = Math.abs(s - exact);
        }
    }

    static SinkhornOptions limit(double eps) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-9)
                .withMaxIterations(1_000_000).withAnnealing(0.5);
    }

    /** With the cost |x − y| the debiased divergence tends to the energy distance as ε grows. */
    @Test
    void euclideanCostTendsToTheEnergyDistance() {
        Random rnd = new Random(3);
        Points x = cloud(rnd, 50, 3, 0.4), y = cloud(rnd, 45, 3, 0);
        Weights a = weights(rnd, 50), b = weights(rnd, 45);
        double energy = Divergences.mmd(x, a, y, b, MmdKernel.energy(), false).value();
        double s = Divergences.sinkhorn(x, a, y, b, CostFunction.EUCLIDEAN, f64(1e5), Loss.DEBIASED, false).value();
        assertEquals(energy, s, 1e-4 * energy);
    }

    /** MMD against naive double loops, for each kernel. */
    @ParameterizedTest
    @ValueSource(strings = {"energy", "gaussian:0.4", "laplacian:0.7"})
    void mmdAgreesWithNaiveSums(String spec) {
        Random rnd = new Random(spec.hashCode());
        Points x = cloud(rnd, 37, 3, 0.2), y = cloud(rnd, 29, 3, 0);
        Weights a = weights(rnd, 37), b = weights(rnd, 29);
        MmdKernel k = MmdKernel.parse(spec);
        double[] wa = normalised(a.toArray()), wb = normalised(b.toArray());
        double want = 0.5 * naive(x, wa, x, wa, k) + 0.5 * naive(y, wb, y, wb, k) - naive(x, wa, y, wb, k);
        DivergenceResult r = Divergences.mmd(x, a, y, b, k, false);
        assertEquals(want, r.value(), 1e-12 * Math.max(1e-3, Math.abs(want)), spec);
        assertTrue(r.value() >= 0, spec + " MMD must be >= 0 for these kernels: " + r.value());
    }

    static double naive(Points x, double[] a, Points y, double[] b, MmdKernel k) {
        double s = 0;
        for (int i = 0; i < x.n(); i++) {
            for (int j = 0; j < y.n(); j++) {
                double d2 = 0;
                for (int c = 0; c < x.d(); c++) {
                    double t = x.get(i, c) - y.get(j, c);
                    d2 += t * t;
                }
                s += a[i] * b[j] * k.value(d2);
            }
        }
        return s;
    }

    static double[] normalised(double[] w) {
        double s = Arrays.stream(w).sum();
        return Arrays.stream(w).map(v -> v / s).toArray();
    }

    /** The histogram entry point on the three cost matrices gives the point-cloud value (plain vs symmetric self terms). */
    @Test
    void costMatricesGiveThePointCloudValue() {
        Random rnd = new Random(21);
        Points x = cloud(rnd, 30, 2, 0.3), y = cloud(rnd, 25, 2, 0);
        Weights a = weights(rnd, 30), b = weights(rnd, 25);
        var cost = CostFunction.SQUARED_EUCLIDEAN;
        for (Loss loss : new Loss[]{Loss.DEBIASED, Loss.GENEVAY}) {
            DivergenceResult pts = Divergences.sinkhorn(x, a, y, b, cost, f64(0.05), loss, true);
            DivergenceResult mats = Divergences.sinkhorn(matrix(x, y), matrix(x, x), matrix(y, y), a, b, f64(0.05), loss,
                    loss == Loss.DEBIASED);
            assertEquals(pts.value(), mats.value(), 1e-9 * Math.abs(pts.terms()[0]), loss.label());
            if (loss == Loss.DEBIASED) {
                assertArrayEquals(pts.gradA(), mats.gradA(), 1e-8);
                assertArrayEquals(pts.gradB(), mats.gradB(), 1e-8);
            }
        }
    }

    static NdArray matrix(Points x, Points y) {
        double[] c = new double[x.n() * y.n()];
        for (int i = 0; i < x.n(); i++) {
            for (int j = 0; j < y.n(); j++) {
                double s = 0;
                for (int k = 0; k < x.d(); k++) {
                    double t = x.get(i, k) - y.get(j, k);
                    s += t * t;
                }
                c[i * y.n() + j] = s;
            }
        }
        return NdArray.of(c, x.n(), y.n());
    }

    @Test
    void batchEqualsOneByOne() {
        Random rnd = new Random(4);
        List<Points> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            xs.add(cloud(rnd, 10 + 7 * k, 3, 0.1 * k));
            ys.add(cloud(rnd, 30 - 5 * k, 3, 0));
        }
        var cost = CostFunction.SQUARED_EUCLIDEAN;
        List<DivergenceResult> all = Divergences.sinkhornAll(xs, null, ys, null, cost, f64(0.1), Loss.DEBIASED, true);
        for (int k = 0; k < 4; k++) {
            DivergenceResult one = Divergences.sinkhorn(xs.get(k), null, ys.get(k), null, cost, f64(0.1), Loss.DEBIASED, true);
            assertEquals(one.value(), all.get(k).value(), 0.0);
            assertArrayEquals(one.gradX(), all.get(k).gradX(), 0.0);
        }
    }

    @Test
    void badInputsAreNamed() {
        Random rnd = new Random(1);
        Points x = cloud(rnd, 5, 2, 0), y3 = cloud(rnd, 5, 3, 0);
        var cost = CostFunction.SQUARED_EUCLIDEAN;
        var e = assertThrows(IllegalArgumentException.class,
                () -> Divergences.sinkhorn(x, null, y3, null, cost, f64(1), Loss.DEBIASED, false));
        assertTrue(e.getMessage().contains("same dimension"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Divergences.sinkhorn(x, Weights.of(1, 2), x, null, cost, f64(1), Loss.DEBIASED, false));
        assertTrue(e.getMessage().contains("a has 2 weights"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Divergences.unrolled(x, null, x, null, cost, 1, 0, Loss.GENEVAY, f64(1)));
        assertTrue(e.getMessage().contains("iterations must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MmdKernel.parse("gaussian:-1"));
        assertTrue(e.getMessage().contains("sigma"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Loss.parse("wasserstein"));
        assertTrue(e.getMessage().contains("wasserstein"), e.getMessage());
    }

    /** f32 solves give the f64 value to f32 accuracy, and gradients stay finite. */
    @Test
    void f32AgreesWithF64() {
        Random rnd = new Random(8);
        Points x = cloud(rnd, 200, 3, 0.2), y = cloud(rnd, 150, 3, 0);
        var cost = CostFunction.SQUARED_EUCLIDEAN;
        DivergenceResult d64 = Divergences.sinkhorn(x, null, y, null, cost, f64(0.05), Loss.DEBIASED, true);
        DivergenceResult d32 = Divergences.sinkhorn(x, null, y, null, cost,
                SinkhornOptions.epsilon(0.05).withPrecision(Precision.F32).withTolerance(1e-5), Loss.DEBIASED, true);
        assertTrue(d32.converged(), d32.status());
        assertEquals(d64.value(), d32.value(), 1e-3 * Math.abs(d64.terms()[0]));
        double[] g64 = d64.gradX(), g32 = d32.gradX();
        double diff = 0, norm = 0;
        for (int k = 0; k < g64.length; k++) {
            diff += (g64[k] - g32[k]) * (g64[k] - g32[k]);
            norm += g64[k] * g64[k];
        }
        assertTrue(Math.sqrt(diff) <= 1e-2 * Math.sqrt(norm), "f32 gradient off by " + Math.sqrt(diff / norm));
    }
}
