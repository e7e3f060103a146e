package dev.jot.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Off-heap memory is given back, and the solver entry points may be shared by threads. Native memory is
 * read from the JVM's own accounting of native segments (the "direct" buffer pool, which counts every
 * segment an {@code Arena} allocates). Arrays, geometries and results live in automatic arenas that the
 * garbage collector frees; a solve's scratch lives in an arena closed when the solve returns.
 */
class ResourcesTest {

    static long nativeBytes() {
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                return b.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }

    /**
     * 100,000 solves (stored, matrix-free and batched) leave native memory where it was, and the process's
     * resident memory within 10% of where it was after the warm-up.
     */
    @Test
    void repeatedSolvesDoNotGrowNativeMemory() {
        Random rnd = new Random(1);
        double[] xs = new double[12], ys = new double[10];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
        }
        for (int k = 0; k < ys.length; k++) {
            ys[k] = rnd.nextDouble();
        }
        Points x = Points.of(6, 2, xs), y = Points.of(5, 2, ys);
        SinkhornOptions o = SinkhornOptions.epsilon(0.1).withMaxIterations(20).withThreads(1);
        // warm up: class initialisation allocates once, and the JIT's code grows the process for the first
        // ~20,000 solves (measured: resident memory then stays flat to within 2% up to 300,000 solves)
        for (int k = 0; k < 25_000; k++) {
            Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, k % 3 == 1 ? o.withMatrixFree(true) : o);
            if (k % 1000 == 0) {
                var g = dev.jot.geometry.DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, Precision.F32);
                Sinkhorn.solveBatch(g, List.of(Weights.uniform(6), Weights.uniform(6)), List.of(Weights.uniform(5), Weights.uniform(5)), o);
            }
        }
        System.gc();
        long before = nativeBytes();
        double checksum = 0;
        for (int k = 0; k < 100_000; k++) {
            SinkhornOptions ok = k % 3 == 1 ? o.withMatrixFree(true) : o;
            checksum += Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, ok).cost();
            if (k % 1000 == 0) {
                var g = dev.jot.geometry.DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, Precision.F32);
                checksum += Sinkhorn.solveBatch(g, List.of(Weights.uniform(6), Weights.uniform(6)),
                        List.of(Weights.uniform(5), Weights.uniform(5)), o).sum();
            }
        }
        // data and results own automatic arenas (freed once unreachable, by the GC's cleaner); the solvers'
        // scratch is in arenas closed at the end of each solve. So: collect, give the cleaner a moment.
        long after = nativeBytes();
        for (int k = 0; k < 50 && after - before > 1 << 20; k++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            after = nativeBytes();
        }
        System.out.printf("native memory before %d bytes, after 100000 solves %d bytes (checksum %.6f)%n", before, after, checksum);
        assertTrue(Double.isFinite(checksum));
        assertTrue(after - before <= 1 << 20, "native memory grew by " + (after - before) + " bytes");
    }

    /**
     * The whole process's resident memory stays within 10% over 100,000 small solves after a warm-up
     * ({@link ResidentMemoryMain}, in a JVM of its own whose heap is fixed and touched up front, so that what
     * is measured is native memory and code, not the collector's choice of heap size). The long run:
     * {@code -Djot.test.rssSolves=1000000}.
     */
    @Test
    void residentMemoryIsStableOverManySolves() throws Exception {
        Assumptions.assumeTrue(java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status")), "no /proc (not Linux)");
        int solves = Integer.getInteger("jot.test.rssSolves", 100_000);
        Process p = new ProcessBuilder(dev.jot.testutil.ChildJvm.command(List.of("-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch"),
                ResidentMemoryMain.class, Integer.toString(solves))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES), "no exit");
        System.out.println(out);
        assertEquals(0, p.exitValue(), out);
    }


    /** Eight threads solving at once through the same entry point get the bits of sequential solves. */
    @Test
    void solvesFromEightThreadsMatchSequentialOnes() throws Exception {
        Random rnd = new Random(2);
        List<Points> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            double[] a = new double[60 * 3], b = new double[50 * 3];
            for (int t = 0; t < a.length; t++) {
                a[t] = rnd.nextDouble();
            }
            for (int t = 0; t < b.length; t++) {
                b[t] = rnd.nextDouble();
            }
            xs.add(Points.of(60, 3, a));
            ys.add(Points.of(50, 3, b));
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withTolerance(1e-6).withThreads(2);
        List<SinkhornResult> sequential = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            sequential.add(Sinkhorn.solve(xs.get(k), ys.get(k), null, null, CostFunction.SQUARED_EUCLIDEAN, o));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<SinkhornResult>> futures = new ArrayList<>();
            for (int rep = 0; rep < 4; rep++) {
                for (int k = 0; k < 16; k++) {
                    final int p = k;
                    futures.add(pool.submit(() -> Sinkhorn.solve(xs.get(p), ys.get(p), null, null, CostFunction.SQUARED_EUCLIDEAN, o)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                SinkhornResult r = futures.get(i).get(), want = sequential.get(i % 16);
                assertEquals(want.cost(), r.cost(), 0.0, "problem " + i % 16);
                assertArrayEquals(want.f(), r.f(), 0.0);
            }
        } finally {
            pool.shutdown();
        }
    }

}
