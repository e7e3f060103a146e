package dev.jot.examples;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Grey-level images as masses, for the grid barycenters: read with {@code javax.imageio} (PNG and the other formats
 * the JVM reads), written as 8-bit grey PNG files.
 */
public final class GreyImages {
    private GreyImages() {
    }

    /**
     * Reads an image's grey levels: (0.299 R + 0.587 G + 0.114 B) / 255, times alpha, in [0, 1]; with {@code invert},
     * 1 minus that (dark shapes on a light background carry the mass).
     *
     * @param file the image file
     * @param invert whether dark pixels carry the mass
     * @return rows × cols grey levels, row-major (rows = the image's height)
     * @throws IOException if the file cannot be read or holds no image the JVM can decode
     */
    public static double[][] read(Path file, boolean invert) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IOException(file + " is not an image this JVM can read (PNG, JPEG, GIF, BMP)");
        }
        int rows = img.getHeight(), cols = img.getWidth();
        double[][] v = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int argb = img.getRGB(c, r);
                double alpha = ((argb >>> 24) & 0xff) / 255.0;
                double grey = (0.299 * ((argb >> 16) & 0xff) + 0.587 * ((argb >> 8) & 0xff) + 0.114 * (argb & 0xff)) / 255.0;
                double g = grey * alpha + (1 - alpha) * (invert ? 1 : 0); // transparent pixels carry no mass
                v[r][c] = invert ? 1 - g : g;
            }
        }
        return v;
    }

    /**
     * An 8-bit grey picture of masses, scaled so that the largest is white (black with {@code invert}).
     *
     * @param values rows × cols masses, row-major
     * @param rows the number of rows
     * @param cols the number of columns
     * @param invert whether mass is drawn dark on white
     * @return the picture
     */
    public static BufferedImage image(double[] values, int rows, int cols, boolean invert) {
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        double top = 0;
        for (double x : values) {
            top = Math.max(top, x);
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double t = top > 0 ? Math.max(0, values[r * cols + c]) / top : 0;
                int g = (int) Math.round(255 * (invert ? 1 - t : t));
                img.getRaster().setSample(c, r, 0, g);
            }
        }
        return img;
    }
}
