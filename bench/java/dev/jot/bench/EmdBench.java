package dev.jot.bench;

import dev.jot.data.NdArray;
import dev.jot.data.Weights;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
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
 * The network simplex on n × n problems: 2-D points uniform in the unit square, squared Euclidean cost
 * matrix given (as {@code bench/emd_pot.py} gives POT's {@code ot.emd2} the same problem), uniform weights.
 * Single-shot: each op is a whole solve.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
public class EmdBench {

    @Param({"1000", "2000", "5000"})
    int n;

    private NdArray cost;

    @Setup
    public void setup() {
        cost = EmdProblems.cost(n);
    }

    @Benchmark
    public double emd() {
        ExactResult r = ExactTransport.emd((Weights) null, null, cost);
        if (!r.optimal()) {
            throw new IllegalStateException(r.toString());
        }
        return r.cost();
    }

    /** The benchmark problems, the same points as bench/emd_pot.py (a fixed-seed LCG both sides share). */
    static final class EmdProblems {
        static double[] points(int n, long seed) {
            double[] p = new double[2 * n];
            long s = seed;
            for (int k = 0; k < p.length; k++) {
                s = (s * 6364136223846793005L + 1442695040888963407L);
                p[k] = (s >>> 11) * 0x1.0p-53;
            }
            return p;
        }

        static NdArray cost(int n) {
            double[] x = points(n, 1), y = points(n, 2), c = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double dx = x[2 * i] - y[2 * j], dy = x[2 * i + 1] - y[2 * j + 1];
                    c[i * n + j] = dx * dx + dy * dy;
                }
            }
            return NdArray.of(c, n, n);
        }
    }
}
