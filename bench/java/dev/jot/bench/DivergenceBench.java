package dev.jot.bench;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of gradients, against the forward pass they follow, on one thread: the debiased divergence
 * between two uniform clouds of n points in the unit cube (|x − y|², ε = 0.01 by default), solved to
 * the tolerance (f32 forward, as users run it) with and without its envelope gradients; and the
 * L-step algorithmic loss (f64) with and without its reverse pass. Each op is a whole computation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class DivergenceBench {

    @Param({"1000"})
    int n;

    @Param({"0.01"})
    double epsilon;

    @Param({"20"})
    int steps;

    @Param({"debiased"})
    String loss;

    private Points x;
    private Points y;
    private SinkhornOptions options;
    private Loss l;

    @Setup
    public void setup() {
        Random rnd = new Random(3);
        double[] xs = new double[n * 3], ys = new double[n * 3];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
            ys[k] = 0.2 + rnd.nextDouble();
        }
        x = Points.of(n, 3, xs);
        y = Points.of(n, 3, ys);
        options = SinkhornOptions.epsilon(epsilon).withThreads(1).withPrecision(Precision.F32).withTolerance(1e-5);
        l = Loss.parse(loss);
        DivergenceResult check = Divergences.sinkhorn(x, null, y, null, CostFunction.SQUARED_EUCLIDEAN, options, l, true);
        if (!check.converged() || !(check.value() > 0)) {
            throw new IllegalStateException("benchmark problem is wrong: " + check);
        }
    }

    /** The loss, solved to the tolerance (three solves). */
    @Benchmark
    public double forward() {
        return Divergences.sinkhorn(x, null, y, null, CostFunction.SQUARED_EUCLIDEAN, options, l, false).value();
    }

    /** The same, plus the envelope gradients in x, y, a and b (one f64 sweep per term). */
    @Benchmark
    public double[] forwardAndEnvelopeGradient() {
        return Divergences.sinkhorn(x, null, y, null, CostFunction.SQUARED_EUCLIDEAN, options, l, true).gradX();
    }

    /** The L-step algorithmic loss, forward only (f64). */
    @Benchmark
    public double unrolledForward() {
        return Divergences.unrolled(x, null, y, null, CostFunction.SQUARED_EUCLIDEAN, epsilon, steps, l, options, false).value();
    }

    /** The L-step algorithmic loss and its exact gradient by the reverse pass (f64). */
    @Benchmark
    public double[] unrolledForwardAndBackward() {
        return Divergences.unrolled(x, null, y, null, CostFunction.SQUARED_EUCLIDEAN, epsilon, steps, l, options, true).gradX();
    }
}
