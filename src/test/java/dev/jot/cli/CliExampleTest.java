package dev.jot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jot example iris}, {@code digits} and {@code wgan} as a user runs them (short runs), and their bad input. */
class CliExampleTest {
    @TempDir
    Path dir;

    @Test
    void irisPrintsTableOneBesideThePapersAndDrawsTheFit() throws Exception {
        CliTest.Run r = CliTest.jot("example", "iris", "--steps", "12", "--sigma", "0", "--epsilon", "0.1", "--out", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
        assertTrue(r.out().contains("epsilon = 0.1:") && r.out().contains("| the paper's"), r.out());
        // the paper's row for ellipse 1 at epsilon 0.1 is 44 0 0
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  ellipse 1") && l.replaceAll(".*\\|", "").trim().equals("44          0         0")), r.out());
        int[] counts = r.out().lines().filter(l -> l.startsWith("  ellipse ")).limit(3)
                .flatMapToInt(l -> java.util.Arrays.stream(l.substring(11, l.indexOf('|')).trim().split("\\s+")).mapToInt(Integer::parseInt))
                .toArray();
        assertEquals(9, counts.length, r.out());
        for (int c : counts) {
            assertTrue(c >= 0 && c <= 50, "a count of points of one class: " + c);
        }
        BufferedImage img = ImageIO.read(dir.resolve("iris-eps0.1.png").toFile());
        assertTrue(img.getWidth() >= 1200, "three projections");
    }

    @Test
    void digitsWritesTheLatentGrid() throws Exception {
        CliTest.Run r = CliTest.jot("example", "digits", "--setting", "1:2:1", "--hidden", "16", "--out", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("epoch 1/1"), r.out());
        Path png = dir.resolve("digits-eps1-L2.png");
        assertTrue(Files.exists(png), r.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(dev.jot.examples.DigitsExample.PICTURE_SIZE, img.getWidth());
    }

    @Test
    void wganPrintsTheEstimateBesideTheExactW1AndDrawsTheCritic() throws Exception {
        CliTest.Run r = CliTest.jot("example", "wgan", "--points", "30", "--steps", "40", "--hidden", "8", "--out", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
        assertTrue(r.out().contains("exact W1") && r.out().contains("lambda = 10"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("40 ")), r.out());
        assertTrue(r.out().contains("final estimate"), r.out());
        BufferedImage img = ImageIO.read(dir.resolve("wgan.png").toFile());
        assertEquals(760, img.getWidth());
    }

    @Test
    void badOptionsGiveOneLineAndExitTwo() {
        String[][] cases = {
                {"example", "digits", "--setting", "1:10"},
                {"example", "digits", "--setting", "a:b:c"},
                {"example", "digits", "--setting", "-1:10:1"},
                {"example", "iris", "--epsilon", "-0.1"},
                {"example", "iris", "--sigma", "-1"},
                {"example", "iris", "--steps", "-3"},
                {"example", "iris", "--learning-rate", "0"},
                {"example", "wgan", "--steps", "0"},
                {"example", "wgan", "--points", "1"},
                {"example", "wgan", "--hidden", "0"},
                {"example", "wgan", "--lambda", "-10"},
                {"example", "wgan", "--learning-rate", "nan"},
                {"example", "wgan", "--points", "many"},
        };
        for (String[] args : cases) {
            CliTest.Run r = CliTest.jot(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r);
            assertEquals(1, r.err().strip().lines().count(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("jot: "), r.err());
        }
    }
}
