package dev.jot.data;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes comma-separated numbers, one row per line, as f64 arrays. Files whose name ends in
 * {@code .gz} are gzip-compressed.
 *
 * <p>Format read: fields separated by commas, with optional spaces around them; {@code \n} or
 * {@code \r\n} line ends; an optional header line (a first line in which some non-empty field is not
 * a number is skipped); blank lines at the end are ignored. Numbers are decimal ({@code 1}, {@code -2.5e-3}),
 * or {@code nan}, {@code inf}, {@code -inf}, {@code infinity} in any case: rejecting non-finite values
 * is the solver's job.
 *
 * <p>Thread-safe: reading and writing different files from several threads is safe.
 */
public final class Csv {
    private Csv() {
    }

    /**
     * Reads a CSV file as a 2-D f64 array of {@code rows × columns} (a single-column file is
     * {@code rows × 1}).
     *
     * @param file the file to read ({@code .gz} names are decompressed)
     * @return the values, row-major
     * @throws IOException         if the file cannot be opened or read (the message names the file)
     * @throws DataFormatException with the file name and 1-based line number if the rows have
     *                             different lengths, a field is empty or not a number, the file has
     *                             no data rows, or a {@code .gz} file is not valid gzip
     */
    public static NdArray read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             BufferedReader in = new BufferedReader(new InputStreamReader(
                     gzip(file) ? new GZIPInputStream(raw, 1 << 16) : raw, StandardCharsets.UTF_8), 1 << 16)) {
            return parse(file, in);
        } catch (ZipException | EOFException e) {
            if (!gzip(file)) {
                throw e;
            }
            throw new DataFormatException(file, "not a valid gzip file (" + e.getMessage() + ")", e);
        }
    }

    private static NdArray parse(Path file, BufferedReader in) throws IOException {
        double[] values = new double[1024];
        int count = 0;
        int columns = -1;
        int firstDataLine = 0;
        int blankLine = 0;
        String line;
        for (int lineNo = 1; (line = in.readLine()) != null; lineNo++) {
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.isBlank()) {
                blankLine = blankLine == 0 ? lineNo : blankLine;
                continue;
            }
            if (blankLine != 0) {
                throw new DataFormatException(file, "line " + blankLine + " is blank (blank lines are allowed only at the end)");
            }
            String[] fields = line.split(",", -1);
            if (lineNo == 1 && isHeader(fields)) {
                continue;
            }
            if (columns < 0) {
                columns = fields.length;
                firstDataLine = lineNo;
            } else if (fields.length != columns) {
                throw new DataFormatException(file, "line " + lineNo + " has " + fields.length
                        + " values, line " + firstDataLine + " has " + columns);
            }
            if (count > Integer.MAX_VALUE - 8 - columns) {
                throw new DataFormatException(file, "line " + lineNo + ": too many values for a CSV file (use .npy)");
            }
            if (count + columns > values.length) {
                values = Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8L,
                        Math.max(count + columns, 2L * values.length)));
            }
            for (int k = 0; k < columns; k++) {
                String field = fields[k].strip();
                if (field.isEmpty()) {
                    throw new DataFormatException(file, "line " + lineNo + ", field " + (k + 1) + " is empty");
                }
                try {
                    values[count++] = parseNumber(field);
                } catch (NumberFormatException e) {
                    throw new DataFormatException(file, "line " + lineNo + ", field " + (k + 1) + ": '"
                            + abbreviate(field) + "' is not a number");
                }
            }
        }
        if (columns < 0) {
            throw new DataFormatException(file, "no data rows");
        }
        return NdArray.of(Arrays.copyOf(values, count), count / columns, columns);
    }

    /** A header is a first line in which some non-empty field is not a number. */
    private static boolean isHeader(String[] fields) {
        for (String f : fields) {
            try {
                if (!f.isBlank()) {
                    parseNumber(f.strip());
                }
            } catch (NumberFormatException e) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses a decimal number or nan/inf/infinity (any case, optional sign). Unlike
     * {@link Double#parseDouble} it refuses Java-only forms such as {@code 1d}, {@code 2f} or hex.
     */
    static double parseNumber(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        String body = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        switch (body) {
            case "nan":
                return Double.NaN;
            case "inf", "infinity":
                return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            default:
                break;
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == '-' || c == '+')) {
                throw new NumberFormatException(s);
            }
        }
        return Double.parseDouble(t);
    }

    /**
     * Writes a rank-1 array as one value per line, or a rank-2 array as one comma-separated row per
     * line, replacing the file if it exists. Values are written in the shortest form that reads back
     * exactly ({@link Double#toString(double)}, or {@link Float#toString(float)} for f32 arrays).
     *
     * @param file  the file to write ({@code .gz} names are compressed)
     * @param array the array to write
     * @throws IOException         if the file cannot be written (the message names the file)
     * @throws DataFormatException if the array has rank 3, or is 2-D with rows but no columns: CSV
     *                             cannot hold it (use {@code .npy})
     */
    public static void write(Path file, NdArray array) throws IOException {
        if (array.rank() > 2) {
            throw new DataFormatException(file, "CSV holds 1-D or 2-D arrays, got shape "
                    + Arrays.toString(array.shape()) + " (use .npy)");
        }
        long rows = array.shape(0);
        long cols = array.rank() == 1 ? 1 : array.shape(1);
        if (cols == 0 && rows > 0) {
            throw new DataFormatException(file, "CSV cannot hold an array with no columns, got shape "
                    + Arrays.toString(array.shape()) + " (use .npy)");
        }
        boolean f32 = array.precision() == Precision.F32;
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream os = gzip(file) ? new GZIPOutputStream(raw, 1 << 16) : raw;
             Writer out = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16)) {
            long k = 0;
            for (long i = 0; i < rows; i++) {
                for (long j = 0; j < cols; j++, k++) {
                    if (j > 0) {
                        out.write(',');
                    }
                    double v = array.getFlat(k);
                    out.write(f32 ? Float.toString((float) v) : Double.toString(v));
                }
                out.write('\n');
            }
        }
    }

    private static boolean gzip(Path file) {
        return String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT).endsWith(".gz");
    }

    /** The field for a message: at most 40 characters, control characters shown as '?'. */
    private static String abbreviate(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
