package dev.jot.barycenter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.data.Precision;
import dev.jot.sinkhorn.SinkhornOptions;
import java.net.URL;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Convolutional (grid) barycenters: the separable passes give the barycenter of the full grid cost matrix, POT 0.8.2's
 * {@code convolutional_barycenter2d(method='sinkhorn_log')} on three shapes (reference in
 * {@code src/test/resources/barycenter}), f32 near f64, the same bits on any number of threads, hostile inputs.
 */
class ConvolutionalTest {
    /**
     * The grid barycenter has the same bits in a cold and a warm JVM (its kernels use only correctly rounded
     * operations; with the Vector API's own LOG, used before, whose bits change once C2 compiles it, one
     * {@code jot barycenter} run in three gave other bits than the others).
     */
    @Test
    void sameBarycenterInAColdAndAWarmJvm() throws Exception {
        String javaExe = ProcessHandle.current().info().command().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(javaExe != null, "cannot locate the java executable");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaExe));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            cmd.add("--add-modules");
            cmd.add("jdk.incubator.vector");
        }
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), GridColdWarmProbe.class.getName()));
        Process proc = new ProcessBuilder(cmd).start();
        proc.getOutputStream().close();
        String out = new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String err = new String(proc.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, proc.waitFor(), "probe failed: " + out + err);
        String[] lines = out.strip().split("\\R");
        assertEquals(GridColdWarmProbe.RUNS, lines.length, out);
        for (String line : lines) {
            assertEquals(lines[0], line, "a warm run differs from the cold one:\n" + out);
        }
    }

    private static SinkhornOptions f64(double eps) {
        return SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-12).withMaxIterations(50_000);
    }

    private static double[] randomImages(int k, int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[k * rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble() < 0.3 ? 0 : rng.nextDouble();
        }
        return v;
    }

    @Test
    void separablePassesGiveTheFullCostMatrixBarycenter() {
        int rows = 7, cols = 9, k = 3, n = rows * cols;
        double[] img = randomImages(k, rows, cols, 5);
        double[] w = {0.2, 0.3, 0.5};
        double eps = 0.02;
        for (boolean debiased : new boolean[] {false, true}) {
            // exactly 300 iterations each: the same iterates up to rounding
            SinkhornOptions o = f64(eps).withTolerance(0).withMaxIterations(300);
            NdArray images = NdArray.of(img, k, rows, cols);
            FixedSupportResult grid = debiased ? Convolutional.debiased(images, w, o) : Convolutional.barycenter(images, w, o);
            double[] c = new double[n * n];
            for (int p = 0; p < n; p++) {
                for (int q = 0; q < n; q++) {
                    double dy = (p / cols - q / cols) / (rows - 1.0), dx = (p % cols - q % cols) / (cols - 1.0);
                    c[p * n + q] = dy * dy + dx * dx;
                }
            }
            double[] h = img.clone();
            for (int p = 0; p < k; p++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += h[p * n + i];
                }
                for (int i = 0; i < n; i++) {
                    h[p * n + i] /= s;
                }
            }
            NdArray hs = NdArray.of(h, k, n), cm = NdArray.of(c, n, n);
            FixedSupportResult full = debiased ? FixedSupport.debiased(hs, cm, w, o) : FixedSupport.barycenter(hs, cm, w, o);
            assertEquals(300, grid.iterations());
            assertArrayEquals(full.marginalErrors(), grid.marginalErrors(), 1e-12);
            assertArrayEquals(full.barycenter(), grid.barycenter(), 1e-12, "debiased " + debiased);
            // the grid's dual value against the stored matrix's primal value: they differ by at most the marginal
            // error times the largest cost (2 on the unit square), and not by more than rounding when converged
            double gap = 2 * grid.marginalError() + 1e-12;
            assertEquals(full.value(), grid.value(), gap, "debiased " + debiased);
            assertArrayEquals(full.values(), grid.values(), gap);
            assertTrue(debiased || grid.marginalError() < 1e-9, "the plain barycenter converged: " + grid.marginalError());
            assertEquals(1, FixedSupportTest.sum(grid.barycenter()), 1e-6);
        }
    }

    @Test
    void agreesWithPotConvolutionalSinkhornLog() throws Exception {
        URL url = ConvolutionalTest.class.getResource("/barycenter/grid_pot.npy");
        assertNotNull(url, "the reference /barycenter/grid_pot.npy is not on the test class path");
        Path d = Path.of(url.toURI()).getParent();
        NdArray images = Npy.read(d.resolve("grid_images.npy"));
        double[] w = Npy.read(d.resolve("grid_weights.npy")).toDoubleArray();
        double[] pot = Npy.read(d.resolve("grid_pot.npy")).toDoubleArray();
        FixedSupportResult r = Convolutional.barycenter(images, w, f64(0.004));
        assertTrue(r.converged(), r.toString());
        double worst = 0, top = 0;
        for (int i = 0; i < pot.length; i++) {
            worst = Math.max(worst, Math.abs(r.barycenter()[i] - pot[i]));
            top = Math.max(top, pot[i]);
        }
        System.out.printf("grid 24 x 20: %d iterations, max |JOT - POT| = %.2e (largest pixel %.3e)%n", r.iterations(), worst, top);
        assertTrue(worst <= 1e-6 * top, "max difference " + worst);
        FixedSupportResult r32 = Convolutional.barycenter(images, w, SinkhornOptions.epsilon(0.004).withPrecision(Precision.F32)
                .withTolerance(1e-5).withMaxIterations(20_000));
        double worst32 = 0;
        for (int i = 0; i < pot.length; i++) {
            worst32 = Math.max(worst32, Math.abs(r32.barycenter()[i] - pot[i]));
        }
        System.out.printf("grid f32: %d iterations, max |JOT - POT| = %.2e%n", r32.iterations(), worst32);
        assertTrue(r32.converged(), r32.toString());
        assertTrue(worst32 <= 1e-3 * top, "f32 max difference " + worst32);
        FixedSupportResult one = Convolutional.barycenter(images, w, f64(0.004).withThreads(1));
        FixedSupportResult three = Convolutional.barycenter(images, w, f64(0.004).withThreads(3));
        assertArrayEquals(one.barycenter(), three.barycenter(), 0);
    }

    @Test
    void shiftedKernelProductsAreTheExactLogSumExps() {
        SplittableRandom rng = new SplittableRandom(11);
        int rows = 37, cols = 29;
        for (double invEps : new double[] {3, 50, 250, 320}) {
            for (dev.jot.kernel.SinkhornKernels k : kernelsToTest()) {
                double[][] x = new double[3][rows * cols], fast = new double[3][rows * cols], exact = new double[3][rows * cols];
                for (int i = 0; i < rows * cols; i++) {
                    x[0][i] = -invEps * rng.nextDouble();               // a spread of the kernel's size
                    x[1][i] = rng.nextDouble() < 0.4 ? Double.NEGATIVE_INFINITY : 5 * rng.nextGaussian(); // zero pixels
                    x[2][i] = i < cols ? Double.NEGATIVE_INFINITY : -900 * rng.nextDouble(); // an empty row, a wide range
                }
                for (double[] e : exact) {
                    java.util.Arrays.fill(e, Double.NaN);
                }
                try (Grid shifted = new Grid(rows, cols, Precision.F64, k, 1, true);
                     Grid plain = new Grid(rows, cols, Precision.F64, k, 1, false)) {
                    shifted.sweep(false, x, fast, invEps);
                    plain.sweep(false, x, exact, invEps);
                }
                for (int p = 0; p < 3; p++) {
                    for (int i = 0; i < rows * cols; i++) {
                        assertEquals(exact[p][i], fast[p][i], 1e-12 * Math.max(1, Math.abs(exact[p][i])),
                                k.name() + " 1/eps = " + invEps + ", problem " + p + ", pixel " + i);
                    }
                }
            }
        }
    }

    static java.util.List<dev.jot.kernel.SinkhornKernels> kernelsToTest() {
        java.util.List<dev.jot.kernel.SinkhornKernels> list = new java.util.ArrayList<>();
        list.add(dev.jot.kernel.Kernels.scalar());
        dev.jot.kernel.Kernels.vector().ifPresent(list::add);
        return list;
    }

    @Test
    void hostileImages() {
        SinkhornOptions o = f64(0.01);
        assertMessage("images must be 3-D", () -> Convolutional.barycenter(NdArray.of(new double[4], 2, 2), null, o));
        assertMessage("images[1] sums to 0.0", () -> Convolutional.barycenter(NdArray.of(new double[] {1, 1, 1, 1, 0, 0, 0, 0}, 2, 2, 2), null, o));
        assertMessage("images[0][1][0] = -1.0", () -> Convolutional.barycenter(NdArray.of(new double[] {1, 1, -1, 1}, 1, 2, 2), null, o));
        assertMessage("weights sums to 0.5", () -> Convolutional.barycenter(NdArray.of(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, 2, 2, 2),
                new double[] {0.25, 0.25}, o));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "'" + ex.getMessage() + "' does not say '" + part + "'");
    }
}
