package dev.jot.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WganExampleTest {

    /** A critic 2 → 7 → 5 → 1 with weights far enough from the initialisation that every term matters. */
    private static Critic randomCritic(Critic.Activation act, SplittableRandom rnd) {
        Critic c = new Critic(new int[]{2, 7, 5, 1}, act);
        c.initialise(rnd);
        for (int k = 0; k < c.size(); k++) {
            c.theta[k] += 0.3 * Critic.gaussian(rnd);
        }
        return c;
    }

    private static double[] uniform(SplittableRandom rnd, int count, double lo, double hi) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = lo + (hi - lo) * rnd.nextDouble();
        }
        return v;
    }

    /**
     * The loss's gradient with respect to θ, the penalty's second-order terms included, against central
     * differences of the loss, for the penalty alone and for the whole loss.
     */
    @ParameterizedTest
    @EnumSource(Critic.Activation.class)
    void lossGradientMatchesCentralDifferences(Critic.Activation act) {
        SplittableRandom rnd = new SplittableRandom(3);
        Critic c = randomCritic(act, rnd);
        int n = 5;
        double[] real = uniform(rnd, 2 * n, -1, 1), fake = uniform(rnd, 2 * n, -1, 1), t = uniform(rnd, n, 0, 1);
        double[] hat = new double[2 * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 2; k++) {
                hat[2 * i + k] = t[i] * real[2 * i + k] + (1 - t[i]) * fake[2 * i + k];
            }
        }
        for (boolean penaltyOnly : new boolean[]{true, false}) {
            int m = penaltyOnly ? 0 : n;
            double[] grad = new double[c.size()];
            c.loss(real, m, fake, m, hat, n, 10, grad);
            double h = 1e-5, worst = 0;
            for (int k = 0; k < c.size(); k++) {
                double keep = c.theta[k];
                c.theta[k] = keep + h;
                double up = c.loss(real, m, fake, m, hat, n, 10, null).loss();
                c.theta[k] = keep - h;
                double down = c.loss(real, m, fake, m, hat, n, 10, null).loss();
                c.theta[k] = keep;
                double fd = (up - down) / (2 * h);
                worst = Math.max(worst, Math.abs(fd - grad[k]) / Math.max(1e-8, Math.abs(fd) + Math.abs(grad[k])));
            }
            assertTrue(worst < 1e-6, act + (penaltyOnly ? ", penalty only" : ", whole loss") + ": worst relative error " + worst);
        }
    }

    @ParameterizedTest
    @EnumSource(Critic.Activation.class)
    void inputGradientMatchesCentralDifferences(Critic.Activation act) {
        SplittableRandom rnd = new SplittableRandom(11);
        Critic c = randomCritic(act, rnd);
        double[] g = new double[2];
        double h = 1e-6;
        for (int trial = 0; trial < 10; trial++) {
            double x0 = 2 * rnd.nextDouble() - 1, x1 = 2 * rnd.nextDouble() - 1;
            c.inputGradient(x0, x1, g);
            double d0 = (c.value(x0 + h, x1) - c.value(x0 - h, x1)) / (2 * h);
            double d1 = (c.value(x0, x1 + h) - c.value(x0, x1 - h)) / (2 * h);
            assertEquals(d0, g[0], 1e-8 * Math.max(1, Math.abs(d0)), act + " at (" + x0 + ", " + x1 + ")");
            assertEquals(d1, g[1], 1e-8 * Math.max(1, Math.abs(d1)), act + " at (" + x0 + ", " + x1 + ")");
        }
    }

    /**
     * The textbook's quick test: D = Linear(2, 8), ReLU, Linear(8, 1) on 4 real and 4 fake points, λ = 10,
     * fixed weights and fixed interpolation factors; the critic's loss against the formula written out here.
     */
    @Test
    void textbookQuickTestReluCriticLoss() {
        double[][] w1 = {{0.5, -0.3}, {-0.2, 0.8}, {0.7, 0.1}, {-0.6, -0.4}, {0.3, 0.9}, {-0.9, 0.2}, {0.1, -0.7}, {0.4, 0.4}};
        double[] b1 = {0.11, -0.13, 0.05, 0.21, -0.27, 0.03, 0.17, -0.07};
        double[] w2 = {0.6, -0.5, 0.8, 0.3, -0.7, 0.4, -0.2, 0.9};
        double b2 = -0.1;
        double[] real = {1.0, 0.5, -0.3, 1.2, 0.8, -0.6, -1.1, -0.2};
        double[] fake = {-0.5, -0.5, 0.2, -1.0, -0.9, 0.7, 0.4, 0.3};
        double[] t = {0.23, 0.57, 0.71, 0.38};
        double lambda = 10;

        Critic c = new Critic(new int[]{2, 8, 1}, Critic.Activation.RELU);
        for (int j = 0; j < 8; j++) {
            c.theta[c.offset(1) + 2 * j] = w1[j][0];
            c.theta[c.offset(1) + 2 * j + 1] = w1[j][1];
            c.theta[c.offset(1) + 16 + j] = b1[j];
            c.theta[c.offset(2) + j] = w2[j];
        }
        c.theta[c.offset(2) + 8] = b2;
        assertEquals(c.size(), c.offset(2) + 9);
        Critic.Terms terms = c.loss(real, fake, 4, t, lambda, null);

        // the same loss, independently: D(x) = w2·ReLU(W1 x + b1) + b2, ∇ₓD = Σ_j w2_j [pre_j > 0] W1_j
        double meanReal = 0, meanFake = 0, penalty = 0, nearestKink = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 4; i++) {
            double[] r = {real[2 * i], real[2 * i + 1]}, f = {fake[2 * i], fake[2 * i + 1]};
            double[] xh = {t[i] * r[0] + (1 - t[i]) * f[0], t[i] * r[1] + (1 - t[i]) * f[1]};
            double dr = b2, df = b2, g0 = 0, g1 = 0;
            for (int j = 0; j < 8; j++) {
                dr += w2[j] * Math.max(0, w1[j][0] * r[0] + w1[j][1] * r[1] + b1[j]);
                df += w2[j] * Math.max(0, w1[j][0] * f[0] + w1[j][1] * f[1] + b1[j]);
                double pre = w1[j][0] * xh[0] + w1[j][1] * xh[1] + b1[j];
                nearestKink = Math.min(nearestKink, Math.abs(pre));
                if (pre > 0) {
                    g0 += w2[j] * w1[j][0];
                    g1 += w2[j] * w1[j][1];
                }
            }
            meanReal += dr / 4;
            meanFake += df / 4;
            double norm = Math.sqrt(g0 * g0 + g1 * g1);
            penalty += (norm - 1) * (norm - 1) / 4;
        }
        double expected = -meanReal + meanFake + lambda * penalty;
        assertEquals(meanReal, terms.real(), 1e-14);
        assertEquals(meanFake, terms.fake(), 1e-14);
        assertEquals(penalty, terms.penalty(), 1e-14);
        assertEquals(expected, terms.loss(), 1e-13);
        assertTrue(penalty > 0.01, "the penalty is a real part of the loss: " + penalty);
        assertTrue(nearestKink > 1e-3, "no interpolate sits on a ReLU's kink, where rounding picks the side: " + nearestKink);
    }

    /**
     * A shorter run than the default (120 points, 32 hidden units, 3000 steps), with a fixed seed: the
     * critic's final estimate is within 5% of the exact W1, the table has a line per tenth of the steps
     * and the picture is written.
     */
    @Test
    void shortRunEstimatesTheExactW1WithinFivePercent(@TempDir Path dir) throws Exception {
        var config = new WganExample.Config(1, 120, 3000, 32, 2e-3, 10, dir);
        StringWriter text = new StringWriter();
        WganExample.Result r = WganExample.run(config, new PrintWriter(text));
        assertEquals(11, r.rows().size(), text.toString());
        assertEquals(3000, r.last().step());
        assertTrue(Math.abs(r.last().gap()) < 0.05, text.toString());
        assertTrue(Math.abs(r.rows().get(0).gap()) > 0.5, "the untrained critic is nearly flat: " + text);
        String[] lines = text.toString().split("\\R");
        assertEquals(12, lines.length, text.toString());
        assertTrue(lines[0].contains("exact W1"), lines[0]);
        assertTrue(lines[11].matches("\\s+3000\\s+\\d\\.\\d{5}\\s+\\d\\.\\d{5}\\s+[+-]\\d+\\.\\d\\d%\\s+\\d\\.\\d{5}\\s+\\d+\\.\\d s"), lines[11]);
        assertEquals(dir.resolve(WganExample.FILE), r.picture());
        BufferedImage img = ImageIO.read(r.picture().toFile());
        assertNotNull(img);
        assertEquals(760, img.getWidth());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void sameConfigurationGivesTheSameTable() {
        var config = new WganExample.Config(4, 20, 30, 8, 2e-3, 10, null);
        List<WganExample.Row> a = WganExample.run(config, new PrintWriter(new StringWriter())).rows();
        List<WganExample.Row> b = WganExample.run(config, new PrintWriter(new StringWriter())).rows();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).estimate(), b.get(i).estimate());
            assertEquals(a.get(i).penalty(), b.get(i).penalty());
        }
    }

    /** The iso-lines of a linear function on a grid are its straight level lines, each one polyline. */
    @Test
    void isoLinesOfAPlaneAreStraight() {
        int g = 20;
        double[] axis = new double[g + 1];
        double[][] v = new double[g + 1][g + 1];
        for (int a = 0; a <= g; a++) {
            axis[a] = -1 + 2.0 * a / g;
        }
        for (int a = 0; a <= g; a++) {
            for (int b = 0; b <= g; b++) {
                v[a][b] = axis[a] + 2 * axis[b];
            }
        }
        List<double[]> line = WganExample.isoLine(axis, v, 0.3);
        int breaks = 0;
        for (double[] p : line) {
            if (Double.isNaN(p[1])) {
                breaks++;
            } else {
                assertEquals(0.3, p[0] + 2 * p[1], 1e-12);
            }
        }
        assertEquals(1, breaks, "one polyline");
        assertTrue(line.size() > g, "it crosses the grid: " + line.size());
    }

    @Test
    void configIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> new WganExample.Config(1, 1, 10, 8, 1e-3, 10, null));
        assertThrows(IllegalArgumentException.class, () -> new WganExample.Config(1, 10, 0, 8, 1e-3, 10, null));
        assertThrows(IllegalArgumentException.class, () -> new WganExample.Config(1, 10, 10, 0, 1e-3, 10, null));
        assertThrows(IllegalArgumentException.class, () -> new WganExample.Config(1, 10, 10, 8, 0, 10, null));
        assertThrows(IllegalArgumentException.class, () -> new WganExample.Config(1, 10, 10, 8, 1e-3, -1, null));
        assertThrows(IllegalArgumentException.class, () -> new WganExample.Config(1, 10, 10, 8, 1e-3, Double.NaN, null));
        assertThrows(IllegalArgumentException.class, () -> new Critic(new int[]{3, 4, 1}, Critic.Activation.TANH));
        var d = WganExample.Config.defaults(Path.of("x"));
        assertEquals(10, d.lambda());
        assertEquals(300, d.points());
    }
}
