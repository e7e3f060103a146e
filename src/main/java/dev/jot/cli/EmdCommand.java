package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import dev.jot.geometry.CostFunction;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jot emd}: exact optimal transport (network simplex), POT's {@code ot.emd}. */
@Command(name = "emd", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Exact optimal transport: min <P,C> over plans with marginals a and b (network simplex).",
                "Give point clouds (--x, --y) or a cost matrix (--cost-matrix); files are .npy or .csv."})
final class EmdCommand implements Callable<Integer> {

    @Option(names = "--x", paramLabel = "X", description = "source points, n x d")
    Path x;

    @Option(names = "--y", paramLabel = "Y", description = "target points, m x d")
    Path y;

    @Option(names = "--cost-matrix", paramLabel = "C", description = "a given n x m cost matrix (instead of --x/--y)")
    Path costMatrix;

    @Option(names = "--a", paramLabel = "A", description = "source weights (default: uniform)")
    Path a;

    @Option(names = "--b", paramLabel = "B", description = "target weights (default: uniform)")
    Path b;

    @Option(names = "--cost", paramLabel = "COST", defaultValue = "sqeuclidean",
            description = "sqeuclidean (|x-y|^2, not halved), euclidean or p=<p>; default: ${DEFAULT-VALUE}")
    String cost;

    @Option(names = "--plan", paramLabel = "FILE", description = "write the plan's nonzeros as a k x 3 array (row, column, mass) to this .npy file")
    Path plan;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Weights wa = SolveCommand.weights("--a", a);
        Weights wb = SolveCommand.weights("--b", b);
        ExactResult r;
        if (costMatrix != null) {
            if (x != null || y != null) {
                throw new IllegalArgumentException("give either --cost-matrix or --x and --y, not both");
            }
            r = ExactTransport.emd(wa, wb, SolveCommand.costMatrix("--cost-matrix", costMatrix));
        } else {
            if (x == null || y == null) {
                throw new IllegalArgumentException("missing input: give --x and --y (point clouds) or --cost-matrix");
            }
            Points px = SolveCommand.points("--x", x), py = SolveCommand.points("--y", y);
            r = ExactTransport.emd(px, py, wa, wb, CostFunction.parse(cost));
        }
        if (plan != null) {
            int k = r.planNonzeros();
            int[] rows = r.planRows(), cols = r.planColumns();
            double[] vals = r.planValues(), flat = new double[3 * k];
            for (int t = 0; t < k; t++) {
                flat[3 * t] = rows[t];
                flat[3 * t + 1] = cols[t];
                flat[3 * t + 2] = vals[t];
            }
            DataFiles.write(plan, NdArray.of(flat, k, 3));
        }
        if (json) {
            out.println(new Json()
                    .put("cost", r.cost())
                    .put("plan_nonzeros", r.planNonzeros())
                    .put("optimal", r.optimal())
                    .put("status", r.status())
                    .put("pivots", r.pivots())
                    .put("n", r.n())
                    .put("m", r.m())
                    .put("time_ms", r.millis())
                    .toString());
        } else {
            out.println(String.format(Locale.ROOT, "exact OT, n = %d, m = %d%n  cost <P,C>   %.12g%n  nonzeros     %d (at most n + m - 1 = %d)%n  %s",
                    r.n(), r.m(), r.cost(), r.planNonzeros(), r.n() + r.m() - 1, r.status()));
        }
        return 0;
    }
}
