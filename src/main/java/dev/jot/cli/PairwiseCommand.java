package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.pairwise.Pairwise;
import dev.jot.pairwise.PairwiseResult;
import dev.jot.sinkhorn.SinkhornOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jot pairwise}: the all-pairs matrix of transport values between histograms or point clouds. */
@Command(name = "pairwise", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"All-pairs entropic transport: the N x N matrix between N histograms over one cost matrix "
                + "(--histograms H.npy, N x n, with --cost-matrix C.npy, n x n), or between N point clouds "
                + "(--clouds x0.npy,x1.npy,...); N x M with --to (M more histograms, or clouds).",
                "Each histogram is divided by its total. Symmetric by construction: each pair i < j is solved once; "
                        + "the diagonal is OT(h_i, h_i) for cost and objective, 0 for divergence.",
                "The finished blocks go to OUT.blocks as they finish; after an interruption, --resume solves only the "
                        + "missing ones. The side file is removed when OUT is written."})
final class PairwiseCommand implements Callable<Integer> {
    @Option(names = "--histograms", paramLabel = "H", description = "N x n histograms, one a row (.npy or .csv)")
    Path histograms;

    @Option(names = "--cost-matrix", paramLabel = "C", description = "the n x n cost matrix of the histograms' bins (n x m with --to)")
    Path costMatrix;

    @Option(names = "--clouds", paramLabel = "X0,X1,...", split = ",",
            description = "point clouds, one file each (n_k x d, sizes may differ), instead of --histograms")
    List<Path> clouds;

    @Option(names = "--to", paramLabel = "H2",
            description = "the columns: M x m histograms (with --histograms), or a comma-separated list of clouds (with --clouds)")
    String to;

    @Mixin
    InputOptions.Cost cost;

    @Mixin
    SolverOptions.Epsilon epsilon;

    @Option(names = "--value", paramLabel = "V", defaultValue = "cost",
            description = "cost (<P,C>, POT's sinkhorn2), objective (<P,C> + eps*KL) or divergence "
                    + "(OT(a,b) - OT(a,a)/2 - OT(b,b)/2); default: ${DEFAULT-VALUE}")
    String value;

    @Mixin
    SolverOptions solver;

    @Option(names = "--block-side", paramLabel = "K",
            description = "rows (and columns) per block (default: 32 for histograms of 100 bins or more)")
    Integer blockSide;

    @Option(names = "--out", paramLabel = "D", required = true, description = "the matrix, f64 (.npy or .csv)")
    Path out;

    @Option(names = "--resume", description = "finish an interrupted run from OUT.blocks (solving only the missing blocks)")
    boolean resume;

    @Mixin
    OutputOptions.JsonFlag output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DataFiles.checkType(out);
        Pairwise.Value v = Pairwise.Value.parse(value);
        SinkhornOptions o = solver.options(epsilon.epsilon);
        Path side = out.toAbsolutePath().resolveSibling(out.getFileName() + ".blocks");
        Pairwise p = Pairwise.of(o).withValue(v).withSideFile(side, resume).withProgress(new ProgressLine(err));
        if (blockSide != null) {
            if (blockSide < 1) {
                throw new IllegalArgumentException("--block-side must be >= 1, got " + blockSide);
            }
            p = p.withBlockSide(blockSide);
        }
        PairwiseResult r;
        String kind;
        if (histograms != null) {
            if (clouds != null) {
                throw new IllegalArgumentException("give either --histograms or --clouds, not both");
            }
            if (costMatrix == null) {
                throw new IllegalArgumentException("--histograms needs --cost-matrix (the costs between the bins)");
            }
            NdArray c = InputOptions.costMatrix("--cost-matrix", costMatrix);
            NdArray h = InputOptions.read("--histograms", histograms);
            NdArray h2 = to == null ? null : InputOptions.read("--to", Path.of(to));
            try {
                r = p.histograms(c, h, h2);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(named(e.getMessage()), e);
            }
            kind = "histograms";
        } else if (clouds != null) {
            if (costMatrix != null) {
                throw new IllegalArgumentException("--clouds takes --cost, not --cost-matrix");
            }
            List<Points> xs = read("--clouds", clouds);
            List<Points> ys = null;
            if (to != null) {
                List<Path> files = new ArrayList<>();
                for (String s : to.split(",")) {
                    files.add(Path.of(s));
                }
                ys = read("--to", files);
            }
            try {
                r = p.clouds(xs, ys, cost.function());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(named(e.getMessage()), e);
            }
            kind = "clouds";
        } else {
            throw new IllegalArgumentException("missing input: give --histograms H.npy with --cost-matrix C.npy, or --clouds x0.npy,x1.npy,...");
        }
        DataFiles.write(out, r.toNdArray());
        Files.deleteIfExists(side);
        if (output.json) {
            stdout.println(new Json()
                    .put("rows", r.rows())
                    .put("cols", r.cols())
                    .put("symmetric", r.symmetric())
                    .put("input", kind)
                    .put("value", v.label())
                    .put("problems", r.pairs())
                    .put("problems_solved", r.pairsSolved())
                    .put("blocks", r.blocks())
                    .put("blocks_solved", r.blocksSolved())
                    .put("blocks_resumed", r.blocksResumed())
                    .put("converged", r.allConverged())
                    .put("not_converged", r.notConverged())
                    .put("max_iterations", r.maxIterations())
                    .put("epsilon", epsilon.epsilon)
                    .put("precision", o.precision().toString())
                    .put("threads", o.threads())
                    .put("time_ms", r.millis())
                    .put("problems_per_second", r.pairsPerSecond())
                    .put("out", out.toString())
                    .toString());
        } else {
            stdout.println(String.format(Locale.ROOT, "pairwise %s of %d x %d %s: %d problems (%d solved now, %d blocks of %d read back) in %.1f s, %.0f problems/s; %s%n  written to %s",
                    v.label(), r.rows(), r.cols(), kind, r.pairs(), r.pairsSolved(), r.blocksResumed(), r.blocks(),
                    r.millis() / 1e3, r.pairsPerSecond(),
                    r.allConverged() ? "all converged" : r.notConverged() + " not converged (raise --max-iter)", out));
        }
        return 0;
    }

    /** The API's input names as the options that gave them. */
    private String named(String msg) {
        if (msg.startsWith("histograms ")) {
            return "--histograms " + histograms + msg.substring("histograms".length());
        }
        if (msg.startsWith("to ")) {
            return "--to " + to + msg.substring("to".length());
        }
        return msg;
    }

    private static List<Points> read(String option, List<Path> files) throws IOException {
        List<Points> out = new ArrayList<>(files.size());
        for (Path f : files) {
            out.add(InputOptions.points(option + " " + f, f));
        }
        return out;
    }

    /**
     * The progress line on stderr: from 3 s into the run, at most every 5 s, problems done, the rate since the
     * previous line and the time left at that rate. The test hook {@code -Djot.pairwise.haltAfterBlocks=K} halts the JVM after K blocks of this run have
     * been written, as a kill would.
     */
    static final class ProgressLine implements Pairwise.Progress {
        private final PrintWriter err;
        private final long t0 = System.nanoTime();
        private final int haltAfter = Integer.getInteger("jot.pairwise.haltAfterBlocks", -1);
        private long last;
        private long lastDone;

        ProgressLine(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void update(long done, long toDo, int blocksDone, int blocksToDo) {
            if (blocksDone == haltAfter) {
                err.flush();
                Runtime.getRuntime().halt(3);
            }
            long now = System.nanoTime();
            double s = (now - t0) / 1e9;
            if (s < 3 || (now - last) < 5_000_000_000L || blocksDone == blocksToDo) {
                return;
            }
            // the rate since the last line (the first line's from the start, JIT warm-up included)
            double rate = last == 0 ? done / s : (done - lastDone) / ((now - last) / 1e9);
            last = now;
            lastDone = done;
            double left = rate > 0 ? (toDo - done) / rate : Double.NaN;
            err.println(String.format(Locale.ROOT, "jot pairwise: %d of %d problems (%.1f%%), %d of %d blocks, %.0f/s, about %s left",
                    done, toDo, 100.0 * done / toDo, blocksDone, blocksToDo, rate, duration(left)));
            err.flush();
        }

        static String duration(double s) {
            if (!Double.isFinite(s)) {
                return "?";
            }
            long t = Math.round(s);
            if (t < 60) {
                return t + " s";
            }
            if (t < 3600) {
                return t / 60 + " min " + t % 60 + " s";
            }
            return t / 3600 + " h " + t % 3600 / 60 + " min";
        }
    }
}
