package dev.jot.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.PointCloudGeometry;
import dev.jot.kernel.Kernels;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Matrix-free costs (computed inside the sweeps) give the answers of the stored cost matrix. */
class MatrixFreeTest {

    private static Points cloud(Random rnd, int n, int d, double scale) {
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = scale * rnd.nextGaussian();
        }
        return Points.of(n, d, v);
    }

    @ParameterizedTest(name = "n={0} m={1} d={2} {3} {4} {5}")
    @CsvSource({
            "1, 1, 1, sqeuclidean, f64, vector",
            "7, 9, 2, sqeuclidean, f64, vector",
            "65, 63, 3, sqeuclidean, f64, vector",
            "300, 257, 3, sqeuclidean, f64, vector",
            "300, 257, 3, euclidean, f64, vector",
            "120, 90, 64, sqeuclidean, f64, vector",
            "300, 257, 3, p=1.5, f64, vector",
            "300, 257, 3, sqeuclidean, f32, vector",
            "300, 257, 5, euclidean, f32, vector",
            "200, 150, 3, sqeuclidean, f64, scalar",
            "200, 150, 3, sqeuclidean, f32, scalar"})
    void matrixFreeEqualsDense(int n, int m, int d, String cost, String precision, String kernels) {
        if (kernels.equals("vector")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        }
        Random rnd = new Random(n * 31L + m * 7L + d);
        Points x = cloud(rnd, n, d, 1.0), y = cloud(rnd, m, d, 1.0);
        Precision p = Precision.parse(precision);
        CostFunction c = CostFunction.parse(cost);
        SinkhornOptions o = SinkhornOptions.epsilon(0.1 * d).withPrecision(p).withKernels(Kernels.byName(kernels))
                .withTolerance(p == Precision.F64 ? 1e-10 : 1e-5).withMaxIterations(5000).withThreads(2)
                // the same plain iterations on both (over-relaxed stored-kernel solves end at other potentials within the
                // tolerance, shifted by a common (f + λ, g − λ))
                .withOverRelaxation(false);
        SinkhornResult dense = Sinkhorn.solve(DenseGeometry.of(x, y, c, p), null, null, o);
        SinkhornResult free = Sinkhorn.solve(PointCloudGeometry.of(x, y, c, p), null, null, o);
        double tol = p == Precision.F64 ? 1e-10 : 2e-4;
        assertTrue(free.converged(), free.status());
        assertEquals(dense.cost(), free.cost(), tol * Math.abs(dense.cost()), "cost");
        assertEquals(dense.objective(), free.objective(), tol * Math.abs(dense.objective()), "objective");
        double[] fd = dense.f(), ff = free.f();
        for (int i = 0; i < n; i++) {
            assertEquals(fd[i], ff[i], tol * (1 + Math.abs(fd[i])), "f[" + i + "]");
        }
    }

    @org.junit.jupiter.api.Test
    void matrixFreeIsChosenAutomaticallyOnlyWhenTheMatrixWouldBeLarge() {
        SinkhornOptions o = SinkhornOptions.epsilon(1);
        assertTrue(!o.matrixFree(1000, 1000));
        assertTrue(o.matrixFree(100_000, 100_000));
        assertTrue(o.withMatrixFree(true).matrixFree(2, 2));
        assertTrue(!o.withMatrixFree(false).matrixFree(100_000, 100_000));
    }
}
