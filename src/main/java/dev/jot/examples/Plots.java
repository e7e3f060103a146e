package dev.jot.examples;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Pictures for the demo and the examples, drawn with XChart and written as PNG files. Every file is
 * written to a temporary name and then moved into place, so an interrupted run (Ctrl-C) leaves only
 * whole pictures.
 */
public final class Plots {
    private Plots() {
    }

    /** Temporary files being written; a shutdown hook (Ctrl-C) removes them, so no half picture is left. */
    private static final java.util.Set<Path> IN_PROGRESS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path p : IN_PROGRESS) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // the JVM is exiting: nothing more can be done
                }
            }
        }, "jot-plots-cleanup"));
    }

    /** Colours for classes and clouds: blue, orange, green, red, purple. */
    static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189)};

    /** An XY chart with the project's style: white background, no legend unless asked, square by default. */
    static XYChart xy(String title, String xLabel, String yLabel, int width, int height) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotBackgroundColor(Color.WHITE);
        c.getStyler().setLegendVisible(false);
        c.getStyler().setPlotGridLinesColor(new Color(230, 230, 230));
        c.getStyler().setChartTitleBoxVisible(false);
        return c;
    }

    /** A scatter series of points (x, y) in one colour. */
    static XYSeries scatter(XYChart c, String name, double[] xs, double[] ys, Color color, int size) {
        XYSeries s = c.addSeries(name, xs, ys);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(color);
        c.getStyler().setMarkerSize(size);
        return s;
    }

    /** A polyline without markers. */
    static XYSeries line(XYChart c, String name, double[] xs, double[] ys, Color color, float width) {
        XYSeries s = c.addSeries(name, xs, ys);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineWidth(width);
        s.setShowInLegend(false);
        return s;
    }

    /** A heat map of a matrix: row i at height i (row 0 at the bottom), column j at j, the value written in each cell. */
    static HeatMapChart heatMap(String title, double[][] m, String rowLabel, String colLabel, int size) {
        HeatMapChart c = new HeatMapChartBuilder().width(size).height(size).title(title)
                .xAxisTitle(colLabel).yAxisTitle(rowLabel).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setShowValue(true);
        c.getStyler().setHeatMapValueDecimalPattern("0.000");
        c.getStyler().setDecimalPattern("0.###"); // axes: 0, 1, 2; the colour legend: 0.15
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setRangeColors(new Color[]{new Color(255, 255, 255), new Color(120, 170, 220), new Color(8, 48, 107)});
        c.getStyler().setChartTitleBoxVisible(false);
        int rows = m.length, cols = m[0].length;
        List<Integer> xData = new java.util.ArrayList<>(), yData = new java.util.ArrayList<>();
        for (int j = 0; j < cols; j++) {
            xData.add(j);
        }
        for (int i = 0; i < rows; i++) {
            yData.add(i);
        }
        List<Number[]> heat = new java.util.ArrayList<>();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                heat.add(new Number[]{j, i, m[i][j]}); // row i at height i: row 0 at the bottom, as the axis says

                lo = Math.min(lo, m[i][j]);
                hi = Math.max(hi, m[i][j]);
            }
        }
        // the legend prints its ends as they are: 0 for a non-negative matrix, the top rounded up to 3 digits
        double bottom = lo >= 0 ? 0 : lo;
        double top = hi > bottom ? roundUp(hi) : bottom + 1;
        c.getStyler().setMin(bottom);
        c.getStyler().setMax(top);
        c.addSeries(title, xData, yData, heat);
        return c;
    }

    /** The smallest number of 3 significant digits at least v (v > 0). */
    static double roundUp(double v) {
        double scale = Math.pow(10, Math.floor(Math.log10(v)) - 2);
        return scale >= 1 ? Math.ceil(v / scale) * scale : Math.ceil(v / scale) / Math.rint(1 / scale);
    }

    /** Writes one chart as a PNG file (atomically) and returns its path. */
    static Path write(Chart<?, ?> chart, Path file) {
        return write(BitmapEncoder.getBufferedImage(chart), file);
    }

    /** Writes charts side by side in a grid of {@code rows} × {@code cols} as one PNG file. */
    static Path write(List<? extends Chart<?, ?>> charts, int rows, int cols, Path file) {
        int w = charts.get(0).getWidth(), h = charts.get(0).getHeight();
        BufferedImage all = new BufferedImage(w * cols, h * rows, BufferedImage.TYPE_INT_RGB);
        var g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        for (int k = 0; k < charts.size(); k++) {
            g.drawImage(BitmapEncoder.getBufferedImage(charts.get(k)), (k % cols) * w, (k / cols) * h, null);
        }
        g.dispose();
        return write(all, file);
    }

    /**
     * Writes an image as a PNG file: to a temporary file beside it, then moved into place.
     *
     * @param image the image
     * @param file the PNG file to write (its directory is created if missing; an existing file is replaced)
     * @return {@code file}
     * @throws UncheckedIOException if the file cannot be written
     */
    public static Path write(BufferedImage image, Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".part");
            IN_PROGRESS.add(tmp);
            try {
                if (!ImageIO.write(image, "png", tmp.toFile())) {
                    throw new IOException("no PNG writer in this JVM");
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
                IN_PROGRESS.remove(tmp);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
