package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.exact.GromovWasserstein;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jot gw}: entropic Gromov–Wasserstein between two point clouds, of any dimensions. */
@Command(name = "gw", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Entropic Gromov-Wasserstein (square loss) between two point clouds, compared through their "
                + "own distance matrices, so x and y may have different dimensions. Files are .npy or .csv.",
                "--cost is the cost within each cloud; --epsilon regularises the inner transport problems."})
final class GwCommand implements Callable<Integer> {

    @Mixin
    InputOptions.RequiredPointFiles points;

    @Mixin
    InputOptions.WeightFiles weights;

    @Mixin
    SolverOptions.Epsilon epsilon;

    @Mixin
    InputOptions.Cost cost;

    @Option(names = "--max-iter", paramLabel = "N", defaultValue = "100", description = "outer iterations; default: ${DEFAULT-VALUE}")
    int maxIter;

    @Option(names = "--tol", paramLabel = "T", defaultValue = "1e-5", description = "stop when the coupling moves by at most T (L1) in an iteration; default: ${DEFAULT-VALUE}")
    double tol;

    @Option(names = "--plan", paramLabel = "FILE", description = "write the n x m coupling to this .npy file")
    Path plan;

    @Mixin
    OutputOptions.JsonFlag output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Points px = points.x(), py = points.y();
        Weights wa = weights.a();
        Weights wb = weights.b();
        double eps = epsilon.epsilon;
        GromovWasserstein.Result r = GromovWasserstein.entropic(px, wa, py, wb, cost.function(), eps, maxIter, tol);
        if (plan != null) {
            DataFiles.write(plan, r.plan());
        }
        if (output.json) {
            out.println(new Json()
                    .put("value", r.value())
                    .put("converged", r.converged())
                    .put("status", r.status())
                    .put("iterations", r.iterations())
                    .put("n", px.n())
                    .put("m", py.n())
                    .put("epsilon", eps)
                    .put("time_ms", r.millis())
                    .toString());
        } else {
            out.println(String.format(Locale.ROOT, "entropic Gromov-Wasserstein, n = %d (d = %d), m = %d (d = %d), epsilon = %s%n  value  %.10g%n  %s",
                    px.n(), px.d(), py.n(), py.d(), eps, r.value(), r.status()));
        }
        return 0;
    }
}
