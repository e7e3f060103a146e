package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jot solve}: one balanced entropic transport problem from files. */
@Command(name = "solve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Balanced entropic optimal transport: min <P,C> + epsilon*KL(P | a x b).",
                "Give point clouds (--x, --y) or a cost matrix (--cost-matrix); files are .npy or .csv."})
final class SolveCommand implements Callable<Integer> {

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
            description = "sqeuclidean (|x-y|^2, not halved), euclidean or p=<p> (|x-y|^p); default: ${DEFAULT-VALUE}")
    String cost;

    @Option(names = "--epsilon", paramLabel = "E", required = true, description = "regularisation epsilon > 0, in cost units")
    double epsilon;

    @Option(names = "--max-iter", paramLabel = "N", defaultValue = "1000", description = "iteration limit; default: ${DEFAULT-VALUE}")
    int maxIter;

    @Option(names = "--tol", paramLabel = "T", defaultValue = "1e-6",
            description = "tolerance on the L1 marginal error |P1 - a|; 0 runs exactly --max-iter iterations; default: ${DEFAULT-VALUE}")
    double tol;

    @Option(names = "--check-every", paramLabel = "K", defaultValue = "1", description = "check the error every K iterations; default: ${DEFAULT-VALUE}")
    int checkEvery;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "f32", description = "f32 or f64; default: ${DEFAULT-VALUE}")
    String precision;

    @Option(names = "--threads", paramLabel = "K", description = "threads (default: all processors)")
    Integer threads;

    @Option(names = "--kernels", paramLabel = "K", description = "scalar or vector (default: vector where the JVM has the Vector API)")
    String kernels;

    @Option(names = "--matrix-free", negatable = true,
            description = "compute costs tile by tile from the points instead of storing the n x m matrix "
                    + "(default: stored when it takes at most 1 GiB)")
    Boolean matrixFree;

    @Option(names = "--anneal", paramLabel = "F",
            description = "epsilon-annealing: start at the largest cost, multiply epsilon by F (0 < F < 1, e.g. 0.5) "
                    + "down to --epsilon, keeping the potentials")
    Double anneal;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        SinkhornOptions options = options();
        Weights wa = a == null ? null : Weights.of(read("--a", a));
        Weights wb = b == null ? null : Weights.of(read("--b", b));
        SinkhornResult r;
        if (costMatrix != null) {
            if (x != null || y != null) {
                throw new IllegalArgumentException("give either --cost-matrix or --x and --y, not both");
            }
            r = Sinkhorn.solve(read("--cost-matrix", costMatrix), wa, wb, options);
        } else {
            if (x == null || y == null) {
                throw new IllegalArgumentException("missing input: give --x and --y (point clouds) or --cost-matrix");
            }
            Points px = points("--x", x), py = points("--y", y);
            r = Sinkhorn.solve(px, py, wa, wb, CostFunction.parse(cost), options);
        }
        out.println(json ? toJson(r) : summary(r));
        return 0;
    }

    SinkhornOptions options() {
        SinkhornOptions o = SinkhornOptions.epsilon(epsilon)
                .withMaxIterations(maxIter)
                .withTolerance(tol)
                .withCheckEvery(checkEvery)
                .withPrecision(Precision.parse(precision));
        if (threads != null) {
            o = o.withThreads(threads);
        }
        if (kernels != null) {
            o = o.withKernels(Kernels.byName(kernels));
        }
        if (matrixFree != null) {
            o = o.withMatrixFree(matrixFree);
        }
        if (anneal != null) {
            o = o.withAnnealing(anneal);
        }
        return o;
    }

    static NdArray read(String option, Path file) throws IOException {
        try {
            return DataFiles.read(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    static Points points(String option, Path file) throws IOException {
        NdArray arr = read(option, file);
        if (arr.rank() == 1) {
            // a 1-D file is n points on the line
            arr = NdArray.wrap(arr.segment(), arr.precision(), arr.shape(0), 1);
        }
        try {
            return Points.of(arr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + file + ": " + e.getMessage(), e);
        }
    }

    static String toJson(SinkhornResult r) {
        return new Json()
                .put("cost", r.cost())
                .put("objective", r.objective())
                .put("dual_objective", r.dualObjective())
                .put("iterations", r.iterations())
                .put("marginal_error", r.marginalError())
                .put("marginal_error_a", r.marginalErrorA())
                .put("marginal_error_b", r.marginalErrorB())
                .put("converged", r.converged())
                .put("status", r.status())
                .put("n", r.n())
                .put("m", r.m())
                .put("epsilon", r.epsilon())
                .put("precision", r.precision().toString())
                .put("kernels", r.kernels())
                .put("threads", r.threads())
                .put("solve_ms", r.solveMillis())
                .raw("anneal", annealJson(r))
                .toString();
    }

    /** The iterations at each epsilon of an annealing schedule, as a JSON array (empty without annealing). */
    static String annealJson(SinkhornResult r) {
        double[] e = r.annealEpsilons();
        int[] k = r.annealIterations();
        StringBuilder sb = new StringBuilder("[");
        for (int s = 0; s < e.length; s++) {
            sb.append(s == 0 ? "" : ", ").append(new Json().put("epsilon", e[s]).put("iterations", k[s]));
        }
        return sb.append(']').toString();
    }

    static String summary(SinkhornResult r) {
        return String.format(Locale.ROOT,
                "entropic OT, n = %d, m = %d, epsilon = %s, %s, %s kernels, %d thread(s)%n"
                        + "  cost <P,C>          %.10g%n"
                        + "  objective           %.10g   (<P,C> + epsilon*KL(P | a x b))%n"
                        + "  dual <a,f> + <b,g>  %.10g%n"
                        + "  marginal error      %.3g (a side), %.3g (b side)%n"
                        + "  iterations          %d%s%n"
                        + "  %s%n"
                        + "  solve time          %.1f ms",
                r.n(), r.m(), Json.repr(r.epsilon()), r.precision(), r.kernels(), r.threads(), r.cost(), r.objective(),
                r.dualObjective(), r.marginalErrorA(), r.marginalErrorB(), r.iterations(),
                r.annealEpsilons().length == 0 ? "" : "   (annealing, per epsilon: " + annealJson(r) + ")", r.status(), r.solveMillis());
    }
}
