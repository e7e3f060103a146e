package dev.jot.exact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.data.Weights;
import dev.jot.testutil.MiniJson;
import dev.jot.testutil.Reference;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Entropic GW at equal ε agrees with POT 0.8.2's {@code entropic_gromov_wasserstein} (issue 22: JOT's ε
 * used to mean POT's ε/2). The inputs (two clouds of dimensions 2 and 3, non-uniform weights) and POT's
 * values are in {@code src/test/resources/gw}, with the script that made them.
 */
class GromovWassersteinPotTest {
    private static Path dir() throws URISyntaxException {
        URL url = GromovWassersteinPotTest.class.getResource("/gw/pot_values.json");
        assertNotNull(url, "the GW reference /gw/pot_values.json is not on the test class path");
        return Path.of(url.toURI()).getParent();
    }

    private static double[][] square(NdArray c) {
        int n = (int) c.shape()[0];
        double[] flat = c.toDoubleArray();
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * n, out[i], 0, n);
        }
        return out;
    }

    @ParameterizedTest(name = "epsilon {0}")
    @ValueSource(doubles = {0.5, 1.0, 2.0})
    @SuppressWarnings("unchecked")
    void agreesWithPotAtEqualEpsilon(double epsilon) throws IOException, URISyntaxException {
        Path d = dir();
        Map<String, Object> json = MiniJson.parseObject(Files.readString(d.resolve("pot_values.json")));
        Map<String, Object> values = (Map<String, Object>) json.get("values");
        double pot = Reference.number(((Map<String, Object>) values.get(Double.toString(epsilon))).get("gw_dist"));
        double[][] c1 = square(Npy.read(d.resolve("c1.npy"))), c2 = square(Npy.read(d.resolve("c2.npy")));
        Weights a = Weights.of(Npy.read(d.resolve("a.npy"))), b = Weights.of(Npy.read(d.resolve("b.npy")));
        GromovWasserstein.Result r = GromovWasserstein.entropic(c1, a, c2, b, epsilon, 10_000, 1e-12);
        System.out.printf("GW at epsilon %s: JOT %.12f, POT %.12f, relative difference %.2e%n", epsilon, r.value(), pot,
                Math.abs(r.value() - pot) / pot);
        assertTrue(r.converged(), r.status());
        // POT's inner Sinkhorn stops at a marginal error of 1e-9 (its default), so its value is good to about 1e-8
        assertEquals(pot, r.value(), 1e-8 * pot, "JOT " + r.value() + " against POT " + pot);
    }
}
