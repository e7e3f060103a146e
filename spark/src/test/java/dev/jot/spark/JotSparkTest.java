package dev.jot.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Npy;
import dev.jot.data.Precision;
import dev.jot.pairwise.Pairwise;
import dev.jot.sinkhorn.SinkhornOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark job's matrix is {@code jot pairwise}'s: cost bit for bit, divergence to the solver's tolerance; retries, empty partitions, N = 1, bad rows. */
class JotSparkTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        // two threads, and a task may fail once (local[N, maxFailures]) for the retry test
        spark = SparkSession.builder().master("local[2,2]").appName("JotSparkTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static double[][] costs(Random rnd, int n) {
        double[] x = new double[2 * n];
        for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextDouble();
        }
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dx = x[2 * i] - x[2 * j], dy = x[2 * i + 1] - x[2 * j + 1];
                c[i][j] = dx * dx + dy * dy;
            }
        }
        return c;
    }

    private static double[][] histograms(Random rnd, int count, int n) {
        double[][] h = new double[count][n];
        for (int r = 0; r < count; r++) {
            for (int k = 0; k < n; k++) {
                h[r][k] = 2 * rnd.nextDouble() * rnd.nextDouble();
            }
        }
        return h;
    }

    private static NdArray array(double[][] a) {
        double[] flat = new double[a.length * a[0].length];
        for (int r = 0; r < a.length; r++) {
            System.arraycopy(a[r], 0, flat, r * a[0].length, a[0].length);
        }
        return NdArray.of(flat, a.length, a[0].length);
    }

    private static Dataset<Row> dataset(double[][] h, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (double[] v : h) {
            List<Double> l = new ArrayList<>();
            for (double x : v) {
                l.add(x);
            }
            rows.add(RowFactory.create(l));
        }
        StructType schema = new StructType().add("histogram", DataTypes.createArrayType(DataTypes.DoubleType), false);
        return spark.createDataFrame(rows, schema).repartition(partitions);
    }

    @Test
    void theMatrixIsJotPairwisesBitForBit() {
        Random rnd = new Random(1);
        double[][] c = costs(rnd, 30), h = histograms(rnd, 70, 30);
        JotSpark.Settings s = new JotSpark.Settings(0.05, 1e-9, 5000, "f64", Pairwise.Value.COST, 16);
        // one partition keeps the input's order (repartition shuffles the rows)
        Dataset<Row> pairs = JotSpark.pairwise(dataset(h, 1), "histogram", c, s);
        assertEquals(70L * 71 / 2, pairs.count());
        double[] got = JotSpark.matrix(pairs, 70, 70, true);
        double[] want = Pairwise.of(SinkhornOptions.epsilon(0.05).withTolerance(1e-9).withMaxIterations(5000)
                .withPrecision(Precision.F64)).withBlockSide(16).histograms(array(c), array(h), null).values();
        for (int k = 0; k < want.length; k++) {
            assertEquals(want[k], got[k], 1e-9 * Math.abs(want[k]), "entry " + k);
        }
        assertArrayEquals(want, got, "the same blocks give the same bits");
    }

    @Test
    void divergenceAndToAgreeWithJotPairwise() {
        Random rnd = new Random(2);
        double[][] c = costs(rnd, 20), h = histograms(rnd, 9, 20), h2 = histograms(rnd, 5, 20);
        JotSpark.Settings s = new JotSpark.Settings(0.05, 1e-10, 5000, "f64", Pairwise.Value.DIVERGENCE, 4);
        double[] got = JotSpark.matrix(JotSpark.pairwise(spark, h, h2, c, s), 9, 5, false);
        double[] want = Pairwise.of(SinkhornOptions.epsilon(0.05).withTolerance(1e-10).withMaxIterations(5000)
                .withPrecision(Precision.F64)).withValue(Pairwise.Value.DIVERGENCE).withBlockSide(4)
                .histograms(array(c), array(h), array(h2)).values();
        for (int k = 0; k < want.length; k++) {
            // the self terms are solved in other batches than on one machine: equal to the solver's tolerance
            assertEquals(want[k], got[k], 1e-8 * Math.max(1e-3, Math.abs(want[k])), "entry " + k);
        }
    }

    @Test
    void aTaskThatFailsOnceStillGivesTheWholeMatrix() throws Exception {
        Random rnd = new Random(3);
        double[][] c = costs(rnd, 12), h = histograms(rnd, 20, 12);
        JotSpark.Settings s = new JotSpark.Settings(0.1, 1e-6, 1000, "f32", Pairwise.Value.COST, 4);
        double[] clean = JotSpark.matrix(JotSpark.pairwise(spark, h, null, c, s), 20, 20, true);
        Path marker = dir.resolve("failed-once");
        System.setProperty(JotSpark.FAIL_ONCE, marker.toString());
        try {
            Dataset<Row> pairs = JotSpark.pairwise(spark, h, null, c, s);
            List<Row> rows = pairs.collectAsList();
            assertTrue(Files.exists(marker), "a task failed");
            assertEquals(20 * 21 / 2, rows.size(), "every pair once");
            assertArrayEquals(clean, JotSpark.matrix(pairs, 20, 20, true));
        } finally {
            System.clearProperty(JotSpark.FAIL_ONCE);
        }
    }

    @Test
    void emptyPartitionsAndOneHistogram() {
        Random rnd = new Random(4);
        double[][] c = costs(rnd, 10), h = histograms(rnd, 3, 10);
        JotSpark.Settings s = JotSpark.Settings.of(0.1);
        // 3 rows in 8 partitions: most are empty
        Dataset<Row> pairs = JotSpark.pairwise(dataset(h, 8), "histogram", c, s);
        assertEquals(6, pairs.count());
        double[][] one = {h[0]};
        double[] d = JotSpark.matrix(JotSpark.pairwise(dataset(one, 4), "histogram", c, s), 1, 1, true);
        double want = Pairwise.of(SinkhornOptions.epsilon(0.1)).histograms(array(c), array(one), null).get(0, 0);
        assertEquals(want, d[0]);
    }

    @Test
    void aBadRowFailsTheJobNamingIt() throws Exception {
        Random rnd = new Random(5);
        double[][] c = costs(rnd, 6), h = histograms(rnd, 5, 6);
        h[3][2] = Double.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JotSpark.pairwise(dataset(h, 1), "histogram", c, JotSpark.Settings.of(0.1)));
        assertTrue(e.getMessage().startsWith("row 3: entry 2 is NaN"), e.getMessage());
        h[3][2] = -1;
        Path hf = dir.resolve("H.npy"), cf = dir.resolve("C.npy");
        Npy.write(hf, array(h));
        Npy.write(cf, array(c));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = JotSparkMain.run(new String[]{"pairwise", "--histograms", hf.toString(), "--cost-matrix", cf.toString(),
                "--epsilon", "0.1", "--out", dir.resolve("D.npy").toString()}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        String line = err.toString(StandardCharsets.UTF_8);
        assertTrue(line.startsWith("jot-spark: --histograms " + hf + " row 3: entry 2 = -1.0 is negative"), line);
        assertEquals(1, line.trim().lines().count());
    }

    @Test
    void theLauncherWritesJotPairwisesMatrix() throws Exception {
        Random rnd = new Random(6);
        double[][] c = costs(rnd, 25), h = histograms(rnd, 40, 25);
        Path hf = dir.resolve("H.npy"), cf = dir.resolve("C.npy"), out = dir.resolve("D.npy");
        Npy.write(hf, array(h));
        Npy.write(cf, array(c));
        ByteArrayOutputStream so = new ByteArrayOutputStream();
        int code = JotSparkMain.run(new String[]{"pairwise", "--master", "local[2,2]", "--histograms", hf.toString(),
                "--cost-matrix", cf.toString(), "--epsilon", "0.05", "--out", out.toString(), "--json"},
                new PrintStream(so, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, code, so.toString(StandardCharsets.UTF_8));
        assertTrue(so.toString(StandardCharsets.UTF_8).contains("\"pairs\": 820"), so.toString(StandardCharsets.UTF_8));
        double[] want = Pairwise.of(SinkhornOptions.epsilon(0.05)).histograms(Npy.read(cf), Npy.read(hf), null).values();
        assertArrayEquals(want, Npy.read(out).toDoubleArray());
        // Parquet out: the pairs i <= j
        Path pq = dir.resolve("D.parquet");
        assertEquals(0, JotSparkMain.run(new String[]{"pairwise", "--histograms", hf.toString(), "--cost-matrix", cf.toString(),
                "--epsilon", "0.05", "--out", pq.toString()}, new PrintStream(new ByteArrayOutputStream()), System.err));
        assertEquals(820, spark.read().parquet(pq.toString()).count());
        // Parquet in: a column of array<double>, one file (its order is the rows')
        Path hq = dir.resolve("H.parquet"), fromParquet = dir.resolve("E.npy");
        dataset(h, 1).write().parquet(hq.toString());
        assertEquals(0, JotSparkMain.run(new String[]{"pairwise", "--histograms", hq.toString(), "--column", "histogram",
                "--cost-matrix", cf.toString(), "--epsilon", "0.05", "--out", fromParquet.toString()},
                new PrintStream(new ByteArrayOutputStream()), System.err));
        assertArrayEquals(want, Npy.read(fromParquet).toDoubleArray());
    }
}
