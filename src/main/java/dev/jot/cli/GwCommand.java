package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.exact.GromovWasserstein;
import dev.jot.geometry.CostFunction;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jot gw}: entropic Gromov–Wasserstein between two point clouds, of any dimensions. */
@Command(name = "gw", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Entropic Gromov-Wasserstein (square loss) between two point clouds, compared through their",
                "own distance matrices, so x and y may have different dimensions. Files are .npy or .csv."})
final class GwCommand implements Callable<Integer> {

    @Option(names = "--x", paramLabel = "X", required = true, description = "first point cloud, n x d1")
    Path x;

    @Option(names = "--y", paramLabel = "Y", required = true, description = "second point cloud, m x d2")
    Path y;

    @Option(names = "--a", paramLabel = "A", description = "weights of x (default: uniform)")
    Path a;

    @Option(names = "--b", paramLabel = "B", description = "weights of y (default: uniform)")
    Path b;

    @Option(names = "--epsilon", paramLabel = "E", required = true, description = "regularisation of the inner transport problems")
    double epsilon;

    @Option(names = "--cost", paramLabel = "COST", defaultValue = "sqeuclidean",
            description = "the intra-space cost: sqeuclidean, euclidean or p=<p>; default: ${DEFAULT-VALUE}")
    String cost;

    @Option(names = "--max-iter", paramLabel = "N", defaultValue = "100", description = "outer iterations; default: ${DEFAULT-VALUE}")
    int maxIter;

    @Option(names = "--tol", paramLabel = "T", defaultValue = "1e-5", description = "stop when the coupling moves by at most T (L1) in an iteration; default: ${DEFAULT-VALUE}")
    double tol;

    @Option(names = "--plan", paramLabel = "FILE", description = "write the n x m coupling to this .npy file")
    Path plan;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Points px = SolveCommand.points("--x", x), py = SolveCommand.points("--y", y);
        Weights wa = SolveCommand.weights("--a", a);
        Weights wb = SolveCommand.weights("--b", b);
        GromovWasserstein.Result r = GromovWasserstein.entropic(px, wa, py, wb, CostFunction.parse(cost), epsilon, maxIter, tol);
        if (plan != null) {
            DataFiles.write(plan, r.plan());
        }
        if (json) {
            out.println(new Json()
                    .put("value", r.value())
                    .put("converged", r.converged())
                    .put("status", r.status())
                    .put("iterations", r.iterations())
                    .put("n", px.n())
                    .put("m", py.n())
                    .put("epsilon", epsilon)
                    .put("time_ms", r.millis())
                    .toString());
        } else {
            out.println(String.format(Locale.ROOT, "entropic Gromov-Wasserstein, n = %d (d = %d), m = %d (d = %d), epsilon = %s%n  value  %.10g%n  %s",
                    px.n(), px.d(), py.n(), py.d(), epsilon, r.value(), r.status()));
        }
        return 0;
    }
}
