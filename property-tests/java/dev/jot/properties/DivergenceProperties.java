package dev.jot.properties;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.divergence.MmdKernel;
import dev.jot.geometry.CostFunction;
import dev.jot.properties.SinkhornProperties.Problem;
import dev.jot.sinkhorn.SinkhornOptions;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.PropagationMode;

/**
 * What JOT guarantees about its losses between measures and their gradients, over small random point
 * clouds (n, m in 1..20, d in 1..4, weights with exact zeros).
 */
@AddLifecycleHook(value = TriesFromSystemProperty.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class DivergenceProperties {

    @Provide
    Arbitrary<Problem> problems() {
        return SinkhornProperties.problems(1, 20);
    }

    static SinkhornOptions tight(double eps) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-11).withMaxIterations(1_000_000)
                .withAnnealing(0.5);
    }

    static Points x(Problem p) {
        return Points.of(p.x());
    }

    static Points y(Problem p) {
        return Points.of(p.y());
    }

    /** Both Sinkhorn losses are ≥ 0, symmetric in their arguments, and 0 between a measure and itself (to 1e-7). */
    @Property(seed = "20261122")
    boolean sinkhornLossesAreNonNegativeSymmetricAndZeroOnEqualInputs(@ForAll("problems") Problem p) {
        var cost = CostFunction.SQUARED_EUCLIDEAN;
        for (Loss loss : new Loss[]{Loss.DEBIASED, Loss.GENEVAY}) {
            DivergenceResult xy = Divergences.sinkhorn(x(p), Weights.of(p.a()), y(p), Weights.of(p.b()), cost, tight(p.eps()), loss, false);
            DivergenceResult yx = Divergences.sinkhorn(y(p), Weights.of(p.b()), x(p), Weights.of(p.a()), cost, tight(p.eps()), loss, false);
            DivergenceResult xx = Divergences.sinkhorn(x(p), Weights.of(p.a()), x(p), Weights.of(p.a()), cost, tight(p.eps()), loss, false);
            // clouds with repeated points and zero weights can converge very slowly (the rate is about
            // 1 − e^(−max C/ε)): judge the values to the accuracy the solves reached
            double scale = 1e-7 * (1 + Math.abs(xy.terms()[0]));
            if (xy.value() < -scale || Math.abs(xy.value() - yx.value()) > scale || Math.abs(xx.value()) > scale) {
                throw new AssertionError(loss + ": S(x,y) = " + xy.value() + ", S(y,x) = " + yx.value() + ", S(x,x) = " + xx.value());
            }
        }
        return true;
    }

    /** ½·MMD² with a Gaussian kernel (positive definite) is ≥ 0 and 0 on equal inputs. */
    @Property(seed = "20261122")
    boolean gaussianMmdIsNonNegative(@ForAll("problems") Problem p) {
        MmdKernel k = MmdKernel.gaussian(0.5);
        double v = Divergences.mmd(x(p), Weights.of(p.a()), y(p), Weights.of(p.b()), k, false).value();
        double z = Divergences.mmd(x(p), Weights.of(p.a()), x(p), Weights.of(p.a()), k, false).value();
        return v >= -1e-12 && Math.abs(z) <= 1e-12;
    }

    /**
     * The gradient in x of the L-step algorithmic loss (L = 5, both losses) equals its finite
     * difference along a random direction, to 1e-6 of ‖∇‖·‖δ‖.
     */
    @Property(seed = "20261122")
    boolean unrolledGradientEqualsFiniteDifferences(@ForAll("problems") Problem p) {
        var cost = CostFunction.SQUARED_EUCLIDEAN;
        for (Loss loss : new Loss[]{Loss.DEBIASED, Loss.GENEVAY}) {
            java.util.function.Function<double[][], Double> f = xs -> Divergences.unrolled(Points.of(xs), Weights.of(p.a()), y(p),
                    Weights.of(p.b()), cost, p.eps(), 5, loss, SinkhornOptions.epsilon(p.eps()), false).value();
            double[] grad = Divergences.unrolled(x(p), Weights.of(p.a()), y(p), Weights.of(p.b()), cost, p.eps(), 5, loss,
                    SinkhornOptions.epsilon(p.eps())).gradX();
            checkDirectional(p, f, grad, 1e-6, loss + " unrolled");
        }
        return true;
    }

    /** The envelope gradient in x of S_ε at convergence equals its finite difference, to 1e-5 of ‖∇‖·‖δ‖. */
    @Property(seed = "20261122")
    boolean envelopeGradientEqualsFiniteDifferences(@ForAll("problems") Problem p) {
        var cost = CostFunction.SQUARED_EUCLIDEAN;
        java.util.function.Function<double[][], Double> f = xs -> Divergences.sinkhorn(Points.of(xs), Weights.of(p.a()), y(p),
                Weights.of(p.b()), cost, tight(p.eps()), Loss.DEBIASED, false).value();
        double[] grad = Divergences.sinkhorn(x(p), Weights.of(p.a()), y(p), Weights.of(p.b()), cost, tight(p.eps()),
                Loss.DEBIASED, true).gradX();
        checkDirectional(p, f, grad, 1e-5, "debiased envelope");
        return true;
    }

    private static void checkDirectional(Problem p, java.util.function.Function<double[][], Double> f, double[] grad,
                                         double tol, String what) {
        int n = p.n(), d = p.d();
        java.util.Random rnd = new java.util.Random(n * 31L + d);
        double[][] dir = new double[n][d];
        double along = 0, gn = 0, dn = 0;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                dir[i][k] = rnd.nextGaussian();
                along += grad[i * d + k] * dir[i][k];
                gn += grad[i * d + k] * grad[i * d + k];
                dn += dir[i][k] * dir[i][k];
            }
        }
        double h = 1e-4 * Math.min(1, Math.sqrt(p.eps()));
        double d1 = (f.apply(shift(p.x(), dir, h)) - f.apply(shift(p.x(), dir, -h))) / (2 * h);
        double d2 = (f.apply(shift(p.x(), dir, h / 2)) - f.apply(shift(p.x(), dir, -h / 2))) / h;
        double fd = (4 * d2 - d1) / 3;
        // plus the difference quotient's rounding floor (values are at most a few units; h ≥ 2e-5)
        double err = Math.abs(fd - along), bound = tol * Math.sqrt(gn * dn) + 1e-9;
        if (err > bound) {
            throw new AssertionError(what + ": finite difference " + fd + " vs gradient " + along + " (error " + err
                    + " > " + bound + ")");
        }
    }

    private static double[][] shift(double[][] x, double[][] dir, double h) {
        double[][] o = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            o[i] = x[i].clone();
            for (int k = 0; k < o[i].length; k++) {
                o[i][k] += h * dir[i][k];
            }
        }
        return o;
    }
}
