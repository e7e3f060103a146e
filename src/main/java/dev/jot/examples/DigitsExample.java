package dev.jot.examples;

import dev.jot.data.Points;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Genevay, Peyré and Cuturi's generative model (2018, §4.2 and Figure 3) at offline scale: a two-layer
 * perceptron g_θ maps latent points z, uniform in [0,1]², to 8 × 8 images, and is trained with Adam on
 * the L-step Sinkhorn loss (their algorithmic loss 2·W_L(x, y) − W_L(x, x) − W_L(y, y), squared
 * Euclidean cost |x − y|², not halved, see {@link Divergences#unrolled}) between a mini-batch of
 * generated images x = g_θ(z) and a mini-batch of real ones y, on the 1797 handwritten digits of
 * Alpaydin and Kaynak (UCI, CC BY 4.0; the copy distributed with scikit-learn), pixels scaled to
 * [0, 1].
 *
 * <p>The network: z → ReLU(W₁z + b₁) (width {@link Config#hidden()}) → sigmoid(W₂h + b₂) (64 pixels),
 * forward and backward written out by hand; the loss's exact gradient with respect to the generated
 * images comes from the library's reverse pass through the L Sinkhorn iterations. Each (ε, L) setting
 * trains its own generator from the same initialisation and writes, every
 * {@link Config#pictureEvery()} epochs and at the end, a picture of g_θ on a 20 × 20 grid of
 * equispaced latent points (the paper's Figure 3; z₁ from 0 to 1 left to right, z₂ top to bottom),
 * white digits on black, each pixel a 4 × 4 block, grey lines between the digits:
 * {@code digits-eps<ε>-L<L>.png}, 682 × 682 grey levels. Pictures are replaced atomically, so an
 * interrupted run leaves the last complete one.
 *
 * <p>Scale of ε: with pixels in [0, 1] and d = 64, squared distances between two digits are about 4.5 to 14
 * (5th to 95th percentile, median 9.5; from a digit to the mean digit: 3 to 6.5), so ε = 1 is a tenth
 * of a typical cost and ε = 0.1 a hundredth, and the paper's two settings are kept as they are.
 */
public final class DigitsExample {
    /** Images per side of the picture's latent grid. */
    public static final int GRID = 20;
    /** Pixels per side of one digit. */
    public static final int SIDE = 8;
    /** Screen pixels per side of one digit pixel in the picture. */
    public static final int ZOOM = 4;
    /** Width in screen pixels of the grey lines between (and around) the digits of the picture. */
    public static final int GAP = 2;
    /** Side of the picture in screen pixels: 20 digits of 32 pixels and 21 lines of 2, 682. */
    public static final int PICTURE_SIZE = GRID * SIDE * ZOOM + (GRID + 1) * GAP;

    private static final String RESOURCE = "digits.csv.gz";

    private DigitsExample() {
    }

    /**
     * One loss setting: the regularisation ε (in units of the squared-distance cost), the number L of
     * Sinkhorn iterations of the loss, and how many epochs (passes over the shuffled data in
     * mini-batches, a last partial batch dropped) to train for.
     *
     * @param epsilon    ε &gt; 0
     * @param iterations L ≥ 1
     * @param epochs     at least 1
     */
    public record Setting(double epsilon, int iterations, int epochs) {
        /** Checks the ranges. */
        public Setting {
            if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations L must be at least 1, got " + iterations);
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
            }
        }

        /** {@return the picture's file name, {@code digits-eps<ε>-L<L>.png}, ε written without trailing zeros} */
        public String fileName() {
            return "digits-eps" + BigDecimal.valueOf(epsilon).stripTrailingZeros().toPlainString() + "-L" + iterations + ".png";
        }

        @Override
        public String toString() {
            return "eps=" + BigDecimal.valueOf(epsilon).stripTrailingZeros().toPlainString() + " L=" + iterations;
        }
    }

    /**
     * What to run. Immutable.
     *
     * @param seed         seed of the initialisation, the latent samples and the mini-batches (runs with the
     *                     same configuration give the same pictures)
     * @param batch        mini-batch size m, the same for generated and real images (at most 1797)
     * @param hidden       width of the hidden layer
     * @param learningRate Adam's step size (β₁ = 0.9, β₂ = 0.999)
     * @param settings     the (ε, L, epochs) settings, each trained separately, in order
     * @param outputDir    where the pictures go (created if missing)
     * @param pictureEvery rewrite the picture every this many epochs (and always after the last one)
     */
    public record Config(long seed, int batch, int hidden, double learningRate, List<Setting> settings,
                         Path outputDir, int pictureEvery) {
        /** Checks the ranges and copies the list. */
        public Config {
            if (batch < 2 || batch > 1797) {
                throw new IllegalArgumentException("batch must be in [2, 1797], got " + batch);
            }
            if (hidden < 1) {
                throw new IllegalArgumentException("hidden width must be at least 1, got " + hidden);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
            }
            settings = List.copyOf(Objects.requireNonNull(settings, "settings"));
            if (settings.isEmpty()) {
                throw new IllegalArgumentException("at least one (epsilon, L) setting is needed");
            }
            Objects.requireNonNull(outputDir, "outputDir");
            if (pictureEvery < 1) {
                throw new IllegalArgumentException("pictureEvery must be at least 1, got " + pictureEvery);
            }
        }

        /**
         * The default run: the paper's two settings of Figure 3 (a) and (b), (ε, L) = (1, 10) for 100 epochs
         * and (0.1, 100) for 25 epochs (an epoch of the second costs about ten times one of the first),
         * mini-batches of 200, hidden width 500, Adam's learning rate 5e-3, seed 1, a picture every epoch.
         *
         * @param outputDir where the pictures go
         * @return the default configuration
         */
        public static Config defaults(Path outputDir) {
            return new Config(1, 200, 500, 5e-3,
                    List.of(new Setting(1, 10, 100), new Setting(0.1, 100, 25)), outputDir, 1);
        }

        /**
         * The same configuration with other settings.
         *
         * @param s the settings, not empty
         * @return a copy with those settings
         */
        public Config withSettings(List<Setting> s) {
            return new Config(seed, batch, hidden, learningRate, s, outputDir, pictureEvery);
        }

        /**
         * The same configuration with another seed.
         *
         * @param s the seed
         * @return a copy with that seed
         */
        public Config withSeed(long s) {
            return new Config(s, batch, hidden, learningRate, settings, outputDir, pictureEvery);
        }
    }

    /**
     * Trains one generator per setting of {@code c}, printing one line per epoch to {@code progress}
     * (setting, epoch, mean loss over the epoch's mini-batches, seconds since the start of the run; an
     * epoch 0 line gives the loss of the untrained generator on one mini-batch), and writes the pictures.
     *
     * @param c what to run
     * @param progress where the progress lines go (not null)
     * @return the pictures' paths, one per setting, in the order of the settings
     * @throws UncheckedIOException if the data cannot be read or a picture cannot be written
     */
    public static List<Path> run(Config c, PrintWriter progress) {
        return run(c, progress, null);
    }

    /** {@link #run(Config, PrintWriter)}, adding to {@code losses} (if not null) each setting's per-epoch losses, epoch 0 first. */
    static List<Path> run(Config c, PrintWriter progress, List<double[]> losses) {
        Objects.requireNonNull(c, "config");
        Objects.requireNonNull(progress, "progress");
        double[][] data = loadDigits();
        try {
            Files.createDirectories(c.outputDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + c.outputDir(), e);
        }
        long t0 = System.nanoTime();
        List<Path> pictures = new ArrayList<>();
        for (Setting s : c.settings()) {
            double[] trajectory = train(c, s, data, progress, t0);
            if (losses != null) {
                losses.add(trajectory);
            }
            pictures.add(c.outputDir().resolve(s.fileName()));
        }
        return pictures;
    }

    /** Trains one setting; returns its losses (epoch 0, then each epoch's mean). */
    private static double[] train(Config c, Setting s, double[][] data, PrintWriter progress, long t0) {
        int n = data.length, d = SIDE * SIDE, m = c.batch();
        SplittableRandom rnd = new SplittableRandom(c.seed());
        Generator gen = new Generator(c.hidden(), d);
        double[] mean = new double[d];
        for (double[] row : data) {
            for (int k = 0; k < d; k++) {
                mean[k] += row[k] / n;
            }
        }
        gen.initialise(rnd.split(), mean);
        SplittableRandom latent = rnd.split(), shuffle = rnd.split();
        SinkhornOptions opts = SinkhornOptions.epsilon(s.epsilon());
        double[] z = new double[m * Generator.LATENT], hid = new double[m * c.hidden()], x = new double[m * d];
        double[] y = new double[m * d], grad = new double[gen.size()];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int batches = n / m;
        double[] trajectory = new double[s.epochs() + 1];
        Path picture = c.outputDir().resolve(s.fileName());

        // epoch 0: the untrained generator against one batch
        shuffle(order, shuffle);
        fill(z, latent);
        gen.forward(z, m, hid, x);
        batch(data, order, 0, m, y);
        trajectory[0] = Divergences.unrolled(Points.of(m, d, x), null, Points.of(m, d, y), null,
                CostFunction.SQUARED_EUCLIDEAN, s.epsilon(), s.iterations(), Loss.GENEVAY, opts, false).value();
        line(progress, s, 0, s.epochs(), trajectory[0], t0);

        for (int epoch = 1; epoch <= s.epochs(); epoch++) {
            shuffle(order, shuffle);
            double sum = 0;
            for (int k = 0; k < batches; k++) {
                fill(z, latent);
                gen.forward(z, m, hid, x);
                batch(data, order, k * m, m, y);
                DivergenceResult r = Divergences.unrolled(Points.of(m, d, x), null, Points.of(m, d, y), null,
                        CostFunction.SQUARED_EUCLIDEAN, s.epsilon(), s.iterations(), Loss.GENEVAY, opts);
                if (!Double.isFinite(r.value())) {
                    throw new IllegalStateException("the loss is not finite at " + s + ", epoch " + epoch + ": " + r.status());
                }
                sum += r.value();
                gen.backward(z, m, hid, x, r.gradX(), grad);
                gen.adam(grad, c.learningRate());
            }
            trajectory[epoch] = sum / batches;
            line(progress, s, epoch, s.epochs(), trajectory[epoch], t0);
            if (epoch % c.pictureEvery() == 0 || epoch == s.epochs()) {
                writePicture(gen, picture);
            }
        }
        return trajectory;
    }

    private static void line(PrintWriter progress, Setting s, int epoch, int epochs, double loss, long t0) {
        progress.printf(Locale.ROOT, "digits %s epoch %d/%d loss %.6f time %.1f s%n", s, epoch, epochs, loss,
                (System.nanoTime() - t0) * 1e-9);
        progress.flush();
    }

    private static void shuffle(int[] order, SplittableRandom rnd) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    private static void fill(double[] z, SplittableRandom rnd) {
        for (int i = 0; i < z.length; i++) {
            z[i] = rnd.nextDouble();
        }
    }

    private static void batch(double[][] data, int[] order, int from, int m, double[] y) {
        int d = SIDE * SIDE;
        for (int b = 0; b < m; b++) {
            System.arraycopy(data[order[from + b]], 0, y, b * d, d);
        }
    }

    /**
     * The 1797 digits of the bundled data set, 64 pixels each (row-major 8 × 8), scaled from 0..16 to
     * [0, 1]. The labels are not used.
     *
     * @return the digits, one row of 64 values in [0, 1] each, in the file's order
     * @throws UncheckedIOException if the resource is missing or malformed
     */
    public static double[][] loadDigits() {
        List<double[]> rows = new ArrayList<>();
        int d = SIDE * SIDE;
        try (InputStream raw = DigitsExample.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IOException("resource " + RESOURCE + " not found");
            }
            try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String[] f = line.split(",");
                    if (f.length != d + 1) {
                        throw new IOException("line " + (rows.size() + 1) + " of " + RESOURCE + " has " + f.length + " fields, expected " + (d + 1));
                    }
                    double[] row = new double[d];
                    for (int k = 0; k < d; k++) {
                        row[k] = Integer.parseInt(f[k].trim()) / 16.0;
                    }
                    rows.add(row);
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new UncheckedIOException(new IOException("cannot read the digits: " + e.getMessage(), e));
        }
        return rows.toArray(new double[0][]);
    }

    /** The generator on the latent grid, as a {@link #PICTURE_SIZE}-pixel square grey picture, written to a temporary file and moved into place. */
    static void writePicture(Generator gen, Path file) {
        int count = GRID * GRID, d = SIDE * SIDE;
        double[] z = new double[count * Generator.LATENT], hid = new double[count * gen.hidden], x = new double[count * d];
        for (int r = 0; r < GRID; r++) {
            for (int col = 0; col < GRID; col++) {
                int i = r * GRID + col;
                z[2 * i] = col / (GRID - 1.0);
                z[2 * i + 1] = r / (GRID - 1.0);
            }
        }
        gen.forward(z, count, hid, x);
        int size = PICTURE_SIZE, cell = SIDE * ZOOM + GAP;
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = img.getRaster();
        for (int a = 0; a < size; a++) {
            for (int b = 0; b < size; b++) {
                if (a % cell < GAP || b % cell < GAP) {
                    raster.setSample(b, a, 0, 96);
                }
            }
        }
        for (int i = 0; i < count; i++) {
            int r = i / GRID, col = i % GRID;
            for (int p = 0; p < d; p++) {
                int grey = (int) Math.round(255 * Math.min(1, Math.max(0, x[i * d + p])));
                int py = r * cell + GAP + (p / SIDE) * ZOOM, px = col * cell + GAP + (p % SIDE) * ZOOM;
                for (int a = 0; a < ZOOM; a++) {
                    for (int b = 0; b < ZOOM; b++) {
                        raster.setSample(px + b, py + a, 0, grey);
                    }
                }
            }
        }
        Plots.write(img, file); // atomically; Ctrl-C leaves no half-written file
    }
}
