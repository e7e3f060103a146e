package dev.jot.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Iris experiment (Genevay et al. 2018, §4.1): its data, its pieces, and the fit at ε = 0.1. */
class IrisExampleTest {

    @TempDir
    Path dir;

    /** PCA agrees with scikit-learn's explained variances for Iris (ddof = 1): 4.22824171, 0.24267075, 0.0782095. */
    @Test
    void principalCoordinatesHaveScikitLearnsVariances() {
        IrisExample.Data d = IrisExample.data();
        assertEquals(150, d.points().length);
        double[] expected = {4.22824171, 0.24267075, 0.0782095};
        for (int c = 0; c < 3; c++) {
            double mean = 0, var = 0;
            for (double[] p : d.points()) {
                mean += p[c] / 150;
            }
            for (double[] p : d.points()) {
                var += (p[c] - mean) * (p[c] - mean) / 149;
            }
            assertEquals(0, mean, 1e-12, "centred");
            assertEquals(expected[c], var, 1e-7, "variance of PC" + (c + 1));
        }
        assertEquals(50, Arrays.stream(d.classes()).filter(k -> k == 2).count());
    }

    @Test
    void inverseIsAnInverse() {
        Random rnd = new Random(1);
        for (int t = 0; t < 100; t++) {
            double[][] m = new double[3][3];
            for (double[] row : m) {
                for (int q = 0; q < 3; q++) {
                    row[q] = rnd.nextGaussian();
                }
            }
            double[][] inv = IrisExample.inverse(m);
            assertNotNull(inv);
            for (int r = 0; r < 3; r++) {
                for (int q = 0; q < 3; q++) {
                    double s = 0;
                    for (int k = 0; k < 3; k++) {
                        s += m[r][k] * inv[k][q];
                    }
                    assertEquals(r == q ? 1 : 0, s, 1e-9);
                }
            }
        }
        assertNull(IrisExample.inverse(new double[][]{{1, 2, 3}, {2, 4, 6}, {0, 0, 1}}), "singular");
    }

    @Test
    void kMeansFindsTheThreeGroups() {
        IrisExample.Data d = IrisExample.data();
        double[][] c = IrisExample.kMeans(d.points(), 3, new Random(7));
        double[] first = Arrays.stream(c).mapToDouble(p -> p[0]).sorted().toArray();
        // one centre on setosa (PC1 ≈ −2.6), two on the other classes (PC1 > 0)
        assertTrue(first[0] < -2 && first[1] > 0 && first[2] > first[1], Arrays.toString(first));
    }

    /**
     * Ctrl-C (SIGTERM here) during {@code jot example iris} leaves the pictures finished so far, whole, and
     * no temporary file beside them.
     */
    @Test
    void interruptedRunLeavesWholePictures() throws Exception {
        String javaExe = ProcessHandle.current().info().command().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(javaExe != null, "cannot locate the java executable");
        List<String> cmd = new java.util.ArrayList<>(List.of(javaExe, "-cp", System.getProperty("java.class.path"),
                "dev.jot.cli.Jot", "example", "iris", "--steps", "100000", "--samples", "30", "--epsilon", "0.1", "--sigma", "0.5",
                "--out", dir.toString()));
        // the MMD fit comes first and writes its picture every 500 steps; stop the run at the first one
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        Path first = dir.resolve("iris-mmd.png");
        long deadline = System.nanoTime() + 120_000_000_000L;
        try {
            while (!java.nio.file.Files.exists(first) && proc.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            proc.destroy();
            proc.waitFor();
        }
        assertTrue(java.nio.file.Files.exists(first), java.nio.file.Files.readString(dir.resolve("log.txt")));
        BufferedImage img = ImageIO.read(first.toFile());
        assertTrue(img != null && img.getWidth() >= 1200, "a whole picture");
        try (var files = java.nio.file.Files.list(dir)) {
            List<String> left = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".part")).toList();
            assertEquals(List.of(), left, "no temporary file left");
        }
    }

    /** The paper's Table 1 at ε = 0.1 gives each ellipse its own class; so must the fit with the default seed. */
    @Test
    @Tag("heavy")
    void eachEllipseHasAClearMajorityClassAtEpsilonTenth() throws IOException {
        IrisExample.Config paper = IrisExample.Config.paper(dir);
        IrisExample.Config c = new IrisExample.Config(paper.seed(), paper.steps(), paper.samples(), paper.iterations(),
                paper.learningRate(), List.of(IrisExample.Setting.sinkhorn(0.1)), dir);
        StringWriter progress = new StringWriter();
        IrisExample.Fit f = IrisExample.run(c, new PrintWriter(progress)).get(0);
        int[][] t = f.table();
        boolean[] taken = new boolean[3];
        for (int i = 0; i < 3; i++) {
            int[] row = t[i];
            int major = 0, total = 0;
            for (int j = 0; j < 3; j++) {
                total += row[j];
                if (row[j] > row[major]) {
                    major = j;
                }
            }
            assertTrue(row[major] >= 25, "ellipse " + i + " holds at least half a class: " + Arrays.deepToString(t));
            assertTrue(row[major] >= 0.8 * total, "ellipse " + i + " has a clear majority: " + Arrays.deepToString(t));
            assertTrue(!taken[major], "each ellipse a different class: " + Arrays.deepToString(t));
            taken[major] = true;
        }
        assertTrue(Double.isFinite(f.loss()) && f.loss() >= -1e-9, "loss " + f.loss());
        assertTrue(progress.toString().contains("step  600/600"), progress.toString());
        BufferedImage img = ImageIO.read(f.picture().toFile());
        assertTrue(img.getWidth() >= 3 * 400, "three projections side by side");
    }
}
