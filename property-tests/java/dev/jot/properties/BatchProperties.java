package dev.jot.properties;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.sinkhorn.BatchResult;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.PropagationMode;

/**
 * What JOT guarantees about batches: a batch, ragged or over one shared cost, gives each problem the
 * answer of that problem solved alone (to 1e-6 relative in f64; in fact bit for bit).
 */
@AddLifecycleHook(value = TriesFromSystemProperty.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class BatchProperties {
    private static final SinkhornOptions F64 = SinkhornOptions.epsilon(0.05).withPrecision(Precision.F64)
            .withTolerance(1e-9).withMaxIterations(20_000).withThreads(2);

    /** A batch of 1 to 6 problems of independent random sizes (ragged). */
    @Provide
    Arbitrary<List<SinkhornProperties.Problem>> batches() {
        return SinkhornProperties.problems(1, 25).list().ofMinSize(1).ofMaxSize(6);
    }

    private static Points points(double[][] p) {
        return Points.of(p);
    }

    private static void same(SinkhornResult want, SinkhornResult got, String what) {
        double tol = 1e-6 * Math.abs(want.cost()) + 1e-15;
        if (!(Math.abs(want.cost() - got.cost()) <= tol) || want.iterations() != got.iterations()) {
            throw new AssertionError(what + ": batch " + got + " vs single " + want);
        }
    }

    /** A ragged batch of point-cloud pairs gives each problem its single-solve answer. */
    @Property(seed = "20241122", tries = 20)
    void raggedBatchEqualsOneByOne(@ForAll("batches") List<SinkhornProperties.Problem> batch) {
        List<Points> xs = new ArrayList<>(), ys = new ArrayList<>();
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (SinkhornProperties.Problem p : batch) {
            xs.add(points(p.x()));
            ys.add(points(p.y()));
            as.add(Weights.of(p.a()));
            bs.add(Weights.of(p.b()));
        }
        BatchResult r = Sinkhorn.solveAll(xs, ys, as, bs, CostFunction.SQUARED_EUCLIDEAN, F64);
        for (int k = 0; k < batch.size(); k++) {
            same(Sinkhorn.solve(xs.get(k), ys.get(k), as.get(k), bs.get(k), CostFunction.SQUARED_EUCLIDEAN, F64.withThreads(1)),
                    r.get(k), "problem " + k);
        }
    }

    /** A batch of histogram pairs over one shared cost gives each pair its single-solve answer. */
    @Property(seed = "20241123", tries = 20)
    void sharedCostBatchEqualsOneByOne(@ForAll("batches") List<SinkhornProperties.Problem> batch) {
        SinkhornProperties.Problem first = batch.get(0);
        DenseGeometry c = DenseGeometry.of(points(first.x()), points(first.y()), CostFunction.SQUARED_EUCLIDEAN, Precision.F64);
        List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
        for (SinkhornProperties.Problem p : batch) {
            // histograms of the first problem's sizes: reuse each problem's weights, cycled to length
            as.add(resized(p.a(), c.n()));
            bs.add(resized(p.b(), c.m()));
        }
        BatchResult r = Sinkhorn.solveBatch(c, as, bs, F64);
        for (int k = 0; k < batch.size(); k++) {
            same(Sinkhorn.solve(c, as.get(k), bs.get(k), F64.withThreads(1)), r.get(k), "pair " + k);
        }
    }

    private static Weights resized(double[] w, int size) {
        double[] out = new double[size];
        double s = 0;
        for (int i = 0; i < size; i++) {
            out[i] = w[i % w.length] + 1e-3;
            s += out[i];
        }
        for (int i = 0; i < size; i++) {
            out[i] /= s;
        }
        return Weights.of(out);
    }

}
