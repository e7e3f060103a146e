package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The outputs that several commands share, each a picocli mixin defined once: {@link JsonFlag} ({@code --json}),
 * {@link SparsePlan} ({@code --plan} as nonzeros), {@link TransportMap} ({@code --out-map}) and {@link Pictures}
 * ({@code --out} of the examples). The outputs only one command has ({@code jot solve}'s {@code --out-f},
 * {@code --out-g} and {@code --out-plan}, {@code jot gw}'s dense {@code --plan}, {@code jot divergence}'s
 * gradients, {@code jot gaussian}'s map matrix and offset, {@code jot demo}'s {@code --out}) stay in that command.
 */
final class OutputOptions {
    private OutputOptions() {
    }

    /** {@code --json}: print the result as one JSON object instead of a summary for people. */
    static final class JsonFlag {
        @Option(names = "--json", description = "print one JSON object")
        boolean json;
    }

    /** {@code --plan}: the nonzeros of a sparse plan, for {@code jot emd} and {@code jot wasserstein1d}. */
    static final class SparsePlan {
        @Option(names = "--plan", paramLabel = "FILE",
                description = "write the plan's nonzeros as a k x 3 array (row, column, mass), .npy or .csv")
        Path file;

        /**
         * Writes the nonzeros to {@code --plan}, one row (row, column, mass) each; nothing without the option.
         *
         * @param k the number of nonzeros
         * @param rows their rows (at least k)
         * @param cols their columns (at least k)
         * @param mass their masses (at least k)
         * @throws IOException if the file cannot be written
         */
        void write(int k, int[] rows, int[] cols, double[] mass) throws IOException {
            if (file == null) {
                return;
            }
            double[] flat = new double[3 * k];
            for (int t = 0; t < k; t++) {
                flat[3 * t] = rows[t];
                flat[3 * t + 1] = cols[t];
                flat[3 * t + 2] = mass[t];
            }
            DataFiles.write(file, NdArray.of(flat, k, 3));
        }
    }

    /**
     * {@code --out-map}: the transport map at each source point, T(x_i), for {@code jot solve} (the barycentric
     * projection of the plan), {@code jot wasserstein1d} (the monotone map) and {@code jot gaussian} (the
     * linear map); each command's description says which.
     */
    static final class TransportMap {
        @Option(names = "--out-map", paramLabel = "FILE",
                description = "write T(x_i), the transport map at each source point (n x d), .npy or .csv; needs --x and --y points")
        Path file;
    }

    /** {@code --out}: the folder of the examples' pictures ({@code jot example iris}, {@code digits}, {@code wgan}). */
    static final class Pictures {
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "jot-examples",
                description = "where the pictures (PNG) are written; default: ${DEFAULT-VALUE}")
        Path dir;
    }
}
