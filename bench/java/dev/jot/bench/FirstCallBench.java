package dev.jot.bench;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The first solve in a fresh JVM against the same solve warm: {@code Sinkhorn.solve(x, y, ...)} on n uniform points
 * in the unit square (|x-y|^2, ε = 0.05, the default tolerance, f32, one thread), the cost matrix built inside the
 * call as a user's program does. {@code first} times one call per fork and nothing before it (each fork is a fresh
 * JVM: the points are drawn in plain Java, no kernel has run), {@code warm} the same call after five others.
 * Compare them with {@code java -jar target/benchmarks.jar FirstCallBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FirstCallBench {
    @Param({"2000", "5000"})
    int n;

    private Points x;
    private Points y;
    private SinkhornOptions options;

    @Setup(Level.Trial)
    public void setup() {
        Random rnd = new Random(7);
        double[] xs = new double[2 * n], ys = new double[2 * n];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
            ys[k] = rnd.nextDouble();
        }
        x = Points.of(n, 2, xs);
        y = Points.of(n, 2, ys);
        options = SinkhornOptions.epsilon(0.05).withPrecision(Precision.F32).withThreads(1);
    }

    private double solve() {
        SinkhornResult r = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, options);
        if (!r.converged()) {
            throw new IllegalStateException(r.status());
        }
        return r.cost();
    }

    /** {@return the cost} of the first solve in a fresh JVM (one call per fork) */
    @Benchmark
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    @Fork(value = 8, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
    public double first() {
        return solve();
    }

    /** {@return the cost} of the same solve after five warm-up calls */
    @Benchmark
    @Warmup(iterations = 5)
    @Measurement(iterations = 5)
    @Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
    public double warm() {
        return solve();
    }
}
