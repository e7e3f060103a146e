package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.kernel.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Batched and ragged solves give, problem by problem, the bits of single solves. */
class BatchTest {

    private static Weights histogram(Random rnd, int n, boolean zeros) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = zeros && i % 7 == 3 ? 0 : 0.05 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= s;
        }
        return Weights.of(w);
    }

    private static Points cloud(Random rnd, int n, int d) {
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble();
        }
        return Points.of(n, d, v);
    }

    private static void assertSameBits(SinkhornResult want, SinkhornResult got, String what) {
        assertArrayEquals(want.f(), got.f(), what + ": f");
        assertArrayEquals(want.g(), got.g(), what + ": g");
        assertEquals(want.cost(), got.cost(), 0.0, what + ": cost");
        assertEquals(want.objective(), got.objective(), 0.0, what + ": objective");
        assertEquals(want.iterations(), got.iterations(), what + ": iterations");
        assertEquals(want.converged(), got.converged(), what + ": converged");
    }

    @ParameterizedTest(name = "B={0} n={1} m={2} {3} {4} threads={5}")
    @CsvSource({
            "1, 5, 5, f64, vector, 1",
            "70, 100, 100, f32, vector, 2",
            "70, 100, 100, f64, vector, 2",
            "9, 33, 17, f64, scalar, 2",
            "130, 20, 30, f32, vector, 1"})
    void sharedCostBatchEqualsSingleSolves(int batch, int n, int m, String precision, String kernels, int threads) {
        if (kernels.equals("vector")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        }
        Random rnd = new Random(batch * 1000L + n);
        Precision p = Precision.parse(precision);
        DenseGeometry c = DenseGeometry.of(cloud(rnd, n, 2), cloud(rnd, m, 2), CostFunction.SQUARED_EUCLIDEAN, p);
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < batch; k++) {
            as.add(histogram(rnd, n, k % 3 == 1));
            bs.add(histogram(rnd, m, k % 4 == 2));
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.01 + 0.001 * (batch % 5)).withPrecision(p).withThreads(threads)
                .withKernels(Kernels.byName(kernels)).withMaxIterations(300).withTolerance(p == Precision.F64 ? 1e-9 : 1e-5)
                .withSweeps("log"); // (shared-kernel products give the log domain's answer to rounding: BatchKernelTest)
        BatchResult r = Sinkhorn.solveBatch(c, as, bs, o);
        assertEquals(batch, r.size());
        double sum = 0;
        for (int k = 0; k < batch; k++) {
            SinkhornResult single = Sinkhorn.solve(c, as.get(k), bs.get(k), o.withThreads(1));
            assertSameBits(single, r.get(k), "problem " + k);
            sum += single.cost();
        }
        assertEquals(sum, r.sum(), 1e-12 * Math.abs(sum));
        assertEquals(sum / batch, r.mean(), 1e-12 * Math.abs(sum));
    }

    @Test
    void raggedBatchEqualsSingleSolvesAndStopsEachProblemOnItsOwn() {
        Random rnd = new Random(5);
        List<Points> xs = new ArrayList<>(), ys = new ArrayList<>();
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        int[][] sizes = {{1, 1}, {5, 9}, {40, 3}, {200, 170}, {17, 65}, {3, 300}};
        for (int[] s : sizes) {
            xs.add(cloud(rnd, s[0], 3));
            ys.add(cloud(rnd, s[1], 3));
            as.add(histogram(rnd, s[0], false));
            bs.add(null);
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.02).withPrecision(Precision.F64).withTolerance(1e-9).withMaxIterations(5000);
        BatchResult r = Sinkhorn.solveAll(xs, ys, as, bs, CostFunction.SQUARED_EUCLIDEAN, o.withThreads(2));
        java.util.Set<Integer> iterationCounts = new java.util.HashSet<>();
        for (int k = 0; k < sizes.length; k++) {
            SinkhornResult single = Sinkhorn.solve(xs.get(k), ys.get(k), as.get(k), null, CostFunction.SQUARED_EUCLIDEAN, o.withThreads(1));
            assertSameBits(single, r.get(k), "problem " + k);
            assertEquals(sizes[k][0], r.get(k).n());
            assertEquals(sizes[k][1], r.get(k).m());
            assertTrue(r.get(k).converged(), r.get(k).status());
            iterationCounts.add(r.get(k).iterations());
        }
        assertTrue(iterationCounts.size() > 1, "every problem took the same number of iterations: " + iterationCounts);
        assertTrue(r.allConverged());
    }

    @Test
    void batchErrorsNameTheProblem() {
        Random rnd = new Random(1);
        DenseGeometry c = DenseGeometry.of(cloud(rnd, 4, 2), cloud(rnd, 4, 2), CostFunction.SQUARED_EUCLIDEAN, Precision.F64);
        List<Weights> as = List.of(Weights.uniform(4), Weights.of(0.5, 0.5, 0.5, -0.5));
        List<Weights> bs = List.of(Weights.uniform(4), Weights.uniform(4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sinkhorn.solveBatch(c, as, bs, SinkhornOptions.epsilon(0.1)));
        assertTrue(e.getMessage().contains("problem 1") && e.getMessage().contains("-0.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sinkhorn.solveBatch(c, as, List.of(Weights.uniform(4)), SinkhornOptions.epsilon(0.1)));
        assertThrows(IllegalArgumentException.class, () -> Sinkhorn.solveBatch(c, List.of(), List.of(), SinkhornOptions.epsilon(0.1)));
    }
}
