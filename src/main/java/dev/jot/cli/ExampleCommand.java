package dev.jot.cli;

import dev.jot.examples.IrisExample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jot example}: the experiments of Genevay, Peyré and Cuturi (2018), with tables and pictures. */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = "Runs an experiment of Genevay, Peyre and Cuturi (2018) on built-in data.",
        subcommands = {ExampleCommand.Iris.class, CommandLine.HelpCommand.class})
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
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "jot-examples",
                description = "where the pictures (PNG) are written; default: ${DEFAULT-VALUE}")
        Path out;

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
            IrisExample.Config c = new IrisExample.Config(seed, steps, samples, iterations, rate, settings, out);
            o.printf(Locale.ROOT, "Iris (Fisher 1936; UCI, CC BY 4.0), 150 points, PCA to 3-D; %d ellipses with uniform density,"
                    + " centres from k-means, A = I at the start;%nAdam (rate %s), %d steps of m = %d samples, Sinkhorn loss with L = %d"
                    + " iterations, cost |x-y|^2; pictures in %s%n%n", IrisExample.K, Json.repr(rate), steps, samples, iterations, out);
            o.flush();
            List<IrisExample.Fit> fits = new ArrayList<>();
            for (IrisExample.Setting s : settings) {
                IrisExample.Fit f = IrisExample.run(new IrisExample.Config(seed, steps, samples, iterations, rate, List.of(s), out), o).get(0);
                fits.add(f);
                table(o, f);
            }
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
}
