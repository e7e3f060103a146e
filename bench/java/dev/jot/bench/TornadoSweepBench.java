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
import dev.jot.kernel.Kernels;
import dev.jot.kernel.opencl.OpenClDevice;
import dev.jot.kernel.opencl.OpenClSweeps;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornIterator;
import dev.jot.sinkhorn.SinkhornOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
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
 * One Sinkhorn iteration (f sweep, then g sweep) on TornadoVM beside the same iteration on the OpenCL
 * backend and on the CPU (vector kernels, all threads), as {@link OpenClSweepBench}: n uniform points in
 * the unit cube, d = 3, ε = 0.01, squared Euclidean cost, stored or matrix-free. A TornadoVM execution
 * returns when its potentials are back on the host, so its time includes the launches and the transfers
 * of the potentials (O(n) numbers each way); the OpenCL one is waited for with clFinish.
 *
 * <p>Needs a JOT built with a TornadoVM SDK ({@code TORNADOVM_HOME} set, so the jar has
 * {@code dev.jot.tornado}) and the forks started with TornadoVM's flags:
 * {@code java -jar target/benchmarks.jar TornadoSweepBench -jvmArgsPrepend @$TORNADOVM_HOME/tornado-argfile}.
 * All three backends then run in such a JVM (JVMCI on, TornadoVM's parallel GC). On PoCL the devices are
 * the CPU's own cores: a check of the path, not a race.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class TornadoSweepBench {

    @Param({"1000"})
    int n;

    @Param({"f32"})
    String precision;

    @Param({"false", "true"})
    boolean matrixFree;

    @Param({"tornado", "opencl", "cpu"})
    String backend;

    private DeviceSweeps device;
    private SinkhornIterator cpu;
    private final boolean[] all = {true};

    @Setup(Level.Trial)
    public void setup() {
        System.out.println("\nCPU: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " threads; preferred vector "
                + FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits; kernels " + Kernels.defaults().name());
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
        if (backend.equals("cpu")) {
            cpu = Sinkhorn.iterator(geometry, null, null, SinkhornOptions.epsilon(0.01).withPrecision(p));
            return;
        }
        double[] w = Weights.uniform(n).toArray();
        device = Accelerators.open(backend, List.of(geometry), new double[][]{w}, new double[][]{w.clone()});
        device.setEpsilon(0, 0.01);
        System.out.println(backend + " device: " + (backend.equals("opencl") ? OpenClDevice.get().description() : device.device()));
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** One iteration: f update, then g update. */
    @Benchmark
    public void iteration() {
        if (device != null) {
            device.rowUpdate(all, null);
            device.commitRows(all);
            device.columnUpdate(all);
            if (device instanceof OpenClSweeps ocl) {
                ocl.finishQueue();
            }
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
