package dev.jot.examples;

import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The shape of POT's unbalanced 1-D example ({@code plot_UOT_1D.py}): two Gaussian histograms on 100 bins, the
 * source N(20, 5²) of mass 1 and the target N(60, 10²) of mass 5, the cost (i − j)² divided by its largest value,
 * solved with KL-penalised marginals at several ρ; one picture with, for each ρ, the plan and its marginals beside
 * a and b.
 */
public final class UnbalancedExample {
    /** Bins of each histogram. */
    public static final int N = 100;

    private UnbalancedExample() {
    }

    /**
     * One solve of the example.
     *
     * @param rho the marginal penalty ρ
     * @param result the solve's result
     */
    public record Solve(double rho, SinkhornResult result) {
    }

    /**
     * The example's outcome.
     *
     * @param solves the solves, in the order of the ρ given
     * @param picture the picture written
     */
    public record Result(List<Solve> solves, Path picture) {
    }

    /** {@return a Gaussian histogram on the bins 0..N−1, mean mu, deviation s, total mass} */
    static double[] gaussian(double mu, double s, double mass) {
        double[] h = new double[N];
        double t = 0;
        for (int i = 0; i < N; i++) {
            h[i] = Math.exp(-(i - mu) * (i - mu) / (2 * s * s));
            t += h[i];
        }
        for (int i = 0; i < N; i++) {
            h[i] *= mass / t;
        }
        return h;
    }

    /**
     * Solves the example at each ρ (f64, translation-invariant updates, tolerance 1e-9) and draws
     * {@code unbalanced.png} in {@code dir}.
     *
     * @param epsilon ε, in the units of the normalised cost
     * @param rhos the marginal penalties, positive (infinite is not allowed: the masses differ)
     * @param dir the directory for the picture
     * @param out where the table goes
     * @return the solves and the picture's path
     * @throws IllegalArgumentException for an infinite or non-positive ρ, or a bad ε
     */
    public static Result run(double epsilon, List<Double> rhos, Path dir, PrintWriter out) {
        double[] a = gaussian(20, 5, 1), b = gaussian(60, 10, 5);
        double[] c = new double[N * N];
        double max = (N - 1.0) * (N - 1.0);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                c[i * N + j] = (i - j) * (i - j) / max;
            }
        }
        NdArray cost = NdArray.of(c, N, N);
        SinkhornOptions.epsilon(epsilon); // checks ε
        List<Solve> solves = new ArrayList<>();
        out.printf(Locale.ROOT, "%10s %14s %14s %14s %11s %10s%n", "rho", "mass of plan", "cost <P,C>", "objective", "iterations", "converged");
        for (double rho : rhos) {
            if (!(rho > 0) || Double.isInfinite(rho)) {
                throw new IllegalArgumentException("--rho values must be positive and finite (the masses are 1 and 5), got " + rho);
            }
            SinkhornOptions o = SinkhornOptions.epsilon(epsilon).withPrecision(Precision.F64).withTolerance(1e-9)
                    .withMaxIterations(100000).withRho(rho).withTranslationInvariant(true);
            SinkhornResult r = Sinkhorn.solve(cost, Weights.of(a), Weights.of(b), o);
            solves.add(new Solve(rho, r));
            out.printf(Locale.ROOT, "%10s %14.6f %14.8f %14.8f %11d %10s%n", rho, r.mass(), r.cost(), r.objective(),
                    r.iterations(), r.converged());
        }
        out.flush();
        Path picture = Plots.write(draw(a, b, epsilon, solves), dir.resolve("unbalanced.png"));
        return new Result(solves, picture);
    }

    private static final int PANEL = 520;
    private static final int PLAN = 360;
    private static final int LEFT = 140;
    private static final int TOP = 140;

    private static BufferedImage draw(double[] a, double[] b, double epsilon, List<Solve> solves) {
        BufferedImage img = new BufferedImage(PANEL * solves.size(), PANEL + 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        for (int k = 0; k < solves.size(); k++) {
            panel(g, k * PANEL, a, b, epsilon, solves.get(k));
        }
        g.dispose();
        return img;
    }

    private static void panel(Graphics2D g, int x0, double[] a, double[] b, double epsilon, Solve s) {
        SinkhornResult r = s.result();
        double[][] p = new double[N][N];
        double[] rows = new double[N], cols = new double[N];
        double pmax = 0;
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                p[i][j] = r.plan(i, j);
                rows[i] += p[i][j];
                cols[j] += p[i][j];
                pmax = Math.max(pmax, p[i][j]);
            }
        }
        double cell = (double) PLAN / N;
        // the plan: source bins down, target bins across
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                double t = Math.sqrt(p[i][j] / pmax);
                g.setColor(new Color((int) (255 - 247 * t), (int) (255 - 207 * t), (int) (255 - 148 * t)));
                g.fillRect(x0 + LEFT + (int) (j * cell), TOP + (int) (i * cell), (int) Math.ceil(cell), (int) Math.ceil(cell));
            }
        }
        g.setColor(Color.GRAY);
        g.drawRect(x0 + LEFT, TOP, PLAN, PLAN);
        // the target b and the plan's column sums above; the source a and its row sums on the left
        double top = 0, left = 0;
        for (int k = 0; k < N; k++) {
            top = Math.max(top, Math.max(b[k], cols[k]));
            left = Math.max(left, Math.max(a[k], rows[k]));
        }
        int strip = 110;
        g.setStroke(new BasicStroke(2f));
        for (int k = 0; k + 1 < N; k++) {
            int xa = x0 + LEFT + (int) ((k + 0.5) * cell), xb = x0 + LEFT + (int) ((k + 1.5) * cell);
            g.setColor(new Color(150, 150, 150));
            g.drawLine(xa, TOP - 10 - (int) (strip * b[k] / top), xb, TOP - 10 - (int) (strip * b[k + 1] / top));
            g.setColor(new Color(214, 39, 40));
            g.drawLine(xa, TOP - 10 - (int) (strip * cols[k] / top), xb, TOP - 10 - (int) (strip * cols[k + 1] / top));
            int ya = TOP + (int) ((k + 0.5) * cell), yb = TOP + (int) ((k + 1.5) * cell);
            g.setColor(new Color(150, 150, 150));
            g.drawLine(x0 + LEFT - 10 - (int) (strip * a[k] / left), ya, x0 + LEFT - 10 - (int) (strip * a[k + 1] / left), yb);
            g.setColor(new Color(31, 119, 180));
            g.drawLine(x0 + LEFT - 10 - (int) (strip * rows[k] / left), ya, x0 + LEFT - 10 - (int) (strip * rows[k + 1] / left), yb);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(Color.BLACK);
        g.drawString(String.format(Locale.ROOT, "rho = %s, epsilon = %s: plan mass %.3f (a: 1, b: 5)", s.rho(), epsilon, r.mass()),
                x0 + 10, 16);
        g.setColor(new Color(214, 39, 40));
        g.drawString("Pᵀ1", x0 + LEFT + PLAN - 40, 40);
        g.setColor(new Color(150, 150, 150));
        g.drawString("b", x0 + LEFT + PLAN - 60, 40);
        g.drawString("a", x0 + 10, TOP + PLAN + 20);
        g.setColor(new Color(31, 119, 180));
        g.drawString("P1", x0 + 30, TOP + PLAN + 20);
        g.setColor(Color.DARK_GRAY);
        g.drawString("source bin i (down), target bin j (across)", x0 + LEFT, TOP + PLAN + 20);
    }
}
