package dev.jot.examples;

import dev.jot.data.Points;
import dev.jot.exact.ExactTransport;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The blog post's figures (Daza, "Approximating Wasserstein distances with PyTorch"), drawn from JOT's
 * solutions: the cost matrix and the couplings of the 5-point lines, the assignments as arrows whose
 * opacity and width follow P_ij, for the lines and for the two moons, and the transport cost as a function
 * of ε beside the exact cost.
 */
public final class BlogFigures {
    private BlogFigures() {
    }

    /**
     * A picture written by {@link #write}.
     *
     * @param file where it is
     * @param caption one line saying what it shows
     */
    public record Figure(Path file, String caption) {
    }

    /**
     * The blog's lines: 5 points (i, 0) and 5 points (i, k), i = 0..4; returns {x, y}.
     *
     * @param k the second line's height
     * @return the two clouds, 5 × 2 each
     */
    public static Points[] lines(int k) {
        double[][] x = new double[5][], y = new double[5][];
        for (int i = 0; i < 5; i++) {
            x[i] = new double[]{i, 0};
            y[i] = new double[]{i, k};
        }
        return new Points[]{Points.of(x), Points.of(y)};
    }

    /**
     * scikit-learn's {@code make_moons(n, noise=0)}: the upper half circle (class 0) and the lower,
     * shifted one (class 1), each point list shuffled with {@code rnd}; returns {upper, lower}.
     *
     * @param n the number of points in all, ⌊n/2⌋ on the upper moon and the rest on the lower
     * @param rnd the generator of the shuffles
     * @return the two clouds, n × 2 in all
     */
    public static Points[] moons(int n, Random rnd) {
        int outer = n / 2, inner = n - outer;
        List<double[]> a = new ArrayList<>(), b = new ArrayList<>();
        for (int i = 0; i < outer; i++) {
            double t = Math.PI * i / (outer - 1);
            a.add(new double[]{Math.cos(t), Math.sin(t)});
        }
        for (int i = 0; i < inner; i++) {
            double t = Math.PI * i / (inner - 1);
            b.add(new double[]{1 - Math.cos(t), 1 - Math.sin(t) - 0.5});
        }
        Collections.shuffle(a, rnd);
        Collections.shuffle(b, rnd);
        return new Points[]{Points.of(a.toArray(new double[0][])), Points.of(b.toArray(new double[0][]))};
    }

    /**
     * Solves the blog's examples with {@code base} (its ε is replaced) and writes the figures into {@code dir}.
     *
     * @param dir the directory the PNG files go to
     * @param base the solver's settings, apart from ε
     * @return the pictures written, in order
     */
    public static List<Figure> write(Path dir, SinkhornOptions base) {
        List<Figure> figures = new ArrayList<>();
        Points[] lines = lines(1);
        double[][] cost = new double[5][5]; // |(i, 0) - (j, 1)|²
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                cost[i][j] = (i - j) * (i - j) + 1;
            }
        }
        figures.add(new Figure(Plots.write(Plots.heatMap("Cost matrix C_ij = |x_i - y_j|^2", cost, "x_i", "y_j", 560),
                dir.resolve("lines-cost.png")), "the lines' cost matrix |x_i - y_j|^2 (the blog's first heat map)"));
        for (double eps : new double[]{0.1, 1}) {
            SinkhornResult r = Sinkhorn.solve(lines[0], lines[1], null, null, CostFunction.SQUARED_EUCLIDEAN, base.withEpsilon(eps));
            String e = label(eps);
            figures.add(new Figure(Plots.write(Plots.heatMap("Coupling P, epsilon = " + e, plan(r), "x_i", "y_j", 560),
                    dir.resolve("lines-coupling-eps" + e + ".png")),
                    String.format(Locale.ROOT, "the lines' coupling at epsilon %s (cost %.4f)", e, r.cost())));
            figures.add(new Figure(Plots.write(arrows("Lines, epsilon = " + e + ": arrows x_i -> y_j, opacity ~ P_ij",
                    lines[0], lines[1], r, -0.5, 4.5, -0.5, 1.5), dir.resolve("lines-assignment-eps" + e + ".png")),
                    "the lines' assignment at epsilon " + e + " (arrow opacity and width proportional to P_ij)"));
        }
        Points[] moons = moons(30, new Random(0));
        SinkhornResult rm = Sinkhorn.solve(moons[0], moons[1], null, null, CostFunction.SQUARED_EUCLIDEAN, base.withEpsilon(0.1));
        figures.add(new Figure(Plots.write(arrows("Moons, epsilon = 0.1: arrows x_i -> y_j, opacity ~ P_ij",
                moons[0], moons[1], rm, -1.2, 2.2, -0.9, 1.2), dir.resolve("moons-assignment.png")),
                String.format(Locale.ROOT, "the two moons' assignment at epsilon 0.1 (cost %.4f)", rm.cost())));
        figures.add(new Figure(Plots.write(costCurve(base, lines, moons), dir.resolve("cost-vs-epsilon.png")),
                "the transport cost <P, C> as epsilon goes from 10 to 0.001, for the lines and the moons, beside the exact cost"));
        return figures;
    }

    private static double[][] plan(SinkhornResult r) {
        double[][] p = new double[r.n()][r.m()];
        for (int i = 0; i < r.n(); i++) {
            for (int j = 0; j < r.m(); j++) {
                p[i][j] = r.plan(i, j);
            }
        }
        return p;
    }

    /** Both clouds and one arrow per pair (i, j) with P_ij above 1% of the largest entry. */
    private static XYChart arrows(String title, Points x, Points y, SinkhornResult r,
                                  double x0, double x1, double y0, double y1) {
        XYChart c = Plots.xy(title, "", "", 760, (int) Math.round(760 * (y1 - y0) / (x1 - x0)) + 90);
        c.getStyler().setXAxisMin(x0).setXAxisMax(x1).setYAxisMin(y0).setYAxisMax(y1);
        double max = 0;
        for (int i = 0; i < r.n(); i++) {
            for (int j = 0; j < r.m(); j++) {
                max = Math.max(max, r.plan(i, j));
            }
        }
        double headLength = 0.035 * (x1 - x0);
        int k = 0;
        for (int i = 0; i < r.n(); i++) {
            for (int j = 0; j < r.m(); j++) {
                double w = r.plan(i, j) / max;
                if (w < 0.01) {
                    continue;
                }
                Color col = new Color(60, 60, 60, (int) Math.round(40 + 215 * w));
                double ax = x.get(i, 0), ay = x.get(i, 1), bx = y.get(j, 0), by = y.get(j, 1);
                double len = Math.hypot(bx - ax, by - ay);
                if (len == 0) {
                    continue;
                }
                double ux = (bx - ax) / len, uy = (by - ay) / len;
                double hx = bx - 0.25 * headLength * ux, hy = by - 0.25 * headLength * uy; // stop short of the marker
                double[] px = {ax, hx}, py = {ay, hy};
                if (w >= 0.25) { // heads only on the arrows that carry mass, so that the picture stays legible
                    double lx = hx - headLength * (ux * 0.87 - uy * 0.5), ly = hy - headLength * (uy * 0.87 + ux * 0.5);
                    double rx = hx - headLength * (ux * 0.87 + uy * 0.5), ry = hy - headLength * (uy * 0.87 - ux * 0.5);
                    px = new double[]{ax, hx, lx, hx, rx};
                    py = new double[]{ay, hy, ly, hy, ry};
                }
                float width = (float) (0.6 + 2.4 * w);
                XYSeries s = Plots.line(c, "p" + (k++), px, py, col, width);
                s.setLineStyle(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            }
        }
        Plots.scatter(c, "x", column(x, 0), column(x, 1), Plots.PALETTE[0], 9);
        Plots.scatter(c, "y", column(y, 0), column(y, 1), Plots.PALETTE[1], 9);
        c.getStyler().setLegendVisible(true);
        return c;
    }

    private static XYChart costCurve(SinkhornOptions base, Points[] lines, Points[] moons) {
        XYChart c = Plots.xy("Transport cost <P, C> against epsilon", "epsilon", "cost", 760, 520);
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setLegendVisible(true);
        c.getStyler().setXAxisDecimalPattern("0.###");
        int count = 25;
        double[] eps = new double[count];
        for (int k = 0; k < count; k++) {
            eps[k] = Math.pow(10, 1 - 4.0 * k / (count - 1));
        }
        Points[][] problems = {lines, moons};
        String[] names = {"lines (5 points, 1 apart)", "moons (30 points)"};
        for (int p = 0; p < 2; p++) {
            double[] costs = new double[count];
            for (int k = 0; k < count; k++) {
                costs[k] = Sinkhorn.solve(problems[p][0], problems[p][1], null, null, CostFunction.SQUARED_EUCLIDEAN,
                        base.withEpsilon(eps[k]).withAnnealing(0.5)).cost();
            }
            XYSeries s = c.addSeries("entropic, " + names[p], eps, costs);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineColor(Plots.PALETTE[p]);
            s.setMarkerColor(Plots.PALETTE[p]);
            double exact = ExactTransport.emd(problems[p][0], problems[p][1], null, null, CostFunction.SQUARED_EUCLIDEAN).cost();
            XYSeries e = c.addSeries("exact, " + names[p], new double[]{eps[count - 1], eps[0]}, new double[]{exact, exact});
            e.setMarker(SeriesMarkers.NONE);
            e.setLineColor(Plots.PALETTE[p]);
            e.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{6, 4}, 0));
            e.setShowInLegend(true);
        }
        return c;
    }

    private static double[] column(Points p, int k) {
        double[] v = new double[p.n()];
        for (int i = 0; i < p.n(); i++) {
            v[i] = p.get(i, k);
        }
        return v;
    }

    private static String label(double eps) {
        return eps == Math.rint(eps) ? Long.toString((long) eps) : Double.toString(eps);
    }
}
