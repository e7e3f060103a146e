package dev.jot.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.exact.ExactTransport;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The catalogue of hostile inputs: each case names an input and what JOT does with it, either an
 * exception whose message names the argument and the value, or a correct, finite answer (or
 * {@code converged = false} with a status saying why). No case may hang (each has a time limit) or
 * return NaN without {@code converged = false}.
 */
class HostileInputsTest {

    /** What a case must produce. */
    sealed interface Expect {
    }

    /** An IllegalArgumentException whose message contains every fragment. */
    record Rejects(String... fragments) implements Expect {
    }

    /** A result that passes the check (given the solve's result). */
    record Answers(java.util.function.Predicate<SinkhornResult> check, String what) implements Expect {
    }

    static Points line(double... xs) {
        return Points.of(xs.length, 1, xs);
    }

    static SinkhornOptions eps(double e) {
        return SinkhornOptions.epsilon(e).withPrecision(Precision.F64).withTolerance(1e-9).withMaxIterations(20_000);
    }

    static SinkhornResult solve(Points x, Points y, Weights a, Weights b, SinkhornOptions o) {
        return Sinkhorn.solve(x, y, a, b, CostFunction.SQUARED_EUCLIDEAN, o);
    }

    static final Points X3 = line(0, 1, 2), Y3 = line(0.5, 1.5, 2.5);

    /** Finite cost and objective with converged = true, or converged = false and a status that says why. */
    static boolean honest(SinkhornResult r) {
        if (r.converged()) {
            return Double.isFinite(r.cost()) && Double.isFinite(r.objective());
        }
        return r.status() != null && r.status().startsWith("not converged");
    }

    static Stream<Arguments> catalogue() {
        return Stream.of(
                c("NaN weight", () -> solve(X3, Y3, Weights.of(0.5, Double.NaN, 0.5), null, eps(1)), new Rejects("a[1]", "NaN")),
                c("+Inf weight", () -> solve(X3, Y3, null, Weights.of(1, Double.POSITIVE_INFINITY, 1), eps(1)), new Rejects("b[1]", "Infinity")),
                c("-Inf weight", () -> solve(X3, Y3, Weights.of(Double.NEGATIVE_INFINITY, 1, 1), null, eps(1)), new Rejects("a[0]", "Infinity")),
                c("negative weight", () -> solve(X3, Y3, Weights.of(0.5, -0.1, 0.6), null, eps(1)), new Rejects("a[1]", "-0.1", "negative")),
                c("all-zero weights", () -> solve(X3, Y3, Weights.of(0, 0, 0), null, eps(1)), new Rejects("a", "sums to 0")),
                c("subnormal weights (same total on both sides)", () -> solve(X3, Y3, Weights.of(1e-310, 1e-310, 1e-310),
                        Weights.of(1e-310, 1e-310, 1e-310), eps(1)), new Answers(r -> honest(r) && r.converged(), "a converged plan")),
                c("all the mass on one point", () -> solve(X3, Y3, Weights.of(1, 0, 0), null, eps(0.1)),
                        new Answers(r -> r.converged() && Math.abs(r.applyPlan(new double[]{1, 1, 1})[0] - 1) < 1e-9, "row 0 carries everything")),
                c("n = 1", () -> solve(line(0.3), Y3, null, null, eps(0.1)),
                        new Answers(r -> r.converged() && Math.abs(r.cost() - (0.04 + 1.44 + 4.84) / 3) < 1e-9, "the only plan: a ⊗ b")),
                c("d = 0", () -> solve(Points.of(3, 0, new double[0]), Points.of(3, 0, new double[0]), null, null, eps(1)),
                        new Rejects("x", "dimension 0")),
                c("empty x", () -> solve(Points.of(0, 2, new double[0]), Points.of(3, 2, new double[6]), null, null, eps(1)),
                        new Rejects("x", "no points")),
                c("mismatched dimensions", () -> solve(Points.of(2, 2, new double[4]), Points.of(2, 3, new double[6]), null, null, eps(1)),
                        new Rejects("same dimension", "2 x 2", "2 x 3")),
                c("wrong weight length", () -> solve(X3, Y3, Weights.of(0.5, 0.5), null, eps(1)), new Rejects("a has 2 weights", "n = 3")),
                c("unequal masses", () -> solve(X3, Y3, Weights.of(1, 1, 1), Weights.of(1, 1, 2), eps(1)), new Rejects("equal masses")),
                c("NaN coordinate", () -> solve(line(0, Double.NaN, 1), Y3, null, null, eps(1)), new Rejects("x[1][0]", "NaN")),
                c("infinite coordinate", () -> solve(X3, line(0, 1, Double.POSITIVE_INFINITY), null, null, eps(1)), new Rejects("y[2][0]", "Infinity")),
                c("coordinates of 1e30 in f32", () -> Sinkhorn.solve(line(0, 1e30, -1e30), Y3, null, null, CostFunction.SQUARED_EUCLIDEAN,
                        SinkhornOptions.epsilon(1)), new Rejects("f32", "f64")),
                c("coordinates of 1e30 in f64, epsilon 1e59", () -> solve(line(0, 1e30, -1e30), line(1e30, 0, -1e30), null, null, eps(1e59)),
                        new Answers(HostileInputsTest::honest, "finite, or not converged and said")),
                c("coordinates of 1e-30 (costs 1e-60)", () -> solve(line(0, 1e-30, 2e-30), line(1e-30, 0, 3e-30), null, null, eps(1e-3)),
                        new Answers(r -> r.converged() && r.cost() >= 0 && r.cost() < 1e-58, "a plan of cost about 1e-60")),
                c("epsilon 1e-8 in f64", () -> solve(X3, Y3, null, null, eps(1e-8)), new Answers(HostileInputsTest::honest, "finite or said")),
                c("epsilon 1e-8 in f32", () -> Sinkhorn.solve(X3, Y3, null, null, CostFunction.SQUARED_EUCLIDEAN, SinkhornOptions.epsilon(1e-8)),
                        new Answers(HostileInputsTest::honest, "finite or said")),
                c("epsilon 1e8", () -> solve(X3, Y3, null, null, eps(1e8)),
                        new Answers(r -> r.converged() && Math.abs(r.cost() - (4.0 / 3 + 0.25)) < 1e-6, "the product plan a ⊗ b: Var x + Var y + (mean x - mean y)^2")),
                c("epsilon 0", () -> solve(X3, Y3, null, null, eps(0)), new Rejects("epsilon", "0")),
                c("epsilon NaN", () -> solve(X3, Y3, null, null, SinkhornOptions.epsilon(Double.NaN)), new Rejects("epsilon", "NaN")),
                c("cost matrix with NaN", () -> Sinkhorn.solve(NdArray.of(new double[]{0, Double.NaN, 1, 0}, 2, 2), null, null, eps(1)),
                        new Rejects("NaN")),
                c("costs of 1e30 in f32", () -> Sinkhorn.solve(NdArray.of(new double[]{0, 1e30, 1e30, 0}, 2, 2), null, null,
                        SinkhornOptions.epsilon(1e-3)), new Rejects("f32", "f64")),
                c("costs of 1e30 in f64", () -> Sinkhorn.solve(NdArray.of(new double[]{0, 1e30, 1e30, 0}, 2, 2), null, null, eps(1)),
                        new Answers(r -> r.converged() && r.cost() < 1e-9, "the diagonal plan, cost 0")),
                c("emd with a negative weight", () -> {
                    ExactTransport.emd(new double[]{1.5, -0.5}, new double[]{1}, new double[][]{{0}, {1}});
                    return null;
                }, new Rejects("a[1]", "negative")),
                c("divergence with mismatched dimensions", () -> {
                    Divergences.sinkhorn(Points.of(2, 2, new double[4]), null, Points.of(2, 1, new double[2]), null,
                            CostFunction.SQUARED_EUCLIDEAN, eps(1), Loss.DEBIASED, true);
                    return null;
                }, new Rejects("same dimension")));
    }

    static Arguments c(String name, Supplier<SinkhornResult> run, Expect expect) {
        return Arguments.of(name, run, expect);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void hostileInput(String name, Supplier<SinkhornResult> run, Expect expect) {
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            if (expect instanceof Rejects rej) {
                IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class, run::get, name);
                for (String f : rej.fragments()) {
                    assertTrue(e.getMessage().contains(f), name + ": the message should contain '" + f + "': " + e.getMessage());
                }
            } else if (expect instanceof Answers ans) {
                SinkhornResult r = run.get();
                assertFalse(r.converged() && (Double.isNaN(r.cost()) || Double.isNaN(r.objective())), name + ": NaN but converged");
                assertTrue(ans.check().test(r), name + ": expected " + ans.what() + ", got " + r + " / " + r.status());
            }
        });
    }
}
