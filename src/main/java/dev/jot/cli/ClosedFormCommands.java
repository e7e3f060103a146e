package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.exact.Gaussians;
import dev.jot.exact.OneDimensional;
import dev.jot.exact.Sliced;
import dev.jot.sinkhorn.Sinkhorn;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The closed forms on the command line: {@code jot wasserstein1d}, {@code jot sliced} and {@code jot
 * gaussian}. Each prints {@code value}, the p-th power of the distance (W_p^p, SW_p^p, W_2^2: the cost of
 * the optimal plan, as {@code jot emd}'s {@code cost}), and {@code distance}, its p-th root.
 */
final class ClosedFormCommands {
    private ClosedFormCommands() {
    }

    private static Path require(String option, Path p) {
        if (p == null) {
            throw new IllegalArgumentException("missing " + option);
        }
        return p;
    }

    private static double checkedP(double p) {
        if (!(p >= 1) || !Double.isFinite(p)) {
            throw new IllegalArgumentException("--p must be at least 1 (a convex cost |x-y|^p), got " + p);
        }
        return p;
    }

    private static double[] line(String option, Points p) {
        if (p.d() != 1) {
            throw new IllegalArgumentException(option + " must hold points on the line (n values, or n x 1), got n x " + p.d()
                    + "; for points in d > 1 use jot sliced or jot emd");
        }
        return p.array().toDoubleArray();
    }

    /** {@code jot wasserstein1d}: W_p^p on the line (POT's {@code ot.wasserstein_1d}). */
    @Command(name = "wasserstein1d", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Exact optimal transport on the line for |x-y|^p (p >= 1): the quantile coupling, in "
                    + "O((n + m) log(n + m)).", "value = W_p^p (POT's ot.wasserstein_1d), distance = W_p.",
                    "--out-map writes the optimal (monotone) map at each source point (n x 1)."})
    static final class Wasserstein1d implements Callable<Integer> {
        @Mixin
        InputOptions.PointFiles points;

        @Mixin
        InputOptions.WeightFiles weights;

        @Option(names = "--p", paramLabel = "P", defaultValue = "1", description = "the exponent of |x-y|^p, at least 1; default: ${DEFAULT-VALUE}")
        double p;

        @Mixin
        OutputOptions.SparsePlan plan;

        @Mixin
        OutputOptions.TransportMap outMap;

        @Mixin
        OutputOptions.JsonFlag output;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            long t0 = System.nanoTime();
            double pp = checkedP(p);
            double[] x = line("--x", points.x()), y = line("--y", points.y());
            Weights wa = weights.a(), wb = weights.b();
            double[] a = wa == null ? null : wa.toArray(), b = wb == null ? null : wb.toArray();
            // one quantile coupling serves the value, the plan and the map
            OneDimensional.SparsePlan sp = OneDimensional.plan(x, a, y, b);
            double value = OneDimensional.cost(x, y, sp, pp);
            plan.write(sp.nonzeros(), sp.rows(), sp.cols(), sp.values());
            if (outMap.file != null) {
                DataFiles.write(outMap.file, NdArray.of(OneDimensional.map(x.length, y, sp), x.length, 1));
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (output.json) {
                spec.commandLine().getOut().println(new Json().put("value", value).put("distance", Math.pow(value, 1 / pp))
                        .put("p", pp).put("plan_nonzeros", sp.nonzeros()).put("n", x.length).put("m", y.length)
                        .put("time_ms", ms).toString());
            } else {
                spec.commandLine().getOut().println(String.format(Locale.ROOT,
                        "1-D Wasserstein, p = %s, n = %d, m = %d%n  W_p^p      %.12g%n  W_p        %.12g%n  nonzeros   %d",
                        Json.repr(pp), x.length, y.length, value, Math.pow(value, 1 / pp), sp.nonzeros()));
            }
            return 0;
        }
    }

    /** {@code jot sliced}: the sliced Wasserstein distance (POT's {@code ot.sliced_wasserstein_distance}). */
    @Command(name = "sliced", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Sliced Wasserstein: the mean over random directions of the 1-D W_p^p of the projections "
                    + "(seeded: one seed, one value).", "value = SW_p^p, distance = SW_p (what POT's "
                    + "ot.sliced_wasserstein_distance returns; its directions come from NumPy, ours from the seed)."})
    static final class SlicedCommand implements Callable<Integer> {
        @Mixin
        InputOptions.PointFiles points;

        @Mixin
        InputOptions.WeightFiles weights;

        @Option(names = "--p", paramLabel = "P", defaultValue = "2", description = "the exponent, at least 1; default: ${DEFAULT-VALUE}")
        double p;

        @Option(names = "--projections", paramLabel = "K", defaultValue = "50", description = "random directions; default: ${DEFAULT-VALUE} (POT's n_projections)")
        int projections;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "the directions' seed; default: ${DEFAULT-VALUE}")
        long seed;

        @Mixin
        OutputOptions.JsonFlag output;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            long t0 = System.nanoTime();
            double pp = checkedP(p);
            if (projections < 1) {
                throw new IllegalArgumentException("--projections must be at least 1, got " + projections);
            }
            Points x = points.x(), y = points.y();
            double value = Sliced.wassersteinPower(x, weights.a(), y, weights.b(), pp, projections, seed);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (output.json) {
                spec.commandLine().getOut().println(new Json().put("value", value).put("distance", Math.pow(value, 1 / pp))
                        .put("p", pp).put("projections", projections).put("seed", seed).put("n", x.n()).put("m", y.n())
                        .put("d", x.d()).put("time_ms", ms).toString());
            } else {
                spec.commandLine().getOut().println(String.format(Locale.ROOT,
                        "sliced Wasserstein, p = %s, %d directions (seed %d), n = %d, m = %d, d = %d%n  SW_p^p     %.12g%n  SW_p       %.12g",
                        Json.repr(pp), projections, seed, x.n(), y.n(), x.d(), value, Math.pow(value, 1 / pp)));
            }
            return 0;
        }
    }

    /** {@code jot gaussian}: W_2 between Gaussians and the linear optimal map. */
    @Command(name = "gaussian", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"W_2 between Gaussians N(m1, S1) and N(m2, S2) in closed form (the Bures metric), and the "
                    + "optimal map T(x) = A x + c.", "Give the means and covariances (--mean1 --cov1 --mean2 --cov2), or "
                    + "samples (--x --y, optional weights) whose weighted means and covariances (divided by the total "
                    + "weight) are used; with samples, --out-map writes T(x_i) at each source point (n x d).",
                    "value = W_2^2, distance = W_2."})
    static final class Gaussian implements Callable<Integer> {
        @Mixin
        InputOptions.PointFiles points;

        @Mixin
        InputOptions.WeightFiles weights;

        @Option(names = "--mean1", paramLabel = "M1", description = "the source mean (d values)")
        Path mean1;

        @Option(names = "--cov1", paramLabel = "S1", description = "the source covariance (d x d)")
        Path cov1;

        @Option(names = "--mean2", paramLabel = "M2", description = "the target mean")
        Path mean2;

        @Option(names = "--cov2", paramLabel = "S2", description = "the target covariance")
        Path cov2;

        @Option(names = "--map-matrix", paramLabel = "FILE", description = "write A (d x d) of the optimal map T(x) = A x + c")
        Path mapMatrix;

        @Option(names = "--map-offset", paramLabel = "FILE", description = "write c (d) of the optimal map")
        Path mapOffset;

        @Mixin
        OutputOptions.TransportMap outMap;

        @Mixin
        OutputOptions.JsonFlag output;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            long t0 = System.nanoTime();
            boolean moments = mean1 != null || cov1 != null || mean2 != null || cov2 != null;
            if (moments == points.given()) {
                throw new IllegalArgumentException(moments ? "give either --mean1 --cov1 --mean2 --cov2 or --x --y, not both"
                        : "missing input: give --mean1 --cov1 --mean2 --cov2, or samples --x --y");
            }
            double[] m1, m2;
            double[][] s1, s2;
            Points x = null;
            if (moments) {
                if (weights.given() || outMap.file != null) {
                    throw new IllegalArgumentException("--a, --b and --out-map go with samples (--x --y), not with --mean1/--cov1");
                }
                m1 = vector("--mean1", require("--mean1", mean1));
                s1 = matrix("--cov1", require("--cov1", cov1));
                m2 = vector("--mean2", require("--mean2", mean2));
                s2 = matrix("--cov2", require("--cov2", cov2));
            } else {
                x = points.x();
                Points y = points.y();
                dev.jot.geometry.CostFunction.checkSameDimension(x, y);
                double[] wa = Sinkhorn.checkProbabilities("a", weights.a(), x.n(), "n");
                double[] wb = Sinkhorn.checkProbabilities("b", weights.b(), y.n(), "m");
                m1 = mean(x, wa);
                m2 = mean(y, wb);
                s1 = covariance(x, wa, m1);
                s2 = covariance(y, wb, m2);
            }
            double value = Gaussians.w2Squared(m1, s1, m2, s2);
            Gaussians.LinearMap map = null;
            if (mapMatrix != null || mapOffset != null || outMap.file != null) {
                map = Gaussians.map(m1, s1, m2, s2);
                int d = m1.length;
                if (mapMatrix != null) {
                    double[] flat = new double[d * d];
                    for (int i = 0; i < d; i++) {
                        System.arraycopy(map.a()[i], 0, flat, i * d, d);
                    }
                    DataFiles.write(mapMatrix, NdArray.of(flat, d, d));
                }
                if (mapOffset != null) {
                    DataFiles.write(mapOffset, NdArray.of(map.c().clone(), d));
                }
                if (outMap.file != null) {
                    double[] xs = x.array().toDoubleArray(), t = new double[xs.length];
                    double[] xi = new double[d];
                    for (int i = 0; i < x.n(); i++) {
                        System.arraycopy(xs, i * d, xi, 0, d);
                        System.arraycopy(map.apply(xi), 0, t, i * d, d);
                    }
                    DataFiles.write(outMap.file, NdArray.of(t, x.n(), d));
                }
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (output.json) {
                spec.commandLine().getOut().println(new Json().put("value", value).put("distance", Math.sqrt(value))
                        .put("d", m1.length).put("time_ms", ms).toString());
            } else {
                spec.commandLine().getOut().println(String.format(Locale.ROOT,
                        "W_2 between Gaussians, d = %d%n  W_2^2      %.12g%n  W_2        %.12g", m1.length, value, Math.sqrt(value)));
            }
            return 0;
        }

        private static double[] vector(String option, Path file) throws IOException {
            NdArray v = InputOptions.read(option, file);
            if (v.rank() != 1 && !(v.rank() == 2 && (v.shape(0) == 1 || v.shape(1) == 1))) {
                throw new IllegalArgumentException(option + " " + file + ": a mean must be 1-D (d values), got shape "
                        + java.util.Arrays.toString(v.shape()));
            }
            return v.toDoubleArray();
        }

        private static double[][] matrix(String option, Path file) throws IOException {
            NdArray v = InputOptions.read(option, file);
            if (v.rank() != 2 || v.shape(0) != v.shape(1)) {
                throw new IllegalArgumentException(option + " " + file + ": a covariance must be a square d x d matrix, got shape "
                        + java.util.Arrays.toString(v.shape()));
            }
            int d = (int) v.shape(0);
            double[] flat = v.toDoubleArray();
            double[][] s = new double[d][d];
            for (int i = 0; i < d; i++) {
                System.arraycopy(flat, i * d, s[i], 0, d);
            }
            return s;
        }

        /** The weighted mean of the points (weights summing to 1). */
        private static double[] mean(Points p, double[] wt) {
            double[] v = p.array().toDoubleArray();
            int d = p.d();
            double[] m = new double[d];
            for (int i = 0; i < p.n(); i++) {
                for (int k = 0; k < d; k++) {
                    m[k] += wt[i] * v[i * d + k];
                }
            }
            return m;
        }

        /** The weighted covariance about m (weights summing to 1, so divided by the total weight). */
        private static double[][] covariance(Points p, double[] wt, double[] m) {
            double[] v = p.array().toDoubleArray();
            int d = p.d();
            double[][] s = new double[d][d];
            for (int i = 0; i < p.n(); i++) {
                for (int k = 0; k < d; k++) {
                    double dk = v[i * d + k] - m[k];
                    for (int l = 0; l <= k; l++) {
                        s[k][l] += wt[i] * dk * (v[i * d + l] - m[l]);
                    }
                }
            }
            for (int k = 0; k < d; k++) {
                for (int l = 0; l < k; l++) {
                    s[l][k] = s[k][l];
                }
            }
            return s;
        }
    }
}
