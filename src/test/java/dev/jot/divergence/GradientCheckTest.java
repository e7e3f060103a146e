package dev.jot.divergence;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradients against finite differences, in f64, n = m = 100 points in the plane scaled so that every
 * cost lies in [0, 1], ε from 1e-3 to 10. The check is directional: for a random direction δ (in x, in
 * y, or in the weights with Σδ = 0) the Richardson-extrapolated central difference of the loss must
 * match ⟨∇, δ⟩ to a relative accuracy measured against ‖∇‖·‖δ‖:
 * 1e-4 for the envelope gradients at convergence, 1e-6 for the reverse pass through L iterations.
 */
@org.junit.jupiter.api.Tag("heavy")
class GradientCheckTest {
    static final int N = 100;

    record Problem(double[] x, double[] y, double[] a, double[] b) {
        Points px() {
            return Points.of(N, 2, x);
        }

        Points py() {
            return Points.of(N, 2, y);
        }
    }

    /** Points in [0, s]² with s chosen so that the largest cost is at most 1; positive random weights. */
    static Problem problem(long seed, CostFunction cost) {
        Random rnd = new Random(seed);
        double side = cost == CostFunction.SQUARED_EUCLIDEAN ? Math.sqrt(0.5) : 1.0 / Math.sqrt(2);
        double[] x = new double[2 * N], y = new double[2 * N], a = new double[N], b = new double[N];
        for (int k = 0; k < 2 * N; k++) {
            x[k] = side * rnd.nextDouble();
            y[k] = side * (0.3 + 0.7 * rnd.nextDouble());
        }
        for (int i = 0; i < N; i++) {
            a[i] = 0.5 + rnd.nextDouble();
            b[i] = 0.5 + rnd.nextDouble();
        }
        return new Problem(x, y, normalise(a), normalise(b));
    }

    static double[] normalise(double[] w) {
        double s = 0;
        for (double v : w) {
            s += v;
        }
        double[] o = w.clone();
        for (int i = 0; i < o.length; i++) {
            o[i] /= s;
        }
        return o;
    }

    static double[] direction(Random rnd, int len, boolean zeroSum) {
        double[] d = new double[len];
        double mean = 0;
        for (int k = 0; k < len; k++) {
            d[k] = rnd.nextGaussian();
            mean += d[k] / len;
        }
        if (zeroSum) {
            for (int k = 0; k < len; k++) {
                d[k] -= mean;
            }
        }
        return d;
    }

    static double[] plus(double[] v, double[] d, double h) {
        double[] o = v.clone();
        for (int k = 0; k < o.length; k++) {
            o[k] += h * d[k];
        }
        return o;
    }

    static double dot(double[] u, double[] v) {
        double s = 0;
        for (int k = 0; k < u.length; k++) {
            s += u[k] * v[k];
        }
        return s;
    }

    static double norm(double[] v) {
        return Math.sqrt(dot(v, v));
    }

    /** Richardson-extrapolated central difference of f at t = 0 along t. */
    static double derivative(Function<Double, Double> f, double h) {
        double d1 = (f.apply(h) - f.apply(-h)) / (2 * h);
        double d2 = (f.apply(h / 2) - f.apply(-h / 2)) / h;
        return (4 * d2 - d1) / 3;
    }

    /**
     * Checks ⟨grad, δ⟩ against the finite difference along δ, for δ in x, y, a and b in turn; returns the
     * largest relative error (against ‖grad‖·‖δ‖) and prints each.
     */
    static double check(String label, Problem p, Function<Problem, DivergenceResult> loss, double h, double tol) {
        DivergenceResult r = loss.apply(p);
        assertTrue(r.converged(), label + ": " + r.status());
        Random rnd = new Random(label.hashCode());
        double worst = 0;
        StringBuilder line = new StringBuilder(label);
        for (String which : new String[]{"x", "y", "a", "b"}) {
            boolean weights = which.equals("a") || which.equals("b");
            double[] grad = switch (which) {
                case "x" -> r.gradX();
                case "y" -> r.gradY();
                case "a" -> r.gradA();
                default -> r.gradB();
            };
            double[] dir = direction(rnd, grad.length, weights);
            double scale = weights ? 1.0 / N : 1.0;
            for (int k = 0; k < dir.length; k++) {
                dir[k] *= scale;
            }
            Function<Double, Double> along = t -> loss.apply(switch (which) {
                case "x" -> new Problem(plus(p.x, dir, t), p.y, p.a, p.b);
                case "y" -> new Problem(p.x, plus(p.y, dir, t), p.a, p.b);
                case "a" -> new Problem(p.x, p.y, plus(p.a, dir, t), p.b);
                default -> new Problem(p.x, p.y, p.a, plus(p.b, dir, t));
            }).value();
            double fd = derivative(along, h * (weights ? 0.1 : 1.0));
            double an = dot(grad, dir);
            double rel = Math.abs(fd - an) / (norm(grad) * norm(dir));
            worst = Math.max(worst, rel);
            line.append(String.format(Locale.ROOT, "  %s: fd %.6e grad %.6e rel %.1e", which, fd, an, rel));
        }
        System.out.println(line);
        assertTrue(worst <= tol, line + " (tolerance " + tol + ")");
        return worst;
    }

    static SinkhornOptions converged(double eps) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-13)
                .withMaxIterations(2_000_000).withAnnealing(0.5);
    }

    static Stream<Arguments> envelopeCases() {
        return Stream.of(1e-3, 1e-2, 1e-1, 1.0, 10.0).flatMap(e -> Stream.of(
                Arguments.of(e, "debiased", "sqeuclidean"), Arguments.of(e, "transport", "sqeuclidean"),
                Arguments.of(e, "debiased", "euclidean"), Arguments.of(e, "debiased", "p=1.5")));
    }

    @ParameterizedTest(name = "eps={0} {1} {2}")
    @MethodSource("envelopeCases")
    void envelopeGradientsMatchFiniteDifferences(double eps, String loss, String costName) {
        CostFunction cost = CostFunction.parse(costName);
        Problem p = problem(7, cost);
        Loss l = Loss.parse(loss);
        check("envelope " + loss + " " + costName + " eps=" + eps, p,
                q -> Divergences.sinkhorn(q.px(), Weights.of(q.a), q.py(), Weights.of(q.b), cost, converged(eps), l, true),
                1e-4 * Math.min(1.0, Math.sqrt(eps)), 1e-4);
    }

    static Stream<Arguments> unrolledCases() {
        return Stream.of(1, 5, 20, 1000).flatMap(L -> Stream.of(1e-3, 1e-1, 10.0).flatMap(e -> Stream.of(
                Arguments.of(L, e, "genevay", "sqeuclidean"), Arguments.of(L, e, "debiased", "sqeuclidean"))));
    }

    @ParameterizedTest(name = "L={0} eps={1} {2} {3}")
    @MethodSource("unrolledCases")
    void unrolledGradientsMatchFiniteDifferences(int iterations, double eps, String loss, String costName) {
        CostFunction cost = CostFunction.parse(costName);
        Problem p = problem(11, cost);
        Loss l = Loss.parse(loss);
        SinkhornOptions opts = SinkhornOptions.epsilon(eps);
        check("unrolled " + loss + " L=" + iterations + " eps=" + eps, p,
                q -> Divergences.unrolled(q.px(), Weights.of(q.a), q.py(), Weights.of(q.b), cost, eps, iterations, l, opts),
                1e-4 * Math.min(1.0, Math.sqrt(eps)), 1e-6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("otherCosts")
    void unrolledGradientsForOtherCosts(String costName) {
        CostFunction cost = CostFunction.parse(costName);
        Problem p = problem(13, cost);
        for (Loss l : new Loss[]{Loss.GENEVAY, Loss.DEBIASED}) {
            check("unrolled " + l.label() + " " + costName + " L=20 eps=0.1", p,
                    q -> Divergences.unrolled(q.px(), Weights.of(q.a), q.py(), Weights.of(q.b), cost, 0.1, 20, l,
                            SinkhornOptions.epsilon(0.1)), 1e-5, 1e-6);
        }
    }

    static Stream<String> otherCosts() {
        return Stream.of("euclidean", "p=1.5", "p=3");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void mmdGradientsMatchFiniteDifferences(String kernel) {
        Problem p = problem(17, CostFunction.SQUARED_EUCLIDEAN);
        MmdKernel k = MmdKernel.parse(kernel);
        check("mmd " + kernel, p, q -> Divergences.mmd(q.px(), Weights.of(q.a), q.py(), Weights.of(q.b), k, true), 1e-4, 1e-7);
    }

    static Stream<String> kernels() {
        return Stream.of("energy", "gaussian:0.3", "laplacian:0.5");
    }
}
