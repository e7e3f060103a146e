package dev.jot.bench;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.PointCloudGeometry;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornIterator;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Random;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One log-domain iteration with matrix-free costs (computed inside the sweep from 3-D coordinates,
 * never stored) between two uniform clouds in the unit cube, ε = 0.01, f32. Checks that the iterations
 * kept the column marginals exact to rounding.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class MatrixFreeBench {

    @Param({"10000", "100000"})
    int n;

    @Param({"1", "2"})
    int threads;

    @Param({"vector"})
    String kernels;

    private SinkhornIterator iterator;

    @Setup(Level.Trial)
    public void setup() {
        Random rnd = new Random(42);
        double[] xs = new double[n * 3], ys = new double[n * 3];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
            ys[k] = rnd.nextDouble();
        }
        PointCloudGeometry g = PointCloudGeometry.of(Points.of(n, 3, xs), Points.of(n, 3, ys), CostFunction.SQUARED_EUCLIDEAN, Precision.F32);
        iterator = Sinkhorn.iterator(g, null, null, SinkhornOptions.epsilon(0.01).withThreads(threads)
                .withKernels(Kernels.byName(kernels)));
    }

    /** One iteration: f sweep and g sweep, 2·n² costs computed and exponentiated. */
    @Benchmark
    public void iteration() {
        iterator.step();
    }

    @TearDown(Level.Trial)
    public void check() {
        var r = iterator.result();
        iterator.close();
        if (!Double.isFinite(r.cost()) || r.marginalErrorB() > 1e-4) {
            throw new IllegalStateException("benchmark result is wrong: " + r);
        }
    }
}
