package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Symmetric updates and ε-annealing reach the answer of the plain Sinkhorn loop. */
class SymmetricAndAnnealingTest {

    private static Points cloud(Random rnd, int n, int d) {
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble();
        }
        return Points.of(n, d, v);
    }

    private static Weights weights(Random rnd, int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.1 + rnd.nextDouble();
        }
        double s = Arrays.stream(w).sum();
        return Weights.of(Arrays.stream(w).map(v -> v / s).toArray());
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.1, 0.01})
    void symmetricSelfTransportEqualsThePlainLoop(double epsilon) {
        Random rnd = new Random(21);
        Points x = cloud(rnd, 80, 2);
        Weights a = weights(rnd, 80);
        SinkhornOptions o = SinkhornOptions.epsilon(epsilon).withPrecision(Precision.F64).withTolerance(1e-11).withMaxIterations(100_000);
        SinkhornResult sym = Sinkhorn.solveSymmetric(x, a, CostFunction.SQUARED_EUCLIDEAN, o);
        SinkhornResult plain = Sinkhorn.solve(x, x, a, a, CostFunction.SQUARED_EUCLIDEAN, o);
        assertTrue(sym.converged(), sym.status());
        assertArrayEquals(sym.f(), sym.g(), "f = g for the symmetric problem");
        assertEquals(plain.objective(), sym.objective(), 1e-9 * Math.abs(plain.objective()), "objective");
        assertEquals(plain.cost(), sym.cost(), 1e-8 * Math.abs(plain.cost()), "cost");
        // the plain loop's potentials are defined up to f + c, g - c: compare f_i + g_j
        double shift = plain.f()[0] - sym.f()[0];
        for (int i = 0; i < 80; i++) {
            assertEquals(plain.f()[i] + plain.g()[i], sym.f()[i] + sym.g()[i], 1e-8, "f_i + g_i at " + i + " (shift " + shift + ")");
        }
        assertTrue(sym.marginalErrorB() <= 1e-10, "column marginal " + sym.marginalErrorB());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 0.7})
    void annealingReachesTheSameAnswerAndReportsEachEpsilon(double factor) {
        Random rnd = new Random(22);
        Points x = cloud(rnd, 150, 3), y = cloud(rnd, 120, 3);
        DenseGeometry c = DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, Precision.F64);
        SinkhornOptions o = SinkhornOptions.epsilon(0.005).withPrecision(Precision.F64).withTolerance(1e-9).withMaxIterations(100_000);
        SinkhornResult plain = Sinkhorn.solve(c, null, null, o);
        SinkhornResult annealed = Sinkhorn.solve(c, null, null, o.withAnnealing(factor));
        assertTrue(annealed.converged(), annealed.status());
        assertEquals(plain.objective(), annealed.objective(), 1e-8 * Math.abs(plain.objective()));
        assertEquals(plain.cost(), annealed.cost(), 1e-7 * Math.abs(plain.cost()));
        double[] eps = annealed.annealEpsilons();
        int[] its = annealed.annealIterations();
        assertEquals(eps.length, its.length);
        assertEquals(c.maxCost(), eps[0], 0.0, "starts at the largest cost");
        assertEquals(0.005, eps[eps.length - 1], 0.0, "ends at the target");
        for (int k = 1; k < eps.length - 1; k++) {
            assertEquals(eps[k - 1] * factor, eps[k], 1e-15 * eps[k - 1], "stage " + k);
        }
        assertEquals(annealed.iterations(), Arrays.stream(its).sum(), "iterations add up");
        assertEquals(0, plain.annealEpsilons().length);
        System.out.printf("annealing x%.1f: %d iterations (plain: %d), per stage %s%n", factor, annealed.iterations(),
                plain.iterations(), Arrays.toString(its));
    }
}
