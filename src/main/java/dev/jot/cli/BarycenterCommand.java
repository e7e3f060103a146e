package dev.jot.cli;

import dev.jot.barycenter.Convolutional;
import dev.jot.barycenter.FixedSupport;
import dev.jot.barycenter.FixedSupportResult;
import dev.jot.barycenter.FreeSupport;
import dev.jot.barycenter.FreeSupportOptions;
import dev.jot.barycenter.FreeSupportResult;
import dev.jot.barycenter.GaussianBarycenter;
import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.examples.GreyImages;
import dev.jot.examples.Plots;
import dev.jot.sinkhorn.SinkhornOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jot barycenter}: Wasserstein barycenters of histograms on one support ({@code --histograms} with
 * {@code --cost-matrix}: iterative Bregman projections, or debiased) or of point clouds ({@code --clouds}: free
 * support, exact or entropic plans).
 */
@Command(name = "barycenter", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Wasserstein barycenter argmin_b sum_k w_k OT(b, h_k) (cost |x-y|^2 for clouds; files .npy or .csv).",
                "Fixed support: --histograms H (k x n, one per row) --cost-matrix C (n x n) --epsilon E: iterative Bregman "
                        + "projections in the log domain (POT's barycenter(..., method='sinkhorn_log') at reg = E); --debiased for "
                        + "Janati et al.'s debiased barycenter. --tol applies to the plans' row errors |P_k 1 - h_k|.",
                "Images: --images a.png,b.png,... (grey levels, or 2-D .npy/.csv arrays, or one k x rows x cols .npy) on the grid "
                        + "[0,1]^2, each divided by its total, --epsilon E: the same iteration with the grid's separable kernel "
                        + "(POT's convolutional_barycenter2d at reg = E); --out a .png draws it, .npy/.csv writes the rows x cols masses.",
                "Gaussians: --means M (k x d) --covariances S (k x d x d): the Bures-Wasserstein barycenter N(m, S) by the fixed "
                        + "point of Alvarez-Esteban et al.; --out writes S (d x d), --out-mean m; --tol on the relative change of S.",
                "Free support: --clouds x0,x1,... --support-size K (or --init X0) with --exact (network simplex) or --epsilon E "
                        + "(Sinkhorn plans): X <- sum_k w_k diag(1/b) T_k X_k; --max-iter and --tol apply to this outer loop "
                        + "(the change of X)."})
final class BarycenterCommand implements Callable<Integer> {
    @Option(names = "--histograms", paramLabel = "H", description = "k x n histograms, one per row (fixed support)")
    Path histograms;

    @Option(names = "--cost-matrix", paramLabel = "C", description = "the n x n cost matrix of the histograms' support")
    Path costMatrix;

    @Option(names = "--images", paramLabel = "A,B,...", description = "images on a grid, comma-separated: PNG (grey levels) or 2-D arrays; or one k x rows x cols .npy")
    String images;

    @Option(names = "--invert", description = "images: dark pixels carry the mass (shapes drawn dark on white), and the picture is drawn so")
    boolean invert;

    @Option(names = "--png", paramLabel = "FILE", description = "images: also draw the barycenter in this PNG file")
    Path png;

    @Option(names = "--means", paramLabel = "M", description = "Gaussians: the k means, k x d")
    Path means;

    @Option(names = "--covariances", paramLabel = "S", description = "Gaussians: the k covariances, k x d x d (.npy), or stacked (k*d) x d (.csv)")
    Path covariances;

    @Option(names = "--out-mean", paramLabel = "FILE", description = "Gaussians: write the barycenter's mean (d values)")
    Path outMean;

    @Option(names = "--clouds", paramLabel = "X0,X1,...", description = "point clouds, n_k x d each, comma-separated (free support)")
    String clouds;

    @Option(names = "--cloud-weights", paramLabel = "A0,A1,...", description = "the clouds' weights, one file per cloud (default: uniform)")
    String cloudWeights;

    @Option(names = "--weights", paramLabel = "W",
            description = "barycentric weights: a file of k values or k numbers separated by commas, summing to 1 (default: 1/k each)")
    String weights;

    @Option(names = "--epsilon", paramLabel = "E", description = "regularisation epsilon > 0 (required but with --exact)")
    Double epsilon;

    @Option(names = "--debiased", description = "the debiased barycenter (fixed support and images)")
    boolean debiased;

    @Option(names = "--exact", description = "exact plans (network simplex) for free support")
    boolean exact;

    @Option(names = "--support-size", paramLabel = "K", description = "free support: the number of support points")
    Integer supportSize;

    @Option(names = "--init", paramLabel = "X0", description = "free support: the initial support, K x d (default: K points drawn from the clouds)")
    Path init;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "free support: the seed of the drawn initial support; default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--inner-max-iter", paramLabel = "N", defaultValue = "10000",
            description = "free support with --epsilon: each Sinkhorn solve's iteration limit; default: ${DEFAULT-VALUE}")
    int innerMaxIter;

    @Option(names = "--inner-tol", paramLabel = "T", defaultValue = "1e-6",
            description = "free support with --epsilon: each Sinkhorn solve's tolerance; default: ${DEFAULT-VALUE}")
    double innerTol;

    @Mixin
    SolverOptions solver;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "the barycenter: n values (fixed support) or K x d points")
    Path out;

    @Mixin
    OutputOptions.JsonFlag output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!(images != null && isPng(out))) {
            DataFiles.checkType(out);
        }
        if (solver.anneal != null) {
            throw new IllegalArgumentException("--anneal is not supported by jot barycenter");
        }
        int inputs = (histograms != null ? 1 : 0) + (clouds != null ? 1 : 0) + (images != null ? 1 : 0)
                + (means != null || covariances != null ? 1 : 0);
        if (inputs != 1) {
            throw new IllegalArgumentException(inputs > 1
                    ? "give one of --histograms (fixed support), --images (a grid), --clouds (free support) or --means with --covariances, not several"
                    : "missing input: give --histograms with --cost-matrix (fixed support), --images (a grid), --clouds (free support) "
                        + "or --means with --covariances (Gaussians)");
        }
        if (outMean != null && means == null) {
            throw new IllegalArgumentException("--out-mean is for --means and --covariances");
        }
        if (means != null || covariances != null) {
            return gaussians();
        }
        if (images == null && (invert || png != null)) {
            throw new IllegalArgumentException((invert ? "--invert" : "--png") + " is for --images");
        }
        return histograms != null ? fixed() : images != null ? grid() : free();
    }

    private Integer gaussians() throws IOException {
        if (means == null || covariances == null) {
            throw new IllegalArgumentException("give both --means (k x d) and --covariances (k x d x d)");
        }
        NdArray m = InputOptions.read("--means", means), c = InputOptions.read("--covariances", covariances);
        if (m.rank() == 1) {
            m = NdArray.wrap(m.to(dev.jot.data.Precision.F64).segment(), dev.jot.data.Precision.F64, m.shape(0), 1);
        }
        if (m.rank() != 2) {
            throw new IllegalArgumentException("--means must be k x d, got shape " + java.util.Arrays.toString(m.shape()));
        }
        int k = (int) m.shape(0), d = (int) m.shape(1);
        if (c.rank() == 2 && c.shape(0) == (long) k * d && c.shape(1) == d) {
            c = NdArray.wrap(c.to(dev.jot.data.Precision.F64).segment(), dev.jot.data.Precision.F64, k, d, d); // stacked, as CSV holds them
        }
        if (c.rank() != 3 || c.shape(0) != k || c.shape(1) != d || c.shape(2) != d) {
            throw new IllegalArgumentException("--covariances must be k x d x d = " + k + " x " + d + " x " + d + ", got shape "
                    + java.util.Arrays.toString(c.shape()));
        }
        double[] mv = m.toDoubleArray(), cv = c.toDoubleArray();
        double[][] ms = new double[k][d];
        double[][][] cs = new double[k][d][d];
        for (int p = 0; p < k; p++) {
            System.arraycopy(mv, p * d, ms[p], 0, d);
            for (int i = 0; i < d; i++) {
                System.arraycopy(cv, (p * d + i) * d, cs[p][i], 0, d);
            }
        }
        long t0 = System.nanoTime();
        GaussianBarycenter g;
        try {
            g = GaussianBarycenter.of(ms, cs, weights(k), solver.tol, solver.maxIter);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replaceFirst("^covariances", "--covariances").replaceFirst("^means", "--means")
                    .replaceFirst("^weights", "--weights"), e);
        }
        double ms2 = (System.nanoTime() - t0) / 1e6;
        double[][] s = g.covariance();
        double[] flat = new double[d * d];
        StringBuilder cov = new StringBuilder("[");
        for (int i = 0; i < d; i++) {
            System.arraycopy(s[i], 0, flat, i * d, d);
            cov.append(i == 0 ? "" : ", ").append(array(s[i]));
        }
        cov.append(']');
        DataFiles.write(out, NdArray.of(flat, d, d));
        if (outMean != null) {
            DataFiles.write(outMean, NdArray.of(g.mean(), d));
        }
        PrintWriter pw = spec.commandLine().getOut();
        if (output.json) {
            pw.println(new Json().put("iterations", g.iterations()).put("converged", g.converged()).put("change", g.change())
                    .raw("mean", array(g.mean())).raw("covariance", cov.toString()).put("d", d).put("k", k)
                    .put("out", out.toString()).put("time_ms", ms2).toString());
        } else {
            pw.println(String.format(Locale.ROOT, "Bures-Wasserstein barycenter of %d Gaussians in d = %d%n  mean             %s%n"
                            + "  covariance       %s%n  iterations       %d (%s)%n  written          %s", k, d, array(g.mean()), cov,
                    g.iterations(), g.converged() ? "converged" : "not converged", out));
        }
        return 0;
    }

    private static boolean isPng(Path p) {
        return String.valueOf(p.getFileName()).toLowerCase(Locale.ROOT).endsWith(".png");
    }

    private Integer grid() throws IOException {
        for (String[] o : new String[][] {{"--exact", exact ? "" : null}, {"--support-size", supportSize == null ? null : ""},
                {"--init", init == null ? null : ""}, {"--cloud-weights", cloudWeights}, {"--cost-matrix", costMatrix == null ? null : ""}}) {
            if (o[1] != null) {
                throw new IllegalArgumentException(o[0] + " is not for --images (the grid's cost is |x-y|^2 on [0,1]^2)");
            }
        }
        List<Path> files = files(images);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--images names no file");
        }
        NdArray stack;
        if (files.size() == 1 && !isPng(files.get(0))) {
            stack = InputOptions.read("--images", files.get(0));
            if (stack.rank() == 2) {
                stack = NdArray.wrap(stack.to(dev.jot.data.Precision.F64).segment(), dev.jot.data.Precision.F64, 1, stack.shape(0), stack.shape(1));
            }
            if (stack.rank() != 3) {
                throw new IllegalArgumentException("--images " + files.get(0) + ": expected rows x cols or k x rows x cols, got shape "
                        + java.util.Arrays.toString(stack.shape()));
            }
        } else {
            double[][][] imgs = new double[files.size()][][];
            for (int k = 0; k < files.size(); k++) {
                Path f = files.get(k);
                if (isPng(f)) {
                    imgs[k] = GreyImages.read(f, invert);
                } else {
                    NdArray a = InputOptions.read("--images", f);
                    if (a.rank() != 2) {
                        throw new IllegalArgumentException("--images " + f + ": an image must be 2-D (rows x cols), got shape "
                                + java.util.Arrays.toString(a.shape()));
                    }
                    int r = (int) a.shape(0), c = (int) a.shape(1);
                    double[] v = a.toDoubleArray();
                    imgs[k] = new double[r][c];
                    for (int i = 0; i < r; i++) {
                        System.arraycopy(v, i * c, imgs[k][i], 0, c);
                    }
                }
                if (imgs[k].length != imgs[0].length || imgs[k][0].length != imgs[0][0].length) {
                    throw new IllegalArgumentException("--images " + f + " is " + imgs[k].length + " x " + imgs[k][0].length + " but "
                            + files.get(0) + " is " + imgs[0].length + " x " + imgs[0][0].length + " (the images must share their grid)");
                }
            }
            int rows = imgs[0].length, cols = imgs[0][0].length;
            double[] flat = new double[files.size() * rows * cols];
            for (int k = 0; k < files.size(); k++) {
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(imgs[k][i], 0, flat, (k * rows + i) * cols, cols);
                }
            }
            stack = NdArray.of(flat, files.size(), rows, cols);
        }
        int k = (int) stack.shape(0), rows = (int) stack.shape(1), cols = (int) stack.shape(2);
        double eps = requireEpsilon();
        SinkhornOptions o = options(eps);
        double[] w = weights(k);
        FixedSupportResult r;
        try {
            r = debiased ? Convolutional.debiased(stack, w, o) : Convolutional.barycenter(stack, w, o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replaceFirst("^images", "--images").replaceFirst("^weights", "--weights"), e);
        }
        double[] bar = r.barycenter();
        if (isPng(out)) {
            Plots.write(GreyImages.image(bar, rows, cols, invert), out);
        } else {
            DataFiles.write(out, NdArray.of(bar, rows, cols));
        }
        if (png != null) {
            Plots.write(GreyImages.image(bar, rows, cols, invert), png);
        }
        PrintWriter pw = spec.commandLine().getOut();
        if (output.json) {
            pw.println(new Json().put("iterations", r.iterations()).put("converged", r.converged()).put("value", r.value())
                    .raw("values", array(r.values())).put("marginal_error", r.marginalError()).raw("marginal_errors", array(r.marginalErrors()))
                    .put("rows", rows).put("cols", cols).put("k", k).put("epsilon", eps).put("debiased", r.debiased())
                    .put("precision", r.precision().toString()).put("out", out.toString()).put("time_ms", r.millis()).toString());
        } else {
            pw.println(String.format(Locale.ROOT, "%s barycenter of %d images on a %d x %d grid, epsilon = %s%n"
                            + "  value            %.10g%n  marginal error   %.3g%n  iterations       %d (%s)%n  written          %s",
                    r.debiased() ? "debiased" : "entropic", k, rows, cols, Json.repr(eps), r.value(), r.marginalError(), r.iterations(),
                    r.converged() ? "converged" : "not converged", out));
        }
        return 0;
    }

    private SinkhornOptions options(double eps) {
        return solver.options(eps);
    }

    private double requireEpsilon() {
        if (epsilon == null) {
            throw new IllegalArgumentException("missing --epsilon (the regularisation)" + (histograms == null ? ", or give --exact" : ""));
        }
        return epsilon;
    }

    private double[] weights(int k) throws IOException {
        if (weights == null) {
            return null;
        }
        String s = weights.strip();
        double[] w;
        if (s.contains(",") || isNumber(s)) {
            String[] parts = s.split(",");
            w = new double[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    w[i] = Double.parseDouble(parts[i].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--weights: '" + parts[i].strip() + "' is not a number");
                }
            }
        } else {
            Weights read = InputOptions.weights("--weights", Path.of(s));
            w = read.toArray();
        }
        if (w.length != k) {
            throw new IllegalArgumentException("--weights has " + w.length + " values but there are " + k + " inputs");
        }
        return w;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static List<Path> files(String list) {
        List<Path> p = new ArrayList<>();
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                p.add(Path.of(s.strip()));
            }
        }
        return p;
    }

    private Integer fixed() throws IOException {
        for (String[] o : new String[][] {{"--exact", exact ? "" : null}, {"--support-size", supportSize == null ? null : ""},
                {"--init", init == null ? null : ""}, {"--cloud-weights", cloudWeights}}) {
            if (o[1] != null) {
                throw new IllegalArgumentException(o[0] + " is for free support (--clouds), not for --histograms");
            }
        }
        if (costMatrix == null) {
            throw new IllegalArgumentException("missing --cost-matrix (the n x n costs between the histograms' bins)");
        }
        NdArray h = InputOptions.read("--histograms", histograms);
        if (h.rank() == 1) {
            h = NdArray.wrap(h.segment(), h.precision(), 1, h.shape(0));
        }
        NdArray c = InputOptions.costMatrix("--cost-matrix", costMatrix);
        double eps = requireEpsilon();
        SinkhornOptions o = options(eps);
        int k = h.rank() == 2 ? (int) h.shape(0) : 0;
        double[] w = weights(k);
        FixedSupportResult r;
        try {
            r = debiased ? FixedSupport.debiased(h, c, w, o) : FixedSupport.barycenter(h, c, w, o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("costMatrix", "--cost-matrix").replaceFirst("^histograms", "--histograms")
                    .replaceFirst("^weights", "--weights"), e);
        }
        double[] bar = r.barycenter();
        DataFiles.write(out, NdArray.of(bar, bar.length));
        PrintWriter pw = spec.commandLine().getOut();
        double mass = 0;
        for (double v : bar) {
            mass += v;
        }
        if (output.json) {
            pw.println(new Json().put("iterations", r.iterations()).put("converged", r.converged()).put("value", r.value())
                    .raw("values", array(r.values())).put("marginal_error", r.marginalError())
                    .raw("marginal_errors", array(r.marginalErrors())).put("mass", mass).put("n", bar.length)
                    .put("k", r.values().length).put("epsilon", eps).put("debiased", r.debiased())
                    .put("precision", r.precision().toString()).put("kernels", o.kernels().name()).put("threads", o.threads())
                    .put("out", out.toString()).put("time_ms", r.millis()).toString());
        } else {
            pw.println(String.format(Locale.ROOT, "%s barycenter of %d histograms on %d bins, epsilon = %s, %s%n"
                            + "  value            %.10g%n  marginal error   %.3g%n  iterations       %d (%s)%n  written          %s",
                    r.debiased() ? "debiased" : "entropic", r.values().length, bar.length, Json.repr(eps), r.precision(), r.value(),
                    r.marginalError(), r.iterations(), r.converged() ? "converged" : "not converged", out));
        }
        return 0;
    }

    private Integer free() throws IOException {
        if (costMatrix != null) {
            throw new IllegalArgumentException("--cost-matrix is for --histograms; free support uses the cost |x-y|^2");
        }
        if (debiased) {
            throw new IllegalArgumentException("--debiased is for fixed support (--histograms)");
        }
        if (exact == (epsilon != null)) {
            throw new IllegalArgumentException(exact ? "give either --exact or --epsilon, not both"
                    : "missing --epsilon (entropic plans) or --exact (network simplex)");
        }
        List<Path> cf = files(clouds);
        if (cf.isEmpty()) {
            throw new IllegalArgumentException("--clouds names no file");
        }
        List<Points> xs = new ArrayList<>();
        for (Path p : cf) {
            xs.add(InputOptions.points("--clouds " + p, p));
        }
        List<Weights> as = null;
        if (cloudWeights != null) {
            List<Path> af = files(cloudWeights);
            if (af.size() != cf.size()) {
                throw new IllegalArgumentException("--cloud-weights names " + af.size() + " files but --clouds " + cf.size());
            }
            as = new ArrayList<>();
            for (Path p : af) {
                as.add(InputOptions.weights("--cloud-weights", p));
            }
        }
        double[] w = weights(xs.size());
        FreeSupportOptions o = exact ? FreeSupportOptions.exact()
                : FreeSupportOptions.entropic(options(epsilon).withMaxIterations(innerMaxIter).withTolerance(innerTol));
        o = o.withMaxIterations(solver.maxIter).withTolerance(solver.tol).withSeed(seed);
        FreeSupportResult r;
        if (init != null) {
            Points x0 = InputOptions.points("--init", init);
            if (supportSize != null && supportSize != x0.n()) {
                throw new IllegalArgumentException("--support-size " + supportSize + " but --init has " + x0.n() + " points");
            }
            r = FreeSupport.barycenter(xs, as, w, x0, null, o);
        } else {
            if (supportSize == null) {
                throw new IllegalArgumentException("missing --support-size (the number of support points) or --init");
            }
            r = FreeSupport.barycenter(xs, as, w, supportSize, o);
        }
        DataFiles.write(out, r.supportArray());
        PrintWriter pw = spec.commandLine().getOut();
        if (output.json) {
            Json j = new Json().put("iterations", r.iterations()).put("converged", r.converged()).put("change", r.change())
                    .put("value", r.value()).put("support_size", r.size()).put("d", r.d()).put("k", xs.size())
                    .put("plans", exact ? "exact" : "entropic");
            if (!exact) {
                j.put("epsilon", epsilon).put("inner_not_converged", r.innerUnconverged());
            }
            pw.println(j.put("out", out.toString()).put("time_ms", r.millis()).toString());
        } else {
            pw.println(String.format(Locale.ROOT, "free-support barycenter of %d clouds, K = %d points in d = %d, %s plans%n"
                            + "  value            %.10g%n  last change      %.3g%n  iterations       %d (%s)%n  written          %s",
                    xs.size(), r.size(), r.d(), exact ? "exact" : "entropic (epsilon = " + Json.repr(epsilon) + ")", r.value(),
                    r.change(), r.iterations(), r.converged() ? "converged" : "not converged", out));
        }
        if (r.innerUnconverged() > 0) {
            spec.commandLine().getErr().println("jot: warning: " + r.innerUnconverged() + " of the Sinkhorn solves stopped at --inner-max-iter "
                    + innerMaxIter + " before --inner-tol " + innerTol);
        }
        return 0;
    }

    static String array(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(Double.isFinite(v[i]) ? Json.repr(v[i]) : "null");
        }
        return sb.append(']').toString();
    }
}
