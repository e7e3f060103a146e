package dev.jot.user;

import dev.jot.OT;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A user's checks of the library it depends on: the seeds' worked examples, S(x, x) = 0, concurrent solves
 * equal to one solve bit for bit, the kernels expected, and the README's snippets run on real files.
 * Arguments: {@code vector|scalar} (the kernels expected) and a label (class path or module path).
 */
public final class Main {
    private Main() {
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /**
     * Runs the checks; exits non-zero on the first failure.
     *
     * @param args the kernels expected and a label
     * @throws Exception if a check fails
     */
    public static void main(String[] args) throws Exception {
        String kernels = Kernels.defaults().name();
        check(kernels.equals(args[0]), "kernels " + kernels + ", expected " + args[0]);
        check(Main.class.getModule().isNamed() == args[1].equals("module path"), "module " + Main.class.getModule());

        // the blog's 5-point lines at epsilon 0.1: cost 1.0000726341168... (computed with mpmath)
        double[][] x = new double[5][], y = new double[5][];
        for (int i = 0; i < 5; i++) {
            x[i] = new double[]{i, 0};
            y[i] = new double[]{i, 1};
        }
        SinkhornResult lines = OT.sinkhorn(Points.of(x), Points.of(y), null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.1).withPrecision(dev.jot.data.Precision.F64).withTolerance(1e-12));
        check(Math.abs(lines.cost() - 1.0000726341168473) < 1e-9, "lines cost " + lines.cost());

        // the textbook's 2 x 2 example: exact cost 0.3
        ExactResult e = ExactTransport.emd(new double[]{0.5, 0.5}, new double[]{0.2, 0.8}, new double[][]{{0, 1}, {1, 0}});
        check(Math.abs(e.cost() - 0.3) < 1e-15, "textbook exact cost " + e.cost());

        // S(x, x) = 0
        Random rnd = new Random(1);
        double[][] cloud = new double[40][2];
        for (double[] p : cloud) {
            p[0] = rnd.nextDouble();
            p[1] = rnd.nextDouble();
        }
        DivergenceResult self = Divergences.sinkhorn(Points.of(cloud), null, Points.of(cloud), null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.05).withPrecision(dev.jot.data.Precision.F64), Loss.DEBIASED, false);
        check(Math.abs(self.value()) < 1e-12, "S(x, x) = " + self.value());

        // 16 concurrent solves from 8 threads: each equals one solve, bit for bit
        double[][] other = new double[30][2];
        for (double[] p : other) {
            p[0] = rnd.nextDouble() + 0.3;
            p[1] = rnd.nextDouble();
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.02);
        SinkhornResult one = Sinkhorn.solve(Points.of(cloud), Points.of(other), null, null, CostFunction.SQUARED_EUCLIDEAN, o);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<SinkhornResult>> futures = new ArrayList<>();
            for (int k = 0; k < 16; k++) {
                futures.add(pool.submit(() -> Sinkhorn.solve(Points.of(cloud), Points.of(other), null, null,
                        CostFunction.SQUARED_EUCLIDEAN, o)));
            }
            for (Future<SinkhornResult> f : futures) {
                SinkhornResult r = f.get();
                check(Double.doubleToRawLongBits(r.cost()) == Double.doubleToRawLongBits(one.cost())
                        && Arrays.equals(r.f(), one.f()), "a concurrent solve differs from one solve");
            }
        } finally {
            pool.shutdown();
        }

        ReadmeSnippets.runAll();
        System.out.println("user project (" + args[1] + ", " + kernels + " kernels): lines " + lines.cost() + ", textbook "
                + e.cost() + ", S(x,x) " + self.value() + ", 16 concurrent solves equal, README snippets ran");
    }
}
