package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Kernels;
import dev.jot.kernel.SinkhornKernels;
import dev.jot.testutil.OracleSinkhorn;
import dev.jot.testutil.Reference;
import dev.jot.testutil.Reference.Case;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of {@code src/test/resources/reference/cases.json} (float64 answers of a 1e-13 log-domain Sinkhorn,
 * checked against POT 0.8.2), solved through the API in both precisions with both kernels.
 */
class ReferenceCasesTest {

    static Stream<Arguments> runs() {
        return Reference.cases().stream().flatMap(c -> Stream.of(Precision.F64, Precision.F32)
                .flatMap(p -> Stream.of("vector", "scalar").map(k -> Arguments.of(c, p, k))));
    }

    static SinkhornResult solve(Case c, SinkhornOptions options) throws IOException {
        Weights a = Weights.of(Npy.read(c.file("a")));
        Weights b = Weights.of(Npy.read(c.file("b")));
        if (c.isMatrix()) {
            return Sinkhorn.solve(Npy.read(c.file("cost_matrix")), a, b, options);
        }
        return Sinkhorn.solve(Points.of(Npy.read(c.file("x"))), Points.of(Npy.read(c.file("y"))), a, b,
                CostFunction.parse(c.cost()), options);
    }

    static SinkhornKernels kernels(String name) {
        if (name.equals("vector")) {
            Assumptions.assumeTrue(Kernels.vector().isPresent(), "vector kernels unavailable");
        }
        return Kernels.byName(name);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("runs")
    void matchesReference(Case c, Precision precision, String kernelName) throws IOException {
        boolean f64 = precision == Precision.F64;
        SinkhornOptions options = SinkhornOptions.epsilon(c.epsilon())
                .withPrecision(precision)
                .withKernels(kernels(kernelName))
                .withTolerance(f64 ? 1e-12 : 1e-6)
                .withMaxIterations(f64 ? 100_000 : 5_000);
        SinkhornResult r = solve(c, options);
        double rel = f64 ? 1e-5 : 1e-3;
        assertEquals(kernelName, r.kernels());
        assertEquals(precision, r.precision());
        assertEquals(c.n(), r.n());
        assertEquals(c.m(), r.m());
        assertRel(c.costValue(), r.cost(), rel, "cost");
        assertRel(c.objective(), r.objective(), rel, "objective");
        if (f64) {
            // the contract is 1e-5; run to 1e-12 against a 1e-13 reference, JOT agrees to about 1e-12
            assertRel(c.costValue(), r.cost(), 1e-9, "cost (tight)");
            assertRel(c.objective(), r.objective(), 1e-9, "objective (tight)");
            assertTrue(r.converged(), r.status());
            assertTrue(r.marginalError() <= 1e-12, "marginal error " + r.marginalError());
            // objective − dual = Σ (r_i − a_i) f_i + Σ (c_j − b_j) g_j: bounded by the marginal errors
            double bound = r.marginalErrorA() * maxAbs(r.f()) + r.marginalErrorB() * maxAbs(r.g())
                    + 1e-12 * Math.abs(r.objective());
            assertEquals(r.objective(), r.dualObjective(), bound, "objective vs dual objective");
            assertRel(c.dualObjective(), r.dualObjective(), rel, "dual objective");
            // the entropic plan cannot be cheaper than the exact optimum
            assertTrue(r.cost() >= c.emd() * (1 - 1e-9), "cost " + r.cost() + " below the exact cost " + c.emd());
        } else {
            assertTrue(Double.isFinite(r.cost()) && Double.isFinite(r.objective()), r.status());
        }
    }

    /** JOT's plan against the independent dense oracle, entry by entry, on the uniform_2d case. */
    @Test
    void planMatchesOracleOnUniform2d() throws IOException {
        Case c = Reference.cases().stream().filter(k -> k.name().equals("uniform_2d")).findFirst().orElseThrow();
        double[][] x = rows(Npy.read(c.file("x"))), y = rows(Npy.read(c.file("y")));
        double[] a = Npy.read(c.file("a")).toDoubleArray(), b = Npy.read(c.file("b")).toDoubleArray();
        OracleSinkhorn.Solution o = OracleSinkhorn.solve(a, b, OracleSinkhorn.squaredEuclidean(x, y), c.epsilon(), 1e-12, 100_000);
        assertTrue(o.converged(), "oracle did not converge: " + o.marginalError());
        // the oracle itself reproduces the reference
        assertRel(c.costValue(), o.cost(), 1e-9, "oracle cost");
        assertRel(c.objective(), o.objective(), 1e-9, "oracle objective");

        SinkhornResult r = solve(c, SinkhornOptions.epsilon(c.epsilon()).withPrecision(Precision.F64)
                .withTolerance(1e-12).withMaxIterations(100_000));
        double[] p = r.plan().toDoubleArray();
        double maxDiff = 0, maxP = 0;
        for (int i = 0; i < c.n(); i++) {
            for (int j = 0; j < c.m(); j++) {
                maxDiff = Math.max(maxDiff, Math.abs(p[i * c.m() + j] - o.plan()[i][j]));
                maxP = Math.max(maxP, o.plan()[i][j]);
            }
        }
        assertTrue(maxDiff <= 1e-9 * maxP, "max |P_jot - P_oracle| = " + maxDiff + " (max P = " + maxP + ")");
        assertRel(o.cost(), r.cost(), 1e-10, "cost vs oracle");
        assertRel(o.objective(), r.objective(), 1e-10, "objective vs oracle");
    }

    static double[][] rows(NdArray arr) {
        int n = (int) arr.shape(0), d = (int) arr.shape(1);
        double[] flat = arr.toDoubleArray();
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static void assertRel(double want, double got, double rel, String what) {
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want),
                what + ": want " + want + ", got " + got + " (relative difference " + Math.abs(got - want) / Math.abs(want)
                        + " > " + rel + ")");
    }
}
