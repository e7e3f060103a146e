package dev.jot.bench;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornIterator;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
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
 * One log-domain Sinkhorn iteration (an f sweep and a g sweep over the n × m cost matrix) between two
 * uniform clouds of n points in the unit cube, d = 3, ε = 0.01, squared Euclidean cost.
 *
 * <p>Checks its own result: after the measurement the potentials must give a finite cost within 1e-3
 * of an independent f64 solve, with column marginals exact to rounding (they are after every g update).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class SinkhornIterationBench {

    @Param({"1000", "4000", "5000"})
    int n;

    @Param({"f32", "f64"})
    String precision;

    @Param({"scalar", "vector"})
    String kernels;

    @Param({"1", "2"})
    int threads;

    private DenseGeometry geometry;
    private SinkhornIterator iterator;
    private Points x;
    private Points y;

    @Setup(Level.Trial)
    public void setup() {
        Random rnd = new Random(42);
        double[] xs = new double[n * 3], ys = new double[n * 3];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
            ys[k] = rnd.nextDouble();
        }
        x = Points.of(n, 3, xs);
        y = Points.of(n, 3, ys);
        Precision p = Precision.parse(precision);
        geometry = DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, p);
        SinkhornOptions o = SinkhornOptions.epsilon(0.01).withPrecision(p).withThreads(threads)
                .withKernels(Kernels.byName(kernels));
        iterator = Sinkhorn.iterator(geometry, null, null, o);
    }

    /** One iteration: f update, then g update. */
    @Benchmark
    public void iteration() {
        iterator.step();
    }

    @TearDown(Level.Trial)
    public void check() {
        SinkhornResult r = iterator.result();
        iterator.close();
        SinkhornResult ref = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.01).withPrecision(Precision.F64).withTolerance(1e-9).withMaxIterations(r.iterations()));
        if (!Double.isFinite(r.cost()) || Math.abs(r.cost() - ref.cost()) > 1e-3 * ref.cost() || r.marginalErrorB() > 1e-4) {
            throw new IllegalStateException("benchmark result is wrong: " + r + " vs f64 reference " + ref);
        }
    }
}
