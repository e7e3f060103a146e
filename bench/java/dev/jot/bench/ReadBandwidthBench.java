package dev.jot.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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
 * The machine's read bandwidth on one thread, the roofline of a stored-kernel iteration: one read of an
 * n × n f32 matrix (the size of K~), summed with four vector accumulators.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ReadBandwidthBench {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    @Param({"5000"})
    int n;

    private Arena arena;
    private MemorySegment data;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        data = arena.allocate((long) n * n * Float.BYTES, 64);
        for (long k = 0; k < (long) n * n; k++) {
            data.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, k, 1e-3f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float read() {
        long bytes = data.byteSize(), step = FS.vectorByteSize();
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
        long at = 0;
        for (; at + 4 * step <= bytes; at += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(FS, data, at, ByteOrder.nativeOrder()));
            a1 = a1.add(FloatVector.fromMemorySegment(FS, data, at + step, ByteOrder.nativeOrder()));
            a2 = a2.add(FloatVector.fromMemorySegment(FS, data, at + 2 * step, ByteOrder.nativeOrder()));
            a3 = a3.add(FloatVector.fromMemorySegment(FS, data, at + 3 * step, ByteOrder.nativeOrder()));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
