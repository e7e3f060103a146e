package dev.jot.cli;

import dev.jot.examples.BarycenterExample;
import dev.jot.examples.DigitsExample;
import dev.jot.examples.IrisExample;
import dev.jot.examples.UnbalancedExample;
import dev.jot.examples.WganExample;
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
 * {@code jot example}: the experiments of Genevay, Peyré and Cuturi (2018), the textbook's WGAN-GP critic
 * beside the exact W1, convolutional barycenters of four shapes, and unbalanced transport between 1-D histograms, with
 * tables and pictures.
 */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = "Runs an experiment of Genevay, Peyre and Cuturi (2018) on built-in data, the WGAN-GP critic against the exact W1, "
                + "the 5 x 5 interpolation of four shapes by Wasserstein barycenters, or unbalanced transport between 1-D histograms.",
        subcommands = {ExampleCommand.Iris.class, ExampleCommand.Digits.class, ExampleCommand.Wgan.class, ExampleCommand.Barycenters.class,
                ExampleCommand.Unbalanced.class, CommandLine.HelpCommand.class})
final class ExampleCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code jot example iris}: §4.1, ellipses fitted to Iris, Table 1 and Figure 2. */
    @Command(name = "iris", mixinStandardHelpOptions = true,
            description = "Section 4.1: fits 3 ellipses with uniform density to Iris (PCA to 3-D) by SGD on the Sinkhorn "
                    + "loss (L iterations, m samples) for each epsilon and on a Gaussian MMD; prints Table 1 beside the "
                    + "paper's and draws the ellipses.")
    static final class Iris implements Callable<Integer> {
        @Mixin
        OutputOptions.Pictures pictures;

        @Option(names = "--epsilon", paramLabel = "E", split = ",", defaultValue = "1,0.1,0.001",
                description = "the Sinkhorn losses' epsilons, comma-separated; default: ${DEFAULT-VALUE}")
        List<Double> epsilons;

        @Option(names = "--sigma", paramLabel = "S", defaultValue = "0.5",
                description = "the MMD's Gaussian bandwidth (0: no MMD fit); default: ${DEFAULT-VALUE}")
        double sigma;

        @Option(names = "--steps", paramLabel = "N", defaultValue = "600", description = "SGD (Adam) steps; default: ${DEFAULT-VALUE}")
        int steps;

        @Option(names = "--iterations", paramLabel = "L", defaultValue = "20",
                description = "Sinkhorn iterations in the loss; default: ${DEFAULT-VALUE}")
        int iterations;

        @Option(names = "--samples", paramLabel = "M", defaultValue = "200",
                description = "model samples per step; default: ${DEFAULT-VALUE}")
        int samples;

        @Option(names = "--learning-rate", paramLabel = "R", defaultValue = "0.02", description = "Adam's step; default: ${DEFAULT-VALUE}")
        double rate;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "7", description = "default: ${DEFAULT-VALUE}")
        long seed;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            List<IrisExample.Setting> settings = new ArrayList<>();
            if (sigma < 0 || !Double.isFinite(sigma)) {
                throw new IllegalArgumentException("--sigma must be 0 (no MMD) or positive, got " + sigma);
            }
            if (sigma > 0) {
                settings.add(IrisExample.Setting.mmd(sigma));
            }
            for (double e : epsilons) {
                settings.add(IrisExample.Setting.sinkhorn(e));
            }
            IrisExample.Config c = new IrisExample.Config(seed, steps, samples, iterations, rate, settings, pictures.dir);
            o.printf(Locale.ROOT, "Iris (Fisher 1936; UCI, CC BY 4.0), 150 points, PCA to 3-D; %d ellipses with uniform density,"
                    + " centres from k-means, A = I at the start;%nAdam (rate %s), %d steps of m = %d samples, Sinkhorn loss with L = %d"
                    + " iterations, cost |x-y|^2; pictures in %s%n%n", IrisExample.K, Json.repr(rate), steps, samples, iterations, pictures.dir);
            o.flush();
            IrisExample.run(c, o, f -> table(o, f));
            return 0;
        }

        private static void table(PrintWriter o, IrisExample.Fit f) {
            int[][] paper = IrisExample.paperTable(f.setting());
            o.printf(Locale.ROOT, "%s: %.1f s, final loss %.5f%s%n", f.setting().title(), f.seconds(), f.loss(),
                    f.picture() == null ? "" : ", picture " + f.picture());
            o.printf(Locale.ROOT, "  Table 1: points of each class inside each ellipse   %s%n", paper == null ? "" : "| the paper's");
            o.printf(Locale.ROOT, "              setosa versicolor virginica   %s%n", paper == null ? "" : "| setosa versicolor virginica");
            for (int i = 0; i < f.table().length; i++) {
                int[] r = f.table()[i];
                o.printf(Locale.ROOT, "  ellipse %d  %7d %10d %9d   %s%n", i + 1, r[0], r[1], r[2], paper == null ? ""
                        : String.format(Locale.ROOT, "| %6d %10d %9d", paper[i][0], paper[i][1], paper[i][2]));
            }
            o.println();
            o.flush();
        }
    }

    /** {@code jot example digits}: §4.2 at offline scale, a generator of 8×8 digits and Figure 3's latent grid. */
    @Command(name = "digits", mixinStandardHelpOptions = true,
            description = "Section 4.2 at offline scale: trains a 2-layer perceptron generator (latent z uniform in [0,1]^2) "
                    + "with the Sinkhorn loss on the 1797 8x8 digits, mini-batches of 200, for each (epsilon, L) setting; "
                    + "writes the generated digits on a 20x20 grid of latent points, rewritten every epoch.")
    static final class Digits implements Callable<Integer> {
        @Mixin
        OutputOptions.Pictures pictures;

        @Option(names = "--setting", paramLabel = "EPS:L:EPOCHS", split = ",",
                description = "the (epsilon, L, epochs) settings, comma-separated; default: 1:10:100,0.1:100:25 (the paper's "
                        + "(epsilon, L) pairs, epochs to finish in a few minutes)")
        List<String> settings;

        @Option(names = "--hidden", paramLabel = "H", description = "hidden units; default: 500")
        Integer hidden;

        @Option(names = "--learning-rate", paramLabel = "R", description = "Adam's step; default: 0.005")
        Double rate;

        @Option(names = "--seed", paramLabel = "S", description = "default: 1")
        Long seed;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            DigitsExample.Config d = DigitsExample.Config.defaults(pictures.dir);
            List<DigitsExample.Setting> list = d.settings();
            if (settings != null) {
                list = new ArrayList<>();
                for (String t : settings) {
                    String[] p = t.split(":");
                    if (p.length != 3) {
                        throw new IllegalArgumentException("--setting must be EPS:L:EPOCHS, got '" + t + "'");
                    }
                    try {
                        list.add(new DigitsExample.Setting(Double.parseDouble(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--setting must be EPS:L:EPOCHS with numbers, got '" + t + "'");
                    }
                }
            }
            DigitsExample.Config c = new DigitsExample.Config(seed == null ? d.seed() : seed, d.batch(),
                    hidden == null ? d.hidden() : hidden, rate == null ? d.learningRate() : rate, list, pictures.dir, d.pictureEvery());
            o.printf(Locale.ROOT, "Digits (Alpaydin and Kaynak 1998; UCI, CC BY 4.0): 1797 images of 8x8 pixels in [0, 1];"
                    + " generator z in [0,1]^2 -> %d ReLU -> 64 sigmoid, Adam (rate %s), mini-batches of %d;%n"
                    + "loss: the Sinkhorn (Genevay) loss of L iterations, cost |x-y|^2; pictures in %s, rewritten every epoch%n%n",
                    c.hidden(), Json.repr(c.learningRate()), c.batch(), pictures.dir);
            o.flush();
            long t0 = System.nanoTime();
            List<Path> files = DigitsExample.run(c, o);
            o.printf(Locale.ROOT, "%nwritten in %.0f s:%n", (System.nanoTime() - t0) / 1e9);
            for (Path f : files) {
                o.println("  " + f);
            }
            return 0;
        }
    }

    /** {@code jot example wgan}: a WGAN-GP critic trained on two fixed 2-D sample sets, its estimate beside the exact W1. */
    @Command(name = "wgan", mixinStandardHelpOptions = true,
            description = "Trains a WGAN-GP critic (2 -> H tanh -> H tanh -> 1, Adam, gradient penalty on interpolates) "
                    + "between a Gaussian mixture and a ring; prints its estimate E[D(real)] - E[D(fake)] beside the exact W1 "
                    + "(network simplex, cost |x-y|) every tenth of the steps, and draws the critic's level sets with the "
                    + "optimal plan (wgan.png).")
    static final class Wgan implements Callable<Integer> {
        @Mixin
        OutputOptions.Pictures pictures;

        @Option(names = "--points", paramLabel = "N", description = "points in each sample set; default: 300")
        Integer points;

        @Option(names = "--steps", paramLabel = "N", description = "Adam steps; default: 3000")
        Integer steps;

        @Option(names = "--hidden", paramLabel = "H", description = "units in each of the two hidden layers; default: 64")
        Integer hidden;

        @Option(names = "--learning-rate", paramLabel = "R", description = "Adam's step; default: 0.002")
        Double rate;

        @Option(names = "--lambda", paramLabel = "L", description = "the gradient penalty's weight; default: 10")
        Double lambda;

        @Option(names = "--seed", paramLabel = "S", description = "default: 1")
        Long seed;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            WganExample.Config d = WganExample.Config.defaults(pictures.dir);
            WganExample.Config c = new WganExample.Config(seed == null ? d.seed() : seed, points == null ? d.points() : points,
                    steps == null ? d.steps() : steps, hidden == null ? d.hidden() : hidden,
                    rate == null ? d.learningRate() : rate, lambda == null ? d.lambda() : lambda, pictures.dir);
            o.printf(Locale.ROOT, "WGAN-GP critic between %d points of a 3-Gaussian mixture (real) and %d of a ring (fake), seed %d;%n"
                    + "critic 2 -> %d tanh -> %d tanh -> 1, Adam (rate %s), %d steps on all the points, lambda = %s;%n"
                    + "exact W1: network simplex, cost |x-y|, uniform weights%n%n",
                    c.points(), c.points(), c.seed(), c.hidden(), c.hidden(), Json.repr(c.learningRate()), c.steps(),
                    java.math.BigDecimal.valueOf(c.lambda()).stripTrailingZeros().toPlainString());
            o.flush();
            long t0 = System.nanoTime();
            WganExample.Result r = WganExample.run(c, o);
            o.printf(Locale.ROOT, "%nfinal estimate %.5f, exact W1 %.5f (gap %+.2f%%); %.0f s; picture %s%n", r.last().estimate(),
                    r.exact(), 100 * r.last().gap(), (System.nanoTime() - t0) / 1e9, r.picture());
            return 0;
        }
    }

    /** {@code jot example barycenters}: the 5 x 5 interpolation of a disc, a ring, a cross and a square. */
    @Command(name = "barycenters", mixinStandardHelpOptions = true,
            description = "The 5 x 5 interpolation of four shapes (a disc, a ring, a cross, a square at the corners) by "
                    + "convolutional Wasserstein barycenters with bilinear weights, as POT's gallery shows it; one thread; "
                    + "writes barycenters.png and says how long it took.")
    static final class Barycenters implements Callable<Integer> {
        @Mixin
        OutputOptions.Pictures pictures;

        @Option(names = "--size", paramLabel = "N", defaultValue = "64", description = "image side in pixels; default: ${DEFAULT-VALUE}")
        int size;

        @Option(names = "--epsilon", paramLabel = "E", defaultValue = "0.004",
                description = "epsilon on the unit square (POT's reg); default: ${DEFAULT-VALUE}")
        double epsilon;

        @Option(names = "--tol", paramLabel = "T", defaultValue = "1e-4",
                description = "each barycenter's tolerance on its plans' row errors; default: ${DEFAULT-VALUE}")
        double tol;

        @Option(names = "--max-iter", paramLabel = "N", defaultValue = "2000", description = "each barycenter's iteration limit; default: ${DEFAULT-VALUE}")
        int maxIter;

        @Option(names = "--precision", paramLabel = "P", defaultValue = "f32", description = "f32 or f64; default: ${DEFAULT-VALUE}")
        String precision;

        @Option(names = "--rounds", paramLabel = "R", defaultValue = "1",
                description = "compute the 25 barycenters R times and time each round (the first includes the JIT's warm-up); default: ${DEFAULT-VALUE}")
        int rounds;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            BarycenterExample.Config c = new BarycenterExample.Config(size, epsilon, tol, maxIter,
                    dev.jot.data.Precision.parse(precision), rounds, pictures.dir);
            o.printf(Locale.ROOT, "5 x 5 convolutional barycenters of a disc, a ring, a cross and a square, %d x %d pixels on [0,1]^2,"
                    + " epsilon = %s, %s, tolerance %s, one thread%n", size, size, Json.repr(epsilon), c.precision(), Json.repr(tol));
            o.flush();
            BarycenterExample.Result r = BarycenterExample.run(c, o);
            StringBuilder times = new StringBuilder();
            for (int k = 0; k < r.seconds().length; k++) {
                times.append(k == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f s", r.seconds()[k]));
            }
            o.printf(Locale.ROOT, "%d of 25 converged (* marks the others); the 25 barycenters took %s%s; picture %s%n",
                    r.converged(), times, r.seconds().length > 1 ? " (round by round; the first includes the JIT's warm-up)"
                            : " (the JIT's warm-up included; --rounds 3 times warm rounds)", r.picture());
            return 0;
        }
    }

    /** {@code jot example unbalanced}: POT's unbalanced 1-D example, the plan at several rho. */
    @Command(name = "unbalanced", mixinStandardHelpOptions = true,
            description = "Unbalanced transport between two 1-D Gaussian histograms of masses 1 and 5 (100 bins, cost "
                    + "(i-j)^2 / 99^2, POT's plot_UOT_1D shape): prints the plan's mass, cost and objective for each rho and "
                    + "draws unbalanced.png (the plan, with its marginals beside a and b, for each rho).")
    static final class Unbalanced implements Callable<Integer> {
        @Mixin
        OutputOptions.Pictures pictures;

        @Option(names = "--epsilon", paramLabel = "E", defaultValue = "0.005", description = "default: ${DEFAULT-VALUE}")
        double epsilon;

        @Option(names = "--rho", paramLabel = "R", split = ",", defaultValue = "0.05,5",
                description = "the marginal penalties, comma-separated; default: ${DEFAULT-VALUE}")
        List<Double> rhos;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "source N(20, 5^2) of mass 1, target N(60, 10^2) of mass 5, 100 bins, cost (i-j)^2/99^2, "
                    + "epsilon = %s, f64, translation-invariant updates%n", Json.repr(epsilon));
            UnbalancedExample.Result r = UnbalancedExample.run(epsilon, rhos, pictures.dir, o);
            o.println("picture " + r.picture());
            return 0;
        }
    }
}
