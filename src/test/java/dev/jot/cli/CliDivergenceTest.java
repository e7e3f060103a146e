package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.divergence.MmdKernel;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.testutil.MiniJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jot divergence}: its JSON, its gradient files, and its errors, against the library's API. */
class CliDivergenceTest {
    @TempDir
    Path dir;
    Path x;
    Path y;
    Points px;
    Points py;

    @BeforeEach
    void files() throws IOException {
        Random rnd = new Random(12);
        double[] xs = new double[60 * 2], ys = new double[45 * 2];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
        }
        for (int k = 0; k < ys.length; k++) {
            ys[k] = 0.3 + rnd.nextDouble();
        }
        x = dir.resolve("x.npy");
        y = dir.resolve("y.npy");
        DataFiles.write(x, NdArray.of(xs, 60, 2));
        DataFiles.write(y, NdArray.of(ys, 45, 2));
        px = Points.of(60, 2, xs);
        py = Points.of(45, 2, ys);
    }

    static Map<String, Object> json(CliTest.Run r) {
        assertEquals(0, r.code(), r.toString());
        return MiniJson.parseObject(r.out().strip());
    }

    @Test
    void debiasedJsonAndGradientFileMatchTheApi() throws IOException {
        Path gx = dir.resolve("gx.npy");
        Map<String, Object> j = json(CliTest.jot("divergence", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.05",
                "--precision", "f64", "--tol", "1e-10", "--max-iter", "100000", "--grad-x", gx.toString(), "--json"));
        DivergenceResult want = Divergences.sinkhorn(px, null, py, null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.05).withPrecision(Precision.F64).withTolerance(1e-10).withMaxIterations(100000),
                Loss.DEBIASED, true);
        assertEquals(want.value(), ((Number) j.get("value")).doubleValue(), 1e-12 * Math.abs(want.value()));
        assertEquals(Boolean.TRUE, j.get("converged"));
        assertEquals("debiased", j.get("loss"));
        NdArray g = DataFiles.read(gx);
        assertEquals(2, g.rank());
        assertEquals(60, g.shape(0));
        assertEquals(2, g.shape(1));
        double[] got = g.toDoubleArray(), exp = want.gradX();
        for (int k = 0; k < exp.length; k++) {
            assertEquals(exp[k], got[k], 1e-12 + 1e-9 * Math.abs(exp[k]), "gradient entry " + k);
        }
    }

    @Test
    void genevayMmdAndUnrolled() {
        Map<String, Object> gen = json(CliTest.jot("divergence", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.1",
                "--loss", "genevay", "--json"));
        assertTrue(((Number) gen.get("value")).doubleValue() > 0, gen.toString());
        Map<String, Object> mmd = json(CliTest.jot("divergence", "--x", x.toString(), "--y", y.toString(), "--loss", "mmd",
                "--kernel", "gaussian:0.5", "--json"));
        double want = Divergences.mmd(px, null, py, null, MmdKernel.gaussian(0.5), false).value();
        assertEquals(want, ((Number) mmd.get("value")).doubleValue(), 1e-12 * want);
        Map<String, Object> un = json(CliTest.jot("divergence", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.1",
                "--unrolled", "5", "--json"));
        assertEquals(5, ((Number) un.get("iterations")).intValue());
    }

    @Test
    void plainSummary() {
        CliTest.Run r = CliTest.jot("divergence", "--x", x.toString(), "--y", y.toString(), "--epsilon", "0.1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("debiased between 60 and 45 points in 2-D"), r.out());
    }

    @Test
    void badInputsGiveOneLineAndExitTwo() {
        List<List<String>> cases = List.of(
                List.of("divergence", "--x", "X", "--y", "Y"),
                List.of("divergence", "--x", "X", "--y", "Y", "--epsilon", "1", "--loss", "wasserstein"),
                List.of("divergence", "--x", "X", "--y", "Y", "--loss", "mmd", "--kernel", "gaussian:0"),
                List.of("divergence", "--x", "X", "--y", "Y", "--loss", "mmd", "--epsilon", "1"),
                List.of("divergence", "--x", "X", "--y", "Y", "--epsilon", "-1"),
                List.of("divergence", "--x", "X", "--y", "Y", "--epsilon", "1", "--unrolled", "0"));
        String[] names = {"--epsilon", "wasserstein", "sigma", "--kernel", "epsilon", "iterations"};
        for (int k = 0; k < cases.size(); k++) {
            String[] args = cases.get(k).stream().map(s -> s.equals("X") ? x.toString() : s.equals("Y") ? y.toString() : s)
                    .toArray(String[]::new);
            CliTest.Run r = CliTest.jot(args);
            assertEquals(2, r.code(), r.toString());
            assertEquals(1, r.err().lines().count(), r.toString());
            assertFalse(r.err().contains("Exception"), r.toString());
            assertTrue(r.err().contains(names[k]), "should name " + names[k] + ": " + r);
        }
    }
}
