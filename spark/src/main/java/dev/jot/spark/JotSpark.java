package dev.jot.spark;

import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.pairwise.Pairwise;
import dev.jot.pairwise.PairwiseResult;
import dev.jot.sinkhorn.SinkhornOptions;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * All-pairs matrices of entropic transport values on Apache Spark: the histograms of a column of
 * {@code array<double>} against each other (or against a second set), the pairs cut into square blocks that the
 * executors solve with JOT's shared-cost batches, exactly as {@link Pairwise} does on one machine (a block here is
 * a block there, so the values are the same bits for cost and objective). The cost matrix and the histograms are
 * broadcast once; the histograms are collected to the driver first (N × n doubles; the N² results are what is
 * large), and row i is the i-th row in the Dataset's order.
 *
 * <p>Each histogram is divided by its total; a row that is not finite, has a negative entry or a zero total fails
 * the job before any task runs, with a message naming the row. Spark's task retries recompute a failed block
 * whole, so a retried task still gives every pair once.
 */
public final class JotSpark {
    /** The schema of the result: (i, j, value), i &lt;= j for a symmetric matrix. */
    public static final StructType PAIRS = new StructType()
            .add("i", DataTypes.LongType, false)
            .add("j", DataTypes.LongType, false)
            .add("value", DataTypes.DoubleType, false);

    /** Test hook: with this system property set to a file name, the first task to find that file missing creates it and fails. */
    static final String FAIL_ONCE = "jot.spark.failOnceMarker";

    private JotSpark() {
    }

    /** The solver's settings as they travel to the executors (each executor solves its blocks on one thread). */
    public record Settings(double epsilon, double tolerance, int maxIterations, String precision, Pairwise.Value value,
                           int blockSide) implements Serializable {
        /**
         * Checks the settings.
         *
         * @param epsilon the regularisation ε, positive
         * @param tolerance the tolerance on ‖P·1 − a‖₁
         * @param maxIterations the iteration limit of each problem
         * @param precision f32 or f64
         * @param value cost, objective or divergence
         * @param blockSide rows per block (0: {@link Pairwise}'s default)
         */
        public Settings {
            Objects.requireNonNull(value, "value");
            Precision.parse(precision);
            SinkhornOptions.epsilon(epsilon).withTolerance(tolerance).withMaxIterations(maxIterations);
            if (blockSide < 0) {
                throw new IllegalArgumentException("the block side must be >= 1 (or 0 for the default), got " + blockSide);
            }
        }

        /**
         * The defaults of {@code jot pairwise} at ε.
         *
         * @param epsilon the regularisation ε
         * @return tolerance 1e-6, 1000 iterations, f32, cost, the default block side
         */
        public static Settings of(double epsilon) {
            return new Settings(epsilon, 1e-6, 1000, "f32", Pairwise.Value.COST, 0);
        }

        SinkhornOptions options() {
            return SinkhornOptions.epsilon(epsilon).withTolerance(tolerance).withMaxIterations(maxIterations)
                    .withPrecision(Precision.parse(precision)).withThreads(1);
        }
    }

    /** What the executors need, broadcast once: the costs and every histogram, row-major. */
    private record Payload(double[] costs, int n, int m, double[] rows, int rowCount, double[] cols, int colCount)
            implements Serializable {
    }

    /** One block: rows r0..r1−1 against columns c0..c1−1 (on the diagonal of a symmetric matrix: the pairs i ≤ j). */
    private record Tile(int r0, int r1, int c0, int c1) implements Serializable {
    }

    /**
     * The matrix of a column of histograms with itself: (i, j, value) for every i ≤ j.
     *
     * @param input the histograms, one a row
     * @param column the column holding them ({@code array<double>}, n entries each)
     * @param costMatrix the n × n costs between the bins (symmetric)
     * @param settings the solver's settings and the value
     * @return the pairs, one row each, i ≤ j
     */
    public static Dataset<Row> pairwise(Dataset<Row> input, String column, double[][] costMatrix, Settings settings) {
        return pairwise(input, column, null, costMatrix, settings);
    }

    /**
     * The matrix of one column of histograms against another's: (i, j, value) for every i and j; with {@code to}
     * {@code null}, the symmetric matrix of the first with itself, i ≤ j.
     *
     * @param input the rows' histograms
     * @param column the column holding them, in both datasets ({@code array<double>})
     * @param to the columns' histograms (m entries each), or {@code null}
     * @param costMatrix the n × m costs (n × n and symmetric without {@code to}, or for a divergence)
     * @param settings the solver's settings and the value
     * @return the pairs, one row each
     */
    public static Dataset<Row> pairwise(Dataset<Row> input, String column, Dataset<Row> to, double[][] costMatrix,
                                        Settings settings) {
        SparkSession spark = input.sparkSession();
        double[][] rows = collect(input, column, "row");
        double[][] cols = to == null ? null : collect(to, column, "to row");
        return pairwise(spark, rows, cols, costMatrix, settings);
    }

    /**
     * The same from histograms already on the driver (the launcher's {@code .npy} input).
     *
     * @param spark the session
     * @param rows the rows' histograms, N × n
     * @param cols the columns' histograms, M × m, or {@code null} for the symmetric matrix of the rows
     * @param costMatrix the n × m costs
     * @param settings the solver's settings and the value
     * @return the pairs, one row each (i ≤ j without {@code cols})
     */
    public static Dataset<Row> pairwise(SparkSession spark, double[][] rows, double[][] cols, double[][] costMatrix,
                                        Settings settings) {
        Objects.requireNonNull(settings, "settings");
        int n = costMatrix.length, m = n == 0 ? 0 : costMatrix[0].length;
        boolean symmetric = cols == null;
        if (rows.length == 0) {
            throw new IllegalArgumentException("no histograms");
        }
        check("row", rows, n, "rows");
        if (!symmetric) {
            check("to row", cols, m, "columns");
        }
        double[] flatC = flatten(costMatrix, m, "cost matrix row");
        // the driver runs Pairwise's own checks of the costs (shape, symmetry) on one histogram before any task
        Pairwise.of(settings.options()).withValue(settings.value()).histograms(NdArray.of(flatC, n, m),
                NdArray.of(Arrays.copyOf(rows[0], n), 1, n), symmetric ? null : NdArray.of(Arrays.copyOf(cols[0], m), 1, m));
        Payload payload = new Payload(flatC, n, m, flatten(rows, n, "row"), rows.length,
                symmetric ? null : flatten(cols, m, "to row"), symmetric ? rows.length : cols.length);
        int side = settings.blockSide() > 0 ? settings.blockSide() : Pairwise.defaultBlockSide(n, m);
        List<Tile> tiles = new ArrayList<>();
        int rowCount = payload.rowCount(), colCount = payload.colCount();
        for (int r0 = 0; r0 < rowCount; r0 += side) {
            for (int c0 = symmetric ? r0 : 0; c0 < colCount; c0 += side) {
                tiles.add(new Tile(r0, Math.min(rowCount, r0 + side), c0, Math.min(colCount, c0 + side)));
            }
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<Payload> shared = jsc.broadcast(payload);
        int slices = Math.max(1, Math.min(tiles.size(), 4 * jsc.defaultParallelism()));
        String failOnce = System.getProperty(FAIL_ONCE);
        JavaRDD<Row> out = jsc.parallelize(tiles, slices).mapPartitions(it -> solve(it, shared.value(), settings, side, failOnce));
        return spark.createDataFrame(out, PAIRS);
    }

    /**
     * Collects a dataset of pairs into a row-major matrix (mirrored where the pairs are i ≤ j of a symmetric one).
     *
     * @param pairs the result of {@code pairwise}
     * @param rows N
     * @param cols M (N for a symmetric matrix)
     * @param symmetric whether to mirror (i, j) to (j, i)
     * @return the N × M matrix, row-major
     */
    public static double[] matrix(Dataset<Row> pairs, int rows, int cols, boolean symmetric) {
        double[] d = new double[Math.multiplyExact(rows, cols)];
        for (Row r : pairs.collectAsList()) {
            int i = (int) r.getLong(0), j = (int) r.getLong(1);
            d[i * cols + j] = r.getDouble(2);
            if (symmetric) {
                d[j * cols + i] = r.getDouble(2);
            }
        }
        return d;
    }

    private static Iterator<Row> solve(Iterator<Tile> tiles, Payload p, Settings settings, int side, String failOnce)
            throws Exception {
        if (failOnce != null) {
            Path marker = Path.of(failOnce);
            if (!Files.exists(marker)) {
                Files.createFile(marker);
                throw new IllegalStateException("injected failure (" + FAIL_ONCE + "), attempt "
                        + (TaskContext.get() == null ? "?" : TaskContext.get().attemptNumber()));
            }
        }
        List<Row> out = new ArrayList<>();
        if (!tiles.hasNext()) {
            return out.iterator(); // an empty partition
        }
        boolean symmetric = p.cols() == null;
        NdArray costs = NdArray.of(p.costs(), p.n(), p.m());
        Pairwise pairwise = Pairwise.of(settings.options()).withValue(settings.value()).withBlockSide(side);
        while (tiles.hasNext()) {
            Tile t = tiles.next();
            boolean diagonal = symmetric && t.r0() == t.c0();
            NdArray a = slice(p.rows(), p.n(), t.r0(), t.r1());
            PairwiseResult r = diagonal ? pairwise.histograms(costs, a, null)
                    : pairwise.histograms(costs, a, symmetric ? slice(p.rows(), p.n(), t.c0(), t.c1()) : slice(p.cols(), p.m(), t.c0(), t.c1()));
            for (int i = t.r0(); i < t.r1(); i++) {
                for (int j = diagonal ? i : t.c0(); j < t.c1(); j++) {
                    out.add(RowFactory.create((long) i, (long) j, r.get(i - t.r0(), j - t.c0())));
                }
            }
        }
        return out.iterator();
    }

    private static NdArray slice(double[] flat, int n, int from, int until) {
        return NdArray.of(Arrays.copyOfRange(flat, from * n, until * n), until - from, n);
    }

    private static double[][] collect(Dataset<Row> input, String column, String name) {
        List<Row> rows = input.select(column).collectAsList();
        double[][] out = new double[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            Row row = rows.get(r);
            if (row.isNullAt(0)) {
                throw new IllegalArgumentException(name + " " + r + ": the column " + column + " is null");
            }
            List<Object> v = row.getList(0);
            out[r] = new double[v.size()];
            for (int k = 0; k < out[r].length; k++) {
                Object x = v.get(k);
                if (x == null) {
                    throw new IllegalArgumentException(name + " " + r + ": entry " + k + " is null");
                }
                out[r][k] = ((Number) x).doubleValue();
            }
        }
        return out;
    }

    /** Each row: n entries, finite, non-negative, a positive total (the messages of {@code jot pairwise}). */
    private static void check(String name, double[][] h, int n, String what) {
        for (int r = 0; r < h.length; r++) {
            if (h[r].length != n) {
                throw new IllegalArgumentException(name + " " + r + " has " + h[r].length + " bins but the cost matrix has " + n + " " + what);
            }
            double sum = 0;
            for (int k = 0; k < n; k++) {
                double x = h[r][k];
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException(name + " " + r + ": entry " + k + " is " + x + " (entries must be finite)");
                }
                if (x < 0) {
                    throw new IllegalArgumentException(name + " " + r + ": entry " + k + " = " + x + " is negative (entries must be >= 0)");
                }
                sum += x;
            }
            if (!(sum > 0) || !Double.isFinite(sum)) {
                throw new IllegalArgumentException(name + " " + r + ": the entries sum to " + sum + " (a histogram needs a positive, finite total)");
            }
        }
    }

    private static double[] flatten(double[][] a, int width, String name) {
        double[] out = new double[Math.multiplyExact(a.length, width)];
        for (int r = 0; r < a.length; r++) {
            if (a[r].length != width) {
                throw new IllegalArgumentException(name + " " + r + " has " + a[r].length + " entries, expected " + width);
            }
            System.arraycopy(a[r], 0, out, r * width, width);
        }
        return out;
    }
}
