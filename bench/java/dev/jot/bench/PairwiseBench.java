package dev.jot.bench;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.data.Precision;
import dev.jot.pairwise.Pairwise;
import dev.jot.pairwise.PairwiseResult;
import dev.jot.sinkhorn.SinkhornOptions;
import java.io.IOException;
import java.nio.file.Path;
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
 * Issue 19's speed setting: N = 1000 histograms of 100 bins over one 100 × 100 cost (|x − y|² between points of
 * the unit square), ε = 0.05, the default tolerance 1e-6 and sweeps ({@code auto}: shared-kernel products), f32.
 * An op is the symmetric matrix of a fixed sample, the first {@code rows} histograms ({@code rows}(rows+1)/2
 * problems: 8,256 for 128 rows, 10 blocks of 32), through {@link Pairwise#histograms}, the path
 * {@code jot pairwise} takes. Pairs per second = problems / (seconds per op); the op prints its problem count.
 *
 * <p>{@code -p data=DIR} reads {@code DIR/C.npy} and {@code DIR/H.npy} ({@code bench/pairwise_peers.py} writes
 * them, and times POT on 2,000 pairs of the same histograms); without it the data are made here (seed 19,
 * histograms 0.1 + U(0, 1), normalised, as {@code BatchBench}'s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class PairwiseBench {
    @Param({""})
    String data;

    @Param({"128"})
    int rows;

    @Param({"1", "2"})
    int threads;

    private NdArray costs;
    private NdArray sample;
    private Pairwise pairwise;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        NdArray h;
        if (data.isEmpty()) {
            Random rnd = new Random(19);
            double[] x = new double[200];
            for (int k = 0; k < x.length; k++) {
                x[k] = rnd.nextDouble();
            }
            double[] c = new double[100 * 100];
            for (int i = 0; i < 100; i++) {
                for (int j = 0; j < 100; j++) {
                    double dx = x[2 * i] - x[2 * j], dy = x[2 * i + 1] - x[2 * j + 1];
                    c[i * 100 + j] = dx * dx + dy * dy;
                }
            }
            costs = NdArray.of(c, 100, 100);
            double[] v = new double[1000 * 100];
            for (int k = 0; k < v.length; k++) {
                v[k] = 0.1 + rnd.nextDouble();
            }
            h = NdArray.of(v, 1000, 100);
        } else {
            costs = Npy.read(Path.of(data, "C.npy"));
            h = Npy.read(Path.of(data, "H.npy"));
        }
        int n = (int) h.shape(1);
        double[] v = new double[rows * n];
        for (int k = 0; k < v.length; k++) {
            v[k] = h.getFlat(k);
        }
        sample = NdArray.of(v, rows, n);
        pairwise = Pairwise.of(SinkhornOptions.epsilon(0.05).withPrecision(Precision.F32).withThreads(threads));
        System.out.println("machine: " + BatchKernelBench.machine());
        PairwiseResult r = pairwise.histograms(costs, sample, null);
        System.out.println("op: " + r.pairs() + " problems in " + r.blocks() + " blocks, " + r.notConverged()
                + " not converged, at most " + r.maxIterations() + " iterations");
    }

    @Benchmark
    public double matrix() {
        return pairwise.histograms(costs, sample, null).get(0, rows - 1);
    }
}
