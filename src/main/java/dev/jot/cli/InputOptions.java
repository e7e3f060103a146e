package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The inputs of a transport problem, a picocli mixin: point clouds ({@code --x}, {@code --y}) or a cost
 * matrix ({@code --cost-matrix}), weights ({@code --a}, {@code --b}) and the cost ({@code --cost}), for
 * {@code jot solve} and {@code jot emd}. Its parts are mixins of their own, for the commands that take only
 * some of them, so that each of these options is defined once, here; {@code --x} and {@code --y} twice,
 * optional in {@link PointFiles} and required in {@link RequiredPointFiles}, as the commands had them. The
 * static methods read the files and name the option in every message.
 */
final class InputOptions {
    @Mixin
    PointFiles points;

    @Option(names = "--cost-matrix", paramLabel = "C", description = "a given n x m cost matrix (instead of --x/--y)")
    Path costMatrix;

    @Mixin
    WeightFiles weights;

    @Mixin
    Cost cost;

    /**
     * Whether the problem is given by {@code --cost-matrix} rather than by {@code --x} and {@code --y}.
     *
     * @return true for a cost matrix, false for two point clouds
     * @throws IllegalArgumentException if both are given, or neither (or only one of {@code --x} and {@code --y})
     */
    boolean byCostMatrix() {
        if (costMatrix != null) {
            if (points.given()) {
                throw new IllegalArgumentException("give either --cost-matrix or --x and --y, not both");
            }
            return true;
        }
        if (points.x == null || points.y == null) {
            throw new IllegalArgumentException("missing input: give --x and --y (point clouds) or --cost-matrix");
        }
        return false;
    }

    /**
     * Reads {@code --cost-matrix}.
     *
     * @return the n x m cost matrix
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it does not hold a 2-D array
     */
    NdArray costMatrix() throws IOException {
        return costMatrix("--cost-matrix", costMatrix);
    }

    /**
     * The two point clouds, {@code --x} and {@code --y}, both optional (a command that needs them says which
     * is missing). {@code jot solve} also takes batches and comma-separated lists of files here.
     */
    static final class PointFiles {
        @Option(names = "--x", paramLabel = "X", description = "source points, n x d (.npy or .csv)")
        String x;

        @Option(names = "--y", paramLabel = "Y", description = "target points, m x d")
        String y;

        /** {@return whether --x or --y is given} */
        boolean given() {
            return x != null || y != null;
        }

        /**
         * Reads {@code --x}.
         *
         * @return the source points
         * @throws IOException if the file cannot be read
         * @throws IllegalArgumentException if {@code --x} is missing or does not hold points
         */
        Points x() throws IOException {
            return points("--x", require("--x", x));
        }

        /**
         * Reads {@code --y}.
         *
         * @return the target points
         * @throws IOException if the file cannot be read
         * @throws IllegalArgumentException if {@code --y} is missing or does not hold points
         */
        Points y() throws IOException {
            return points("--y", require("--y", y));
        }

        private static Path require(String option, String file) {
            if (file == null) {
                throw new IllegalArgumentException("missing " + option);
            }
            return Path.of(file);
        }
    }

    /**
     * {@code --x} and {@code --y} as required options, for the commands that take no other input
     * ({@code jot divergence}, {@code jot gw}): picocli refuses a command line without them.
     */
    static final class RequiredPointFiles {
        @Option(names = "--x", paramLabel = "X", required = true, description = "first point cloud, n x d (.npy or .csv)")
        Path x;

        @Option(names = "--y", paramLabel = "Y", required = true, description = "second point cloud, m x d")
        Path y;

        /**
         * Reads {@code --x}.
         *
         * @return the first point cloud
         * @throws IOException if the file cannot be read
         * @throws IllegalArgumentException if it does not hold points
         */
        Points x() throws IOException {
            return points("--x", x);
        }

        /**
         * Reads {@code --y}.
         *
         * @return the second point cloud
         * @throws IOException if the file cannot be read
         * @throws IllegalArgumentException if it does not hold points
         */
        Points y() throws IOException {
            return points("--y", y);
        }
    }

    /**
     * The weights {@code --a} and {@code --b}, uniform when not given. {@code jot solve} also takes B x n
     * arrays and comma-separated lists of files here.
     */
    static final class WeightFiles {
        @Option(names = "--a", paramLabel = "A", description = "source weights (default: uniform)")
        String a;

        @Option(names = "--b", paramLabel = "B", description = "target weights (default: uniform)")
        String b;

        /** {@return whether --a or --b is given} */
        boolean given() {
            return a != null || b != null;
        }

        /**
         * Reads {@code --a}.
         *
         * @return the source weights, or null (uniform) without {@code --a}
         * @throws IOException if the file cannot be read
         * @throws IllegalArgumentException if it does not hold weights
         */
        Weights a() throws IOException {
            return weights("--a", a == null ? null : Path.of(a));
        }

        /**
         * Reads {@code --b}.
         *
         * @return the target weights, or null (uniform) without {@code --b}
         * @throws IOException if the file cannot be read
         * @throws IllegalArgumentException if it does not hold weights
         */
        Weights b() throws IOException {
            return weights("--b", b == null ? null : Path.of(b));
        }
    }

    /** The ground cost {@code --cost} between points. */
    static final class Cost {
        @Option(names = "--cost", paramLabel = "COST", defaultValue = "sqeuclidean",
                description = "sqeuclidean (|x-y|^2, not halved), euclidean or p=<p> (|x-y|^p); default: ${DEFAULT-VALUE}")
        String cost;

        /**
         * Parses {@code --cost}.
         *
         * @return the cost function
         * @throws IllegalArgumentException for an unknown cost
         */
        CostFunction function() {
            return CostFunction.parse(cost);
        }
    }

    /**
     * Reads an array from a file given to an option.
     *
     * @param option the option, named in the message of a malformed file
     * @param file the file, .npy or .csv
     * @return the array
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it does not hold an array
     */
    static NdArray read(String option, Path file) throws IOException {
        try {
            return DataFiles.read(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    /**
     * Weights from an optional file; a file that is not 1-D is named in the message.
     *
     * @param option the option, named in the message
     * @param file the file, or null
     * @return the weights, or null (uniform) for no file
     * @throws IOException if the file cannot be read
     */
    static Weights weights(String option, Path file) throws IOException {
        if (file == null) {
            return null;
        }
        return weights(option, file, read(option, file));
    }

    /**
     * The weights in an array read from a file; a file that is not 1-D is named in the message.
     *
     * @param option the option, named in the message
     * @param file the file the array was read from
     * @param w the array, or null
     * @return the weights, or null (uniform) for no array
     */
    static Weights weights(String option, Path file, NdArray w) {
        if (w == null) {
            return null;
        }
        try {
            return Weights.of(w);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A cost matrix from a file, which must hold a 2-D array (the message names the file otherwise).
     *
     * @param option the option, named in the message
     * @param file the file
     * @return the n x m matrix
     * @throws IOException if the file cannot be read
     */
    static NdArray costMatrix(String option, Path file) throws IOException {
        NdArray c = read(option, file);
        if (c.rank() != 2) {
            throw new IllegalArgumentException(option + " " + file + ": the cost matrix must be 2-D (n x m), got shape "
                    + Arrays.toString(c.shape()));
        }
        return c;
    }

    /**
     * Points from a file (n x d, or n values on the line).
     *
     * @param option the option, named in the message
     * @param file the file
     * @return the points
     * @throws IOException if the file cannot be read
     */
    static Points points(String option, Path file) throws IOException {
        return points(option, read(option, file));
    }

    /**
     * Points from an array read from a file: n x d, or 1-D for n points on the line.
     *
     * @param option the option, named in the message
     * @param arr the array
     * @return the points
     */
    static Points points(String option, NdArray arr) {
        if (arr.rank() == 1) {
            // a 1-D file is n points on the line
            arr = NdArray.wrap(arr.segment(), arr.precision(), arr.shape(0), 1);
        }
        try {
            return Points.of(arr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }
}
