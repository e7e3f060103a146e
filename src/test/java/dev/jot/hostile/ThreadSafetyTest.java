package dev.jot.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.sinkhorn.BatchResult;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The entry points are thread-safe (README, "Java"): 16 concurrent calls from 8 threads, each sharing its
 * inputs with the others, give the bits of one call, for a single solve (with a team of 2 threads inside),
 * a shared-cost batch, a divergence with gradients and the network simplex; and solves leave no threads
 * behind (10,000 solves with internal threads do not raise the JVM's live thread count).
 */
class ThreadSafetyTest {
    private static double[] random(Random rnd, int n) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = rnd.nextDouble();
        }
        return v;
    }

    /** Runs {@code call} once, then 16 times from 8 threads at once, and compares each with {@code bits}. */
    private static <T> void concurrentEqualsOne(String what, Callable<T> call, Function<T, double[]> bits) throws Exception {
        double[] one = bits.apply(call.call());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int k = 0; k < 16; k++) {
                futures.add(pool.submit(call));
            }
            for (Future<T> f : futures) {
                assertArrayEquals(one, bits.apply(f.get()), 0.0, what + ": a concurrent call differs from one call");
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void sixteenConcurrentCallsEqualOneCall() throws Exception {
        Random rnd = new Random(12);
        Points x = Points.of(70, 2, random(rnd, 140)), y = Points.of(55, 2, random(rnd, 110));
        SinkhornOptions o = SinkhornOptions.epsilon(0.03).withThreads(2);
        concurrentEqualsOne("solve", () -> Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o), r -> {
            double[] v = java.util.Arrays.copyOf(r.f(), r.n() + 1);
            v[r.n()] = r.cost();
            return v;
        });
        DenseGeometry shared = DenseGeometry.of(NdArray.of(random(rnd, 40 * 30), 40, 30), dev.jot.data.Precision.F32);
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            as.add(Weights.of(random(rnd, 40)));
            bs.add(Weights.of(random(rnd, 30)));
        }
        // weights of one total per pair
        for (int k = 0; k < 10; k++) {
            double sa = as.get(k).sum(), sb = bs.get(k).sum();
            double[] b = bs.get(k).toArray();
            for (int j = 0; j < b.length; j++) {
                b[j] *= sa / sb;
            }
            bs.set(k, Weights.of(b));
        }
        concurrentEqualsOne("batch", () -> Sinkhorn.solveBatch(shared, as, bs, SinkhornOptions.epsilon(0.1)), BatchResult::costs);
        concurrentEqualsOne("divergence", () -> Divergences.sinkhorn(x, null, y, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.05), Loss.DEBIASED, true), (DivergenceResult d) -> {
                    double[] v = java.util.Arrays.copyOf(d.gradX(), 70 * 2 + 1);
                    v[140] = d.value();
                    return v;
                });
        concurrentEqualsOne("emd", () -> ExactTransport.emd(x, y, null, null, CostFunction.EUCLIDEAN), (ExactResult e) -> {
            double[] v = java.util.Arrays.copyOf(e.planValues(), e.planNonzeros() + 1);
            v[e.planNonzeros()] = e.cost();
            return v;
        });
    }

    @Test
    void solvesLeaveNoThreadsBehind() {
        Random rnd = new Random(13);
        Points x = Points.of(8, 2, random(rnd, 16)), y = Points.of(7, 2, random(rnd, 14));
        SinkhornOptions o = SinkhornOptions.epsilon(0.1).withMaxIterations(30).withThreads(2);
        var threads = ManagementFactory.getThreadMXBean();
        for (int k = 0; k < 200; k++) {
            Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o);
        }
        int before = threads.getThreadCount();
        double checksum = 0;
        for (int k = 0; k < 10_000; k++) {
            checksum += Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o).cost();
        }
        int after = threads.getThreadCount();
        assertTrue(checksum > 0);
        // a few threads of the JVM's own (JIT, GC, the test runner) may come and go; a leak is one per solve
        assertTrue(after <= before + 4, "live threads " + before + " before 10,000 solves, " + after + " after");
        assertEquals(10_000 * Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, o).cost(), checksum,
                1e-9 * checksum, "every solve gave the same cost");
    }
}
