package dev.jot.barycenter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import dev.jot.testutil.MiniJson;
import dev.jot.testutil.Reference;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fixed-support barycenters: POT 0.8.2's {@code barycenter(method='sinkhorn_log')} on 1-D Gaussian histograms with
 * non-uniform weights (the reference in {@code src/test/resources/barycenter}, with the script that made it), the
 * debiased barycenter against an independent log-domain implementation of Janati et al.'s iteration, and the
 * properties: mass 1, symmetry, weights (1, 0, ...), the value against separate Sinkhorn solves, hostile inputs.
 */
class FixedSupportTest {
    private static Path dir() throws URISyntaxException {
        URL url = FixedSupportTest.class.getResource("/barycenter/pot_values.json");
        assertNotNull(url, "the reference /barycenter/pot_values.json is not on the test class path");
        return Path.of(url.toURI()).getParent();
    }

    private static SinkhornOptions f64(double eps) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-12).withMaxIterations(100_000);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"three", "two"})
    @SuppressWarnings("unchecked")
    void agreesWithPotSinkhornLog(String name) throws Exception {
        Path d = dir();
        Map<String, Object> json = MiniJson.parseObject(Files.readString(d.resolve("pot_values.json")));
        Map<String, Object> c = (Map<String, Object>) ((Map<String, Object>) json.get("cases")).get(name);
        double eps = Reference.number(c.get("epsilon"));
        NdArray h = Npy.read(d.resolve(name + "_histograms.npy")), cost = Npy.read(d.resolve("cost.npy"));
        double[] w = Npy.read(d.resolve(name + "_weights.npy")).toDoubleArray();
        double[] pot = Npy.read(d.resolve(name + "_pot.npy")).toDoubleArray();
        FixedSupportResult r = FixedSupport.barycenter(h, cost, w, f64(eps));
        assertTrue(r.converged(), r.toString());
        double[] bar = r.barycenter();
        double worst = 0;
        for (int i = 0; i < bar.length; i++) {
            worst = Math.max(worst, Math.abs(bar[i] - pot[i]));
        }
        System.out.printf("%s: %d iterations, max |JOT - POT| = %.2e, marginal error %.2e%n", name, r.iterations(), worst, r.marginalError());
        assertTrue(worst <= 1e-6 * max(pot), "max difference " + worst);
        // f32: the same barycenter to f32's resolution of the potentials (|g| up to 1/eps)
        FixedSupportResult r32 = FixedSupport.barycenter(h, cost, w, SinkhornOptions.epsilon(eps).withPrecision(Precision.F32)
                .withTolerance(1e-5).withMaxIterations(20_000));
        double worst32 = 0;
        for (int i = 0; i < bar.length; i++) {
            worst32 = Math.max(worst32, Math.abs(r32.barycenter()[i] - pot[i]));
        }
        System.out.printf("%s f32: %d iterations, max |JOT - POT| = %.2e%n", name, r32.iterations(), worst32);
        assertTrue(r32.converged(), r32.toString());
        assertTrue(worst32 <= 1e-4 * max(pot), "f32 max difference " + worst32);
    }

    private static double max(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    static double[] grid(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i / (double) (n - 1);
        }
        return x;
    }

    static double[] gauss(double[] x, double m, double s) {
        double[] h = new double[x.length];
        double t = 0;
        for (int i = 0; i < x.length; i++) {
            h[i] = Math.exp(-(x[i] - m) * (x[i] - m) / (2 * s * s));
            t += h[i];
        }
        for (int i = 0; i < x.length; i++) {
            h[i] /= t;
        }
        return h;
    }

    static double[][] sqCost(double[] x) {
        double[][] c = new double[x.length][x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x.length; j++) {
                c[i][j] = (x[i] - x[j]) * (x[i] - x[j]);
            }
        }
        return c;
    }

    static double width(double[] x, double[] b) {
        double m = 0, t = 0;
        for (int i = 0; i < x.length; i++) {
            m += b[i] * x[i];
            t += b[i];
        }
        m /= t;
        double v = 0;
        for (int i = 0; i < x.length; i++) {
            v += b[i] * (x[i] - m) * (x[i] - m);
        }
        return Math.sqrt(v / t);
    }

    @Test
    void debiasedKeepsTheWidthOfEqualGaussians() {
        double[] x = grid(200);
        double[][] h = {gauss(x, 0.3, 0.05), gauss(x, 0.7, 0.05)};
        double[][] c = sqCost(x);
        double eps = 0.002;
        NdArray hs = FixedSupport.matrix("h", h), cm = FixedSupport.matrix("c", c);
        FixedSupportResult plain = FixedSupport.barycenter(hs, cm, null, f64(eps).withTolerance(1e-10));
        FixedSupportResult deb = FixedSupport.debiased(hs, cm, null, f64(eps).withTolerance(1e-10));
        double wp = width(x, plain.barycenter()), wd = width(x, deb.barycenter());
        System.out.printf("widths: input %.5f, plain %.5f (%d iterations), debiased %.5f (%d iterations)%n",
                width(x, h[0]), wp, plain.iterations(), wd, deb.iterations());
        assertTrue(plain.converged() && deb.converged(), plain + " / " + deb);
        assertEquals(0.0592, wp, 5e-4, "the plain barycenter is wider (issue 18: 0.0592)");
        assertEquals(0.05, wd, 1e-4, "the debiased barycenter keeps the width");
        double[] oracle = JanatiOracle.barycenter(h, c, new double[] {0.5, 0.5}, eps, 400);
        double[] b = deb.barycenter();
        for (int i = 0; i < b.length; i++) {
            assertEquals(oracle[i], b[i], 1e-8, "bin " + i);
        }
        assertEquals(1, sum(b), 1e-9);
    }

    static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    @Test
    void massOneSymmetryAndTheValue() {
        double[] x = grid(60);
        double[][] h = {gauss(x, 0.2, 0.05), gauss(x, 0.5, 0.1), gauss(x, 0.8, 0.07)};
        double[][] c = sqCost(x);
        double[] w = {0.2, 0.5, 0.3};
        double eps = 0.01;
        FixedSupportResult r = FixedSupport.barycenter(FixedSupport.matrix("h", h), FixedSupport.matrix("c", c), w, f64(eps));
        assertTrue(r.converged());
        assertEquals(1, sum(r.barycenter()), 1e-10);
        // the order of the inputs does not matter
        double[][] h2 = {h[2], h[0], h[1]};
        FixedSupportResult r2 = FixedSupport.barycenter(FixedSupport.matrix("h", h2), FixedSupport.matrix("c", c),
                new double[] {0.3, 0.2, 0.5}, f64(eps));
        assertArrayEquals(r.barycenter(), r2.barycenter(), 1e-11);
        assertEquals(r.value(), r2.value(), 1e-11);
        // value = sum_k w_k OT_eps(b, h_k), each term as a separate Sinkhorn solve gives it
        double expect = 0;
        for (int k = 0; k < 3; k++) {
            SinkhornResult s = Sinkhorn.solve(FixedSupport.matrix("c", c), Weights.of(r.barycenter()), Weights.of(h[k]),
                    f64(eps).withTolerance(1e-12));
            assertEquals(s.objective(), r.values()[k], 1e-8, "OT_eps(b, h_" + k + ")");
            expect += w[k] * s.objective();
        }
        assertEquals(expect, r.value(), 1e-8);
        // the same bits on any number of threads
        FixedSupportResult one = FixedSupport.barycenter(FixedSupport.matrix("h", h), FixedSupport.matrix("c", c), w, f64(eps).withThreads(1));
        FixedSupportResult two = FixedSupport.barycenter(FixedSupport.matrix("h", h), FixedSupport.matrix("c", c), w, f64(eps).withThreads(2));
        assertArrayEquals(one.barycenter(), two.barycenter(), 0);
    }

    @Test
    void weightOneOnTheFirstInputGivesItBack() {
        double[] x = grid(80);
        double[][] h = {gauss(x, 0.3, 0.08), gauss(x, 0.7, 0.05)};
        double[][] c = sqCost(x);
        double eps = 0.002;
        NdArray hs = FixedSupport.matrix("h", h), cm = FixedSupport.matrix("c", c);
        FixedSupportResult deb = FixedSupport.debiased(hs, cm, new double[] {1, 0}, f64(eps).withTolerance(1e-11));
        assertArrayEquals(h[0], deb.barycenter(), 1e-7, "debiased: the input itself");
        FixedSupportResult plain = FixedSupport.barycenter(hs, cm, new double[] {1, 0}, f64(eps));
        double l1 = 0;
        for (int i = 0; i < x.length; i++) {
            l1 += Math.abs(plain.barycenter()[i] - h[0][i]);
        }
        // up to the entropic blur: the width grows from 0.08 by about eps / (2 * 0.08) in variance terms
        assertTrue(l1 < 0.2, "L1 distance to the input " + l1);
        assertEquals(mean(x, h[0]), mean(x, plain.barycenter()), 1e-3);
        assertTrue(width(x, plain.barycenter()) > 0.08);
    }

    static double mean(double[] x, double[] b) {
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m += b[i] * x[i];
        }
        return m / sum(b);
    }

    @Test
    void anAsymmetricCostMatrixAgreesWithTheNaiveLoops() {
        double[] x = grid(30);
        double[][] h = {gauss(x, 0.3, 0.1), gauss(x, 0.6, 0.08), gauss(x, 0.5, 0.2)};
        double[][] c = sqCost(x);
        for (int i = 0; i < 30; i++) {
            for (int j = 0; j < 30; j++) {
                c[i][j] += i > j ? 0.05 : 0.01 * Math.sin(i + 2 * j);
            }
        }
        double[] w = {0.2, 0.3, 0.5};
        for (boolean debiased : new boolean[] {false, true}) {
            SinkhornOptions o = f64(0.05).withTolerance(0).withMaxIterations(60);
            NdArray hs = FixedSupport.matrix("h", h), cm = FixedSupport.matrix("c", c);
            FixedSupportResult r = debiased ? FixedSupport.debiased(hs, cm, w, o) : FixedSupport.barycenter(hs, cm, w, o);
            double[] oracle = JanatiOracle.barycenter(h, c, w, 0.05, 60, debiased);
            assertArrayEquals(oracle, r.barycenter(), 1e-12, "debiased " + debiased);
            FixedSupportResult r32 = debiased ? FixedSupport.debiased(hs, cm, w, o.withPrecision(Precision.F32))
                    : FixedSupport.barycenter(hs, cm, w, o.withPrecision(Precision.F32));
            assertArrayEquals(oracle, r32.barycenter(), 1e-5, "f32, debiased " + debiased);
        }
    }

    @Test
    void hostileInputsAreRefusedByName() {
        double[][] c = sqCost(grid(4));
        double[][] h = {{0.25, 0.25, 0.25, 0.25}, {0.1, 0.2, 0.3, 0.4}};
        SinkhornOptions o = f64(0.1);
        NdArray cm = FixedSupport.matrix("c", c);
        assertMessage("histograms[1] sums to 0.0", () -> FixedSupport.barycenter(FixedSupport.matrix("h",
                new double[][] {h[0], {0, 0, 0, 0}}), cm, null, o));
        assertMessage("histograms[1] sums to 2.0", () -> FixedSupport.barycenter(FixedSupport.matrix("h",
                new double[][] {h[0], {0.5, 0.5, 0.5, 0.5}}), cm, null, o));
        assertMessage("histograms[0][2] = -0.25", () -> FixedSupport.barycenter(FixedSupport.matrix("h",
                new double[][] {{0.75, 0.25, -0.25, 0.25}}), cm, null, o));
        assertMessage("histograms[0][1] is NaN", () -> FixedSupport.barycenter(FixedSupport.matrix("h",
                new double[][] {{0.75, Double.NaN, 0, 0.25}}), cm, null, o));
        assertMessage("the histograms have n = 3", () -> FixedSupport.barycenter(FixedSupport.matrix("h",
                new double[][] {{0.5, 0.25, 0.25}}), cm, null, o));
        assertMessage("costMatrix must be square", () -> FixedSupport.barycenter(FixedSupport.matrix("h", h),
                FixedSupport.matrix("c", new double[][] {{0, 1, 2, 3}}), null, o));
        double[][] bad = sqCost(grid(4));
        bad[1][2] = Double.POSITIVE_INFINITY;
        assertMessage("costMatrix[1][2] is Infinity", () -> FixedSupport.barycenter(FixedSupport.matrix("h", h),
                FixedSupport.matrix("c", bad), null, o));
        assertMessage("weights sums to 0.9", () -> FixedSupport.barycenter(FixedSupport.matrix("h", h), cm, new double[] {0.5, 0.4}, o));
        assertMessage("weights[1] = -0.5", () -> FixedSupport.barycenter(FixedSupport.matrix("h", h), cm, new double[] {1.5, -0.5}, o));
        assertMessage("weights has 3 entries but there are 2 measures",
                () -> FixedSupport.barycenter(FixedSupport.matrix("h", h), cm, new double[] {0.2, 0.3, 0.5}, o));
        assertMessage("annealing", () -> FixedSupport.barycenter(FixedSupport.matrix("h", h), cm, null, o.withAnnealing(0.5)));
        assertMessage("histograms must be 2-D", () -> FixedSupport.barycenter(NdArray.of(new double[] {0.5, 0.5}, 2), cm, null, o));
        assertMessage("epsilon must be positive", () -> FixedSupport.barycenter(h, c, null, 0));
    }

    @Test
    void zeroBinsAndVectorOrScalarKernelsAgree() {
        double[] x = grid(50);
        double[][] h = {gauss(x, 0.3, 0.05), gauss(x, 0.6, 0.05)};
        for (int i = 0; i < 10; i++) {
            h[0][i] = 0;
            h[1][49 - i] = 0;
        }
        double s0 = sum(h[0]), s1 = sum(h[1]);
        for (int i = 0; i < 50; i++) {
            h[0][i] /= s0;
            h[1][i] /= s1;
        }
        NdArray hs = FixedSupport.matrix("h", h), cm = FixedSupport.matrix("c", sqCost(x));
        FixedSupportResult r = FixedSupport.barycenter(hs, cm, new double[] {0.4, 0.6}, f64(0.005));
        assertTrue(r.converged(), r.toString());
        assertTrue(Double.isFinite(r.value()), r.toString());
        FixedSupportResult s = FixedSupport.barycenter(hs, cm, new double[] {0.4, 0.6},
                f64(0.005).withKernels(dev.jot.kernel.Kernels.scalar()));
        assertArrayEquals(s.barycenter(), r.barycenter(), 1e-10);
        assertEquals(s.value(), r.value(), 1e-10);
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "'" + ex.getMessage() + "' does not say '" + part + "'");
    }
}
