package dev.jot.examples;

import dev.jot.barycenter.Convolutional;
import dev.jot.barycenter.FixedSupportResult;
import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.sinkhorn.SinkhornOptions;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The 5 × 5 interpolation of four shapes by convolutional Wasserstein barycenters, as POT's gallery shows it
 * ({@code plot_convolutional_barycenter.py}): a disc, a ring, a cross and a square (drawn here) at the corners, and at
 * grid point (i, j) the barycenter with the bilinear weights ((1 − s)(1 − t), s(1 − t), (1 − s)t, st), s = j/4,
 * t = i/4. Every barycenter runs on one thread.
 */
public final class BarycenterExample {
    /** The four shapes' names, in corner order: top left, top right, bottom left, bottom right. */
    public static final String[] SHAPES = {"disc", "ring", "cross", "square"};

    private BarycenterExample() {
    }

    /**
     * The settings.
     *
     * @param size the images' side in pixels
     * @param epsilon ε on the unit square (POT's reg)
     * @param tolerance the barycenters' tolerance on the plans' row errors
     * @param maxIterations each barycenter's iteration limit
     * @param precision f32 or f64
     * @param rounds how many times to compute the 25 barycenters (the first round includes the JIT's warm-up)
     * @param out the directory of the picture
     */
    public record Config(int size, double epsilon, double tolerance, int maxIterations, Precision precision, int rounds, Path out) {
        /**
         * The defaults: 64 × 64 pixels, ε = 0.004 (POT's example), tolerance 1e-4, 2000 iterations, f32, one round.
         *
         * @param out the directory of the picture
         * @return the defaults
         */
        public static Config defaults(Path out) {
            return new Config(64, 0.004, 1e-4, 2000, Precision.F32, 1, out);
        }
    }

    /**
     * The outcome.
     *
     * @param seconds the wall time of each round of 25 barycenters
     * @param iterations the iterations of each barycenter, 5 × 5
     * @param converged how many of the 25 converged
     * @param picture the PNG file written
     */
    public record Result(double[] seconds, int[][] iterations, int converged, Path picture) {
    }

    /**
     * Draws shape {@code k} of {@link #SHAPES} on a size × size grid: ones inside, zeros outside.
     *
     * @param k 0 disc, 1 ring, 2 cross, 3 square
     * @param size the side in pixels
     * @return size × size masses, row-major (not normalised)
     */
    public static double[] shape(int k, int size) {
        double[] v = new double[size * size];
        double c = (size - 1) / 2.0, s = size / 64.0;
        for (int r = 0; r < size; r++) {
            for (int col = 0; col < size; col++) {
                double dy = r - c, dx = col - c, rad = Math.hypot(dx, dy);
                boolean in = switch (k) {
                    case 0 -> rad <= 20 * s;
                    case 1 -> rad <= 24 * s && rad >= 16 * s;
                    case 2 -> (Math.abs(dx) <= 6 * s && Math.abs(dy) <= 24 * s) || (Math.abs(dy) <= 6 * s && Math.abs(dx) <= 24 * s);
                    case 3 -> Math.abs(dx) <= 18 * s && Math.abs(dy) <= 18 * s;
                    default -> throw new IllegalArgumentException("shape must be 0 to 3, got " + k);
                };
                v[r * size + col] = in ? 1 : 0;
            }
        }
        return v;
    }

    /**
     * Runs the 25 barycenters and writes {@code barycenters.png} (the 5 × 5 mosaic, mass dark on white).
     *
     * @param c the settings
     * @param o receives one line per row of the mosaic
     * @return the timings and the picture
     */
    public static Result run(Config c, PrintWriter o) {
        if (c.size() < 8) {
            throw new IllegalArgumentException("--size must be at least 8 pixels, got " + c.size());
        }
        if (c.rounds() < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + c.rounds());
        }
        int n = c.size();
        double[] all = new double[4 * n * n];
        for (int k = 0; k < 4; k++) {
            System.arraycopy(shape(k, n), 0, all, k * n * n, n * n);
        }
        NdArray images = NdArray.of(all, 4, n, n);
        SinkhornOptions options = SinkhornOptions.epsilon(c.epsilon()).withPrecision(c.precision()).withTolerance(c.tolerance())
                .withMaxIterations(c.maxIterations()).withThreads(1);
        int gap = Math.max(2, n / 16);
        BufferedImage mosaic = new BufferedImage(5 * n + 6 * gap, 5 * n + 6 * gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = mosaic.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, mosaic.getWidth(), mosaic.getHeight());
        int[][] iterations = new int[5][5];
        int converged = 0;
        double[] seconds = new double[c.rounds()];
        for (int round = 0; round < c.rounds(); round++) {
            converged = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                StringBuilder line = new StringBuilder();
                for (int j = 0; j < 5; j++) {
                    double s = j / 4.0, t = i / 4.0;
                    double[] w = {(1 - s) * (1 - t), s * (1 - t), (1 - s) * t, s * t};
                    FixedSupportResult r = Convolutional.barycenter(images, w, options);
                    iterations[i][j] = r.iterations();
                    converged += r.converged() ? 1 : 0;
                    if (round == c.rounds() - 1) {
                        g.drawImage(GreyImages.image(r.barycenter(), n, n, true), gap + j * (n + gap), gap + i * (n + gap), null);
                    }
                    line.append(String.format(Locale.ROOT, " %5d%s", r.iterations(), r.converged() ? " " : "*"));
                }
                if (round == 0) {
                    o.println("  row " + (i + 1) + ", iterations:" + line);
                    o.flush();
                }
            }
            seconds[round] = (System.nanoTime() - t0) / 1e9;
        }
        g.dispose();
        Path file = Plots.write(mosaic, c.out().resolve("barycenters.png"));
        return new Result(seconds, iterations, converged, file);
    }
}
