package dev.jot.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jot.data.Csv;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes the {@code .npy} and {@code .csv} readers with Jazzer. Any input must give an array whose
 * size agrees with its shape, or a {@code DataFormatException} (an {@link IllegalArgumentException}) /
 * {@link IOException} with a message; anything else (an index or size error, an OutOfMemoryError, a
 * hang) is a finding. Without {@code JAZZER_FUZZ=1} each test replays its seed corpus (in
 * {@code src/test/resources/dev/jot/fuzz/ReaderFuzzTestInputs/}); {@code bin/fuzz} fuzzes each for a
 * bounded time.
 */
class ReaderFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void npy(byte[] data) {
        read(data, ".npy");
    }

    @FuzzTest(maxDuration = "30s")
    void csv(byte[] data) {
        read(data, ".csv");
    }

    private static void read(byte[] data, String suffix) {
        Path f = null;
        try {
            f = Files.createTempFile("jot-fuzz", suffix);
            Files.write(f, data);
            NdArray a = suffix.equals(".npy") ? Npy.read(f) : Csv.read(f);
            long size = 1;
            for (long s : a.shape()) {
                if (s < 0) {
                    throw new AssertionError("negative dimension in " + java.util.Arrays.toString(a.shape()));
                }
                size = Math.multiplyExact(size, s);
            }
            if (size != a.size()) {
                throw new AssertionError("shape " + java.util.Arrays.toString(a.shape()) + " but " + a.size() + " elements");
            }
            if (size > 0) {
                a.getFlat(0);
                a.getFlat(size - 1);
            }
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("an error without a message", e);
            }
        } catch (IOException e) {
            // a reader's I/O error (not a format error) is acceptable, but must say something
            if (e.getMessage() == null) {
                throw new UncheckedIOException(e);
            }
        } finally {
            if (f != null) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
