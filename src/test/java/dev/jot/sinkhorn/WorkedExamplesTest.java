package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.testutil.Reference;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seed documents' worked examples ({@code seed_examples.json}: values from POT 0.8.2 and 50-digit
 * mpmath): the blog's 5-point lines and batch of four, the textbook's 2 × 2 example, the two moons.
 */
class WorkedExamplesTest {
    private static final SinkhornOptions F64 = SinkhornOptions.epsilon(1).withPrecision(Precision.F64)
            .withTolerance(1e-12).withMaxIterations(100_000);

    /** 5 points (i, 0) against 5 points (i, k), uniform weights, |x − y|². */
    static SinkhornResult lines(int k, SinkhornOptions options) {
        double[][] x = new double[5][], y = new double[5][];
        for (int i = 0; i < 5; i++) {
            x[i] = new double[] {i, 0};
            y[i] = new double[] {i, k};
        }
        return Sinkhorn.solve(Points.of(x), Points.of(y), null, null, CostFunction.SQUARED_EUCLIDEAN, options);
    }

    static double num(Map<String, Object> json, String... keys) {
        return Reference.number(Reference.get(json, keys));
    }

    @ParameterizedTest(name = "epsilon {0}")
    @ValueSource(strings = {"0.1", "1"})
    void fivePointLines(String eps) {
        Map<String, Object> seeds = Reference.seedExamples();
        String key = "epsilon_" + eps;
        SinkhornResult r = lines(1, F64.withEpsilon(Double.parseDouble(eps)));
        assertTrue(r.converged(), r.status());
        String reported = (String) Reference.get(seeds, "lines_5_points", key, "document_reports");
        assertEquals(eps.equals("1") ? "1.408" : "1.000", reported);
        assertEquals(reported, String.format(Locale.ROOT, "%.3f", r.cost()), "the document's three decimals");
        assertRel(num(seeds, "lines_5_points", key, "cost"), r.cost(), 1e-9, "cost");
        assertRel(num(seeds, "lines_5_points", key, "objective"), r.objective(), 1e-9, "objective");
        assertTrue(r.cost() >= num(seeds, "lines_5_points", "exact_cost"), "entropic cost below the exact cost");
    }

    @Test
    void batchOfFour() {
        Map<String, Object> seeds = Reference.seedExamples();
        double[] want = Reference.vector(Reference.get(seeds, "batch_of_4_epsilon_0.1", "cost"));
        double[] exact = Reference.vector(Reference.get(seeds, "batch_of_4_epsilon_0.1", "exact_cost"));
        assertEquals(4, want.length);
        for (int k = 0; k < 4; k++) {
            SinkhornResult r = lines(k + 1, F64.withEpsilon(0.1));
            assertTrue(r.converged(), r.status());
            assertRel(want[k], r.cost(), 1e-9, "pair " + (k + 1));
            assertEquals(exact[k], r.cost(), 1e-4, "pair " + (k + 1) + " vs exact");
        }
    }

    static SinkhornResult twoByTwo(double eps) {
        return Sinkhorn.solve(NdArray.of(new double[] {0, 1, 1, 0}, 2, 2), Weights.of(0.5, 0.5), Weights.of(0.2, 0.8),
                F64.withEpsilon(eps));
    }

    @Test
    void twoByTwoPlanAtEpsilonOneTenth() {
        Map<String, Object> ex = cast(Reference.get(Reference.seedExamples(), "two_by_two"));
        double[][] m = Reference.matrix(ex.get("M"));
        assertEquals(0, m[0][0]);
        assertEquals(1, m[0][1]);
        double[][] want = Reference.matrix(ex.get("epsilon_0.1_plan"));
        SinkhornResult r = twoByTwo(0.1);
        assertTrue(r.converged(), r.status());
        double[] p = r.plan().toDoubleArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(want[i][j], p[2 * i + j], 1e-9, "P[" + i + "][" + j + "]");
                assertEquals(want[i][j], r.plan(i, j), 1e-9, "plan(" + i + ", " + j + ")");
            }
        }
        // P[1][0] is about 6.87e-10: check it relatively too
        assertRel(want[1][0], p[2], 1e-6, "the small entry P[1][0]");
        assertRel(Reference.number(ex.get("epsilon_0.1_cost")), r.cost(), 1e-9, "cost");
    }

    @Test
    void twoByTwoPlanTendsToTheExactPlan() {
        Map<String, Object> ex = cast(Reference.get(Reference.seedExamples(), "two_by_two"));
        double[][] exact = Reference.matrix(ex.get("exact_plan"));
        double[] eps = {1, 1e-1, 1e-2, 1e-3};
        double[] err = new double[eps.length];
        for (int k = 0; k < eps.length; k++) {
            SinkhornResult r = twoByTwo(eps[k]);
            assertTrue(r.converged(), "epsilon " + eps[k] + ": " + r.status());
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    err[k] = Math.max(err[k], Math.abs(r.plan(i, j) - exact[i][j]));
                }
            }
            assertEquals(Reference.number(ex.get("exact_cost")), r.cost(), Math.max(2 * err[k], 1e-12), "cost at " + eps[k]);
        }
        // the error is about e^(-1/eps): 0.1 at eps 1, 7e-10 at 0.1, then rounding (~1e-14) below that,
        // where "decreasing" can only mean "not above the rounding level"
        assertTrue(err[0] > 1e-3, "error at 1: " + err[0]);
        assertTrue(err[1] < err[0], "error at 0.1 " + err[1] + " not below error at 1 " + err[0]);
        assertTrue(err[1] > 1e-10 && err[1] < 1e-8, "error at 0.1 should be about 6.9e-10: " + err[1]);
        assertTrue(err[2] < err[1], "error at 0.01 " + err[2] + " not below error at 0.1 " + err[1]);
        assertTrue(err[3] <= Math.max(err[2], 1e-13), "error at 0.001 " + err[3] + " above error at 0.01 " + err[2]);
        assertTrue(err[3] < 1e-6, "error at 0.001: " + err[3]);
    }

    /**
     * scikit-learn's {@code make_moons(30, noise=0)}, written from its definition (not JOT's demo): the
     * outer half circle (cos t, sin t) and the inner one (1 − cos t, 1 − sin t − 0.5), t = π·i/14,
     * i = 0..14. The order of the points does not change any transport cost.
     */
    static Points[] moons() {
        double[][] outer = new double[15][], inner = new double[15][];
        for (int i = 0; i < 15; i++) {
            double t = Math.PI * i / 14;
            outer[i] = new double[] {Math.cos(t), Math.sin(t)};
            inner[i] = new double[] {1 - Math.cos(t), 1 - Math.sin(t) - 0.5};
        }
        return new Points[] {Points.of(outer), Points.of(inner)};
    }

    @Test
    void moonsConvergedCost() {
        Map<String, Object> seeds = Reference.seedExamples();
        Points[] m = moons();
        SinkhornResult r = Sinkhorn.solve(m[0], m[1], null, null, CostFunction.SQUARED_EUCLIDEAN, F64.withEpsilon(0.1));
        assertTrue(r.converged(), r.status());
        assertRel(num(seeds, "moons_30", "epsilon_0.1_converged_cost"), r.cost(), 1e-6, "converged cost");
        assertTrue(r.cost() >= num(seeds, "moons_30", "exact_cost"), "entropic cost below the exact cost");
    }

    /** The blog stops early (after 40 iterations); 40 iterations with tolerance 0 give its 1.714. */
    @Test
    void moonsFortyIterations() {
        Map<String, Object> seeds = Reference.seedExamples();
        Points[] m = moons();
        SinkhornResult r = Sinkhorn.solve(m[0], m[1], null, null, CostFunction.SQUARED_EUCLIDEAN,
                F64.withEpsilon(0.1).withTolerance(0).withMaxIterations(40));
        assertEquals(40, r.iterations());
        assertEquals("1.714", Reference.get(seeds, "moons_30", "document_reports"));
        assertEquals("1.714", String.format(Locale.ROOT, "%.3f", r.cost()), "cost " + r.cost());
        assertEquals(1.7137, r.cost(), 2e-4, "the seeds' 1.7136874878 (the blog adds 1e-8 inside its logs)");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    static void assertRel(double want, double got, double rel, String what) {
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want),
                what + ": want " + want + ", got " + got + " (relative difference " + Math.abs(got - want) / Math.abs(want) + ")");
    }
}
