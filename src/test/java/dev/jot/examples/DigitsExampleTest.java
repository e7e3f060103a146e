package dev.jot.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitsExampleTest {

    @Test
    void dataLoadsScaledToTheUnitInterval() {
        double[][] d = DigitsExample.loadDigits();
        assertEquals(1797, d.length);
        double max = 0;
        for (double[] row : d) {
            assertEquals(64, row.length);
            for (double v : row) {
                assertTrue(v >= 0 && v <= 1);
                max = Math.max(max, v);
            }
        }
        assertEquals(1.0, max);
        // first image of the set, first row: 0 0 5 13 9 1 0 0
        assertArrayEquals(new double[]{0, 0, 5 / 16.0, 13 / 16.0, 9 / 16.0, 1 / 16.0, 0, 0},
                java.util.Arrays.copyOf(d[0], 8));
    }

    @Test
    void shortRunLowersTheLossAndWritesThePictures(@TempDir Path dir) throws Exception {
        var config = new DigitsExample.Config(3, 200, 64, 5e-3,
                List.of(new DigitsExample.Setting(1, 10, 3), new DigitsExample.Setting(0.1, 20, 1)), dir, 1);
        StringWriter text = new StringWriter();
        List<double[]> losses = new ArrayList<>();
        List<Path> pictures = DigitsExample.run(config, new PrintWriter(text), losses);
        assertEquals(List.of(dir.resolve("digits-eps1-L10.png"), dir.resolve("digits-eps0.1-L20.png")), pictures);
        for (Path p : pictures) {
            assertTrue(Files.exists(p), p.toString());
            BufferedImage img = ImageIO.read(p.toFile());
            assertEquals(DigitsExample.PICTURE_SIZE, img.getWidth());
            assertEquals(DigitsExample.PICTURE_SIZE, img.getHeight());
        }
        assertEquals(682, DigitsExample.PICTURE_SIZE);
        double[] first = losses.get(0);
        assertEquals(4, first.length);
        assertTrue(first[3] < 0.8 * first[0], "loss went from " + first[0] + " to " + first[3]);
        double[] second = losses.get(1);
        assertTrue(second[1] < second[0], "loss went from " + second[0] + " to " + second[1]);
        String[] lines = text.toString().split("\\R");
        assertEquals(4 + 2, lines.length, text.toString());
        assertTrue(lines[3].matches("digits eps=1 L=10 epoch 3/3 loss \\d+\\.\\d+ time \\d+\\.\\d s"), lines[3]);
        // no temporary file is left behind
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count());
        }
    }

    @Test
    void sameConfigurationGivesTheSameLosses(@TempDir Path dir) {
        var config = new DigitsExample.Config(5, 200, 16, 1e-2, List.of(new DigitsExample.Setting(1, 1, 1)), dir, 1);
        List<double[]> a = new ArrayList<>(), b = new ArrayList<>();
        DigitsExample.run(config, new PrintWriter(new StringWriter()), a);
        DigitsExample.run(config, new PrintWriter(new StringWriter()), b);
        assertArrayEquals(a.get(0), b.get(0));
    }

    @Test
    void backwardMatchesCentralDifferences() {
        int hidden = 7, out = 5, count = 4;
        Generator g = new Generator(hidden, out);
        SplittableRandom rnd = new SplittableRandom(42);
        g.initialise(rnd, new double[]{0.1, 0.3, 0.5, 0.7, 0.9});
        // perturb the output layer so that no output sits at its initial bias pattern
        for (int k = 0; k < g.size(); k++) {
            g.theta[k] += 0.1 * (rnd.nextDouble() - 0.5);
        }
        double[] z = new double[count * 2], w = new double[count * out];
        for (int i = 0; i < z.length; i++) {
            z[i] = rnd.nextDouble();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextDouble() - 0.5;
        }
        // loss = Σ w·x + ½ Σ x², so ∂loss/∂x = w + x
        double[] hid = new double[count * hidden], x = new double[count * out], gx = new double[count * out];
        g.forward(z, count, hid, x);
        for (int i = 0; i < gx.length; i++) {
            gx[i] = w[i] + x[i];
        }
        double[] grad = new double[g.size()];
        g.backward(z, count, hid, x, gx, grad);
        double h = 1e-6, worst = 0;
        for (int k = 0; k < g.size(); k++) {
            double keep = g.theta[k];
            g.theta[k] = keep + h;
            double up = loss(g, z, count, w);
            g.theta[k] = keep - h;
            double down = loss(g, z, count, w);
            g.theta[k] = keep;
            double fd = (up - down) / (2 * h);
            double err = Math.abs(fd - grad[k]) / Math.max(1e-3, Math.abs(fd) + Math.abs(grad[k]));
            worst = Math.max(worst, err);
        }
        assertTrue(worst < 1e-6, "worst relative error " + worst);
    }

    private static double loss(Generator g, double[] z, int count, double[] w) {
        double[] hid = new double[count * g.hidden], x = new double[count * g.out];
        g.forward(z, count, hid, x);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += w[i] * x[i] + 0.5 * x[i] * x[i];
        }
        return s;
    }

    @Test
    void adamMovesAgainstTheGradient() {
        Generator g = new Generator(3, 2);
        double[] before = g.theta.clone(), grad = new double[g.size()];
        for (int k = 0; k < grad.length; k++) {
            grad[k] = k % 2 == 0 ? 1 : -2;
        }
        g.adam(grad, 0.01);
        for (int k = 0; k < grad.length; k++) {
            // the first bias-corrected Adam step has length lr in every coordinate
            assertEquals(before[k] - 0.01 * Math.signum(grad[k]), g.theta[k], 1e-9);
        }
    }

    @Test
    void settingsAreChecked(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> new DigitsExample.Setting(0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new DigitsExample.Setting(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DigitsExample.Setting(1, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new DigitsExample.Config(1, 1, 10, 1e-3,
                List.of(new DigitsExample.Setting(1, 10, 1)), dir, 1));
        assertThrows(IllegalArgumentException.class, () -> new DigitsExample.Config(1, 200, 10, 1e-3, List.of(), dir, 1));
        assertEquals("digits-eps0.1-L100.png", new DigitsExample.Setting(0.1, 100, 1).fileName());
        assertEquals("digits-eps1-L10.png", new DigitsExample.Setting(1.0, 10, 1).fileName());
        var d = DigitsExample.Config.defaults(dir);
        assertEquals(200, d.batch());
        assertEquals(List.of(1.0, 0.1), d.settings().stream().map(DigitsExample.Setting::epsilon).toList());
    }
}
