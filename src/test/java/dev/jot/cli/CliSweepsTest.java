package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.testutil.MiniJson;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code jot solve --sweeps}: the JSON says which sweeps ran and how often the kernel was absorbed or fell
 * back, and the kernel's answer is the log domain's; a bad name is one line and exit 2.
 */
class CliSweepsTest {
    private static final String X = "src/test/resources/reference/uniform_2d_x.npy", Y = "src/test/resources/reference/uniform_2d_y.npy";

    private static Map<String, Object> solve(String sweeps) {
        CliTest.Run r = CliTest.jot("solve", "--x", X, "--y", Y, "--epsilon", "0.02", "--precision", "f64", "--tol", "1e-10",
                "--sweeps", sweeps, "--json");
        assertEquals(0, r.code(), r.toString());
        return MiniJson.parseObject(r.out().strip());
    }

    @Test
    void kernelSweepsReportThemselvesAndAgreeWithTheLogDomain() {
        Map<String, Object> log = solve("log"), kernel = solve("kernel");
        assertEquals("log", log.get("sweeps"));
        assertTrue(((String) kernel.get("sweeps")).startsWith("kernel"), kernel.toString());
        assertTrue(kernel.containsKey("absorptions") && kernel.containsKey("fallbacks"), kernel.toString());
        assertEquals(Boolean.TRUE, kernel.get("converged"));
        double c0 = ((Number) log.get("cost")).doubleValue(), c1 = ((Number) kernel.get("cost")).doubleValue();
        assertEquals(c0, c1, 1e-9 * c0);
        CliTest.Run bad = CliTest.jot("solve", "--x", X, "--y", Y, "--epsilon", "0.02", "--sweeps", "fast");
        assertEquals(2, bad.code(), bad.toString());
        assertEquals(1, bad.err().strip().lines().count(), bad.toString());
        assertTrue(bad.err().contains("fast"), bad.toString());
    }
}
