package dev.jot.sinkhorn;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import java.util.Locale;
import java.util.Random;

/**
 * Iterations to tolerance of plain damped unbalanced updates against the translation-invariant ones, for the
 * README's table (run by hand, not a test): two uniform clouds in the unit square, n = m = 400, weights of total
 * mass 1 and 2, f64, tolerance 1e-9 on the potentials' change.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.jot.sinkhorn.UnbalancedConvergenceProbe</pre>
 */
public final class UnbalancedConvergenceProbe {
    public static void main(String[] args) {
        Random rnd = new Random(1);
        int n = 400, m = 400;
        double[] xs = new double[2 * n], ys = new double[2 * m];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
        }
        for (int k = 0; k < ys.length; k++) {
            ys[k] = 0.5 * rnd.nextDouble() + 0.25;
        }
        Points x = Points.of(n, 2, xs), y = Points.of(m, 2, ys);
        double[] wb = new double[m];
        java.util.Arrays.fill(wb, 2.0 / m);
        dev.jot.data.Weights b = dev.jot.data.Weights.of(wb);
        System.out.println("| epsilon | rho | rho/epsilon | plain: iterations | translation-invariant: iterations | objective (plain) | objective (TI) |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (double eps : new double[]{0.1, 0.01}) {
            for (double rho : new double[]{0.01, 0.1, 1, 10}) {
                SinkhornOptions o = SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-9)
                        .withMaxIterations(200000).withRho(rho);
                SinkhornResult plain = Sinkhorn.solve(x, y, null, b, CostFunction.SQUARED_EUCLIDEAN, o);
                SinkhornResult ti = Sinkhorn.solve(x, y, null, b, CostFunction.SQUARED_EUCLIDEAN, o.withTranslationInvariant(true));
                System.out.println(String.format(Locale.ROOT, "| %s | %s | %s | %d%s | %d%s | %.12f | %.12f |", eps, rho, rho / eps,
                        plain.iterations(), plain.converged() ? "" : " (not converged)", ti.iterations(),
                        ti.converged() ? "" : " (not converged)", plain.objective(), ti.objective()));
            }
        }
    }
}
