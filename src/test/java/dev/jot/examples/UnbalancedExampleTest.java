package dev.jot.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jot example unbalanced}: the plans converge, the picture is written, the mass grows with rho towards m(a)·m(b)'s range. */
class UnbalancedExampleTest {
    @TempDir
    Path dir;

    @Test
    void plansAtTwoRhosAndThePicture() throws Exception {
        StringWriter text = new StringWriter();
        UnbalancedExample.Result r = UnbalancedExample.run(0.005, List.of(0.05, 5.0), dir, new PrintWriter(text));
        assertEquals(2, r.solves().size());
        for (UnbalancedExample.Solve s : r.solves()) {
            assertTrue(s.result().converged(), s.result().status());
            assertEquals(s.result().objective(), s.result().dualObjective(), 1e-7);
        }
        double small = r.solves().get(0).result().mass(), large = r.solves().get(1).result().mass();
        // a strong penalty keeps more of both masses (between m(a) = 1 and m(b) = 5); a weak one transports little
        assertTrue(small < 1 && large > 1 && large < 5, small + ", " + large);
        BufferedImage img = ImageIO.read(Files.newInputStream(r.picture()));
        assertEquals(2 * 520, img.getWidth());
        assertTrue(text.toString().contains("mass of plan"), text.toString());
        assertThrows(IllegalArgumentException.class,
                () -> UnbalancedExample.run(0.005, List.of(Double.POSITIVE_INFINITY), dir, new PrintWriter(text)));
    }
}
