package dev.jot.cli;

import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jot emd}: exact optimal transport (network simplex), POT's {@code ot.emd}. */
@Command(name = "emd", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Exact optimal transport: min <P,C> over plans with marginals a and b (network simplex).",
                "Give point clouds (--x, --y) or a cost matrix (--cost-matrix); files are .npy or .csv."})
final class EmdCommand implements Callable<Integer> {

    @Mixin
    InputOptions input;

    @Mixin
    OutputOptions.SparsePlan plan;

    @Mixin
    OutputOptions.JsonFlag output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Weights wa = input.weights.a();
        Weights wb = input.weights.b();
        ExactResult r;
        if (input.byCostMatrix()) {
            r = ExactTransport.emd(wa, wb, input.costMatrix());
        } else {
            Points px = input.points.x(), py = input.points.y();
            r = ExactTransport.emd(px, py, wa, wb, input.cost.function());
        }
        plan.write(r.planNonzeros(), r.planRows(), r.planColumns(), r.planValues());
        if (output.json) {
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
