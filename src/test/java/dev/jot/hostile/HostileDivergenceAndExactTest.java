package dev.jot.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.divergence.MmdKernel;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import dev.jot.exact.Gaussians;
import dev.jot.exact.GromovWasserstein;
import dev.jot.exact.OneDimensional;
import dev.jot.exact.Sliced;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input catalogue for the divergences ({@link Divergences}: Sinkhorn losses, MMD, unrolled)
 * and exact transport ({@link ExactTransport}, {@link OneDimensional}, {@link Sliced}, {@link Gaussians},
 * {@link GromovWasserstein}): NaN, infinite, negative, zero, subnormal and overflowing weights; all the
 * mass on one point; n = 1; d = 0; empty and mismatched inputs; coordinates and costs of 1e±30 (and
 * beyond, up to overflow); ε from 1e-8 to 1e8. Each case either throws an IllegalArgumentException whose
 * message names the argument and the value, or answers a value checked against an independent oracle
 * (a closed form, or the same problem rescaled), or answers honestly: finite, or {@code converged =
 * false} with a status that says why. No case may hang (each has a time limit) or return NaN as a
 * converged answer.
 */
class HostileDivergenceAndExactTest {

    /** What a case must produce. */
    sealed interface Expect {
    }

    /** An IllegalArgumentException whose message contains every fragment. */
    record Rejects(String... fragments) implements Expect {
    }

    /** A result that passes the check. */
    record Answers(Predicate<Object> check, String what) implements Expect {
    }

    static final CostFunction SQ = CostFunction.SQUARED_EUCLIDEAN;
    static final double[] XS = {0, 1, 2}, YS = {0.5, 1.5, 2.5};
    static final Points X3 = line(XS), Y3 = line(YS);

    static Points line(double... xs) {
        return Points.of(xs.length, 1, xs);
    }

    static double[] times(double s, double[] v) {
        double[] o = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            o[k] = s * v[k];
        }
        return o;
    }

    static SinkhornOptions eps(double e) {
        return SinkhornOptions.epsilon(e).withPrecision(Precision.F64).withTolerance(1e-10).withMaxIterations(20_000);
    }

    static DivergenceResult debiased(Points x, Weights a, Points y, Weights b, SinkhornOptions o) {
        return Divergences.sinkhorn(x, a, y, b, SQ, o, Loss.DEBIASED, true);
    }

    static boolean close(double got, double want, double rel) {
        return Math.abs(got - want) <= rel * Math.abs(want) + Double.MIN_NORMAL;
    }

    /** A converged divergence whose value is within rel of want, with finite gradients. */
    static Predicate<Object> divergence(double want, double rel) {
        return o -> o instanceof DivergenceResult r && r.converged() && close(r.value(), want, rel) && finite(r.gradX()) && finite(r.gradA());
    }

    /** Finite and converged, or not converged with a status saying so. */
    static boolean honest(Object o) {
        if (o instanceof DivergenceResult r) {
            return r.converged() ? Double.isFinite(r.value()) : r.status().startsWith("not converged");
        }
        if (o instanceof GromovWasserstein.Result r) {
            return r.converged() ? Double.isFinite(r.value()) : r.status().startsWith("not converged");
        }
        return false;
    }

    static boolean finite(double[] v) {
        if (v == null) {
            return true;
        }
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    /** An exact transport result that is optimal and costs want (to rel). */
    static Predicate<Object> exact(double want, double rel) {
        return o -> o instanceof ExactResult r && r.optimal() && close(r.cost(), want, rel);
    }

    /** A double within rel of want. */
    static Predicate<Object> number(double want, double rel) {
        return o -> o instanceof Double v && close(v, want, rel);
    }

    /** Σ_j b_j c(x, y_j): the cost of sending a single point to the whole of y (the only plan). */
    static double fromOnePoint(double x, double[] y) {
        double s = 0;
        for (double v : y) {
            s += (x - v) * (x - v) / y.length;
        }
        return s;
    }

    /** Σ_ijkl (c1_ik − c2_jl)² a_i b_j a_k b_l: the GW value of the product coupling a ⊗ b (uniform weights). */
    static double gwOfProduct(double[] x, double[] y) {
        double s = 0;
        int n = x.length, m = y.length;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < m; j++) {
                    for (int l = 0; l < m; l++) {
                        double c1 = (x[i] - x[k]) * (x[i] - x[k]), c2 = (y[j] - y[l]) * (y[j] - y[l]);
                        s += (c1 - c2) * (c1 - c2) / ((double) n * n * m * m);
                    }
                }
            }
        }
        return s;
    }

    static Stream<Arguments> catalogue() {
        // reference values the rescaled cases are checked against
        double s1 = debiased(X3, null, Y3, null, eps(1)).value();
        double emd1 = ExactTransport.emd(X3, Y3, null, null, SQ).cost();
        double sliced1 = Sliced.wassersteinPower(X3, null, Y3, null, 2, 20, 7);
        double w1 = OneDimensional.wasserstein(XS, null, YS, null, 1);
        double gwProduct = gwOfProduct(XS, YS);
        return Stream.of(
                // ---- Sinkhorn divergences: weights
                c("divergence: NaN weight", () -> debiased(X3, Weights.of(1, Double.NaN, 1), Y3, null, eps(1)), new Rejects("a[1]", "NaN")),
                c("divergence: +Inf weight", () -> debiased(X3, null, Y3, Weights.of(Double.POSITIVE_INFINITY, 1, 1), eps(1)),
                        new Rejects("b[0]", "Infinity")),
                c("divergence: negative weight", () -> debiased(X3, Weights.of(1, -0.5, 1), Y3, null, eps(1)), new Rejects("a[1]", "-0.5", "negative")),
                c("divergence: all-zero weights", () -> debiased(X3, Weights.of(0, 0, 0), Y3, null, eps(1)), new Rejects("a", "sums to 0")),
                c("divergence: weights whose total overflows", () -> debiased(X3, Weights.of(1e308, 1e308, 1e308), Y3, null, eps(1)),
                        new Rejects("a", "sums to Infinity")),
                c("divergence: subnormal weights (normalised: the uniform answer)",
                        () -> debiased(X3, Weights.of(1e-310, 1e-310, 1e-310), Y3, null, eps(1)), new Answers(divergence(s1, 1e-8), "S_1(X3, Y3)")),
                c("divergence: all the mass on one point (= that point alone)",
                        () -> debiased(X3, Weights.of(0, 1, 0), Y3, null, eps(0.5)),
                        new Answers(divergence(debiased(line(1), null, Y3, null, eps(0.5)).value(), 1e-8), "S_ε(δ_1, Y3)")),
                c("divergence: n = m = 1 (S_ε between Diracs is the cost)", () -> debiased(line(0.3), null, line(0.7), null, eps(0.1)),
                        new Answers(divergence(0.16, 1e-9), "|0.3 − 0.7|² = 0.16")),
                // ---- Sinkhorn divergences: shapes
                c("divergence: d = 0", () -> debiased(Points.of(3, 0, new double[0]), null, Points.of(3, 0, new double[0]), null, eps(1)),
                        new Rejects("x", "dimension 0")),
                c("divergence: empty y", () -> debiased(X3, null, Points.of(0, 1, new double[0]), null, eps(1)), new Rejects("y", "no points")),
                c("divergence: wrong weight length", () -> debiased(X3, null, Y3, Weights.of(1, 1), eps(1)), new Rejects("b has 2 weights", "m = 3")),
                c("divergence: NaN coordinate", () -> debiased(line(0, Double.NaN), null, Y3, null, eps(1)), new Rejects("x[1][0]", "NaN")),
                c("divergence on cost matrices: mismatched shapes", () -> Divergences.sinkhorn(NdArray.of(new double[6], 2, 3),
                        NdArray.of(new double[4], 2, 2), NdArray.of(new double[4], 2, 2), null, null, eps(1), Loss.DEBIASED, true),
                        new Rejects("cxy", "[2, 3]")),
                c("divergence on cost matrices: cxx not square", () -> Divergences.sinkhorn(NdArray.of(new double[4], 2, 2),
                        NdArray.of(new double[6], 2, 3), NdArray.of(new double[4], 2, 2), null, null, eps(1), Loss.DEBIASED, true),
                        new Rejects("cxx", "square", "[2, 3]")),
                c("divergence on cost matrices: NaN cost", () -> Divergences.sinkhorn(NdArray.of(new double[]{0, Double.NaN, 1, 0}, 2, 2),
                        NdArray.of(new double[4], 2, 2), NdArray.of(new double[4], 2, 2), null, null, eps(1), Loss.DEBIASED, true),
                        new Rejects("[0][1]", "NaN")),
                // ---- Sinkhorn divergences: scales and ε
                c("divergence: coordinates of 1e30 in f32", () -> Divergences.sinkhorn(line(times(1e30, XS)), null, Y3, null, SQ,
                        SinkhornOptions.epsilon(1), Loss.DEBIASED, false), new Rejects("f32", "f64")),
                c("divergence: coordinates of 1e30 in f64, ε 1e60 (= 1e60 · S_1)", () -> debiased(line(times(1e30, XS)), null,
                        line(times(1e30, YS)), null, eps(1e60)), new Answers(divergence(1e60 * s1, 1e-7), "1e60 · S_1(X3, Y3)")),
                c("divergence: coordinates of 1e-30, ε 1e-60 (= 1e-60 · S_1)", () -> debiased(line(times(1e-30, XS)), null,
                        line(times(1e-30, YS)), null, eps(1e-60)), new Answers(divergence(1e-60 * s1, 1e-7), "1e-60 · S_1(X3, Y3)")),
                c("divergence: coordinates of 1e200 (costs overflow)", () -> debiased(line(1e200, 0), null, Y3, null, eps(1)),
                        new Rejects("Infinity")),
                c("divergence: ε 1e-8", () -> debiased(X3, null, Y3, null, eps(1e-8)), new Answers(HostileDivergenceAndExactTest::honest, "finite or said")),
                c("divergence: ε 1e8 (→ |mean x − mean y|², the MMD limit for |x − y|²)", () -> debiased(X3, null, Y3, null, eps(1e8)),
                        new Answers(divergence(0.25, 1e-6), "0.25")),
                c("divergence: ε 0", () -> debiased(X3, null, Y3, null, eps(0)), new Rejects("epsilon", "0")),
                c("genevay with gradients: ε 1e-8", () -> Divergences.sinkhorn(X3, null, Y3, null, SQ, eps(1e-8), Loss.GENEVAY, true),
                        new Answers(HostileDivergenceAndExactTest::honest, "finite or said")),
                c("transport: ε 1e-8", () -> Divergences.transport(X3, null, Y3, null, SQ, eps(1e-8), true),
                        new Answers(HostileDivergenceAndExactTest::honest, "finite or said")),
                // ---- MMD
                c("mmd: NaN weight", () -> Divergences.mmd(X3, Weights.of(Double.NaN, 1, 1), Y3, null, MmdKernel.energy(), true),
                        new Rejects("a[0]", "NaN")),
                c("mmd: mismatched dimensions", () -> Divergences.mmd(line(1), null, Points.of(1, 2, new double[2]), null, MmdKernel.energy(), true),
                        new Rejects("same dimension")),
                c("mmd: n = m = 1, energy kernel (= |x − y|)", () -> Divergences.mmd(line(0.3), null, line(0.7), null, MmdKernel.energy(), true),
                        new Answers(divergence(0.4, 1e-12), "0.4")),
                c("mmd: gaussian bandwidth 1e-200 (1/(2σ²) overflows)", () -> MmdKernel.gaussian(1e-200), new Rejects("sigma", "1.0E-200")),
                c("mmd: bandwidth 0", () -> MmdKernel.laplacian(0), new Rejects("sigma", "0.0")),
                c("mmd: energy kernel at 1e200 (distances overflow)", () -> Divergences.mmd(line(1e200, 0), null, Y3, null, MmdKernel.energy(), false),
                        new Rejects("extent", "1.0E200")),
                c("mmd: gaussian kernel at 1e200 (the far point decouples)", () -> Divergences.mmd(line(1e200, 0), null, Y3, null,
                        MmdKernel.gaussian(1), true), new Answers(divergence(gaussianMmdFarPoint(), 1e-12), "closed form")),
                c("mmd: energy kernel at 1e30 (= 1e30 · the value at scale 1)", () -> Divergences.mmd(line(times(1e30, XS)), null,
                        line(times(1e30, YS)), null, MmdKernel.energy(), true),
                        new Answers(divergence(1e30 * Divergences.mmd(X3, null, Y3, null, MmdKernel.energy(), false).value(), 1e-12), "scaled")),
                // ---- unrolled
                c("unrolled: ε NaN", () -> Divergences.unrolled(X3, null, Y3, null, SQ, Double.NaN, 5, Loss.DEBIASED, eps(1)), new Rejects("epsilon", "NaN")),
                c("unrolled: 0 iterations", () -> Divergences.unrolled(X3, null, Y3, null, SQ, 1, 0, Loss.DEBIASED, eps(1)), new Rejects("iterations", "0")),
                c("unrolled: loss mmd", () -> Divergences.unrolled(X3, null, Y3, null, SQ, 1, 5, Loss.MMD, eps(1)), new Rejects("mmd")),
                c("unrolled: ε 1e-8", () -> Divergences.unrolled(X3, null, Y3, null, SQ, 1e-8, 5, Loss.GENEVAY, eps(1)),
                        new Answers(HostileDivergenceAndExactTest::honest, "finite or said")),
                c("unrolled: ε 1e8", () -> Divergences.unrolled(X3, null, Y3, null, SQ, 1e8, 5, Loss.DEBIASED, eps(1)),
                        new Answers(HostileDivergenceAndExactTest::honest, "finite or said")),
                c("unrolled: coordinates of 1e200", () -> Divergences.unrolled(line(1e200, 0), null, Y3, null, SQ, 1, 5, Loss.DEBIASED, eps(1)),
                        new Rejects("overflows")),
                c("unrolled: NaN weight", () -> Divergences.unrolled(X3, null, Y3, Weights.of(1, 1, Double.NaN), SQ, 1, 5, Loss.DEBIASED, eps(1)),
                        new Rejects("b[2]", "NaN")),
                // ---- network simplex
                c("emd: NaN weight", () -> ExactTransport.emd(X3, Y3, Weights.of(1, Double.NaN, 1), null, SQ), new Rejects("a[1]", "NaN")),
                c("emd: -Inf weight", () -> ExactTransport.emd(X3, Y3, null, Weights.of(1, 1, Double.NEGATIVE_INFINITY), SQ), new Rejects("b[2]", "Infinity")),
                c("emd: all-zero weights", () -> ExactTransport.emd(X3, Y3, null, Weights.of(0, 0, 0), SQ), new Rejects("b", "sums to 0")),
                c("emd: weights whose total overflows", () -> ExactTransport.emd(X3, Y3, Weights.of(1e308, 1e308, 1e308),
                        Weights.of(1e308, 1e308, 1e308), SQ), new Rejects("a", "sums to Infinity")),
                c("emd: subnormal weights (= 3e-310 · the uniform cost)", () -> ExactTransport.emd(X3, Y3, Weights.of(1e-310, 1e-310, 1e-310),
                        Weights.of(1e-310, 1e-310, 1e-310), SQ), new Answers(exact(3e-310 * emd1, 1e-9), "3e-310 · 0.25")),
                c("emd: unequal masses", () -> ExactTransport.emd(X3, Y3, Weights.of(1, 1, 1), Weights.of(1, 1, 2), SQ), new Rejects("equal masses")),
                c("emd: all the mass on one point", () -> ExactTransport.emd(X3, Y3, Weights.of(0, 0, 1), null, SQ),
                        new Answers(exact(fromOnePoint(2, YS), 1e-12), "Σ_j b_j |2 − y_j|²")),
                c("emd: n = 1", () -> ExactTransport.emd(line(0.3), Y3, null, null, SQ), new Answers(exact(fromOnePoint(0.3, YS), 1e-12), "Σ_j b_j |0.3 − y_j|²")),
                c("emd: d = 0", () -> ExactTransport.emd(Points.of(2, 0, new double[0]), Y3, null, null, SQ), new Rejects("x", "dimension 0")),
                c("emd: empty cost matrix", () -> ExactTransport.emd(new double[0], new double[0], new double[0][]), new Rejects("empty", "n = 0")),
                c("emd: ragged cost matrix", () -> ExactTransport.emd(null, null, new double[][]{{0, 1}, {1}}), new Rejects("row 1", "1 entries")),
                c("emd: null cost row", () -> ExactTransport.emd(null, null, new double[][]{{0, 1}, null}), new Rejects("row 1", "null")),
                c("emd: weights of the wrong length", () -> ExactTransport.emd(new double[]{1}, null, new double[][]{{0, 1}, {1, 0}}),
                        new Rejects("a has 1 weights", "n = 2")),
                c("emd: mismatched dimensions", () -> ExactTransport.emd(X3, Points.of(1, 2, new double[2]), null, null, SQ), new Rejects("same dimension")),
                c("emd: NaN cost", () -> ExactTransport.emd(null, null, new double[][]{{0, Double.NaN}, {1, 0}}), new Rejects("[0][1]", "NaN")),
                c("emd: infinite cost", () -> ExactTransport.emd(null, null, new double[][]{{0, 1}, {Double.POSITIVE_INFINITY, 0}}),
                        new Rejects("[1][0]", "Infinity")),
                c("emd: coordinates of 1e30 (= 1e60 · the cost at scale 1)", () -> ExactTransport.emd(line(times(1e30, XS)), line(times(1e30, YS)),
                        null, null, SQ), new Answers(exact(1e60 * emd1, 1e-12), "1e60 · 0.25")),
                c("emd: coordinates of 1e-30 (= 1e-60 · the cost at scale 1)", () -> ExactTransport.emd(line(times(1e-30, XS)), line(times(1e-30, YS)),
                        null, null, SQ), new Answers(exact(1e-60 * emd1, 1e-12), "1e-60 · 0.25")),
                c("emd: coordinates of 1e200 (costs overflow)", () -> ExactTransport.emd(line(1e200, 0), Y3, null, null, SQ),
                        new Rejects("x[0]", "y[0]", "Infinity")),
                c("emd: costs of ±1e300", () -> ExactTransport.emd(null, null, new double[][]{{1e300, -1e300}, {-1e300, 1e300}}),
                        new Answers(exact(-1e300, 1e-12), "the anti-diagonal: ½(−1e300) + ½(−1e300)")),
                c("emd: costs of ±1.7e308 (the largest doubles)", () -> ExactTransport.emd(null, null,
                        new double[][]{{1.7e308, -1.7e308}, {-1.7e308, 1.7e308}}),
                        new Answers(exact(-1.7e308, 1e-12), "the anti-diagonal: −1.7e308")),
                c("emd: costs of 1e-300", () -> ExactTransport.emd(null, null, new double[][]{{3e-300, 1e-300}, {1e-300, 3e-300}}),
                        new Answers(exact(1e-300, 1e-12), "the anti-diagonal")),
                // ---- 1-D closed form
                c("1-D: NaN weight", () -> OneDimensional.wasserstein(XS, new double[]{1, Double.NaN, 1}, YS, null, 2), new Rejects("a[1]", "NaN")),
                c("1-D: negative weight", () -> OneDimensional.wasserstein(XS, null, YS, new double[]{1, -1, 1}, 2), new Rejects("b[1]", "-1.0")),
                c("1-D: weights whose total overflows", () -> OneDimensional.wasserstein(XS, new double[]{1e308, 1e308, 1e308}, YS, null, 2),
                        new Rejects("a", "sums to Infinity")),
                c("1-D: infinite coordinate", () -> OneDimensional.wasserstein(XS, null, new double[]{0, Double.POSITIVE_INFINITY}, null, 2),
                        new Rejects("y[1]", "Infinity")),
                c("1-D: empty x", () -> OneDimensional.wasserstein(new double[0], null, YS, null, 2), new Rejects("x", "no points")),
                c("1-D: weights of the wrong length", () -> OneDimensional.wasserstein(XS, new double[]{1}, YS, null, 2), new Rejects("a has 1 weights", "3 points")),
                c("1-D: p below 1", () -> OneDimensional.wasserstein(XS, null, YS, null, 0.5), new Rejects("p", "0.5")),
                c("1-D: n = 1", () -> OneDimensional.wasserstein(new double[]{0.3}, null, YS, null, 2), new Answers(number(fromOnePoint(0.3, YS), 1e-12), "Σ_j b_j |0.3 − y_j|²")),
                c("1-D: all the mass on one point", () -> OneDimensional.wasserstein(XS, new double[]{0, 0, 5}, YS, null, 2),
                        new Answers(number(fromOnePoint(2, YS), 1e-12), "Σ_j b_j |2 − y_j|²")),
                c("1-D: coordinates of 1e30, p = 1 (= 1e30 · W_1 at scale 1)", () -> OneDimensional.wasserstein(times(1e30, XS), null, times(1e30, YS), null, 1),
                        new Answers(number(1e30 * w1, 1e-12), "1e30 · 0.5")),
                c("1-D: coordinates of 1e200, p = 2 (W_2² ≈ 1e400 overflows)", () -> OneDimensional.wasserstein(new double[]{1e200, -1e200}, null,
                        YS, null, 2), new Rejects("overflows", "p = 2.0")),
                // ---- sliced
                c("sliced: no projections", () -> Sliced.wassersteinPower(X3, null, Y3, null, 2, 0, 1), new Rejects("projections", "0")),
                c("sliced: mismatched dimensions", () -> Sliced.wassersteinPower(X3, null, Points.of(1, 2, new double[2]), null, 2, 4, 1),
                        new Rejects("same dimension")),
                c("sliced: d = 0", () -> Sliced.wassersteinPower(Points.of(1, 0, new double[0]), null, Y3, null, 2, 4, 1), new Rejects("x", "dimension 0")),
                c("sliced: NaN weight", () -> Sliced.wassersteinPower(X3, Weights.of(1, Double.NaN, 1), Y3, null, 2, 4, 1), new Rejects("a[1]", "NaN")),
                c("sliced: NaN coordinate", () -> Sliced.wassersteinPower(X3, null, line(0, Double.NaN), null, 2, 4, 1), new Rejects("y[1][0]", "NaN")),
                c("sliced: coordinates of 1e30 (= 1e60 · SW_2² at scale 1, same directions)", () -> Sliced.wassersteinPower(line(times(1e30, XS)), null,
                        line(times(1e30, YS)), null, 2, 20, 7), new Answers(number(1e60 * sliced1, 1e-12), "scaled")),
                c("sliced: coordinates of 1e200 (SW_2² overflows)", () -> Sliced.wassersteinPower(line(1e200, -1e200), null, Y3, null, 2, 4, 1),
                        new Rejects("overflows")),
                // ---- Gaussians
                c("gaussians: NaN mean", () -> Gaussians.w2Squared(new double[]{Double.NaN}, new double[][]{{1}}, new double[]{0}, new double[][]{{1}}),
                        new Rejects("m1[0]", "NaN")),
                c("gaussians: infinite mean", () -> Gaussians.map(new double[]{0}, new double[][]{{1}}, new double[]{Double.NEGATIVE_INFINITY}, new double[][]{{1}}),
                        new Rejects("m2[0]", "Infinity")),
                c("gaussians: infinite covariance", () -> Gaussians.w2Squared(new double[]{0}, new double[][]{{Double.POSITIVE_INFINITY}}, new double[]{0},
                        new double[][]{{1}}), new Rejects("s1[0][0]", "Infinity")),
                c("gaussians: negative-definite covariance", () -> Gaussians.w2Squared(new double[]{0}, new double[][]{{1}}, new double[]{0},
                        new double[][]{{-1}}), new Rejects("s2", "positive semi-definite", "-1.0")),
                c("gaussians: asymmetric covariance", () -> Gaussians.w2Squared(new double[]{0, 0}, new double[][]{{1, 0.5}, {0, 1}}, new double[]{0, 0},
                        new double[][]{{1, 0}, {0, 1}}), new Rejects("s1", "symmetric")),
                c("gaussians: mismatched dimensions", () -> Gaussians.w2Squared(new double[]{0, 0}, new double[][]{{1}}, new double[]{0, 0},
                        new double[][]{{1, 0}, {0, 1}}), new Rejects("s1", "2 x 2")),
                c("gaussians: d = 0", () -> Gaussians.w2Squared(new double[0], new double[0][], new double[0], new double[0][]), new Rejects("dimension", "0")),
                c("gaussians: singular source for a map", () -> Gaussians.map(new double[]{0}, new double[][]{{0}}, new double[]{0}, new double[][]{{1}}),
                        new Rejects("positive definite")),
                c("gaussians: covariances of 1e300 (commuting: Σ (√λ₁ − √λ₂)²)", () -> Gaussians.w2Squared(new double[]{0, 0},
                        new double[][]{{1e300, 0}, {0, 4e300}}, new double[]{0, 0}, new double[][]{{9e300, 0}, {0, 1e300}}),
                        new Answers(number(5e300, 1e-12), "(1 − 3)²·1e300 + (2 − 1)²·1e300")),
                c("gaussians: covariances of 1e-300 (commuting)", () -> Gaussians.w2Squared(new double[]{0, 0},
                        new double[][]{{1e-300, 0}, {0, 4e-300}}, new double[]{0, 0}, new double[][]{{9e-300, 0}, {0, 1e-300}}),
                        new Answers(number(5e-300, 1e-12), "5e-300")),
                c("gaussians: the map between variances of 1e200 (A = √(4e200/1e200))", () -> Gaussians.map(new double[]{0}, new double[][]{{1e200}},
                        new double[]{0}, new double[][]{{4e200}}).a()[0][0], new Answers(number(2, 1e-12), "2")),
                c("gaussians: means 2e200 apart (W₂² overflows)", () -> Gaussians.w2Squared(new double[]{1e200}, new double[][]{{1}},
                        new double[]{-1e200}, new double[][]{{1}}), new Rejects("overflows")),
                // ---- Gromov–Wasserstein
                c("gw: ε 0", () -> GromovWasserstein.entropic(X3, null, Y3, null, SQ, 0, 10, 1e-6), new Rejects("epsilon", "0")),
                c("gw: tolerance NaN", () -> GromovWasserstein.entropic(X3, null, Y3, null, SQ, 1, 10, Double.NaN), new Rejects("tolerance", "NaN")),
                c("gw: no iterations", () -> GromovWasserstein.entropic(X3, null, Y3, null, SQ, 1, 0, 1e-6), new Rejects("maxIterations", "0")),
                c("gw: NaN weight", () -> GromovWasserstein.entropic(X3, Weights.of(1, Double.NaN, 1), Y3, null, SQ, 1, 10, 1e-6), new Rejects("a[1]", "NaN")),
                c("gw: weights of the wrong length", () -> GromovWasserstein.entropic(X3, null, Y3, Weights.of(1, 1), SQ, 1, 10, 1e-6),
                        new Rejects("b has 2 weights", "m = 3")),
                c("gw: d = 0", () -> GromovWasserstein.entropic(Points.of(2, 0, new double[0]), null, Y3, null, SQ, 1, 10, 1e-6), new Rejects("x", "dimension 0")),
                c("gw: empty c1", () -> GromovWasserstein.entropic(new double[0][], null, new double[][]{{0}}, null, 1, 10, 1e-6), new Rejects("n", "0")),
                c("gw: ragged c2", () -> GromovWasserstein.entropic(new double[][]{{0}}, null, new double[][]{{0, 1}, {1}}, null, 1, 10, 1e-6),
                        new Rejects("c2", "square", "row 1")),
                c("gw: NaN in c1", () -> GromovWasserstein.entropic(new double[][]{{0, Double.NaN}, {1, 0}}, null, new double[][]{{0}}, null, 1, 10, 1e-6),
                        new Rejects("c1[0][1]", "NaN")),
                c("gw: coordinates of 1e100 (squared costs overflow)", () -> GromovWasserstein.entropic(line(1e100, -1e100), null, Y3, null, SQ, 1, 10, 1e-6),
                        new Rejects("overflow", "c1")),
                c("gw: coordinates of 1e200 (costs overflow)", () -> GromovWasserstein.entropic(line(1e200, -1e200), null, Y3, null, SQ, 1, 10, 1e-6),
                        new Rejects("x[0]", "x[1]", "Infinity")),
                c("gw: n = 1 (the only coupling a ⊗ b)", () -> GromovWasserstein.entropic(line(0.3), null, Y3, null, SQ, 1, 10, 1e-6),
                        new Answers(o -> o instanceof GromovWasserstein.Result r && r.converged() && close(r.value(), gwOfProduct(new double[]{0.3}, YS), 1e-9),
                                "Σ_jl |y_j − y_l|⁴ / 9")),
                c("gw: ε 1e8 (the coupling stays a ⊗ b)", () -> GromovWasserstein.entropic(X3, null, Y3, null, SQ, 1e8, 10, 1e-6),
                        new Answers(o -> o instanceof GromovWasserstein.Result r && r.converged() && close(r.value(), gwProduct, 1e-6), "GW of a ⊗ b")),
                c("gw: ε 1e-8", () -> GromovWasserstein.entropic(X3, null, Y3, null, SQ, 1e-8, 10, 1e-6),
                        new Answers(HostileDivergenceAndExactTest::honest, "finite or said")),
                c("gw: coordinates of 1e-30", () -> GromovWasserstein.entropic(line(times(1e-30, XS)), null, line(times(1e-30, YS)), null, SQ, 1e-3, 10, 1e-6),
                        new Answers(HostileDivergenceAndExactTest::honest, "finite or said")));
    }

    /** ½·MMD² with a unit Gaussian kernel for x = {1e200, 0}, y = Y3: the far point only meets itself. */
    static double gaussianMmdFarPoint() {
        double xx = 0.25 * 2, yy = 0, xy = 0;
        for (double p : YS) {
            for (double q : YS) {
                yy += Math.exp(-(p - q) * (p - q) / 2) / 9;
            }
            xy += Math.exp(-p * p / 2) / 6;
        }
        return 0.5 * xx + 0.5 * yy - xy;
    }

    static Arguments c(String name, Supplier<Object> run, Expect expect) {
        return Arguments.of(name, run, expect);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void hostileInput(String name, Supplier<Object> run, Expect expect) {
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            if (expect instanceof Rejects rej) {
                IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class, run::get, name);
                for (String f : rej.fragments()) {
                    assertTrue(e.getMessage().contains(f), name + ": the message should contain '" + f + "': " + e.getMessage());
                }
            } else if (expect instanceof Answers ans) {
                Object r = run.get();
                if (r instanceof DivergenceResult d) {
                    assertTrue(!d.converged() || Double.isFinite(d.value()), name + ": not finite but converged: " + d);
                }
                assertTrue(ans.check().test(r), name + ": expected " + ans.what() + ", got " + r
                        + (r instanceof DivergenceResult d ? " / " + d.status() : ""));
            }
        });
    }
}
