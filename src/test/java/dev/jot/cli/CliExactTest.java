package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.testutil.MiniJson;
import dev.jot.testutil.Reference;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code jot emd} against every reference case's {@code emd}, its plan file, {@code jot gw}, and bad input. */
class CliExactTest {
    @TempDir
    Path dir;

    static Stream<Reference.Case> cases() {
        return Reference.cases().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void emdMatchesTheReference(Reference.Case c) throws IOException {
        List<String> args = new ArrayList<>(List.of("emd"));
        args.addAll(CliTest.inputArgs(c));
        Path plan = dir.resolve("plan.npy");
        args.addAll(List.of("--plan", plan.toString(), "--json"));
        CliTest.Run r = CliTest.jot(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> j = MiniJson.parseObject(r.out().strip());
        double cost = ((Number) j.get("cost")).doubleValue();
        assertEquals(c.emd(), cost, 1e-9 * Math.abs(c.emd()), c.name());
        int k = ((Number) j.get("plan_nonzeros")).intValue();
        assertTrue(k <= c.n() + c.m() - 1, "nonzeros " + k);
        NdArray p = DataFiles.read(plan);
        assertEquals(k, p.shape(0));
        assertEquals(3, p.shape(1));
        double mass = 0;
        double[] flat = p.toDoubleArray();
        for (int t = 0; t < k; t++) {
            mass += flat[3 * t + 2];
        }
        assertEquals(1.0, mass, 1e-12);
        assertEquals(Boolean.TRUE, j.get("optimal"));
    }

    @Test
    void gwPrintsValueAndConverged() throws IOException {
        Random rnd = new Random(2);
        double[] x = new double[30 * 2], y = new double[30 * 3];
        for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextDouble();
        }
        for (int k = 0; k < y.length; k++) {
            y[k] = rnd.nextDouble();
        }
        Path px = dir.resolve("x.npy"), py = dir.resolve("y.npy");
        DataFiles.write(px, NdArray.of(x, 30, 2));
        DataFiles.write(py, NdArray.of(y, 30, 3));
        CliTest.Run r = CliTest.jot("gw", "--x", px.toString(), "--y", py.toString(), "--epsilon", "0.01", "--json");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> j = MiniJson.parseObject(r.out().strip());
        assertTrue(((Number) j.get("value")).doubleValue() > 0, j.toString());
        assertTrue(j.containsKey("converged"), j.toString());
    }

    @Test
    void badInputGivesOneLine() {
        for (String[] args : new String[][]{{"emd"}, {"emd", "--x", "nope.npy", "--y", "nope.npy"}, {"gw", "--x", "a", "--y", "b"}}) {
            CliTest.Run r = CliTest.jot(args);
            assertEquals(2, r.code(), r.toString());
            assertEquals(1, r.err().lines().count(), r.toString());
            assertFalse(r.err().contains("Exception"), r.toString());
        }
    }
}
