package dev.jot.examples;

import dev.jot.data.Points;
import dev.jot.exact.ExactResult;
import dev.jot.exact.ExactTransport;
import dev.jot.geometry.CostFunction;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * The textbook's WGAN-GP critic (Gulrajani et al., 2017) on two fixed 2-D sample sets, checked against
 * the exact W1 that JOT's network simplex computes on the same samples.
 *
 * <p>By Kantorovich–Rubinstein duality W1(μ, ν) = max over 1-Lipschitz D of E_μ[D] − E_ν[D]. WGAN-GP
 * replaces the constraint by a penalty: a critic D (a perceptron 2 → h → h → 1 with tanh hidden layers,
 * {@link Critic}) minimises −E[D(real)] + E[D(fake)] + λ·E[(|∇ₓD(x̂)| − 1)²] on interpolates
 * x̂ = t·real + (1 − t)·fake (a real point paired with a random fake one, t uniform on [0, 1], drawn anew
 * at each step), by Adam, on all the samples at once. The penalty's gradient with respect to the weights
 * needs the derivative of |∇ₓD| with respect to the weights, written out by hand (double backpropagation,
 * see {@link Critic}). The critic's estimate E[D(real)] − E[D(fake)] is printed every block of steps
 * beside the exact W1 (cost |x − y|, uniform weights).
 *
 * <p>The samples: "real" is a mixture of three Gaussians (standard deviation 0.12) whose centres lie at
 * radius 0.5, "fake" a ring of radius 1 (radial standard deviation 0.04), both centred at the origin; W1
 * is about 0.54. The penalty is soft, so the critic's best estimate is not W1 itself: a critic s·f*
 * (f* an optimal potential, of slope 1 where it is penalised) scores s·W1 − λ(s − 1)², best at
 * s = 1 + W1/(2λ), so a fully trained critic overestimates W1 by about W1/(2λ) (relative), 2.7% here,
 * less what a smooth network misses of the potential's kinks. With the default settings the estimate
 * comes to W1 from below and is within 1.5% of it after 3000 steps (seeds 1 to 4); trained three times
 * as long it settles about 2% above.
 *
 * <p>The picture, {@code wgan.png}: the critic's level sets (iso-lines of D on a grid, from blue, low, to
 * red, high, equally spaced in value), the two sample sets, and the optimal plan as arrows from each fake
 * point to the real point it is sent to. The arrows cross the level sets at right angles where the critic
 * is the potential.
 */
public final class WganExample {
    /** The picture's file name. */
    public static final String FILE = "wgan.png";

    private WganExample() {
    }

    /**
     * What to run. Immutable.
     *
     * @param seed         seed of the samples, the initialisation, the pairs and the interpolation factors
     * @param points       points in each sample set (at least 2)
     * @param steps        Adam steps (at least 1)
     * @param hidden       width of each of the critic's two hidden layers
     * @param learningRate Adam's step size (β₁ = 0.9, β₂ = 0.999)
     * @param lambda       the gradient penalty's weight λ (positive)
     * @param outputDir    where the picture goes (created if missing), or null for no picture
     */
    public record Config(long seed, int points, int steps, int hidden, double learningRate, double lambda, Path outputDir) {
        /** Checks the ranges. */
        public Config {
            if (points < 2 || points > 5000) {
                throw new IllegalArgumentException("points must be in [2, 5000], got " + points);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be at least 1, got " + steps);
            }
            if (hidden < 1 || hidden > 4096) {
                throw new IllegalArgumentException("hidden width must be in [1, 4096], got " + hidden);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
            }
            if (!(lambda > 0) || !Double.isFinite(lambda)) {
                throw new IllegalArgumentException("lambda must be positive and finite, got " + lambda);
            }
        }

        /**
         * The default run: seed 1, 300 points each, 3000 steps, 64 hidden units, learning rate 2e-3, λ = 10.
         *
         * @param outputDir where the picture goes, or null for no picture
         * @return the default configuration
         */
        public static Config defaults(Path outputDir) {
            return new Config(1, 300, 3000, 64, 2e-3, 10, outputDir);
        }
    }

    /**
     * One line of the table.
     *
     * @param step     Adam steps taken
     * @param estimate the critic's E[D(real)] − E[D(fake)] on all the samples
     * @param exact    the exact W1 of the samples
     * @param penalty  E[(|∇ₓD(x̂)| − 1)²] on the step's interpolates
     * @param seconds  wall time since the start of the training
     */
    public record Row(int step, double estimate, double exact, double penalty, double seconds) {
        /** {@return the relative gap (estimate − exact)/exact} */
        public double gap() {
            return (estimate - exact) / exact;
        }
    }

    /**
     * What a run found.
     *
     * @param exact   the exact W1 (network simplex, cost |x − y|, uniform weights)
     * @param rows    the table, step 0 first, the last step last
     * @param picture the picture written, or null
     */
    public record Result(double exact, List<Row> rows, Path picture) {
        /** Copies the list. */
        public Result {
            rows = List.copyOf(rows);
        }

        /** {@return the last row} */
        public Row last() {
            return rows.get(rows.size() - 1);
        }
    }

    /** The two sample sets of {@link #run}: {real, fake}, each n × 2 row-major. */
    static double[][] samples(int n, SplittableRandom rnd) {
        SplittableRandom r1 = rnd.split(), r2 = rnd.split();
        double[] real = new double[2 * n], fake = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double c = 2 * Math.PI * r1.nextInt(3) / 3 + Math.PI / 2;
            real[2 * i] = 0.5 * Math.cos(c) + 0.12 * Critic.gaussian(r1);
            real[2 * i + 1] = 0.5 * Math.sin(c) + 0.12 * Critic.gaussian(r1);
            double angle = 2 * Math.PI * r2.nextDouble(), radius = 1 + 0.04 * Critic.gaussian(r2);
            fake[2 * i] = radius * Math.cos(angle);
            fake[2 * i + 1] = radius * Math.sin(angle);
        }
        return new double[][]{real, fake};
    }

    /**
     * Trains the critic, printing the table to {@code progress} (a header, then per block of a tenth of
     * the steps: step, the critic's estimate, the exact W1, the relative gap, the penalty, seconds), and
     * writes the picture.
     *
     * @param c what to run
     * @param progress where the table goes (not null)
     * @return the exact W1, the table and the picture's path (null without an output directory)
     * @throws java.io.UncheckedIOException if the picture cannot be written
     */
    public static Result run(Config c, PrintWriter progress) {
        Objects.requireNonNull(c, "config");
        Objects.requireNonNull(progress, "progress");
        int n = c.points();
        SplittableRandom rnd = new SplittableRandom(c.seed());
        double[][] s = samples(n, rnd.split());
        double[] real = s[0], fake = s[1];
        ExactResult plan = ExactTransport.emd(Points.of(n, 2, fake), Points.of(n, 2, real), null, null, CostFunction.EUCLIDEAN);
        if (!plan.optimal()) {
            throw new IllegalStateException("the network simplex did not finish: " + plan.status());
        }
        double w1 = plan.cost();

        Critic critic = new Critic(new int[]{2, c.hidden(), c.hidden(), 1}, Critic.Activation.TANH);
        critic.initialise(rnd.split());
        SplittableRandom draws = rnd.split();
        double[] paired = new double[2 * n], t = new double[n], grad = new double[critic.size()];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int every = Math.max(1, c.steps() / 10);
        List<Row> rows = new ArrayList<>();
        progress.printf(Locale.ROOT, "%6s  %14s  %10s  %8s  %10s  %7s%n", "step", "critic E[D(r)]", "exact W1", "gap", "penalty", "time");
        long t0 = System.nanoTime();
        pairs(fake, order, paired, t, draws);
        rows.add(row(critic, real, paired, t, c.lambda(), 0, w1, t0, progress));
        for (int step = 1; step <= c.steps(); step++) {
            pairs(fake, order, paired, t, draws);
            Critic.Terms terms = critic.loss(real, paired, n, t, c.lambda(), grad);
            if (!Double.isFinite(terms.loss())) {
                throw new IllegalStateException("the WGAN-GP loss is not finite at step " + step + "; lower --learning-rate");
            }
            critic.adam(grad, c.learningRate());
            if (step % every == 0 || step == c.steps()) {
                rows.add(row(critic, real, paired, t, c.lambda(), step, w1, t0, progress));
            }
        }
        Path picture = null;
        if (c.outputDir() != null) {
            picture = Plots.write(picture(critic, real, fake, plan, w1, rows.get(rows.size() - 1).estimate()),
                    c.outputDir().resolve(FILE));
        }
        return new Result(w1, rows, picture);
    }

    /**
     * A fresh random pairing and fresh factors: {@code paired} gets the fake points in a random order (real
     * point i is paired with paired point i), {@code t} uniform numbers on [0, 1].
     */
    private static void pairs(double[] fake, int[] order, double[] paired, double[] t, SplittableRandom rnd) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int k = order[i];
            order[i] = order[j];
            order[j] = k;
        }
        for (int i = 0; i < order.length; i++) {
            paired[2 * i] = fake[2 * order[i]];
            paired[2 * i + 1] = fake[2 * order[i] + 1];
            t[i] = rnd.nextDouble();
        }
    }

    /** The terms at the critic as it stands, on all the samples and the step's interpolates, printed. */
    private static Row row(Critic critic, double[] real, double[] paired, double[] t, double lambda, int step,
                           double w1, long t0, PrintWriter progress) {
        Critic.Terms terms = critic.loss(real, paired, t.length, t, lambda, null);
        Row r = new Row(step, terms.estimate(), w1, terms.penalty(), (System.nanoTime() - t0) / 1e9);
        progress.printf(Locale.ROOT, "%6d  %14.5f  %10.5f  %+7.2f%%  %10.5f  %5.1f s%n", r.step(), r.estimate(), r.exact(),
                100 * r.gap(), r.penalty(), r.seconds());
        progress.flush();
        return r;
    }

    /** The level sets of the critic, the two sample sets and the plan's arrows (fake to real). */
    private static XYChart picture(Critic critic, double[] real, double[] fake, ExactResult plan, double w1, double estimate) {
        double lo = -1.35, hi = 1.35;
        XYChart c = Plots.xy(String.format(Locale.ROOT, "WGAN-GP critic (estimate %.4f) and the exact plan (W1 = %.4f)", estimate, w1),
                "", "", 760, 800);
        c.getStyler().setXAxisMin(lo).setXAxisMax(hi).setYAxisMin(lo).setYAxisMax(hi);
        int g = 160;
        double[] axis = new double[g + 1];
        double[][] v = new double[g + 1][g + 1]; // v[a][b] = D(axis[a], axis[b])
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int a = 0; a <= g; a++) {
            axis[a] = lo + (hi - lo) * a / g;
        }
        for (int a = 0; a <= g; a++) {
            for (int b = 0; b <= g; b++) {
                v[a][b] = critic.value(axis[a], axis[b]);
                min = Math.min(min, v[a][b]);
                max = Math.max(max, v[a][b]);
            }
        }
        int levels = 16;
        for (int k = 1; k < levels; k++) {
            double level = min + (max - min) * k / levels, f = (k - 1.0) / (levels - 2);
            Color col = new Color((int) Math.round(60 + 180 * f), 110, (int) Math.round(240 - 180 * f));
            List<double[]> seg = isoLine(axis, v, level);
            if (!seg.isEmpty()) {
                Plots.line(c, "level " + k, column(seg, 0), column(seg, 1), col, 1.2f)
                        .setLineStyle(new BasicStroke(1.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)); // not the theme's dashes
            }
        }
        // the plan: an arrow from each fake point to where its mass goes
        int[] rows = plan.planRows(), cols = plan.planColumns();
        double[] vals = plan.planValues();
        double top = 0;
        for (double x : vals) {
            top = Math.max(top, x);
        }
        List<double[]> arrows = new ArrayList<>();
        double head = 0.03;
        for (int k = 0; k < vals.length; k++) {
            if (vals[k] < 1e-3 * top) {
                continue;
            }
            double ax = fake[2 * rows[k]], ay = fake[2 * rows[k] + 1], bx = real[2 * cols[k]], by = real[2 * cols[k] + 1];
            double len = Math.hypot(bx - ax, by - ay);
            if (len == 0) {
                continue;
            }
            double ux = (bx - ax) / len, uy = (by - ay) / len;
            arrows.add(new double[]{ax, ay});
            arrows.add(new double[]{bx, by});
            arrows.add(new double[]{bx - head * (ux * 0.87 - uy * 0.5), by - head * (uy * 0.87 + ux * 0.5)});
            arrows.add(new double[]{bx, by});
            arrows.add(new double[]{bx - head * (ux * 0.87 + uy * 0.5), by - head * (uy * 0.87 - ux * 0.5)});
            arrows.add(new double[]{bx, Double.NaN});
        }
        XYSeries s = Plots.line(c, "plan", column(arrows, 0), column(arrows, 1), new Color(40, 40, 40, 110), 0.8f);
        s.setLineStyle(new BasicStroke(0.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Plots.scatter(c, "fake (ring)", even(fake, 0), even(fake, 1), Plots.PALETTE[0], 5);
        Plots.scatter(c, "real (mixture)", even(real, 0), even(real, 1), Plots.PALETTE[3], 5);
        c.getStyler().setLegendVisible(true);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        return c;
    }

    /**
     * Marching squares: where the bilinear interpolation of v (v[a][b] at (axis[a], axis[b])) crosses
     * {@code level}, as polylines joined cell to cell, one after another with a NaN break (y = NaN)
     * between them, for one line series.
     */
    static List<double[]> isoLine(double[] axis, double[][] v, double level) {
        int g = axis.length - 1;
        java.util.Map<Integer, double[]> point = new java.util.HashMap<>();
        java.util.Map<Integer, List<Integer>> next = new java.util.HashMap<>();
        int[] key = new int[4];
        for (int a = 0; a < g; a++) {
            for (int b = 0; b < g; b++) {
                // the edges in order around the cell: bottom, right, top, left
                int count = 0;
                count = edge(axis, v, level, a, b, true, point, key, count);
                count = edge(axis, v, level, a + 1, b, false, point, key, count);
                count = edge(axis, v, level, a, b + 1, true, point, key, count);
                count = edge(axis, v, level, a, b, false, point, key, count);
                if (count == 4) {
                    double centre = (v[a][b] + v[a + 1][b] + v[a + 1][b + 1] + v[a][b + 1]) / 4;
                    if ((centre > level) == (v[a][b] > level)) { // the lines cut off the corners (a + 1, b) and (a, b + 1)
                        link(next, key[0], key[1]);
                        link(next, key[2], key[3]);
                    } else { // they cut off (a, b) and (a + 1, b + 1)
                        link(next, key[0], key[3]);
                        link(next, key[1], key[2]);
                    }
                } else if (count == 2) {
                    link(next, key[0], key[1]);
                }
            }
        }
        List<double[]> out = new ArrayList<>();
        java.util.Set<Integer> done = new java.util.HashSet<>();
        for (int pass = 0; pass < 2; pass++) { // open lines from one of their ends first, then the closed ones
            for (var e : next.entrySet()) {
                int k = e.getKey();
                if (done.contains(k) || (pass == 0 && e.getValue().size() != 1)) {
                    continue;
                }
                int prev = -1;
                while (k >= 0 && done.add(k)) {
                    out.add(point.get(k));
                    int step = -1;
                    for (int m : next.get(k)) {
                        if (m != prev && !done.contains(m)) {
                            step = m;
                            break;
                        }
                    }
                    if (step < 0 && pass == 1) {
                        for (int m : next.get(k)) {
                            if (m != prev) {
                                out.add(point.get(m)); // close the loop
                                break;
                            }
                        }
                    }
                    prev = k;
                    k = step;
                }
                double[] last = out.get(out.size() - 1);
                out.add(new double[]{last[0], Double.NaN});
            }
        }
        return out;
    }

    /**
     * The crossing on the grid edge from node (a, b) to (a + 1, b) (horizontal) or to (a, b + 1): if the
     * level crosses it, its point is recorded under the edge's key, which is put at {@code key[count]}.
     */
    private static int edge(double[] axis, double[][] v, double level, int a, int b, boolean horizontal,
                            java.util.Map<Integer, double[]> point, int[] key, int count) {
        int a2 = horizontal ? a + 1 : a, b2 = horizontal ? b : b + 1;
        double va = v[a][b], vb = v[a2][b2];
        if ((va > level) == (vb > level)) {
            return count;
        }
        int k = 2 * (a * axis.length + b) + (horizontal ? 0 : 1);
        double f = (level - va) / (vb - va);
        point.putIfAbsent(k, new double[]{axis[a] + f * (axis[a2] - axis[a]), axis[b] + f * (axis[b2] - axis[b])});
        key[count] = k;
        return count + 1;
    }

    private static void link(java.util.Map<Integer, List<Integer>> next, int p, int q) {
        next.computeIfAbsent(p, k -> new ArrayList<>(2)).add(q);
        next.computeIfAbsent(q, k -> new ArrayList<>(2)).add(p);
    }

    private static double[] column(List<double[]> pts, int k) {
        double[] r = new double[pts.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = pts.get(i)[k];
        }
        return r;
    }

    private static double[] even(double[] rowMajor, int k) {
        double[] r = new double[rowMajor.length / 2];
        for (int i = 0; i < r.length; i++) {
            r[i] = rowMajor[2 * i + k];
        }
        return r;
    }
}
