package dev.jot.cli;

import static dev.jot.cli.InputOptions.points;
import static dev.jot.cli.InputOptions.read;
import static dev.jot.cli.InputOptions.weights;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Accelerators;
import dev.jot.geometry.DenseGeometry;
import dev.jot.sinkhorn.BatchResult;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jot solve}: one entropic transport problem (or a batch) from files, balanced or unbalanced. */
@Command(name = "solve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Balanced entropic optimal transport: min <P,C> + epsilon*KL(P | a x b).",
                "Unbalanced with --rho R (or --rho-a, --rho-b): min <P,C> + epsilon*KL(P | a x b) + rho_a*KL(P1 | a) "
                        + "+ rho_b*KL(P^T1 | b), generalized KL; the masses of a and b may differ.",
                "Give point clouds (--x, --y) or a cost matrix (--cost-matrix); files are .npy or .csv.",
                "A batch: --x B x n x d and --y B x m x d, with --a B x n and --b B x m; or a ragged batch, "
                        + "--x x0.npy,x1.npy,... and --y (and --a, --b) listing one file per problem; or one "
                        + "--cost-matrix with --a B x n and --b B x m. A batch's outputs are stacked, the problem first.",
                "--out-map writes the barycentric map T(x_i) = sum_j P_ij y_j / sum_j P_ij."})
final class SolveCommand implements Callable<Integer> {

    @Mixin
    InputOptions input;

    @Mixin
    SolverOptions.Epsilon epsilon;

    @Mixin
    SolverOptions solver;

    @Mixin
    SolverOptions.Rho rho;

    @Option(names = "--check-every", paramLabel = "K", defaultValue = "1", description = "check the error every K iterations; default: ${DEFAULT-VALUE}")
    int checkEvery;

    @Option(names = "--backend", paramLabel = "B",
            description = "where the sweeps run: cpu, opencl (the OpenCL device found at run time) or tornado "
                    + "(builds with a TornadoVM SDK); default: -Djot.backend, else cpu")
    String backend;

    @Option(names = "--sweeps", paramLabel = "S", defaultValue = "auto",
            description = "log (log-sum-exp sweeps), kernel (the Gibbs kernel stored at absorbed potentials: one pass of "
                    + "products per iteration, or matrix-matrix products for a shared-cost batch; back to the log domain "
                    + "where sums underflow) or auto (kernel for a stored matrix, or a batch, of at least 65536 entries "
                    + "in all); default: ${DEFAULT-VALUE}")
    String sweeps;

    @Option(names = "--overrelax", paramLabel = "O", defaultValue = "auto",
            description = "auto (over-relax balanced stored-kernel or matrix-free iterations once their rate has settled, omega = "
                    + "2/(1+sqrt(1-r)), every step checked to raise the dual) or off (plain iterations); "
                    + "default: ${DEFAULT-VALUE}")
    String overrelax;

    @Option(names = "--matrix-free", negatable = true,
            description = "compute costs tile by tile from the points instead of storing the n x m matrix "
                    + "(default: stored when it takes at most 1 GiB)")
    Boolean matrixFree;

    @Option(names = "--out-f", paramLabel = "FILE", description = "write the potential f (n; B x n for a batch), .npy or .csv")
    Path outF;

    @Option(names = "--out-g", paramLabel = "FILE", description = "write the potential g (m; B x m for a batch)")
    Path outG;

    @Option(names = "--out-plan", paramLabel = "FILE",
            description = "write the dense plan P (n x m; B x n x m); refused above 2^27 entries (write --out-map instead)")
    Path outPlan;

    @Mixin
    OutputOptions.TransportMap outMap;

    /** The most entries --out-plan writes (2^27: 1 GiB in f64); beyond it the map or applyPlan is the way. */
    static final long PLAN_LIMIT = 1L << 27;

    @Mixin
    OutputOptions.JsonFlag output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean json = output.json;
        SinkhornOptions options = options();
        // the files as given: each may hold one problem or a batch, or list one file per problem
        String x = input.points.x, y = input.points.y, a = input.weights.a, b = input.weights.b;
        if (input.byCostMatrix()) {
            NdArray c = input.costMatrix();
            NdArray na = a == null ? null : read("--a", Path.of(a)), nb = b == null ? null : read("--b", Path.of(b));
            if ((na != null && na.rank() == 2 && na.shape(0) > 1) || (nb != null && nb.rank() == 2 && nb.shape(0) > 1)) {
                // a batch of histogram pairs over one shared cost matrix
                if (na == null || nb == null || na.rank() != 2 || nb.rank() != 2 || na.shape(0) != nb.shape(0)) {
                    throw new IllegalArgumentException("a batch over one cost matrix needs --a (B x n) and --b (B x m) with the same B");
                }
                List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
                for (long k = 0; k < na.shape(0); k++) {
                    as.add(Weights.of(na.slice(k)));
                    bs.add(Weights.of(nb.slice(k)));
                }
                checkOutputs(null, as.size() * c.shape(0) * c.shape(1));
                BatchResult r = Sinkhorn.solveBatch(DenseGeometry.of(c, options.precision()), as, bs, options);
                writeOutputs(r.results(), null, true);
                out.println(json ? batchJson(r) : batchSummary(r));
                return 0;
            }
            checkOutputs(null, c.shape(0) * c.shape(1));
            SinkhornResult r = Sinkhorn.solve(c, weights("--a", a == null ? null : Path.of(a), na), weights("--b", b == null ? null : Path.of(b), nb), options);
            writeOutputs(List.of(r), null, false);
            out.println(json ? toJson(r) : summary(r));
            return 0;
        }
        List<String> xf = files(x), yf = files(y);
        if (xf.size() != yf.size()) {
            throw new IllegalArgumentException("--x lists " + xf.size() + " files but --y lists " + yf.size());
        }
        CostFunction c = input.cost.function();
        if (xf.size() > 1) {
            // a ragged batch: one file per problem
            List<String> af = a == null ? null : files(a), bf = b == null ? null : files(b);
            if ((af != null && af.size() != xf.size()) || (bf != null && bf.size() != xf.size())) {
                throw new IllegalArgumentException("--a and --b must list one file per problem (" + xf.size() + ")");
            }
            List<Points> xs = new ArrayList<>(), ys = new ArrayList<>();
            List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
            for (int k = 0; k < xf.size(); k++) {
                xs.add(points("--x", Path.of(xf.get(k))));
                ys.add(points("--y", Path.of(yf.get(k))));
                as.add(af == null ? null : weights("--a", Path.of(af.get(k))));
                bs.add(bf == null ? null : weights("--b", Path.of(bf.get(k))));
            }
            checkOutputs(ys, planEntries(xs, ys));
            BatchResult r = Sinkhorn.solveAll(xs, ys, as, bs, c, options);
            writeOutputs(r.results(), ys, true);
            out.println(json ? batchJson(r) : batchSummary(r));
            return 0;
        }
        NdArray nx = read("--x", Path.of(x)), ny = read("--y", Path.of(y));
        if (nx.rank() == 3 || ny.rank() == 3) {
            // a batch of point-cloud pairs, B x n x d and B x m x d
            if (nx.rank() != 3 || ny.rank() != 3 || nx.shape(0) != ny.shape(0)) {
                throw new IllegalArgumentException("a batch needs --x (B x n x d) and --y (B x m x d) with the same B, got shapes "
                        + Arrays.toString(nx.shape()) + " and " + Arrays.toString(ny.shape()));
            }
            NdArray na = a == null ? null : read("--a", Path.of(a)), nb = b == null ? null : read("--b", Path.of(b));
            List<Points> xs = new ArrayList<>(), ys = new ArrayList<>();
            List<Weights> as = new ArrayList<>(), bs = new ArrayList<>();
            for (long k = 0; k < nx.shape(0); k++) {
                xs.add(Points.of(nx.slice(k)));
                ys.add(Points.of(ny.slice(k)));
                as.add(batchWeights("--a", na, k, nx.shape(0)));
                bs.add(batchWeights("--b", nb, k, nx.shape(0)));
            }
            checkOutputs(ys, planEntries(xs, ys));
            BatchResult r = Sinkhorn.solveAll(xs, ys, as, bs, c, options);
            writeOutputs(r.results(), ys, true);
            out.println(json ? batchJson(r) : batchSummary(r));
            return 0;
        }
        Weights wa = a == null ? null : weights("--a", Path.of(a));
        Weights wb = b == null ? null : weights("--b", Path.of(b));
        Points py = points("--y", ny);
        Points px = points("--x", nx);
        checkOutputs(List.of(py), (long) px.n() * py.n());
        SinkhornResult r = Sinkhorn.solve(px, py, wa, wb, c, options);
        writeOutputs(List.of(r), List.of(py), false);
        out.println(json ? toJson(r) : summary(r));
        return 0;
    }

    /** Refuses, before solving, the outputs that cannot be written: a map without points, an unknown file type. */
    private void checkOutputs(List<Points> ys, long planEntries) {
        if (outPlan != null && planEntries > PLAN_LIMIT) {
            throw new IllegalArgumentException("--out-plan: the plan has " + planEntries + " entries, more than "
                    + PLAN_LIMIT + "; write the barycentric map (--out-map) instead, or use SinkhornResult.applyPlan from Java");
        }
        if (outMap.file != null && ys == null) {
            throw new IllegalArgumentException("--out-map needs target points (--y); with --cost-matrix there are none");
        }
        checkName("--out-f", outF);
        checkName("--out-g", outG);
        checkName("--out-plan", outPlan);
        checkName("--out-map", outMap.file);
    }

    private static long planEntries(List<Points> xs, List<Points> ys) {
        long s = 0;
        for (int k = 0; k < xs.size(); k++) {
            s += (long) xs.get(k).n() * ys.get(k).n();
        }
        return s;
    }

    private static void checkName(String option, Path file) {
        if (file != null) {
            try {
                DataFiles.checkType(file);
            } catch (dev.jot.data.DataFormatException e) {
                throw new IllegalArgumentException(option + " " + e.getMessage(), e);
            }
        }
    }

    /**
     * Writes --out-f, --out-g, --out-plan and --out-map: one problem's arrays, or a batch's stacked with the
     * problem first (B x n, B x m, B x n x m, B x n x d).
     */
    private void writeOutputs(List<SinkhornResult> rs, List<Points> ys, boolean batch) throws IOException {
        if (outF == null && outG == null && outPlan == null && outMap.file == null) {
            return;
        }
        int count = rs.size(), n = rs.get(0).n(), m = rs.get(0).m();
        for (int k = 0; k < count; k++) {
            SinkhornResult r = rs.get(k);
            if (r.n() != n || r.m() != m || (ys != null && ys.get(k).d() != ys.get(0).d())) {
                throw new IllegalArgumentException("the outputs of a ragged batch cannot be stacked (problem 0 is " + n + " x " + m
                        + ", problem " + k + " is " + r.n() + " x " + r.m() + "); solve the problems one by one to write them");
            }
        }
        if (outF != null) {
            writeStacked(outF, count, k -> rs.get(k).f(), batch, n);
        }
        if (outG != null) {
            writeStacked(outG, count, k -> rs.get(k).g(), batch, m);
        }
        if (outPlan != null) {
            writeStacked(outPlan, count, k -> rs.get(k).plan().toDoubleArray(), batch, n, m);
        }
        if (outMap.file != null) {
            int d = ys.get(0).d();
            int[] empty = {0};
            writeStacked(outMap.file, count, k -> {
                double[] t = barycentricMap(rs.get(k), ys.get(k));
                for (int i = 0; i < n; i++) {
                    empty[0] += Double.isNaN(t[i * d]) ? 1 : 0;
                }
                return t;
            }, batch, n, d);
            if (empty[0] > 0) {
                spec.commandLine().getErr().println("jot: --out-map: " + empty[0] + " source point(s) of weight 0 move no mass; "
                        + "their rows of " + outMap.file + " are NaN");
            }
        }
    }

    /**
     * Writes one array per problem, each of {@code shape}: alone, or for a batch stacked problem first
     * (count x shape), filled one problem at a time.
     */
    private static void writeStacked(Path file, int count, java.util.function.IntFunction<double[]> part, boolean batch,
                                     long... shape) throws IOException {
        long size = 1;
        for (long s : shape) {
            size *= s;
        }
        double[] flat = new double[Math.toIntExact(count * size)];
        for (int k = 0; k < count; k++) {
            System.arraycopy(part.apply(k), 0, flat, (int) (k * size), (int) size);
        }
        long[] full = shape;
        if (batch) {
            full = new long[shape.length + 1];
            full[0] = count;
            System.arraycopy(shape, 0, full, 1, shape.length);
        }
        DataFiles.write(file, NdArray.of(flat, full));
    }

    /**
     * The barycentric projection T(x_i) = Σ_j P_ij y_j / Σ_j P_ij (row-major n × d), from products with the
     * plan, which is never formed. A row without mass (a source weight of 0) has no image: NaN.
     */
    static double[] barycentricMap(SinkhornResult r, Points y) {
        int n = r.n(), m = r.m(), d = y.d();
        double[] ys = y.array().toDoubleArray(), ones = new double[m], col = new double[m];
        Arrays.fill(ones, 1);
        double[] mass = r.applyPlan(ones);
        double[] t = new double[n * d];
        for (int k = 0; k < d; k++) {
            for (int j = 0; j < m; j++) {
                col[j] = ys[j * d + k];
            }
            double[] pv = r.applyPlan(col);
            for (int i = 0; i < n; i++) {
                t[i * d + k] = mass[i] > 0 ? pv[i] / mass[i] : Double.NaN;
            }
        }
        return t;
    }

    private static List<String> files(String list) {
        List<String> out = new ArrayList<>();
        for (String f : list.split(",")) {
            if (!f.isBlank()) {
                out.add(f.trim());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty file list: '" + list + "'");
        }
        return out;
    }

    /** Problem k's weights from a B x n array (or one 1-D array shared by all problems). */
    private static Weights batchWeights(String option, NdArray w, long k, long batch) {
        if (w == null) {
            return null;
        }
        if (w.rank() == 1) {
            return Weights.of(w);
        }
        if (w.rank() != 2 || w.shape(0) != batch) {
            throw new IllegalArgumentException(option + " must be B x n with B = " + batch + ", got shape " + Arrays.toString(w.shape()));
        }
        return Weights.of(w.slice(k));
    }

    static String batchJson(BatchResult r) {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < r.size(); k++) {
            sb.append(k == 0 ? "" : ", ").append(toJson(r.get(k)));
        }
        sb.append(']');
        return new Json().raw("problems", sb.toString()).put("mean", r.mean()).put("sum", r.sum())
                .put("converged", r.allConverged()).put("solve_ms", r.solveMillis()).toString();
    }

    static String batchSummary(BatchResult r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "a batch of %d problems, solved in %.1f ms%n", r.size(), r.solveMillis()));
        sb.append("  problem        n        m   cost            iterations   converged\n");
        for (int k = 0; k < r.size(); k++) {
            SinkhornResult p = r.get(k);
            sb.append(String.format(Locale.ROOT, "  %-7d %8d %8d   %-15.10g %-12d %s%n", k, p.n(), p.m(), p.cost(), p.iterations(), p.converged()));
        }
        sb.append(String.format(Locale.ROOT, "  mean cost %.10g, sum %.10g", r.mean(), r.sum()));
        return sb.toString();
    }

    /** The solver options of the command line: {@link SolverOptions}, then the options only {@code jot solve} has. */
    SinkhornOptions options() {
        SinkhornOptions o = rho.apply(solver.options(epsilon.epsilon).withCheckEvery(checkEvery).withSweeps(sweeps));
        o = switch (overrelax) {
            case "auto" -> o;
            case "off" -> o.withOverRelaxation(false);
            default -> throw new IllegalArgumentException("--overrelax must be auto or off, got " + overrelax);
        };
        if (matrixFree != null) {
            o = o.withMatrixFree(matrixFree);
        }
        if (backend != null) {
            o = o.withBackend(backend);
        }
        Accelerators.require(o.backend());
        return o;
    }

    static String toJson(SinkhornResult r) {
        return new Json()
                .put("cost", r.cost())
                .put("objective", r.objective())
                .put("dual_objective", r.dualObjective())
                .put("mass", r.mass())
                .put("rho_a", r.rhoA())
                .put("rho_b", r.rhoB())
                .put("potential_change", r.potentialChange())
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
                .put("backend", r.backend())
                .put("device", r.device())
                .put("sweeps", r.sweeps())
                .put("absorptions", r.absorptions())
                .put("fallbacks", r.fallbacks())
                .put("omega", r.omega())
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
                "entropic OT, n = %d, m = %d, epsilon = %s, %s, %s%n"
                        + "  cost <P,C>          %.10g%n"
                        + "  objective           %.10g   (<P,C> + epsilon*KL(P | a x b)%s)%n"
                        + "  %s%.10g%n"
                        + "%s"
                        + "  marginal error      %.3g (a side), %.3g (b side)%n"
                        + "  iterations          %d%s%s%n"
                        + "  %s%n"
                        + "  solve time          %.1f ms",
                r.n(), r.m(), Json.repr(r.epsilon()), r.precision(),
                r.backend().equals("cpu") ? r.kernels() + " kernels, " + r.threads() + " thread(s)" : r.backend() + " on " + r.device(),
                r.cost(), r.objective(), r.unbalanced() ? " + rho_a*KL(P1 | a) + rho_b*KL(P^T1 | b)" : "",
                r.unbalanced() ? "dual objective      " : "dual <a,f> + <b,g>  ", r.dualObjective(),
                r.unbalanced() ? String.format(Locale.ROOT, "  mass of the plan    %.10g   (rho_a = %s, rho_b = %s)%n",
                        r.mass(), Json.repr(r.rhoA()), Json.repr(r.rhoB())) : "",
                r.marginalErrorA(), r.marginalErrorB(), r.iterations(),
                r.sweeps().equals("log") ? "" : String.format(Locale.ROOT, "   (%s sweeps, %d absorptions, %d fallbacks%s)", r.sweeps(),
                        r.absorptions(), r.fallbacks(), r.omega() > 1 ? String.format(Locale.ROOT, ", over-relaxed, omega up to %.3f", r.omega()) : ""),
                r.annealEpsilons().length == 0 ? "" : "   (annealing, per epsilon: " + annealJson(r) + ")", r.status(), r.solveMillis());
    }
}
