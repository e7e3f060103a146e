package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import dev.jot.testutil.MiniJson;
import dev.jot.testutil.Reference;
import dev.jot.testutil.Reference.Case;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code jot} command line, run in-process through {@link Jot#run}. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    static Run jot(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = Jot.run(args, o, e);
        }
        return new Run(code, out.toString(), err.toString());
    }

    // ---- solve on the reference cases -------------------------------------------------------------

    static Stream<Arguments> cases() {
        return Reference.cases().stream().flatMap(c -> Stream.of(Arguments.of(c, "f64"), Arguments.of(c, "f32")));
    }

    static List<String> inputArgs(Case c) {
        List<String> args = new ArrayList<>();
        if (c.isMatrix()) {
            args.addAll(List.of("--cost-matrix", c.file("cost_matrix").toString()));
        } else {
            args.addAll(List.of("--x", c.file("x").toString(), "--y", c.file("y").toString(), "--cost", c.cost()));
        }
        args.addAll(List.of("--a", c.file("a").toString(), "--b", c.file("b").toString()));
        return args;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void solveJsonMatchesReference(Case c, String precision) {
        boolean f64 = precision.equals("f64");
        List<String> args = new ArrayList<>(List.of("solve", "--json", "--epsilon", Double.toString(c.epsilon()),
                "--precision", precision));
        args.addAll(f64 ? List.of("--tol", "1e-12", "--max-iter", "100000") : List.of("--tol", "1e-6", "--max-iter", "5000"));
        args.addAll(inputArgs(c));
        Run r = jot(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err(), "stderr");
        assertEquals(1, r.out().strip().lines().count(), "one JSON line: " + r.out());
        Map<String, Object> json = MiniJson.parseObject(r.out().strip());
        for (String field : List.of("cost", "objective", "dual_objective", "iterations", "marginal_error", "converged",
                "status", "n", "m", "epsilon", "precision", "kernels", "threads", "solve_ms")) {
            assertTrue(json.containsKey(field), "missing field " + field + " in " + r.out());
        }
        double rel = f64 ? 1e-5 : 1e-3;
        assertRel(c.costValue(), (Double) json.get("cost"), rel, "cost");
        assertRel(c.objective(), (Double) json.get("objective"), rel, "objective");
        assertEquals(c.n(), ((Double) json.get("n")).intValue());
        assertEquals(c.m(), ((Double) json.get("m")).intValue());
        assertEquals(c.epsilon(), (Double) json.get("epsilon"));
        assertEquals(precision, json.get("precision"));
        assertTrue((Double) json.get("iterations") >= 1);
        assertTrue((Double) json.get("solve_ms") >= 0);
        if (f64) {
            assertEquals(Boolean.TRUE, json.get("converged"), r.out());
            assertTrue((Double) json.get("marginal_error") <= 1e-12, r.out());
        }
    }

    @Test
    void toleranceZeroRunsExactlyMaxIter() throws IOException {
        Path x = write("x.npy", randomPoints(10, 2, 1)), y = write("y.npy", randomPoints(12, 2, 2));
        Run r = jot("solve", "--json", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.1", "--tol", "0", "--max-iter", "7");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> json = MiniJson.parseObject(r.out().strip());
        assertEquals(7.0, json.get("iterations"));
        assertEquals(Boolean.FALSE, json.get("converged"));
    }

    @Test
    void plainSummaryAndCsvInput() throws IOException {
        Files.writeString(dir.resolve("x.csv"), "px,py\n0,0\n1,0\n2,0\n");
        Files.writeString(dir.resolve("y.csv"), "0,1\n1,1\n2,1\n");
        Run r = jot("solve", "--x", dir.resolve("x.csv").toString(), "--y", dir.resolve("y.csv").toString(),
                "--epsilon", "0.1", "--precision", "f64", "--tol", "1e-12", "--max-iter", "100000");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("cost <P,C>"), r.out());
        // three points on a line, one unit apart: the entropic cost is just above the exact cost 1
        SinkhornResult s = Sinkhorn.solve(Points.of(new double[][] {{0, 0}, {1, 0}, {2, 0}}),
                Points.of(new double[][] {{0, 1}, {1, 1}, {2, 1}}), null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.1).withPrecision(Precision.F64).withTolerance(1e-12).withMaxIterations(100_000));
        assertTrue(r.out().contains(String.format(Locale.ROOT, "%.10g", s.cost())), r.out());
    }

    // ---- demo, help, version ----------------------------------------------------------------------

    @Test
    void demoPrintsTheDocumentsValues() throws IOException {
        Path figures = dir.resolve("figures");
        Run r = jot("demo", "--out", figures.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
        // section 1: "   <eps>   <JOT cost>   <document>   <iterations>   <converged>"
        List<String> all = r.out().lines().toList();
        int from = indexOfPrefix(all, "1. "), to = indexOfPrefix(all, "2. ");
        assertTrue(from >= 0 && to > from, r.out());
        List<String> rows = all.subList(from, to).stream().map(String::strip)
                .filter(l -> l.startsWith("0.1 ") || l.startsWith("1.0 ")).toList();
        assertEquals(2, rows.size(), r.out());
        for (String row : rows) {
            String[] t = row.split("\\s+");
            String want = t[0].equals("0.1") ? "1.000" : "1.408";
            assertEquals(want, t[2], "document column: " + row);
            assertEquals(want, String.format(Locale.ROOT, "%.3f", Double.parseDouble(t[1])), "JOT's cost rounds to the document's: " + row);
            assertEquals("true", t[4], "converged: " + row);
        }
        String early = r.out().lines().filter(l -> l.contains("stopped after 40 iterations")).findFirst().orElseThrow();
        String value = early.replaceAll(".*iterations:\\s+([0-9.]+).*", "$1");
        assertEquals("1.714", String.format(Locale.ROOT, "%.3f", Double.parseDouble(value)), early);

        // the figures: each file the summary names is a readable PNG of a sensible size, and nothing else is left
        List<String> named = r.out().lines().map(String::strip).filter(l -> l.endsWith(".png") || l.contains(".png "))
                .map(l -> l.split("\\s+")[0]).toList();
        assertEquals(List.of("lines-cost.png", "lines-coupling-eps0.1.png", "lines-assignment-eps0.1.png",
                "lines-coupling-eps1.png", "lines-assignment-eps1.png", "moons-assignment.png", "cost-vs-epsilon.png"), named);
        try (Stream<Path> files = Files.list(figures)) {
            assertEquals(named.stream().sorted().toList(), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary files are left beside the pictures");
        }
        for (String name : named) {
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(figures.resolve(name).toFile());
            assertTrue(img != null && img.getWidth() >= 400 && img.getHeight() >= 300, name);
        }
    }

    @Test
    void demoWithoutFiguresWritesNothing() {
        Path figures = dir.resolve("none");
        Run r = jot("demo", "--no-figures", "--out", figures.toString());
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(figures));
        assertFalse(r.out().contains(".png"), r.out());
    }

    static int indexOfPrefix(List<String> lines, String prefix) {
        for (int k = 0; k < lines.size(); k++) {
            if (lines.get(k).startsWith(prefix)) {
                return k;
            }
        }
        return -1;
    }

    @Test
    void helpAndVersion() {
        Run help = jot("--help");
        assertEquals(0, help.code(), help.toString());
        assertTrue(help.out().contains("solve") && help.out().contains("demo"), help.out());
        Run solveHelp = jot("solve", "--help");
        assertEquals(0, solveHelp.code(), solveHelp.toString());
        assertTrue(solveHelp.out().contains("--epsilon"), solveHelp.out());
        // a run builds only its subcommand's model: the usage message, help and an unknown name still see them all
        for (String name : new String[] {"solve", "divergence", "pairwise", "emd", "gw", "wasserstein1d", "sliced", "gaussian",
                "barycenter", "demo", "example", "help"}) {
            assertTrue(help.out().contains("\n  " + name + " "), name + " missing from the usage message:\n" + help.out());
        }
        Run helpSolve = jot("help", "solve");
        assertEquals(0, helpSolve.code(), helpSolve.toString());
        assertTrue(helpSolve.out().contains("--epsilon"), helpSolve.out());
        Run unknown = jot("slove", "--epsilon", "1");
        assertEquals(Jot.BAD_INPUT, unknown.code(), unknown.toString());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
        assertTrue(unknown.err().contains("slove"), unknown.err());
        Run version = jot("--version");
        assertEquals(0, version.code(), version.toString());
        assertTrue(version.out().startsWith("jot "), version.out());
        assertTrue(version.out().contains("kernels: " + dev.jot.kernel.Kernels.defaults().name()), version.out());
    }

    /** The demo's moons are scikit-learn's make_moons(30, noise=0) up to order, and give the seeds' cost. */
    @Test
    void demoMoonsAreMakeMoons() {
        Points[] m = dev.jot.examples.BlogFigures.moons(30, new Random(0));
        assertEquals(15, m[0].n());
        assertEquals(15, m[1].n());
        double[][] outer = new double[15][], inner = new double[15][];
        for (int i = 0; i < 15; i++) {
            double t = Math.PI * i / 14;
            outer[i] = new double[] {Math.cos(t), Math.sin(t)};
            inner[i] = new double[] {1 - Math.cos(t), 1 - Math.sin(t) - 0.5};
        }
        assertSamePointSet(outer, m[0]);
        assertSamePointSet(inner, m[1]);
        SinkhornResult r = Sinkhorn.solve(m[0], m[1], null, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.1).withPrecision(Precision.F64).withTolerance(1e-12).withMaxIterations(100_000));
        assertTrue(r.converged(), r.status());
        double want = Reference.number(Reference.get(Reference.seedExamples(), "moons_30", "epsilon_0.1_converged_cost"));
        assertRel(want, r.cost(), 1e-6, "moons converged cost");
    }

    static void assertSamePointSet(double[][] want, Points got) {
        double[][] g = new double[got.n()][];
        for (int i = 0; i < got.n(); i++) {
            g[i] = new double[] {got.get(i, 0), got.get(i, 1)};
        }
        Comparator<double[]> order = Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]);
        double[][] w = want.clone();
        Arrays.sort(w, order);
        Arrays.sort(g, order);
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i][0], g[i][0], 1e-15, "point " + i);
            assertEquals(w[i][1], g[i][1], 1e-15, "point " + i);
        }
    }

    // ---- bad input: exit code 2, one line on stderr, no stack trace -------------------------------

    Path x10x2;
    Path y10x2;

    @BeforeEach
    void inputs() throws IOException {
        x10x2 = write("x.npy", randomPoints(10, 2, 1));
        y10x2 = write("y.npy", randomPoints(10, 2, 2));
    }

    Path write(String name, NdArray a) throws IOException {
        Path p = dir.resolve(name);
        Npy.write(p, a);
        return p;
    }

    static NdArray randomPoints(int n, int d, long seed) {
        Random rnd = new Random(seed);
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble();
        }
        return NdArray.of(v, n, d);
    }

    /** Runs {@code jot solve --x x.npy --y y.npy <args>} and checks the one-line error. */
    void assertBadInput(List<String> args, String... mustContain) {
        Run r = jot(args.toArray(String[]::new));
        assertEquals(Jot.BAD_INPUT, r.code(), r.toString());
        assertFalse(r.err().contains("at dev.jot"), "stack trace on stderr: " + r);
        assertFalse(r.err().contains("Exception"), "exception name on stderr: " + r);
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "exactly one line on stderr: " + r);
        for (String s : mustContain) {
            assertTrue(lines.get(0).contains(s), "stderr should name '" + s + "': " + lines.get(0));
        }
    }

    List<String> solve(String... more) {
        List<String> args = new ArrayList<>(List.of("solve", "--x", x10x2.toString(), "--y", y10x2.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void missingEpsilon() {
        assertBadInput(List.of("solve", "--x", x10x2.toString(), "--y", y10x2.toString()), "--epsilon");
    }

    @Test
    void epsilonZero() {
        assertBadInput(solve("--epsilon", "0"), "epsilon", "0");
    }

    @Test
    void epsilonNegative() {
        assertBadInput(solve("--epsilon", "-1"), "epsilon", "-1");
    }

    @Test
    void epsilonNotANumber() {
        assertBadInput(solve("--epsilon", "abc"), "abc");
    }

    @Test
    void unknownOption() {
        assertBadInput(solve("--epsilon", "0.1", "--bogus", "3"), "--bogus");
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.npy");
        assertBadInput(List.of("solve", "--x", missing.toString(), "--y", y10x2.toString(), "--epsilon", "0.1"), "nope.npy");
    }

    @Test
    void missingInputs() {
        assertBadInput(List.of("solve", "--x", x10x2.toString(), "--epsilon", "0.1"), "--y");
    }

    @Test
    void nanInNpy() throws IOException {
        double[] v = randomPoints(10, 2, 3).toDoubleArray();
        v[7] = Double.NaN;
        Path nan = write("nan.npy", NdArray.of(v, 10, 2));
        assertBadInput(List.of("solve", "--x", nan.toString(), "--y", y10x2.toString(), "--epsilon", "0.1"), "NaN", "x[3][1]");
    }

    @Test
    void negativeWeights() throws IOException {
        double[] w = new double[10];
        Arrays.fill(w, 0.1);
        w[4] = -0.1;
        w[5] = 0.3;
        Path a = write("a.npy", NdArray.of(w, 10));
        assertBadInput(solve("--epsilon", "0.1", "--a", a.toString()), "a[4]", "-0.1", "negative");
    }

    @Test
    void unequalMasses() throws IOException {
        double[] w = new double[10];
        Arrays.fill(w, 0.5);
        Path b = write("b.npy", NdArray.of(w, 10));
        assertBadInput(solve("--epsilon", "0.1", "--b", b.toString()), "sums to", "5.0");
    }

    @Test
    void dimensionMismatch() throws IOException {
        Path y3 = write("y3.npy", randomPoints(10, 3, 4));
        assertBadInput(List.of("solve", "--x", x10x2.toString(), "--y", y3.toString(), "--epsilon", "0.1"),
                "dimension", "10 x 2", "10 x 3");
    }

    @Test
    void wrongPrecision() {
        assertBadInput(solve("--epsilon", "0.1", "--precision", "f16"), "f16");
    }

    @Test
    void wrongKernels() {
        assertBadInput(solve("--epsilon", "0.1", "--kernels", "gpu"), "gpu");
    }

    @Test
    void bogusCost() {
        assertBadInput(solve("--epsilon", "0.1", "--cost", "bogus"), "bogus");
    }

    @Test
    void malformedNpy() throws IOException {
        Path junk = dir.resolve("junk.npy");
        byte[] bytes = new byte[200];
        new Random(5).nextBytes(bytes);
        bytes[0] = 'J';
        Files.write(junk, bytes);
        assertBadInput(List.of("solve", "--x", junk.toString(), "--y", y10x2.toString(), "--epsilon", "0.1"), "junk.npy");
        // a valid magic followed by garbage
        byte[] fake = Arrays.copyOf(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 20, 0}, 60);
        Files.write(junk, fake);
        assertBadInput(List.of("solve", "--x", junk.toString(), "--y", y10x2.toString(), "--epsilon", "0.1"), "junk.npy");
    }

    @Test
    void raggedCsv() throws IOException {
        Path csv = dir.resolve("ragged.csv");
        Files.writeString(csv, "0,0\n1,0,5\n2,0\n");
        assertBadInput(List.of("solve", "--x", csv.toString(), "--y", y10x2.toString(), "--epsilon", "0.1"),
                "ragged.csv", "line 2");
    }

    @Test
    void unknownSubcommand() {
        Run r = jot("frobnicate");
        assertEquals(Jot.BAD_INPUT, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().contains("frobnicate"), r.toString());
    }

    static void assertRel(double want, double got, double rel, String what) {
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want),
                what + ": want " + want + ", got " + got + " (relative difference " + Math.abs(got - want) / Math.abs(want) + ")");
    }
}
