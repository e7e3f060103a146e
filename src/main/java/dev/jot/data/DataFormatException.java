package dev.jot.data;

import java.io.Serial;
import java.nio.file.Path;

/**
 * Thrown when a data file is malformed, or when an array cannot be represented in the format of the
 * file it is written to. The message always starts with the file name, followed by what is wrong,
 * for example {@code "x.npy: unsupported dtype '<i4' (need '<f4' or '<f8')"}.
 */
public class DataFormatException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The offending file. */
    private final transient Path file;

    /**
     * Creates an exception whose message is {@code file + ": " + problem}.
     *
     * @param file    the file that is malformed (or cannot hold the array)
     * @param problem what is wrong, naming the offending value
     */
    public DataFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /**
     * Like {@link #DataFormatException(Path, String)}, keeping the low-level cause.
     *
     * @param file    the file that is malformed
     * @param problem what is wrong, naming the offending value
     * @param cause   the underlying exception
     */
    public DataFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /**
     * The file the problem was found in.
     *
     * @return the file, as it was given to the reader or writer
     */
    public Path file() {
        return file;
    }
}
