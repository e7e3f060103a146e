package dev.jot.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads and writes arrays in the format given by a file's extension: {@code .npy} ({@link Npy}), or
 * {@code .csv}, {@code .csv.gz}, {@code .txt}, {@code .txt.gz} ({@link Csv}).
 *
 * <p>Thread-safe: reading and writing different files from several threads is safe; a write is atomic (a temporary file moved into place).
 */
public final class DataFiles {
    private DataFiles() {
    }

    /**
     * Reads an array from a {@code .npy} or CSV file, chosen by the file's extension (in any case).
     *
     * @param file the file to read
     * @return the array: as stored for {@code .npy}, 2-D f64 for CSV
     * @throws IOException         if the file cannot be opened or read
     * @throws DataFormatException if the extension is unknown or the content is malformed
     */
    public static NdArray read(Path file) throws IOException {
        return npy(file) ? Npy.read(file) : Csv.read(file);
    }

    /**
     * Writes an array to a {@code .npy} or CSV file, chosen by the file's extension (in any case), atomically:
     * the file appears whole or not at all.
     *
     * @param file  the file to write
     * @param array the array to write
     * @throws IOException         if the file cannot be written
     * @throws DataFormatException if the extension is unknown, or the format cannot hold the array
     *                             (a 3-D array in CSV)
     */
    public static void write(Path file, NdArray array) throws IOException {
        boolean npy = npy(file);
        // atomically: the whole file is written under a temporary name beside it (the same ending, so the
        // same format), then moved into place, so an error or Ctrl-C never leaves a half-written file
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(".jot-" + Long.toHexString(System.nanoTime()) + "-" + abs.getFileName());
        tmp.toFile().deleteOnExit();
        try {
            if (npy) {
                Npy.write(tmp, array);
            } else {
                Csv.write(tmp, array);
            }
            try {
                java.nio.file.Files.move(tmp, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                java.nio.file.Files.move(tmp, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    /**
     * Checks that a file's name says a format {@link #write} knows ({@code .npy}, {@code .csv},
     * {@code .csv.gz}, {@code .txt}, {@code .txt.gz}), before anything is computed for it.
     *
     * @param file the file to write
     * @throws DataFormatException if the extension is unknown
     */
    public static void checkType(Path file) {
        npy(file);
    }

    /** True for {@code .npy}, false for a CSV extension; throws for anything else. */
    private static boolean npy(Path file) {
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) {
            return true;
        }
        for (String ext : new String[] {".csv", ".csv.gz", ".txt", ".txt.gz"}) {
            if (name.endsWith(ext)) {
                return false;
            }
        }
        throw new DataFormatException(file, "unknown file type (use .npy or .csv)");
    }
}
