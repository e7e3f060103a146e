package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.testutil.MiniJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jot solve --rho / --rho-a / --rho-b} and {@code jot divergence --rho}: the issue's values through the CLI. */
class CliUnbalancedTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static Map<String, Object> json(CliTest.Run r) {
        assertEquals(0, r.code(), r.toString());
        return MiniJson.parseObject(r.out().strip());
    }

    private static double num(Map<String, Object> j, String k) {
        return ((Number) j.get(k)).doubleValue();
    }

    @Test
    void solveOnACostMatrixGivesTheIssuesValues() throws IOException {
        Path c = file("c.csv", "0,1\n1,0\n"), a = file("a.csv", "0.5,0.5\n");
        Map<String, Object> j = json(CliTest.jot("solve", "--cost-matrix", c.toString(), "--a", a.toString(), "--b", a.toString(),
                "--epsilon", "1", "--rho", "1", "--precision", "f64", "--tol", "1e-13", "--max-iter", "10000", "--json"));
        assertEquals(0.35681721604912, num(j, "objective"), 1e-12);
        assertEquals(0.35681721604912, num(j, "dual_objective"), 1e-12);
        assertEquals(0.88106093, num(j, "mass"), 5e-9);
        assertEquals(1.0, num(j, "rho_a"));
        assertEquals(1.0, num(j, "rho_b"));
        assertTrue(num(j, "potential_change") <= 1e-13);
        assertEquals(Boolean.TRUE, j.get("converged"));
        assertTrue(j.containsKey("cost") && j.containsKey("marginal_error"));
        // semi-relaxed: an infinite side is written as null
        Path b = file("b.csv", "0.75,0.75\n");
        j = json(CliTest.jot("solve", "--cost-matrix", c.toString(), "--a", a.toString(), "--b", b.toString(),
                "--epsilon", "1", "--rho-a", "inf", "--rho-b", "0.5", "--precision", "f64", "--tol", "1e-12", "--json"));
        assertNull(j.get("rho_a"));
        assertEquals(0.5, num(j, "rho_b"));
        assertEquals(1.0, num(j, "mass"), 1e-10);
        // the text summary names the mass
        CliTest.Run text = CliTest.jot("solve", "--cost-matrix", c.toString(), "--a", a.toString(), "--b", b.toString(),
                "--epsilon", "1", "--rho", "1");
        assertEquals(0, text.code(), text.toString());
        assertTrue(text.out().contains("mass of the plan"), text.out());
        // balanced JSON: mass 1, rho null, the unequal masses refused as before
        j = json(CliTest.jot("solve", "--cost-matrix", c.toString(), "--epsilon", "1", "--json"));
        assertNull(j.get("rho_a"));
        assertEquals(1.0, num(j, "mass"), 1e-6);
        CliTest.Run bad = CliTest.jot("solve", "--cost-matrix", c.toString(), "--a", a.toString(), "--b", b.toString(), "--epsilon", "1");
        assertEquals(Jot.BAD_INPUT, bad.code(), bad.toString());
    }

    @Test
    void pointCloudsBatchesAndMatrixFree() throws IOException {
        Path x = file("x.csv", "0\n1\n2\n"), y = file("y.csv", "0.5\n1.5\n");
        Path a = file("a.csv", "0.2\n0.5\n0.3\n"), b = file("b.csv", "0.6\n0.9\n");
        List<String> common = List.of("--epsilon", "1", "--rho", "2", "--precision", "f64", "--tol", "1e-12", "--json");
        Map<String, Object> stored = json(CliTest.jot(concat(List.of("solve", "--x", x.toString(), "--y", y.toString(),
                "--a", a.toString(), "--b", b.toString()), common)));
        Map<String, Object> free = json(CliTest.jot(concat(List.of("solve", "--x", x.toString(), "--y", y.toString(),
                "--a", a.toString(), "--b", b.toString(), "--matrix-free"), common)));
        assertEquals(num(stored, "objective"), num(free, "objective"), 1e-12);
        // a ragged batch: the same problem twice, and a shared-cost batch of two histogram pairs
        Map<String, Object> ragged = json(CliTest.jot(concat(List.of("solve", "--x", x + "," + x, "--y", y + "," + y,
                "--a", a + "," + a, "--b", b + "," + b), common)));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> problems = (List<Map<String, Object>>) ragged.get("problems");
        assertEquals(num(stored, "objective"), num(problems.get(1), "objective"), 0.0);
        Path c = file("c.csv", "0.25,2.25\n0.25,0.25\n2.25,0.25\n");
        Path as = file("as.csv", "0.2,0.5,0.3\n0.1,0.1,0.1\n"), bs = file("bs.csv", "0.6,0.9\n1,1\n");
        Map<String, Object> batch = json(CliTest.jot(concat(List.of("solve", "--cost-matrix", c.toString(),
                "--a", as.toString(), "--b", bs.toString()), common)));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> pairs = (List<Map<String, Object>>) batch.get("problems");
        assertEquals(num(stored, "objective"), num(pairs.get(0), "objective"), 1e-12);
        assertEquals(2.0, num(pairs.get(1), "rho_a"));
    }

    @Test
    void divergenceGivesTheIssuesThreePointValue() throws IOException {
        Path x = file("x.csv", "0\n1\n2\n"), y = file("y.csv", "0.5\n1.5\n");
        Path a = file("a.csv", "0.2\n0.5\n0.3\n"), b = file("b.csv", "0.6\n0.9\n");
        Path gx = dir.resolve("gx.npy");
        Map<String, Object> j = json(CliTest.jot("divergence", "--x", x.toString(), "--y", y.toString(), "--a", a.toString(),
                "--b", b.toString(), "--epsilon", "1", "--rho", "2", "--precision", "f64", "--tol", "1e-13",
                "--max-iter", "100000", "--grad-x", gx.toString(), "--json"));
        assertEquals(0.23999409898, num(j, "value"), 1e-10);
        assertEquals(2.0, num(j, "rho"));
        assertTrue(Files.size(gx) > 0);
        j = json(CliTest.jot("divergence", "--x", x.toString(), "--y", y.toString(), "--a", a.toString(),
                "--b", b.toString(), "--epsilon", "1", "--rho", "2", "--precision", "f64", "--loss", "transport", "--json"));
        assertTrue(num(j, "value") > 0);
    }

    @Test
    void badValuesEndWithOneLineAndExitTwo() throws IOException {
        Path c = file("c.csv", "0,1\n1,0\n");
        String[][] cases = {
                {"--rho", "0", "--rho must be positive"},
                {"--rho", "-1", "--rho must be positive"},
                {"--rho", "NaN", "--rho must be a positive number or inf, got 'NaN'"},
                {"--rho", "abc", "--rho must be a positive number or inf, got 'abc'"},
                {"--rho-b", "1e17", "rounds to 1"},
        };
        for (String[] k : cases) {
            CliTest.Run r = CliTest.jot("solve", "--cost-matrix", c.toString(), "--epsilon", "1", k[0], k[1]);
            assertEquals(Jot.BAD_INPUT, r.code(), r.toString());
            assertTrue(r.err().contains(k[2]), r.toString());
            assertTrue(!r.out().contains("NaN"), r.toString());
        }
        // sweeps kernel runs a finite rho (the damped scalings) and gives the log domain's value
        Path a = file("a.csv", "0.5,0.5\n");
        Map<String, Object> kernel = json(CliTest.jot("solve", "--cost-matrix", c.toString(), "--a", a.toString(), "--b", a.toString(),
                "--epsilon", "1", "--rho", "1", "--precision", "f64", "--tol", "1e-13", "--sweeps", "kernel", "--json"));
        assertEquals("kernel", kernel.get("sweeps"));
        assertEquals(0.35681721604912, num(kernel, "objective"), 1e-12);
    }

    @Test
    void autoRunsTheStoredKernelOnA300By300UnbalancedProblem() throws IOException {
        java.util.Random rnd = new java.util.Random(4);
        StringBuilder xs = new StringBuilder(), ys = new StringBuilder(), bs = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            xs.append(rnd.nextDouble()).append(',').append(rnd.nextDouble()).append('\n');
            ys.append(0.2 + 0.6 * rnd.nextDouble()).append(',').append(0.2 + 0.6 * rnd.nextDouble()).append('\n');
            bs.append(i == 0 ? "" : ",").append(2.0 / 300);
        }
        Path x = file("x.csv", xs.toString()), y = file("y.csv", ys.toString()), b = file("b.csv", bs + "\n");
        List<String> args = List.of("solve", "--x", x.toString(), "--y", y.toString(), "--b", b.toString(), "--epsilon", "0.05",
                "--rho", "1", "--translation-invariant", "--precision", "f64", "--tol", "1e-10", "--json");
        Map<String, Object> auto = json(CliTest.jot(args.toArray(String[]::new)));
        assertEquals("kernel", auto.get("sweeps"), auto.toString());
        assertEquals(Boolean.TRUE, auto.get("converged"));
        Map<String, Object> log = json(CliTest.jot(concat(args, List.of("--sweeps", "log"))));
        assertEquals("log", log.get("sweeps"));
        assertEquals(num(log, "objective"), num(auto, "objective"), 1e-9 * Math.abs(num(log, "objective")));
        assertEquals(num(log, "mass"), num(auto, "mass"), 1e-9 * num(log, "mass"));
        assertEquals(num(log, "iterations"), num(auto, "iterations"));
    }

    private static String[] concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }
}
