package dev.jot.bench;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.Geometry;
import dev.jot.geometry.PointCloudGeometry;
import dev.jot.kernel.Accelerators;
import dev.jot.kernel.DeviceSweeps;
import dev.jot.kernel.opencl.OpenClDevice;
import dev.jot.kernel.opencl.OpenClSweeps;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornIterator;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Arrays;
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
 * One Sinkhorn iteration (f sweep, then g sweep) on the OpenCL device beside the same iteration on the
 * CPU (vector kernels, all threads): n uniform points in the unit cube, d = 3, ε = 0.01, squared
 * Euclidean cost, stored (dense) or computed from the points (matrix-free). The OpenCL iteration is
 * queued and then waited for (clFinish), so the time is the device's, launches included; no marginal
 * error is read back (as in a solve between checks).
 *
 * <p>On PoCL (OpenCL on the CPU) this is a correctness check of the path, not a race: the device is the
 * same two cores the CPU backend uses. Skipped (the setup fails with the reason) without an OpenCL device.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class OpenClSweepBench {

    @Param({"1000", "4000"})
    int n;

    @Param({"f32"})
    String precision;

    @Param({"false", "true"})
    boolean matrixFree;

    @Param({"opencl", "cpu"})
    String backend;

    private DeviceSweeps device;
    private SinkhornIterator cpu;
    private boolean[] all = {true};

    @Setup(Level.Trial)
    public void setup() {
        Random rnd = new Random(42);
        double[] xs = new double[n * 3], ys = new double[n * 3];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
            ys[k] = rnd.nextDouble();
        }
        Points x = Points.of(n, 3, xs), y = Points.of(n, 3, ys);
        Precision p = Precision.parse(precision);
        Geometry geometry = matrixFree ? PointCloudGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, p)
                : DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, p);
        if (backend.equals("opencl")) {
            if (!OpenClDevice.available()) {
                throw new IllegalStateException("no OpenCL device: " + OpenClDevice.whyNot());
            }
            double[] w = Weights.uniform(n).toArray();
            device = Accelerators.open("opencl", List.of(geometry), new double[][]{w}, new double[][]{w.clone()});
            device.setEpsilon(0, 0.01);
            System.out.println("\nOpenCL device: " + OpenClDevice.get().description());
        } else {
            cpu = Sinkhorn.iterator(geometry, null, null, SinkhornOptions.epsilon(0.01).withPrecision(p));
        }
    }

    /** One iteration: f update, then g update. */
    @Benchmark
    public void iteration() {
        if (device != null) {
            device.rowUpdate(all, null);
            device.commitRows(all);
            device.columnUpdate(all);
            ((OpenClSweeps) device).finishQueue();
        } else {
            cpu.step();
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (device != null) {
            DeviceSweeps.Final fin = device.finish();
            if (!Arrays.stream(fin.f()[0]).allMatch(Double::isFinite)) {
                throw new IllegalStateException("non-finite potentials on the device");
            }
            device.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }
}
