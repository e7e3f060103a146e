package dev.jot.cli;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.examples.BlogFigures;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jot demo}: the worked examples of the seed documents, each value beside the one the document
 * reports.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the worked examples of the blog post and the textbook on built-in data and prints "
                + "each value beside the value the document reports.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--precision", paramLabel = "P", defaultValue = "f64", description = "f32 or f64; default: ${DEFAULT-VALUE}")
    String precision;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "jot-demo",
            description = "where the figures (PNG) are written; default: ${DEFAULT-VALUE}")
    java.nio.file.Path outDir;

    @Option(names = "--no-figures", description = "print the values only; write no pictures")
    boolean noFigures;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        Precision p = Precision.parse(precision);
        SinkhornOptions base = SinkhornOptions.epsilon(1).withPrecision(p).withTolerance(1e-9).withMaxIterations(100_000);
        long t0 = System.nanoTime();

        out.println("JOT demo: the seed documents' worked examples (" + p + ", tolerance 1e-9 on the L1 marginal error)");
        out.println();
        out.println("1. Blog post (Daza): 5 points (i, 0) against 5 points (i, 1), uniform weights, cost |x-y|^2");
        out.println("   epsilon   JOT cost       document   iterations   converged");
        for (double eps : new double[]{0.1, 1.0}) {
            SinkhornResult r = lines(1, base.withEpsilon(eps));
            out.printf(Locale.ROOT, "   %-9s %-14.6f %-10s %-12d %s%n", Json.repr(eps), r.cost(),
                    eps == 0.1 ? "1.000" : "1.408", r.iterations(), r.converged());
        }
        out.println();
        out.println("2. Blog post: a batch of four pairs, the lines 1, 2, 3 and 4 apart, epsilon 0.1");
        out.println("   pair   JOT cost       document   exact");
        String[] reported = {"1.0001", "4.0001", "9.0000", "16.0000"};
        for (int k = 1; k <= 4; k++) {
            SinkhornResult r = lines(k, base.withEpsilon(0.1));
            out.printf(Locale.ROOT, "   %-6d %-14.6f %-10s %d%n", k, r.cost(), reported[k - 1], k * k);
        }
        out.println();
        out.println("3. Blog post: the two moons (make_moons, 30 points, no noise, shuffled with seed 0), epsilon 0.1");
        Points[] moons = BlogFigures.moons(30, new Random(0));
        SinkhornResult conv = Sinkhorn.solve(moons[0], moons[1], null, null, CostFunction.SQUARED_EUCLIDEAN, base.withEpsilon(0.1));
        SinkhornResult early = Sinkhorn.solve(moons[0], moons[1], null, null, CostFunction.SQUARED_EUCLIDEAN,
                base.withEpsilon(0.1).withTolerance(0).withMaxIterations(40));
        out.printf(Locale.ROOT, "   JOT, converged (%d iterations):   %.6f%n", conv.iterations(), conv.cost());
        out.printf(Locale.ROOT, "   JOT, stopped after 40 iterations: %.6f   document: 1.714%n", early.cost());
        out.println("   (the blog's layer stops once the potential moves less than 0.1 in total, after 40 iterations;");
        out.println("    run to convergence the entropic cost is 1.7968 and the exact cost 1.7460)");
        out.println();
        out.println("4. Textbook: a = [0.5, 0.5], b = [0.2, 0.8], M = [[0, 1], [1, 0]]; exact plan [[0.2, 0.3], [0, 0.5]], cost 0.3");
        out.println("   epsilon   plan                                   cost");
        for (double eps : new double[]{1.0, 0.1, 0.01, 0.001}) {
            SinkhornResult r = Sinkhorn.solve(dev.jot.data.NdArray.of(new double[]{0, 1, 1, 0}, 2, 2),
                    Weights.of(0.5, 0.5), Weights.of(0.2, 0.8), base.withEpsilon(eps));
            out.printf(Locale.ROOT, "   %-9s [[%.4f, %.4f], [%.4f, %.4f]]   %.6f%n", Json.repr(eps),
                    r.plan(0, 0), r.plan(0, 1), r.plan(1, 0), r.plan(1, 1), r.cost());
        }
        out.println("   document (exact, ot.emd):             [[0.2, 0.3], [0.0, 0.5]]             0.3");
        out.println();
        out.printf(Locale.ROOT, "%s kernels; all solved in %.0f ms%n", conv.kernels(), (System.nanoTime() - t0) / 1e6);
        if (!noFigures) {
            out.println();
            out.println("Figures (the blog post's), written to " + outDir + ":");
            for (BlogFigures.Figure f : BlogFigures.write(outDir, base)) {
                out.printf(Locale.ROOT, "   %-32s %s%n", f.file().getFileName(), f.caption());
            }
        }
        return 0;
    }

    /** 5 points (i, 0) against 5 points (i, k). */
    private static SinkhornResult lines(int k, SinkhornOptions options) {
        Points[] xy = BlogFigures.lines(k);
        return Sinkhorn.solve(xy[0], xy[1], null, null, CostFunction.SQUARED_EUCLIDEAN, options);
    }
}
