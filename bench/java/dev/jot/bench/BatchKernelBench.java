package dev.jot.bench;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
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
 * Seed 001's batch: B = 1024 histogram pairs of size 100 over one 100 × 100 cost (uniform points in the unit
 * square, |x-y|^2), ε = 0.05, a whole batch solve of exactly {@code iterations} iterations (tolerance 0) with
 * log-domain sweeps or shared-kernel products ({@code BatchKernelLoop}). The time per iteration is the
 * difference between two iteration counts divided by their difference (bench/batch_peers.py does that and
 * runs POT's multi-column {@code ot.sinkhorn} beside it). The trial's tear-down checks that the kernel
 * batch run to convergence gives the 1024 costs of a converged f64 log-domain batch to 1e-4.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4)
@Measurement(iterations = 8)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class BatchKernelBench {
    @Param({"f32"})
    String precision;

    @Param({"log", "kernel"})
    String sweeps;

    @Param({"10", "60"})
    int iterations;

    @Param({"1"})
    int threads;

    private DenseGeometry geometry;
    private DenseGeometry geometryF64;
    private List<Weights> as;
    private List<Weights> bs;
    private SinkhornOptions options;

    @Setup(Level.Trial)
    public void setup() {
        Random rnd = new Random(7);
        Points x = BatchBench.cloud(rnd, 100, 2), y = BatchBench.cloud(rnd, 100, 2);
        geometry = DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, Precision.parse(precision));
        geometryF64 = DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, Precision.F64);
        as = new ArrayList<>();
        bs = new ArrayList<>();
        for (int k = 0; k < 1024; k++) {
            as.add(BatchBench.histogram(rnd, 100));
            bs.add(BatchBench.histogram(rnd, 100));
        }
        options = SinkhornOptions.epsilon(0.05).withPrecision(Precision.parse(precision)).withThreads(threads)
                .withSweeps(sweeps).withTolerance(0).withMaxIterations(iterations);
        System.out.println("machine: " + machine());
    }

    /** The CPU model and the preferred vector width, for the log. */
    static String machine() {
        String model = "?";
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: the model stays unknown
        }
        return model + ", " + Runtime.getRuntime().availableProcessors() + " cores, vector kernels "
                + dev.jot.kernel.Kernels.vector().map(k -> jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits")
                .orElse("absent");
    }

    @Benchmark
    public double batch() {
        return Sinkhorn.solveBatch(geometry, as, bs, options).sum();
    }

    @TearDown(Level.Trial)
    public void check() {
        if (iterations != 10) {
            return;
        }
        SinkhornOptions converged = options.withTolerance(1e-7).withMaxIterations(10_000);
        BatchResult got = Sinkhorn.solveBatch(geometry, as, bs, converged);
        BatchResult want = Sinkhorn.solveBatch(geometryF64, as, bs, converged.withPrecision(Precision.F64).withSweeps("log")
                .withTolerance(1e-12));
        double worst = 0;
        for (int k = 0; k < want.size(); k++) {
            worst = Math.max(worst, Math.abs(got.get(k).cost() - want.get(k).cost()) / Math.abs(want.get(k).cost()));
        }
        System.out.println("check: the 1024 costs (" + sweeps + ", " + precision + ", converged) against a converged f64 log-domain batch: "
                + "worst relative difference " + worst);
        if (!(worst <= 1e-4)) {
            throw new IllegalStateException("batch costs differ from the f64 reference by " + worst);
        }
    }
}
