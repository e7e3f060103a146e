package dev.jot.bench;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
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
 * A whole solve of exactly {@code iterations} iterations (tolerance 0) on a stored n × n cost matrix
 * (uniform points in the unit cube, d = 3, |x-y|^2, ε = 0.01, uniform weights), with log-domain or
 * stored-kernel sweeps. The time per iteration is the difference between two iteration counts divided by
 * their difference (bench/kernel_peers.py does that and runs POT beside it); the set-up (the kernel's
 * build, the final log-domain sweeps) is the time at the smaller count less that many iterations. {@code rho}
 * (default {@code inf}, balanced) makes it an unbalanced solve with ρ_a = ρ_b = ρ (the damped updates).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 6)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class KernelSweepsBench {
    @Param({"3000"})
    int n;

    @Param({"f32", "f64"})
    String precision;

    @Param({"log", "kernel"})
    String sweeps;

    @Param({"10", "60"})
    int iterations;

    @Param({"1"})
    int threads;

    /** ρ for both marginals; {@code inf} is the balanced solve. */
    @Param({"inf"})
    String rho;

    private DenseGeometry geometry;
    private SinkhornOptions options;

    @Setup(Level.Trial)
    public void setup() {
        Random rnd = new Random(42);
        double[] xs = new double[3 * n], ys = new double[3 * n];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
            ys[k] = rnd.nextDouble();
        }
        Precision p = Precision.parse(precision);
        geometry = DenseGeometry.of(Points.of(n, 3, xs), Points.of(n, 3, ys), CostFunction.SQUARED_EUCLIDEAN, p);
        options = SinkhornOptions.epsilon(0.01).withPrecision(p).withTolerance(0).withMaxIterations(iterations)
                .withThreads(threads).withSweeps(sweeps).withRho(Double.parseDouble(rho.replace("inf", "Infinity")));
    }

    @Benchmark
    public double solve() {
        SinkhornResult r = Sinkhorn.solve(geometry, null, null, options);
        if (!Double.isFinite(r.cost()) || r.iterations() != iterations) {
            throw new IllegalStateException(r.status());
        }
        return r.cost();
    }
}
