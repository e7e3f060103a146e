package dev.jot.spark;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.pairwise.Pairwise;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jot-spark pairwise}: the arguments of {@code jot pairwise} (histograms), run as a Spark job. Inputs are
 * {@code .npy}/{@code .csv} files, or Parquet ({@code .parquet} files or folders) with a column of
 * {@code array<double>} ({@code --column}, default {@code histogram}); {@code --out} is a matrix file
 * ({@code .npy}/{@code .csv}, the same matrix as {@code jot pairwise}'s) or Parquet rows (i, j, value). Bad input
 * ends with one line on stderr and exit code 2.
 */
public final class JotSparkMain {
    private static final Set<String> FLAGS = Set.of("--json");
    private static final Set<String> OPTIONS = Set.of("--master", "--histograms", "--column", "--cost-matrix", "--to",
            "--epsilon", "--value", "--precision", "--tol", "--max-iter", "--block-side", "--out");

    private JotSparkMain() {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args {@code pairwise} and its options
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line (for tests: the session stays open for the next run).
     *
     * @param args {@code pairwise} and its options
     * @param out where the summary or JSON goes
     * @param err where the one line of an error goes
     * @return 0, or 2 for bad input
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return pairwise(args, out);
        } catch (IllegalArgumentException | IOException e) {
            err.println("jot-spark: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            // a failed job (Spark wraps the task's exception) or Spark's own refusal: the first line of the cause
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof IllegalArgumentException)) {
                c = c.getCause();
            }
            err.println("jot-spark: " + String.valueOf(c.getMessage()).lines().findFirst().orElse(""));
            return 2;
        }
    }

    private static int pairwise(String[] args, PrintStream out) throws IOException {
        if (args.length == 0 || !args[0].equals("pairwise")) {
            throw new IllegalArgumentException("usage: jot-spark pairwise --master local[2] --histograms H --cost-matrix C --epsilon E "
                    + "[--to H2] [--column histogram] [--value cost|objective|divergence] [--precision f32|f64] [--tol T] "
                    + "[--max-iter N] [--block-side K] --out D.npy|D.parquet [--json]");
        }
        Map<String, String> o = new HashMap<>();
        for (int k = 1; k < args.length; k++) {
            String a = args[k];
            if (FLAGS.contains(a)) {
                o.put(a, "true");
            } else if (OPTIONS.contains(a)) {
                if (k + 1 >= args.length) {
                    throw new IllegalArgumentException("missing a value for " + a);
                }
                o.put(a, args[++k]);
            } else {
                throw new IllegalArgumentException("unknown option " + a + " (--resume and --threads are jot pairwise's: "
                        + "Spark retries failed tasks, and --master sets the cores)");
            }
        }
        for (String req : new String[]{"--histograms", "--cost-matrix", "--epsilon", "--out"}) {
            if (!o.containsKey(req)) {
                throw new IllegalArgumentException("missing " + req);
            }
        }
        JotSpark.Settings settings = new JotSpark.Settings(number(o, "--epsilon", null),
                number(o, "--tol", "1e-6"), (int) number(o, "--max-iter", "1000"), o.getOrDefault("--precision", "f32"),
                Pairwise.Value.parse(o.getOrDefault("--value", "cost")), (int) number(o, "--block-side", "0"));
        String outFile = o.get("--out");
        boolean parquetOut = parquet(outFile);
        if (!parquetOut) {
            DataFiles.checkType(Path.of(outFile));
        } else if (!outFile.contains("://") && java.nio.file.Files.exists(Path.of(outFile))) {
            throw new IllegalArgumentException("--out " + outFile + " exists: Parquet output goes to a new folder");
        }
        for (String in : new String[]{"--histograms", "--to"}) {
            String f = o.get(in);
            if (f != null && !f.contains("://") && !java.nio.file.Files.exists(Path.of(f))) {
                throw new IllegalArgumentException(in + ": no such file: " + f);
            }
        }
        NdArray c = DataFiles.read(Path.of(o.get("--cost-matrix")));
        if (c.rank() != 2) {
            throw new IllegalArgumentException("--cost-matrix must be 2-D (n x m)");
        }
        double[][] costs = rows(c);
        SparkSession.Builder b = SparkSession.builder().appName("jot-spark pairwise");
        if (o.containsKey("--master")) {
            b = b.master(o.get("--master"));
        }
        SparkSession spark = b.getOrCreate();
        long t0 = System.nanoTime();
        String column = o.getOrDefault("--column", "histogram");
        Dataset<Row> pairs;
        int rowCount, colCount;
        String h = o.get("--histograms"), to = o.get("--to");
        try {
            if (parquet(h)) {
                Dataset<Row> in = spark.read().parquet(h);
                Dataset<Row> in2 = to == null ? null : spark.read().parquet(to);
                rowCount = (int) in.count();
                colCount = in2 == null ? rowCount : (int) in2.count();
                pairs = JotSpark.pairwise(in, column, in2, costs, settings);
            } else {
                double[][] rs = rows(DataFiles.read(Path.of(h)));
                double[][] cs = to == null ? null : rows(DataFiles.read(Path.of(to)));
                rowCount = rs.length;
                colCount = cs == null ? rowCount : cs.length;
                pairs = JotSpark.pairwise(spark, rs, cs, costs, settings);
            }
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(m.startsWith("row ") ? "--histograms " + h + " " + m
                    : m.startsWith("to row ") ? "--to " + to + " " + m.substring(3) : m, e);
        }
        boolean symmetric = to == null;
        long count;
        if (parquetOut) {
            pairs.write().mode("errorifexists").parquet(outFile);
            count = spark.read().parquet(outFile).count();
        } else {
            double[] d = JotSpark.matrix(pairs, rowCount, colCount, symmetric);
            count = symmetric ? (long) rowCount * (rowCount + 1) / 2 : (long) rowCount * colCount;
            DataFiles.write(Path.of(outFile), NdArray.of(d, rowCount, colCount));
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (o.containsKey("--json")) {
            out.println(String.format(Locale.ROOT, "{\"rows\": %d, \"cols\": %d, \"symmetric\": %s, \"value\": \"%s\", \"pairs\": %d, "
                            + "\"master\": \"%s\", \"time_ms\": %.3f, \"pairs_per_second\": %.1f, \"out\": \"%s\"}",
                    rowCount, colCount, symmetric, settings.value().label(), count, spark.sparkContext().master(), ms,
                    count / (ms / 1e3), outFile));
        } else {
            out.println(String.format(Locale.ROOT, "jot-spark pairwise %s of %d x %d histograms on %s: %d pairs in %.1f s, %.0f pairs/s%n  written to %s",
                    settings.value().label(), rowCount, colCount, spark.sparkContext().master(), count, ms / 1e3, count / (ms / 1e3), outFile));
        }
        return 0;
    }

    private static boolean parquet(String f) {
        return f.toLowerCase(Locale.ROOT).endsWith(".parquet");
    }

    private static double number(Map<String, String> o, String key, String dflt) {
        String v = o.getOrDefault(key, dflt);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a number: " + v);
        }
    }

    private static double[][] rows(NdArray a) {
        if (a.rank() != 2) {
            throw new IllegalArgumentException("expected a 2-D array, got rank " + a.rank());
        }
        int r = (int) a.shape(0), w = (int) a.shape(1);
        double[][] out = new double[r][w];
        for (int i = 0; i < r; i++) {
            for (int k = 0; k < w; k++) {
                out[i][k] = a.getFlat((long) i * w + k);
            }
        }
        return out;
    }
}
