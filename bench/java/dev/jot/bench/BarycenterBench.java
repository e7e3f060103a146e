package dev.jot.bench;

import dev.jot.barycenter.Convolutional;
import dev.jot.barycenter.FixedSupport;
import dev.jot.barycenter.FixedSupportResult;
import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.examples.BarycenterExample;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Barycenters, timed per run of exactly 20 iterations (tolerance 0; divide by 20 for one iteration), on one thread:
 * the fixed-support barycenter of k = 3 Gaussian histograms on n = 1000 bins of [0, 1] (cost |x - y|^2, epsilon
 * 0.01), and the grid barycenter of the example's four 64 x 64 shapes at epsilon 0.004 (shifted kernel products)
 * and 0.002 (below their range: exact log-sum-exp passes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class BarycenterBench {
    private static final int ITERATIONS = 20;

    @Param({"scalar", "vector"})
    String kernels;

    @Param({"f32", "f64"})
    String precision;

    private NdArray histograms, cost, shapes;
    private SinkhornOptions fixed, grid004, grid002;
    private final double[] weights = {0.2, 0.5, 0.3};
    private final double[] gridWeights = {0.1, 0.2, 0.3, 0.4};

    @Setup(Level.Trial)
    public void setup() {
        int n = 1000;
        double[] h = new double[3 * n], c = new double[n * n];
        double[] means = {0.2, 0.5, 0.8}, widths = {0.05, 0.1, 0.07};
        for (int k = 0; k < 3; k++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                double x = i / (n - 1.0);
                h[k * n + i] = Math.exp(-(x - means[k]) * (x - means[k]) / (2 * widths[k] * widths[k]));
                s += h[k * n + i];
            }
            for (int i = 0; i < n; i++) {
                h[k * n + i] /= s;
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double d = (i - j) / (n - 1.0);
                c[i * n + j] = d * d;
            }
        }
        histograms = NdArray.of(h, 3, n);
        cost = NdArray.of(c, n, n);
        double[] all = new double[4 * 64 * 64];
        for (int k = 0; k < 4; k++) {
            System.arraycopy(BarycenterExample.shape(k, 64), 0, all, k * 64 * 64, 64 * 64);
        }
        shapes = NdArray.of(all, 4, 64, 64);
        SinkhornOptions o = SinkhornOptions.epsilon(0.01).withPrecision(Precision.parse(precision)).withThreads(1)
                .withKernels(Kernels.byName(kernels)).withTolerance(0).withMaxIterations(ITERATIONS);
        fixed = o;
        grid004 = o.withEpsilon(0.004);
        grid002 = o.withEpsilon(0.002);
    }

    /** k = 3 histograms on 1000 bins: 20 iterations (each 3 row and 3 column log-sum-exp sweeps over the stored cost). */
    @Benchmark
    public double fixedSupport3x1000() {
        FixedSupportResult r = FixedSupport.barycenter(histograms, cost, weights, fixed);
        return r.value();
    }

    /** Four 64 x 64 images at epsilon 0.004: 20 iterations (shifted kernel products). */
    @Benchmark
    public double grid4x64x64eps004() {
        FixedSupportResult r = Convolutional.barycenter(shapes, gridWeights, grid004);
        return r.marginalError();
    }

    /** Four 64 x 64 images at epsilon 0.002: 20 iterations (exact log-sum-exp passes). */
    @Benchmark
    public double grid4x64x64eps002() {
        FixedSupportResult r = Convolutional.barycenter(shapes, gridWeights, grid002);
        return r.marginalError();
    }
}
