package dev.jot.bench;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.BatchResult;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.ArrayList;
import java.util.List;
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
 * Batches, timed per Sinkhorn iteration of the whole batch (each solve runs exactly 20 iterations,
 * tolerance 0): the report's setting, B = 1024 histogram pairs of size 100 over one 100 × 100 cost
 * matrix, and a ragged batch of 64 point-cloud pairs of sizes 50..500 in 3-D. Checks its own result:
 * problem 0 of the batch equals a single solve bit for bit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class BatchBench {
    private static final int ITERATIONS = 20;

    @Param({"scalar", "vector"})
    String kernels;

    @Param({"1", "2"})
    int threads;

    @Param({"f32"})
    String precision;

    private DenseGeometry shared;
    private List<Weights> as;
    private List<Weights> bs;
    private List<Points> xs;
    private List<Points> ys;
    private SinkhornOptions options;

    static Weights histogram(Random rnd, int n) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = 0.1 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= s;
        }
        return Weights.of(w);
    }

    static Points cloud(Random rnd, int n, int d) {
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble();
        }
        return Points.of(n, d, v);
    }

    @Setup(Level.Trial)
    public void setup() {
        Random rnd = new Random(7);
        Precision p = Precision.parse(precision);
        shared = DenseGeometry.of(cloud(rnd, 100, 2), cloud(rnd, 100, 2), CostFunction.SQUARED_EUCLIDEAN, p);
        as = new ArrayList<>();
        bs = new ArrayList<>();
        for (int k = 0; k < 1024; k++) {
            as.add(histogram(rnd, 100));
            bs.add(histogram(rnd, 100));
        }
        xs = new ArrayList<>();
        ys = new ArrayList<>();
        for (int k = 0; k < 64; k++) {
            xs.add(cloud(rnd, 50 + rnd.nextInt(451), 3));
            ys.add(cloud(rnd, 50 + rnd.nextInt(451), 3));
        }
        options = SinkhornOptions.epsilon(0.01).withPrecision(p).withThreads(threads).withKernels(Kernels.byName(kernels))
                .withTolerance(0).withMaxIterations(ITERATIONS);
    }

    /** B = 1024 histogram pairs of size 100 over one 100 × 100 cost: one batch iteration. */
    @Benchmark
    public double sharedCost1024x100() {
        BatchResult r = Sinkhorn.solveBatch(shared, as, bs, options);
        return r.sum() / ITERATIONS;
    }

    /** 64 point-cloud pairs of 50..500 points in 3-D: one batch iteration. */
    @Benchmark
    public double ragged64() {
        BatchResult r = Sinkhorn.solveAll(xs, ys, null, null, CostFunction.SQUARED_EUCLIDEAN, options);
        return r.sum() / ITERATIONS;
    }

    @TearDown(Level.Trial)
    public void check() {
        BatchResult batch = Sinkhorn.solveBatch(shared, as.subList(0, 2), bs.subList(0, 2), options);
        var single = Sinkhorn.solve(shared, as.get(0), bs.get(0), options.withThreads(1));
        if (Double.doubleToRawLongBits(single.cost()) != Double.doubleToRawLongBits(batch.get(0).cost())) {
            throw new IllegalStateException("batch result differs from a single solve: " + batch.get(0) + " vs " + single);
        }
    }
}
