package dev.jot.examples;

import dev.jot.data.Points;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.divergence.MmdKernel;
import dev.jot.exact.Gaussians;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import java.awt.Color;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.knowm.xchart.XYChart;

/**
 * Genevay, Peyré and Cuturi (2018), §4.1: fitting K = 3 ellipses with uniform density to the Iris data
 * projected on its first three principal axes, by stochastic gradient descent on a loss between samples of
 * the model and the data.
 *
 * <p>The model pushes a uniform density on K unit balls forward by x = A_k·z + α_k (mass 1/K each). The
 * centres start at a k-means solution and the A_k at the identity. Each step draws m samples, ⌈m/K⌉ or
 * ⌊m/K⌋ from each ball, evaluates the loss against the 150 data points (the paper's algorithmic Sinkhorn
 * loss with L iterations, {@link Divergences#unrolled}, or ½·MMD² with a Gaussian kernel), and moves
 * (A_k, α_k) by Adam along the exact gradient, chained through x = A_k·z + α_k. Cost |x − y|², not halved.
 *
 * <p>The fit is judged as in the paper's Table 1: entry (i, j) counts the points of class j inside
 * ellipse i (|A_i⁻¹(p − α_i)| ≤ 1). Ellipses are listed by their centre's first principal coordinate, which
 * puts setosa's first.
 */
public final class IrisExample {
    private IrisExample() {
    }

    /** Number of ellipses and of classes. */
    public static final int K = 3;

    /** The class names, in the data's order. */
    public static final List<String> CLASSES = List.of("setosa", "versicolor", "virginica");

    /**
     * One loss to fit with.
     *
     * @param label a short name used in file names and tables ({@code mmd}, {@code eps0.1}, ...)
     * @param epsilon the Sinkhorn loss's ε, or 0 for MMD
     * @param sigma the Gaussian kernel's bandwidth for MMD, or 0 for a Sinkhorn loss
     */
    public record Setting(String label, double epsilon, double sigma) {
        /**
         * The paper's algorithmic Sinkhorn loss at ε.
         *
         * @param epsilon ε, positive and finite
         * @return the setting, labelled {@code eps} followed by ε
         * @throws IllegalArgumentException if ε is not positive and finite
         */
        public static Setting sinkhorn(double epsilon) {
            if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
            }
            return new Setting("eps" + format(epsilon), epsilon, 0);
        }

        /**
         * ½·MMD² with the Gaussian kernel exp(−|x − y|²/(2σ²)).
         *
         * @param sigma the bandwidth σ, positive and finite
         * @return the setting, labelled {@code mmd}
         * @throws IllegalArgumentException if σ is not positive and finite
         */
        public static Setting mmd(double sigma) {
            if (!(sigma > 0) || !Double.isFinite(sigma)) {
                throw new IllegalArgumentException("sigma must be positive and finite, got " + sigma);
            }
            return new Setting("mmd", 0, sigma);
        }

        /** {@return a description for tables: {@code MMD (Gaussian, sigma 0.5)} or {@code epsilon = 0.1}} */
        public String title() {
            return epsilon == 0 ? "MMD (Gaussian, sigma " + format(sigma) + ")" : "epsilon = " + format(epsilon);
        }
    }

    /**
     * What to run.
     *
     * @param seed the seed of every random choice (k-means++ start and samples)
     * @param steps SGD steps per setting
     * @param samples m, the model samples per step (the paper: 200)
     * @param iterations L, the Sinkhorn iterations of the loss (the paper: 20)
     * @param learningRate Adam's step size
     * @param settings the losses to fit with, in order
     * @param out where the pictures go, or null for none
     */
    public record Config(long seed, int steps, int samples, int iterations, double learningRate,
                         List<Setting> settings, Path out) {
        /** Checks the values and copies the list. */
        public Config {
            if (steps < 0) {
                throw new IllegalArgumentException("steps must be at least 0, got " + steps);
            }
            if (samples < K) {
                throw new IllegalArgumentException("samples must be at least " + K + ", got " + samples);
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
            }
            settings = List.copyOf(settings);
        }

        /**
         * The paper's setting: MMD and ε ∈ {1, 0.1, 0.001}, L = 20, m = 200, 600 steps, pictures in {@code out}.
         *
         * @param out where the pictures go, or null for none
         * @return the configuration (seed 7, Adam's step 0.02)
         */
        public static Config paper(Path out) {
            return new Config(7, 600, 200, 20, 0.02,
                    List.of(Setting.mmd(0.5), Setting.sinkhorn(1), Setting.sinkhorn(0.1), Setting.sinkhorn(0.001)), out);
        }
    }

    /**
     * A fitted model.
     *
     * @param setting the loss it was fitted with
     * @param a the K matrices A_k (3 × 3 each), in the order of the table's rows
     * @param centres the K centres α_k
     * @param table entry (i, j): the number of class-j points inside ellipse i
     * @param loss the loss at the last step
     * @param seconds the wall time of the fit
     * @param picture the picture written, or null
     */
    public record Fit(Setting setting, double[][][] a, double[][] centres, int[][] table, double loss, double seconds,
                      Path picture) {
    }

    /**
     * The paper's Table 1 for one setting, entry [i][j] as in {@link #table}; the paper reports MMD and
     * ε = 1, 0.1 and 0.001.
     *
     * @param s the setting
     * @return the 3 × 3 table for that setting, or null for a setting the paper does not report
     */
    public static int[][] paperTable(Setting s) {
        if (s.epsilon() == 0) {
            return new int[][]{{36, 0, 0}, {0, 39, 13}, {0, 11, 42}};
        }
        if (s.epsilon() == 1) {
            return new int[][]{{50, 0, 0}, {0, 50, 38}, {0, 36, 47}};
        }
        if (s.epsilon() == 0.1) {
            return new int[][]{{44, 0, 0}, {0, 38, 5}, {0, 8, 40}};
        }
        if (s.epsilon() == 0.001) {
            return new int[][]{{33, 0, 0}, {0, 37, 3}, {0, 12, 25}};
        }
        return null;
    }

    /**
     * The data: 150 points in 3-D (the first three principal coordinates) and their classes.
     *
     * @param points the 150 points, 3 coordinates each
     * @param classes each point's class, an index into {@link #CLASSES}
     */
    public record Data(double[][] points, int[] classes) {
    }

    /**
     * Iris (shipped as a resource), centred and projected on its first three principal axes.
     *
     * @return the 150 points and their classes, in the file's order
     */
    public static Data data() {
        List<double[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (InputStream in = IrisExample.class.getResourceAsStream("iris.csv")) {
            if (in == null) {
                throw new IllegalStateException("the iris.csv resource is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            r.readLine(); // 150,4,setosa,versicolor,virginica
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                String[] t = line.split(",");
                double[] v = new double[4];
                for (int k = 0; k < 4; k++) {
                    v[k] = Double.parseDouble(t[k]);
                }
                rows.add(v);
                labels.add(Integer.parseInt(t[4].trim()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int n = rows.size();
        double[] mean = new double[4];
        for (double[] v : rows) {
            for (int k = 0; k < 4; k++) {
                mean[k] += v[k] / n;
            }
        }
        double[][] cov = new double[4][4];
        for (double[] v : rows) {
            for (int i = 0; i < 4; i++) {
                for (int k = 0; k < 4; k++) {
                    cov[i][k] += (v[i] - mean[i]) * (v[k] - mean[k]) / n;
                }
            }
        }
        Gaussians.Eigen e = Gaussians.eigen(cov);
        Integer[] order = {0, 1, 2, 3};
        Arrays.sort(order, Comparator.comparingDouble(t -> -e.values()[t]));
        double[][] axes = new double[3][4];
        for (int c = 0; c < 3; c++) {
            int big = 0;
            for (int i = 0; i < 4; i++) {
                axes[c][i] = e.vectors()[i][order[c]];
                if (Math.abs(axes[c][i]) > Math.abs(axes[c][big])) {
                    big = i;
                }
            }
            if (axes[c][big] < 0) { // a fixed sign, as scikit-learn's PCA fixes it
                for (int i = 0; i < 4; i++) {
                    axes[c][i] = -axes[c][i];
                }
            }
        }
        double[][] p = new double[n][3];
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 4; i++) {
                    p[s][c] += (rows.get(s)[i] - mean[i]) * axes[c][i];
                }
            }
        }
        return new Data(p, labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Fits every setting of {@code c} in turn, printing progress, and writes each picture as soon as it is done.
     *
     * @param c what to run
     * @param progress where progress lines go, or null for none
     * @return the fits, in the order of the settings
     */
    public static List<Fit> run(Config c, PrintWriter progress) {
        return run(c, progress, f -> { });
    }

    /**
     * {@link #run(Config, PrintWriter)}, handing each fit to {@code done} as soon as it is finished.
     *
     * @param c what to run
     * @param progress where progress lines go, or null for none
     * @param done called with each fit as it finishes
     * @return the fits, in the order of the settings
     */
    public static List<Fit> run(Config c, PrintWriter progress, java.util.function.Consumer<Fit> done) {
        Data data = data();
        double[][] start = kMeans(data.points(), K, new Random(c.seed()));
        List<Fit> fits = new ArrayList<>();
        for (Setting s : c.settings()) {
            Fit f = fit(data, start, s, c, progress);
            fits.add(f);
            done.accept(f);
        }
        return fits;
    }

    /**
     * One fit: Adam on (A_k, α_k) from A_k = I and α_k = the k-means centres. The picture is rewritten at
     * each progress line, so an interrupted run leaves the fit as it stood.
     */
    static Fit fit(Data data, double[][] start, Setting s, Config c, PrintWriter progress) {
        long t0 = System.nanoTime();
        int d = 3, m = c.samples();
        double[] theta = new double[K * (d * d + d)]; // per ellipse: A row-major, then α
        for (int k = 0; k < K; k++) {
            for (int r = 0; r < d; r++) {
                theta[k * 12 + r * d + r] = 1;
                theta[k * 12 + 9 + r] = start[k][r];
            }
        }
        Points y = Points.of(data.points());
        Adam adam = new Adam(theta.length);
        Random rnd = new Random(c.seed() * 31 + s.label().hashCode());
        double[] z = new double[m * d];
        double[] x = new double[m * d];
        double[] grad = new double[theta.length];
        double loss = Double.NaN, recent = 0;
        int every = Math.max(1, Math.min(500, c.steps() / 6)); // a progress line, and the picture so far
        SinkhornOptions options = SinkhornOptions.epsilon(s.epsilon() == 0 ? 1 : s.epsilon());
        for (int step = 1; step <= c.steps(); step++) {
            for (int i = 0; i < m; i++) {
                ball(rnd, z, i * d);
                int k = i % K;
                for (int r = 0; r < d; r++) {
                    double v = theta[k * 12 + 9 + r];
                    for (int q = 0; q < d; q++) {
                        v += theta[k * 12 + r * d + q] * z[i * d + q];
                    }
                    x[i * d + r] = v;
                }
            }
            DivergenceResult res = s.epsilon() == 0
                    ? Divergences.mmd(Points.of(m, d, x), null, y, null, MmdKernel.gaussian(s.sigma()), true)
                    : Divergences.unrolled(Points.of(m, d, x), null, y, null, CostFunction.SQUARED_EUCLIDEAN,
                    s.epsilon(), c.iterations(), Loss.GENEVAY, options);
            loss = res.value();
            recent += loss;
            double[] gx = res.gradX();
            Arrays.fill(grad, 0);
            for (int i = 0; i < m; i++) {
                int k = i % K;
                for (int r = 0; r < d; r++) {
                    double gr = gx[i * d + r];
                    grad[k * 12 + 9 + r] += gr;
                    for (int q = 0; q < d; q++) {
                        grad[k * 12 + r * d + q] += gr * z[i * d + q];
                    }
                }
            }
            adam.step(theta, grad, c.learningRate());
            if (progress != null && (step % every == 0 || step == c.steps())) {
                int count = step % every == 0 ? every : step % every;
                progress.printf(Locale.ROOT, "  %-7s step %4d/%d   loss %.5f (mean of the last %d)   %.1f s%n", s.label(), step,
                        c.steps(), recent / count, count, (System.nanoTime() - t0) / 1e9);
                progress.flush();
                recent = 0;
            }
            if (step % every == 0 && step < c.steps()) {
                snapshot(theta, data, s, c, true); // Ctrl-C leaves the fit so far
            }
        }
        Snapshot last = snapshot(theta, data, s, c, true);
        return new Fit(s, last.a, last.centres, table(data, last.a, last.centres), loss, (System.nanoTime() - t0) / 1e9, last.picture);
    }

    private record Snapshot(double[][][] a, double[][] centres, Path picture) {
    }

    /** The model as it stands, ellipses in the order of their centres' first coordinate; its picture if asked. */
    private static Snapshot snapshot(double[] theta, Data data, Setting s, Config c, boolean draw) {
        final int d = 3;
        Integer[] order = {0, 1, 2};
        Arrays.sort(order, Comparator.comparingDouble(k -> theta[k * 12 + 9]));
        double[][][] a = new double[K][d][d];
        double[][] centres = new double[K][d];
        for (int i = 0; i < K; i++) {
            int k = order[i];
            for (int r = 0; r < d; r++) {
                centres[i][r] = theta[k * 12 + 9 + r];
                for (int q = 0; q < d; q++) {
                    a[i][r][q] = theta[k * 12 + r * d + q];
                }
            }
        }
        Path picture = c.out() == null || !draw ? null
                : Plots.write(pictures(data, a, centres, s), 1, 3, c.out().resolve("iris-" + s.label() + ".png"));
        return new Snapshot(a, centres, picture);
    }

    /**
     * Entry (i, j): how many points of class j lie inside ellipse i, {p : |A_i⁻¹(p − α_i)| ≤ 1}.
     *
     * @param data the data
     * @param a the ellipses' matrices A_i (3 × 3 each)
     * @param centres the ellipses' centres α_i
     * @return the table, one row per ellipse and one column per class (a row of zeros for a singular A_i)
     */
    public static int[][] table(Data data, double[][][] a, double[][] centres) {
        int[][] t = new int[a.length][CLASSES.size()];
        for (int i = 0; i < a.length; i++) {
            double[][] inv = inverse(a[i]);
            if (inv == null) {
                continue; // a flat ellipse holds no point
            }
            for (int s = 0; s < data.points().length; s++) {
                double norm = 0;
                for (int r = 0; r < 3; r++) {
                    double u = 0;
                    for (int q = 0; q < 3; q++) {
                        u += inv[r][q] * (data.points()[s][q] - centres[i][q]);
                    }
                    norm += u * u;
                }
                if (norm <= 1) {
                    t[i][data.classes()[s]]++;
                }
            }
        }
        return t;
    }

    /** The inverse of a 3 × 3 matrix, or null if it is singular to working precision. */
    static double[][] inverse(double[][] m) {
        double[][] c = new double[3][3];
        for (int r = 0; r < 3; r++) {
            for (int q = 0; q < 3; q++) {
                int r1 = (r + 1) % 3, r2 = (r + 2) % 3, q1 = (q + 1) % 3, q2 = (q + 2) % 3;
                c[q][r] = m[r1][q1] * m[r2][q2] - m[r1][q2] * m[r2][q1]; // the adjugate is the cofactors transposed
            }
        }
        double det = m[0][0] * c[0][0] + m[0][1] * c[1][0] + m[0][2] * c[2][0];
        double scale = 0;
        for (double[] row : m) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        if (!(Math.abs(det) > 1e-12 * scale * scale * scale)) {
            return null;
        }
        for (double[] row : c) {
            for (int q = 0; q < 3; q++) {
                row[q] /= det;
            }
        }
        return c;
    }

    /** A point uniform in the unit ball of R³: a Gaussian direction, radius U^(1/3). */
    private static void ball(Random rnd, double[] z, int at) {
        double g0 = rnd.nextGaussian(), g1 = rnd.nextGaussian(), g2 = rnd.nextGaussian();
        double norm = Math.sqrt(g0 * g0 + g1 * g1 + g2 * g2);
        double radius = Math.cbrt(rnd.nextDouble()) / (norm == 0 ? 1 : norm);
        z[at] = g0 * radius;
        z[at + 1] = g1 * radius;
        z[at + 2] = g2 * radius;
    }

    /** k-means as scikit-learn runs it: 10 k-means++ starts, Lloyd's iterations, the lowest inertia kept. */
    static double[][] kMeans(double[][] p, int k, Random rnd) {
        double[][] best = null;
        double bestInertia = Double.POSITIVE_INFINITY;
        for (int start = 0; start < 10; start++) {
            double[][] c = lloyd(p, k, rnd);
            double inertia = 0;
            for (double[] q : p) {
                double near = Double.POSITIVE_INFINITY;
                for (double[] centre : c) {
                    near = Math.min(near, sq(q, centre));
                }
                inertia += near;
            }
            if (inertia < bestInertia) {
                bestInertia = inertia;
                best = c;
            }
        }
        return best;
    }

    /** Lloyd's k-means from a k-means++ start; returns the centres. */
    private static double[][] lloyd(double[][] p, int k, Random rnd) {
        int n = p.length, d = p[0].length;
        double[][] c = new double[k][];
        c[0] = p[rnd.nextInt(n)].clone();
        double[] dist = new double[n];
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (int s = 0; s < n; s++) {
                dist[s] = Double.POSITIVE_INFINITY;
                for (int q = 0; q < j; q++) {
                    dist[s] = Math.min(dist[s], sq(p[s], c[q]));
                }
                total += dist[s];
            }
            double u = rnd.nextDouble() * total;
            int pick = n - 1;
            for (int s = 0; s < n; s++) {
                u -= dist[s];
                if (u <= 0) {
                    pick = s;
                    break;
                }
            }
            c[j] = p[pick].clone();
        }
        int[] assign = new int[n];
        for (int round = 0; round < 300; round++) {
            boolean changed = round == 0;
            for (int s = 0; s < n; s++) {
                int best = 0;
                for (int q = 1; q < k; q++) {
                    if (sq(p[s], c[q]) < sq(p[s], c[best])) {
                        best = q;
                    }
                }
                changed |= best != assign[s];
                assign[s] = best;
            }
            if (!changed) {
                break;
            }
            for (int q = 0; q < k; q++) {
                double[] sum = new double[d];
                int count = 0;
                for (int s = 0; s < n; s++) {
                    if (assign[s] == q) {
                        count++;
                        for (int r = 0; r < d; r++) {
                            sum[r] += p[s][r];
                        }
                    }
                }
                if (count > 0) {
                    for (int r = 0; r < d; r++) {
                        c[q][r] = sum[r] / count;
                    }
                }
            }
        }
        return c;
    }

    private static double sq(double[] u, double[] v) {
        double s = 0;
        for (int r = 0; r < u.length; r++) {
            s += (u[r] - v[r]) * (u[r] - v[r]);
        }
        return s;
    }

    /** Three 2-D projections (PC1–PC2, PC1–PC3, PC2–PC3): the data by class and the ellipses' outlines. */
    private static List<XYChart> pictures(Data data, double[][][] a, double[][] centres, Setting s) {
        int[][] planes = {{0, 1}, {0, 2}, {1, 2}};
        List<XYChart> charts = new ArrayList<>();
        for (int[] pl : planes) {
            XYChart c = Plots.xy("Iris, " + s.title() + ": PC" + (pl[0] + 1) + " - PC" + (pl[1] + 1),
                    "PC" + (pl[0] + 1), "PC" + (pl[1] + 1), 520, 480);
            c.getStyler().setLegendVisible(pl[0] == 0 && pl[1] == 1);
            c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
            for (int cls = 0; cls < CLASSES.size(); cls++) {
                List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
                for (int i = 0; i < data.points().length; i++) {
                    if (data.classes()[i] == cls) {
                        xs.add(data.points()[i][pl[0]]);
                        ys.add(data.points()[i][pl[1]]);
                    }
                }
                Plots.scatter(c, CLASSES.get(cls), xs.stream().mapToDouble(Double::doubleValue).toArray(),
                        ys.stream().mapToDouble(Double::doubleValue).toArray(), Plots.PALETTE[cls], 6);
            }
            for (int k = 0; k < a.length; k++) {
                // the shadow of {A z + α : |z| ≤ 1} on the plane: the ellipse with shape matrix S = P A Aᵀ Pᵀ
                double s00 = 0, s01 = 0, s11 = 0;
                for (int q = 0; q < 3; q++) {
                    double u = a[k][pl[0]][q], v = a[k][pl[1]][q];
                    s00 += u * u;
                    s01 += u * v;
                    s11 += v * v;
                }
                Gaussians.Eigen e = Gaussians.eigen(new double[][]{{s00, s01}, {s01, s11}});
                int points = 100;
                double[] px = new double[points + 1], py = new double[points + 1];
                for (int t = 0; t <= points; t++) {
                    double ang = 2 * Math.PI * t / points;
                    double c0 = Math.cos(ang) * Math.sqrt(Math.max(0, e.values()[0]));
                    double c1 = Math.sin(ang) * Math.sqrt(Math.max(0, e.values()[1]));
                    px[t] = centres[k][pl[0]] + e.vectors()[0][0] * c0 + e.vectors()[0][1] * c1;
                    py[t] = centres[k][pl[1]] + e.vectors()[1][0] * c0 + e.vectors()[1][1] * c1;
                }
                Plots.line(c, "ellipse " + (k + 1), px, py, new Color(40, 40, 40), 1.8f);
            }
            charts.add(c);
        }
        return charts;
    }

    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
