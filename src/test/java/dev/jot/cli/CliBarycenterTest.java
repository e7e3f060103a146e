package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.barycenter.FixedSupport;
import dev.jot.barycenter.FixedSupportResult;
import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.testutil.MiniJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jot barycenter}: fixed support (plain and debiased) against the API, free support, and its one-line errors. */
class CliBarycenterTest {
    @TempDir
    Path dir;

    private Path write(String name, double[] v, long... shape) throws IOException {
        Path p = dir.resolve(name);
        DataFiles.write(p, NdArray.of(v, shape));
        return p;
    }

    private static double[] gauss(int n, double m, double s) {
        double[] h = new double[n];
        double t = 0;
        for (int i = 0; i < n; i++) {
            double x = i / (n - 1.0);
            h[i] = Math.exp(-(x - m) * (x - m) / (2 * s * s));
            t += h[i];
        }
        for (int i = 0; i < n; i++) {
            h[i] /= t;
        }
        return h;
    }

    private Path[] problem(int n) throws IOException {
        double[] h = new double[2 * n], c = new double[n * n];
        System.arraycopy(gauss(n, 0.25, 0.06), 0, h, 0, n);
        System.arraycopy(gauss(n, 0.7, 0.08), 0, h, n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double d = (i - j) / (n - 1.0);
                c[i * n + j] = d * d;
            }
        }
        return new Path[] {write("h.npy", h, 2, n), write("c.npy", c, n, n)};
    }

    @Test
    void fixedSupportMatchesTheApi() throws IOException {
        Path[] p = problem(50);
        for (boolean debiased : new boolean[] {false, true}) {
            Path out = dir.resolve("bar.npy");
            CliTest.Run r = CliTest.jot(debiased
                    ? new String[] {"barycenter", "--histograms", p[0].toString(), "--cost-matrix", p[1].toString(), "--weights", "0.3,0.7",
                        "--epsilon", "0.005", "--precision", "f64", "--tol", "1e-10", "--max-iter", "10000", "--debiased", "--out", out.toString(), "--json"}
                    : new String[] {"barycenter", "--histograms", p[0].toString(), "--cost-matrix", p[1].toString(), "--weights", "0.3,0.7",
                        "--epsilon", "0.005", "--precision", "f64", "--tol", "1e-10", "--out", out.toString(), "--json"});
            assertEquals(0, r.code(), r.toString());
            Map<String, Object> j = MiniJson.parseObject(r.out().strip());
            SinkhornOptions o = SinkhornOptions.epsilon(0.005).withPrecision(Precision.F64).withTolerance(1e-10).withMaxIterations(debiased ? 10000 : 1000);
            NdArray h = DataFiles.read(p[0]), c = DataFiles.read(p[1]);
            FixedSupportResult api = debiased ? FixedSupport.debiased(h, c, new double[] {0.3, 0.7}, o)
                    : FixedSupport.barycenter(h, c, new double[] {0.3, 0.7}, o);
            double[] bar = DataFiles.read(out).toDoubleArray();
            double[] expect = api.barycenter();
            for (int i = 0; i < bar.length; i++) {
                assertEquals(expect[i], bar[i], 0, "bin " + i);
            }
            assertEquals(true, j.get("converged"));
            assertEquals(api.iterations(), ((Number) j.get("iterations")).intValue());
            assertEquals(api.value(), ((Number) j.get("value")).doubleValue(), 1e-12 * Math.abs(api.value()));
            assertEquals(2, ((List<?>) j.get("marginal_errors")).size());
            assertTrue(((Number) j.get("marginal_error")).doubleValue() <= 1e-10);
            assertEquals(debiased, j.get("debiased"));
        }
        // weights from a file, f32, text output
        Path w = write("w.npy", new double[] {0.5, 0.5}, 2);
        CliTest.Run r = CliTest.jot("barycenter", "--histograms", p[0].toString(), "--cost-matrix", p[1].toString(), "--weights", w.toString(),
                "--epsilon", "0.005", "--out", dir.resolve("b.csv").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("entropic barycenter of 2 histograms on 50 bins"), r.out());
        assertTrue(Files.size(dir.resolve("b.csv")) > 0);
    }

    @Test
    void freeSupport() throws IOException {
        Path x0 = write("x0.npy", new double[] {-1}, 1, 1), x1 = write("x1.npy", new double[] {1}, 1, 1);
        Path init = write("init.npy", new double[] {-12}, 1, 1);
        Path out = dir.resolve("X.npy");
        for (String[] plans : new String[][] {{"--exact"}, {"--epsilon", "1"}}) {
            String[] base = {"barycenter", "--clouds", x0 + "," + x1, "--init", init.toString(), "--out", out.toString(), "--json"};
            String[] args = new String[base.length + plans.length];
            System.arraycopy(base, 0, args, 0, base.length);
            System.arraycopy(plans, 0, args, base.length, plans.length);
            CliTest.Run r = CliTest.jot(args);
            assertEquals(0, r.code(), r.toString());
            Map<String, Object> j = MiniJson.parseObject(r.out().strip());
            assertEquals(true, j.get("converged"));
            assertEquals(0, DataFiles.read(out).getFlat(0), 1e-9);
        }
        Path y0 = write("y0.npy", new double[] {0, 1, 2, 3}, 4, 1), y1 = write("y1.npy", new double[] {10, 11, 12, 13}, 4, 1);
        Path a0 = write("a0.npy", new double[] {1, 1, 1, 1}, 4);
        CliTest.Run r = CliTest.jot("barycenter", "--clouds", y0 + "," + y1, "--cloud-weights", a0 + "," + a0, "--weights", "0.5,0.5",
                "--support-size", "4", "--exact", "--out", out.toString());
        assertEquals(0, r.code(), r.toString());
        double[] x = DataFiles.read(out).toDoubleArray();
        java.util.Arrays.sort(x);
        assertEquals(5, x[0], 1e-12);
        assertEquals(8, x[3], 1e-12);
    }

    private Path png(String name, int size, int shape) throws IOException {
        double[] v = dev.jot.examples.BarycenterExample.shape(shape, size);
        java.awt.image.BufferedImage img = dev.jot.examples.GreyImages.image(v, size, size, false);
        Path p = dir.resolve(name);
        javax.imageio.ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @Test
    void imagesOnAGrid() throws IOException {
        Path a = png("a.png", 24, 0), b = png("b.png", 24, 3);
        Path out = dir.resolve("bar.npy"), pic = dir.resolve("bar.png");
        CliTest.Run r = CliTest.jot("barycenter", "--images", a + "," + b, "--weights", "0.25,0.75", "--epsilon", "0.01",
                "--precision", "f64", "--tol", "1e-9", "--out", out.toString(), "--png", pic.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> j = MiniJson.parseObject(r.out().strip());
        assertEquals(true, j.get("converged"));
        assertEquals(24, ((Number) j.get("rows")).intValue());
        double[][] ia = dev.jot.examples.GreyImages.read(a, false), ib = dev.jot.examples.GreyImages.read(b, false);
        double[] flat = new double[2 * 24 * 24];
        for (int i = 0; i < 24; i++) {
            System.arraycopy(ia[i], 0, flat, i * 24, 24);
            System.arraycopy(ib[i], 0, flat, 576 + i * 24, 24);
        }
        FixedSupportResult api = dev.jot.barycenter.Convolutional.barycenter(NdArray.of(flat, 2, 24, 24), new double[] {0.25, 0.75},
                SinkhornOptions.epsilon(0.01).withPrecision(Precision.F64).withTolerance(1e-9));
        NdArray got = DataFiles.read(out);
        assertEquals(2, got.rank());
        double[] g = got.toDoubleArray(), e = api.barycenter();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], 0, "pixel " + i);
        }
        assertEquals(24, javax.imageio.ImageIO.read(pic.toFile()).getWidth());
        // the same images as one k x rows x cols array, drawn dark on white
        Path stack = write("stack.npy", flat, 2, 24, 24);
        CliTest.Run r2 = CliTest.jot("barycenter", "--images", stack.toString(), "--weights", "0.25,0.75", "--epsilon", "0.01",
                "--precision", "f64", "--tol", "1e-9", "--out", dir.resolve("bar2.png").toString());
        assertEquals(0, r2.code(), r2.toString());
        assertTrue(r2.out().contains("barycenter of 2 images on a 24 x 24 grid"), r2.out());
        expectError("(the images must share their grid)", "barycenter", "--images", a + "," + png("c.png", 20, 1), "--epsilon", "0.01",
                "--out", out.toString());
        expectError("--cost-matrix is not for --images", "barycenter", "--images", a.toString(), "--cost-matrix", stack.toString(),
                "--epsilon", "0.01", "--out", out.toString());
        expectError("--invert is for --images", "barycenter", "--clouds", a.toString(), "--invert", "--exact", "--support-size", "2",
                "--out", out.toString());
    }

    @Test
    void gaussians() throws IOException {
        Path m = write("m.npy", new double[] {0, 0, 1, 1}, 2, 2);
        Path c = write("c.npy", new double[] {4, 0, 0, 1, 1, 0, 0, 9}, 2, 2, 2);
        Path out = dir.resolve("S.npy"), mean = dir.resolve("m.csv");
        CliTest.Run r = CliTest.jot("barycenter", "--means", m.toString(), "--covariances", c.toString(), "--weights", "0.25,0.75",
                "--tol", "1e-14", "--out", out.toString(), "--out-mean", mean.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        double[] s = DataFiles.read(out).toDoubleArray();
        assertEquals(Math.pow(0.25 * 2 + 0.75, 2), s[0], 1e-12);
        assertEquals(Math.pow(0.25 + 0.75 * 3, 2), s[3], 1e-12);
        assertEquals(0.75, DataFiles.read(mean).getFlat(0), 1e-15);
        expectError("--covariances must be k x d x d = 2 x 2 x 2", "barycenter", "--means", m.toString(), "--covariances", m.toString(),
                "--out", out.toString());
        expectError("give both --means", "barycenter", "--means", m.toString(), "--out", out.toString());
    }

    @Test
    void theExampleDrawsTheInterpolation() throws IOException {
        CliTest.Run r = CliTest.jot("example", "barycenters", "--size", "16", "--epsilon", "0.02", "--out", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("25 of 25 converged") && r.out().contains("the 25 barycenters took"), r.out());
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(dir.resolve("barycenters.png").toFile());
        assertEquals(5 * 16 + 6 * 2, img.getWidth());
        expectError("--size must be at least 8", "example", "barycenters", "--size", "4", "--out", dir.toString());
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws IOException {
        Path[] p = problem(10);
        Path out = dir.resolve("o.npy");
        String h = p[0].toString(), c = p[1].toString(), o = out.toString();
        expectError("weights sums to 0.9", "barycenter", "--histograms", h, "--cost-matrix", c, "--weights", "0.5,0.4", "--epsilon", "0.1", "--out", o);
        expectError("--weights has 3 values", "barycenter", "--histograms", h, "--cost-matrix", c, "--weights", "0.5,0.25,0.25", "--epsilon", "0.1", "--out", o);
        expectError("'nan' is not a number", "barycenter", "--histograms", h, "--cost-matrix", c, "--weights", "nan,1", "--epsilon", "0.1", "--out", o);
        expectError("weights[0] = NaN", "barycenter", "--histograms", h, "--cost-matrix", c, "--weights", "NaN,1", "--epsilon", "0.1", "--out", o);
        expectError("missing --epsilon", "barycenter", "--histograms", h, "--cost-matrix", c, "--out", o);
        expectError("missing --cost-matrix", "barycenter", "--histograms", h, "--epsilon", "0.1", "--out", o);
        expectError("missing input", "barycenter", "--epsilon", "0.1", "--out", o);
        expectError("--exact is for free support", "barycenter", "--histograms", h, "--cost-matrix", c, "--exact", "--out", o);
        Path zero = write("z.npy", new double[20], 2, 10);
        expectError("--histograms[0] sums to 0.0", "barycenter", "--histograms", zero.toString(), "--cost-matrix", c, "--epsilon", "0.1", "--out", o);
        Path small = write("c3.npy", new double[9], 3, 3);
        expectError("the histograms have n = 10", "barycenter", "--histograms", h, "--cost-matrix", small.toString(), "--epsilon", "0.1", "--out", o);
        expectError("missing --epsilon (entropic plans) or --exact", "barycenter", "--clouds", h, "--support-size", "3", "--out", o);
        expectError("missing --support-size", "barycenter", "--clouds", h, "--exact", "--out", o);
        expectError("no such file", "barycenter", "--clouds", dir.resolve("nope.npy").toString(), "--exact", "--support-size", "2", "--out", o);
        expectError("epsilon must be positive", "barycenter", "--histograms", h, "--cost-matrix", c, "--epsilon", "-1", "--out", o);
        expectError("--anneal is not supported", "barycenter", "--histograms", h, "--cost-matrix", c, "--epsilon", "1", "--anneal", "0.5", "--out", o);
    }

    /** The fuzzing seed corpus in every file argument: exit 2 and one line naming the file (or 0 for a valid seed that fits). */
    @Test
    void malformedFilesInEveryFileArgument() throws Exception {
        Path root = Path.of(CliBarycenterTest.class.getResource("/dev/jot/fuzz/ReaderFuzzTestInputs").toURI());
        List<Path> seeds;
        try (java.util.stream.Stream<Path> st = Files.walk(root)) {
            seeds = st.filter(Files::isRegularFile).sorted().toList();
        }
        Path[] p = problem(2);
        Path x = write("x.npy", new double[] {0, 1}, 2, 1), out = dir.resolve("o.npy");
        Path img = write("img.npy", new double[] {1, 2, 3, 4}, 2, 2);
        int runs = 0;
        for (Path seed : seeds) {
            String kind = seed.getParent().getFileName().toString();
            Path input = dir.resolve(seed.getFileName() + "." + kind);
            Files.copy(seed, input, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            String f = input.toString();
            String[][] cases = {
                {"barycenter", "--histograms", f, "--cost-matrix", p[1].toString(), "--epsilon", "0.5", "--out", out.toString()},
                {"barycenter", "--histograms", p[0].toString(), "--cost-matrix", f, "--epsilon", "0.5", "--out", out.toString()},
                {"barycenter", "--histograms", p[0].toString(), "--cost-matrix", p[1].toString(), "--weights", f, "--epsilon", "0.5",
                    "--out", out.toString()},
                {"barycenter", "--images", f, "--epsilon", "0.5", "--max-iter", "5", "--out", out.toString()},
                {"barycenter", "--images", img + "," + f, "--epsilon", "0.5", "--max-iter", "5", "--out", out.toString()},
                {"barycenter", "--clouds", x + "," + f, "--exact", "--support-size", "2", "--out", out.toString()},
                {"barycenter", "--clouds", x + "," + x, "--cloud-weights", f + "," + f, "--exact", "--support-size", "2", "--out", out.toString()},
                {"barycenter", "--means", f, "--covariances", f, "--out", out.toString()},
            };
            for (String[] args : cases) {
                CliTest.Run r = CliTest.jot(args);
                String what = String.join(" ", args) + "\n" + r;
                runs++;
                if (seed.getFileName().toString().startsWith("valid")) {
                    assertTrue(r.code() == 0 || r.code() == 2, what);
                } else {
                    assertEquals(2, r.code(), what);
                    assertTrue(r.err().contains(input.getFileName().toString()), what);
                }
                if (r.code() == 2) {
                    assertEquals(1, r.err().strip().lines().count(), what);
                    assertTrue(r.err().startsWith("jot: "), what);
                    assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), what);
                }
            }
        }
        assertTrue(runs > 50, "ran " + runs);
    }

    private static void expectError(String part, String... args) {
        CliTest.Run r = CliTest.jot(args);
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.toString());
        assertTrue(r.err().contains(part), "'" + r.err().strip() + "' does not say '" + part + "'");
    }
}
