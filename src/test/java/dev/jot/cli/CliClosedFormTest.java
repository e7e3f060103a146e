package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.testutil.MiniJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jot wasserstein1d}, {@code jot sliced} and {@code jot gaussian} against independent oracles: the
 * network simplex ({@code jot emd}) on the same points, the 1-D value for sliced on the line (every
 * direction is ±1), and the Gaussian closed forms in 1-D and for commuting covariances, computed here.
 */
class CliClosedFormTest {
    @TempDir
    Path dir;

    private Path write(String name, double[] v, long... shape) throws IOException {
        Path p = dir.resolve(name);
        DataFiles.write(p, NdArray.of(v, shape));
        return p;
    }

    private static double[] random(Random rnd, int n, double scale, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = shift + scale * rnd.nextDouble();
        }
        return v;
    }

    private static double[] weights(Random rnd, int n) {
        double[] w = random(rnd, n, 1, 0.2);
        double s = 0;
        for (double x : w) {
            s += x;
        }
        for (int i = 0; i < n; i++) {
            w[i] /= s;
        }
        return w;
    }

    private static Map<String, Object> json(CliTest.Run r) {
        assertEquals(0, r.code(), r.toString());
        return MiniJson.parseObject(r.out().strip());
    }

    private static double num(Map<String, Object> j, String key) {
        assertTrue(j.containsKey(key), key + " missing in " + j);
        return ((Number) j.get(key)).doubleValue();
    }

    @ParameterizedTest(name = "p = {0}")
    @ValueSource(doubles = {1, 1.5, 2, 3})
    void wasserstein1dEqualsTheNetworkSimplex(double p) throws IOException {
        Random rnd = new Random(3);
        int n = 37, m = 23;
        Path x = write("x.npy", random(rnd, n, 4, -1), n), y = write("y.csv", random(rnd, m, 3, 0), m, 1);
        Path a = write("a.npy", weights(rnd, n), n), b = write("b.npy", weights(rnd, m), m);
        Path plan = dir.resolve("plan.npy"), map = dir.resolve("map.npy");
        Map<String, Object> j = json(CliTest.jot("wasserstein1d", "--x", x.toString(), "--y", y.toString(), "--a", a.toString(),
                "--b", b.toString(), "--p", Double.toString(p), "--plan", plan.toString(), "--out-map", map.toString(), "--json"));
        Map<String, Object> e = json(CliTest.jot("emd", "--x", x.toString(), "--y", y.toString(), "--a", a.toString(),
                "--b", b.toString(), "--cost", p == 2 ? "sqeuclidean" : p == 1 ? "euclidean" : "p=" + p, "--json"));
        double value = num(j, "value");
        assertEquals(num(e, "cost"), value, 1e-10 * value, "W_p^p against the network simplex");
        assertEquals(Math.pow(value, 1 / p), num(j, "distance"), 1e-12 * value);
        assertEquals(n, (int) num(j, "n"));
        // the plan file: marginals a and b, and its cost is the value
        double[] flat = DataFiles.read(plan).toDoubleArray(), xs = DataFiles.read(x).toDoubleArray(), ys = DataFiles.read(y).toDoubleArray();
        double[] rows = new double[n], cols = new double[m];
        double cost = 0;
        for (int k = 0; k < flat.length / 3; k++) {
            int i = (int) flat[3 * k], jj = (int) flat[3 * k + 1];
            rows[i] += flat[3 * k + 2];
            cols[jj] += flat[3 * k + 2];
            cost += flat[3 * k + 2] * Math.pow(Math.abs(xs[i] - ys[jj]), p);
        }
        assertEquals(value, cost, 1e-12 * value);
        double[] wa = DataFiles.read(a).toDoubleArray();
        for (int i = 0; i < n; i++) {
            assertEquals(wa[i], rows[i], 1e-12, "row " + i);
        }
        assertEquals(n, DataFiles.read(map).shape(0));
    }

    @Test
    void slicedOnTheLineIsTheOneDimensionalValue() throws IOException {
        Random rnd = new Random(4);
        Path x = write("x.npy", random(rnd, 40, 2, 0), 40, 1), y = write("y.npy", random(rnd, 30, 2, 1), 30, 1);
        Map<String, Object> s = json(CliTest.jot("sliced", "--x", x.toString(), "--y", y.toString(), "--p", "2",
                "--projections", "7", "--seed", "5", "--json"));
        Map<String, Object> w = json(CliTest.jot("wasserstein1d", "--x", x.toString(), "--y", y.toString(), "--p", "2", "--json"));
        assertEquals(num(w, "value"), num(s, "value"), 1e-12 * num(w, "value"));
        assertEquals(7, (int) num(s, "projections"));
    }

    @Test
    void slicedIsSeededAndBoundedByTheExactCost() throws IOException {
        Random rnd = new Random(5);
        int n = 50, d = 3;
        Path x = write("x.npy", random(rnd, n * d, 1, 0), n, d), y = write("y.npy", random(rnd, n * d, 1, 0.5), n, d);
        String[] args = {"sliced", "--x", x.toString(), "--y", y.toString(), "--projections", "200", "--seed", "9", "--json"};
        double v1 = num(json(CliTest.jot(args)), "value"), v2 = num(json(CliTest.jot(args)), "value");
        assertEquals(v1, v2, 0.0, "one seed, one value");
        // each projection is 1-Lipschitz, so SW_2^2 <= W_2^2 (the exact cost of the same points)
        double w2 = num(json(CliTest.jot("emd", "--x", x.toString(), "--y", y.toString(), "--json")), "cost");
        assertTrue(v1 > 0 && v1 <= w2 * (1 + 1e-12), "SW_2^2 " + v1 + " against W_2^2 " + w2);
    }

    @Test
    void gaussianFromMomentsMatchesTheClosedForms() throws IOException {
        // 1-D: W2^2 = (m1 - m2)^2 + (s1 - s2)^2 with standard deviations s
        Path m1 = write("m1.npy", new double[]{0.5}, 1), c1 = write("c1.npy", new double[]{4}, 1, 1);
        Path m2 = write("m2.npy", new double[]{-1}, 1), c2 = write("c2.npy", new double[]{0.25}, 1, 1);
        Path ma = dir.resolve("A.npy"), mc = dir.resolve("c.npy");
        Map<String, Object> j = json(CliTest.jot("gaussian", "--mean1", m1.toString(), "--cov1", c1.toString(), "--mean2", m2.toString(),
                "--cov2", c2.toString(), "--map-matrix", ma.toString(), "--map-offset", mc.toString(), "--json"));
        assertEquals(1.5 * 1.5 + 1.5 * 1.5, num(j, "value"), 1e-12);
        assertEquals(Math.sqrt(4.5), num(j, "distance"), 1e-12);
        assertEquals(0.25, DataFiles.read(ma).toDoubleArray()[0], 1e-12, "A = s2 / s1");
        assertEquals(-1 - 0.25 * 0.5, DataFiles.read(mc).toDoubleArray()[0], 1e-12, "c = m2 - A m1");
        // commuting (diagonal) covariances in 3-D: |m1 - m2|^2 + |S1^1/2 - S2^1/2|_F^2
        Path n1 = write("n1.npy", new double[]{1, 2, 3}, 3), d1 = write("d1.npy", new double[]{1, 0, 0, 0, 9, 0, 0, 0, 0.04}, 3, 3);
        Path n2 = write("n2.npy", new double[]{1, 0, 3}, 3), d2 = write("d2.npy", new double[]{4, 0, 0, 0, 1, 0, 0, 0, 0.01}, 3, 3);
        j = json(CliTest.jot("gaussian", "--mean1", n1.toString(), "--cov1", d1.toString(), "--mean2", n2.toString(), "--cov2", d2.toString(), "--json"));
        double want = 4 + (1 - 2) * (1 - 2) + (3 - 1) * (3 - 1) + (0.2 - 0.1) * (0.2 - 0.1);
        assertEquals(want, num(j, "value"), 1e-12 * want);
        assertEquals(3, (int) num(j, "d"));
    }

    @Test
    void gaussianFromSamplesUsesTheirWeightedMoments() throws IOException {
        Random rnd = new Random(6);
        int n = 60, m = 45;
        double[] xs = random(rnd, n, 2, 0), ys = random(rnd, m, 1, 3), a = weights(rnd, n);
        Path x = write("x.npy", xs, n, 1), y = write("y.npy", ys, m, 1), pa = write("a.npy", a, n);
        Path out = dir.resolve("t.csv");
        Map<String, Object> j = json(CliTest.jot("gaussian", "--x", x.toString(), "--y", y.toString(), "--a", pa.toString(),
                "--out-map", out.toString(), "--json"));
        double mx = 0, my = 0, vx = 0, vy = 0;
        for (int i = 0; i < n; i++) {
            mx += a[i] * xs[i];
        }
        for (double v : ys) {
            my += v / m;
        }
        for (int i = 0; i < n; i++) {
            vx += a[i] * (xs[i] - mx) * (xs[i] - mx);
        }
        for (double v : ys) {
            vy += (v - my) * (v - my) / m;
        }
        double want = (mx - my) * (mx - my) + Math.pow(Math.sqrt(vx) - Math.sqrt(vy), 2);
        assertEquals(want, num(j, "value"), 1e-10 * want);
        double[] t = DataFiles.read(out).toDoubleArray();
        for (int i = 0; i < n; i++) {
            assertEquals(my + Math.sqrt(vy / vx) * (xs[i] - mx), t[i], 1e-9, "T(x_" + i + ")");
        }
    }

    @Test
    void badInputGivesOneLineAndExitCode2() throws IOException {
        Path x2 = write("x2.npy", new double[]{0, 1, 2, 3}, 2, 2), x1 = write("x1.npy", new double[]{0, 1}, 2);
        Path bad = write("bad.npy", new double[]{0, Double.NaN}, 2), neg = write("neg.npy", new double[]{1, -1}, 2);
        String[][] cases = {
                {"wasserstein1d", "--y", x1.toString()},
                {"wasserstein1d", "--x", x2.toString(), "--y", x1.toString()},
                {"wasserstein1d", "--x", x1.toString(), "--y", x1.toString(), "--p", "0.5"},
                {"wasserstein1d", "--x", bad.toString(), "--y", x1.toString()},
                {"wasserstein1d", "--x", x1.toString(), "--y", x1.toString(), "--a", neg.toString()},
                {"sliced", "--x", x2.toString(), "--y", x1.toString()},
                {"sliced", "--x", x2.toString(), "--y", x2.toString(), "--projections", "0"},
                {"sliced", "--x", "missing.npy", "--y", x2.toString()},
                {"gaussian"},
                {"gaussian", "--x", x2.toString(), "--y", x2.toString(), "--mean1", x1.toString()},
                {"gaussian", "--mean1", x1.toString(), "--cov1", x1.toString(), "--mean2", x1.toString(), "--cov2", x2.toString()},
                {"gaussian", "--mean1", x1.toString(), "--cov1", x2.toString(), "--mean2", bad.toString(), "--cov2", x2.toString()},
        };
        for (String[] args : cases) {
            CliTest.Run r = CliTest.jot(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r);
            assertEquals(1, r.err().strip().lines().count(), String.join(" ", args) + ": " + r);
            assertTrue(r.err().startsWith("jot: "), r.toString());
            assertFalse(r.err().contains("Exception"), r.toString());
        }
    }
}
