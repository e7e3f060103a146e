package dev.jot.pairwise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** All-pairs matrices: each entry is the single solve of its pair; symmetry, --to, N = 1, bad rows, resuming. */
class PairwiseTest {
    @TempDir
    Path dir;

    private static final SinkhornOptions F64 = SinkhornOptions.epsilon(0.05).withPrecision(Precision.F64)
            .withTolerance(1e-10).withMaxIterations(5000).withThreads(2);

    /** n points in the unit square and their |x - y|^2 costs, n x n. */
    private static NdArray costs(Random rnd, int n, int m) {
        double[] x = new double[2 * n], y = new double[2 * m];
        for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextDouble();
        }
        for (int k = 0; k < y.length; k++) {
            y[k] = n == m ? x[k] : rnd.nextDouble();
        }
        double[] c = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double dx = x[2 * i] - y[2 * j], dy = x[2 * i + 1] - y[2 * j + 1];
                c[i * m + j] = dx * dx + dy * dy;
            }
        }
        return NdArray.of(c, n, m);
    }

    /** N histograms of n bins, unnormalised (masses between 1 and 10), a few zeros. */
    private static NdArray histograms(Random rnd, int count, int n) {
        double[] h = new double[count * n];
        for (int r = 0; r < count; r++) {
            double mass = 1 + 9 * rnd.nextDouble();
            for (int k = 0; k < n; k++) {
                h[r * n + k] = (k + r) % 9 == 4 ? 0 : mass * Math.pow(rnd.nextDouble(), 2);
            }
        }
        return NdArray.of(h, count, n);
    }

    private static Weights row(NdArray h, int r) {
        double[] v = h.slice(r).toDoubleArray();
        double s = 0;
        for (double x : v) {
            s += x;
        }
        for (int k = 0; k < v.length; k++) {
            v[k] /= s;
        }
        return Weights.of(v);
    }

    private static void close(double expected, double actual, double rel, String what) {
        assertTrue(Math.abs(expected - actual) <= rel * Math.max(1e-12, Math.abs(expected)),
                what + ": expected " + expected + ", got " + actual);
    }

    @Test
    void eachEntryIsTheSingleSolveOfItsPair() {
        // 40 bins, blocks of 8: 3 x 3 tiles, the last ones partial, 64 x 1600 entries per full tile (the kernel products)
        Random rnd = new Random(3);
        int count = 19, n = 40;
        NdArray c = costs(rnd, n, n), h = histograms(rnd, count, n);
        PairwiseResult r = Pairwise.of(F64).withBlockSide(8).histograms(c, h, null);
        PairwiseResult o = Pairwise.of(F64).withValue(Pairwise.Value.OBJECTIVE).withBlockSide(8).histograms(c, h, null);
        assertEquals(count, r.rows());
        assertEquals(count, r.cols());
        assertTrue(r.symmetric() && r.allConverged() && o.allConverged());
        assertEquals(count * (count + 1) / 2, r.pairs());
        assertEquals(6, r.blocks());
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < count; j++) {
                assertEquals(r.get(i, j), r.get(j, i), "symmetric by construction");
                assertEquals(o.get(i, j), o.get(j, i), "symmetric by construction");
                if (j < i) {
                    continue;
                }
                SinkhornResult s = Sinkhorn.solve(c, row(h, i), row(h, j), F64);
                close(s.cost(), r.get(i, j), 1e-7, "cost (" + i + ", " + j + ")");
                close(s.objective(), o.get(i, j), 1e-7, "objective (" + i + ", " + j + ")");
            }
        }
    }

    @Test
    void divergenceIsTheDebiasedDivergenceWithAZeroDiagonal() {
        Random rnd = new Random(4);
        int count = 9, n = 30;
        NdArray c = costs(rnd, n, n), h = histograms(rnd, count, n);
        PairwiseResult r = Pairwise.of(F64).withValue(Pairwise.Value.DIVERGENCE).withBlockSide(4).histograms(c, h, null);
        // 3 x 3 tiles of 4 rows: 6 on and above the diagonal, and one block of self terms
        assertEquals(7, r.blocks());
        assertEquals(count * (count - 1) / 2 + count, r.pairs());
        for (int i = 0; i < count; i++) {
            assertEquals(0.0, r.get(i, i));
            for (int j = i + 1; j < count; j++) {
                double expected = Divergences.sinkhorn(c, c, c, row(h, i), row(h, j), F64, Loss.DEBIASED, false).value();
                close(expected, r.get(i, j), 1e-7, "divergence (" + i + ", " + j + ")");
                assertEquals(r.get(i, j), r.get(j, i));
            }
        }
    }

    @Test
    void toGivesTheFullRectangularMatrix() {
        Random rnd = new Random(5);
        int rows = 7, cols = 5, n = 12, m = 17;
        NdArray c = costs(rnd, n, m), h = histograms(rnd, rows, n), h2 = histograms(rnd, cols, m);
        PairwiseResult r = Pairwise.of(F64).withBlockSide(3).histograms(c, h, h2);
        assertEquals(rows, r.rows());
        assertEquals(cols, r.cols());
        assertEquals(rows * cols, r.pairs());
        assertEquals(3 * 2, r.blocks());
        assertTrue(!r.symmetric());
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                close(Sinkhorn.solve(c, row(h, i), row(h2, j), F64).cost(), r.get(i, j), 1e-7, "(" + i + ", " + j + ")");
            }
        }
        // a divergence with --to: self terms for both sets (n x n costs), rows and columns
        NdArray sq = costs(rnd, n, n), g2 = histograms(rnd, cols, n);
        PairwiseResult d = Pairwise.of(F64).withValue(Pairwise.Value.DIVERGENCE).withBlockSide(3).histograms(sq, h, g2);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                close(Divergences.sinkhorn(sq, sq, sq, row(h, i), row(g2, j), F64, Loss.DEBIASED, false).value(), d.get(i, j),
                        1e-7, "divergence (" + i + ", " + j + ")");
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pairwise.of(F64).withValue(Pairwise.Value.DIVERGENCE).histograms(c, h, h2));
        assertTrue(e.getMessage().contains("needs a square one"), e.getMessage());
    }

    @Test
    void oneHistogram() {
        Random rnd = new Random(6);
        NdArray c = costs(rnd, 10, 10), h = histograms(rnd, 1, 10);
        PairwiseResult r = Pairwise.of(F64).histograms(c, h, null);
        assertEquals(1, r.rows());
        assertEquals(1, r.pairs());
        close(Sinkhorn.solve(c, row(h, 0), row(h, 0), F64).cost(), r.get(0, 0), 1e-9, "OT(h, h)");
        PairwiseResult d = Pairwise.of(F64).withValue(Pairwise.Value.DIVERGENCE).histograms(c, h, null);
        assertEquals(0.0, d.get(0, 0));
        assertEquals(1, d.pairs()); // the self term alone
    }

    @Test
    void raggedCloudsEqualSingleSolves() {
        Random rnd = new Random(7);
        int[] sizes = {5, 17, 9, 30, 12};
        List<Points> xs = new ArrayList<>();
        for (int s : sizes) {
            double[] v = new double[s * 2];
            for (int k = 0; k < v.length; k++) {
                v[k] = rnd.nextDouble();
            }
            xs.add(Points.of(NdArray.of(v, s, 2)));
        }
        PairwiseResult r = Pairwise.of(F64).withBlockSide(2).clouds(xs, null, CostFunction.SQUARED_EUCLIDEAN);
        PairwiseResult d = Pairwise.of(F64).withValue(Pairwise.Value.DIVERGENCE).clouds(xs, null, CostFunction.SQUARED_EUCLIDEAN);
        for (int i = 0; i < sizes.length; i++) {
            for (int j = i; j < sizes.length; j++) {
                close(Sinkhorn.solve(xs.get(i), xs.get(j), null, null, CostFunction.SQUARED_EUCLIDEAN, F64).cost(), r.get(i, j), 1e-7,
                        "cost (" + i + ", " + j + ")");
                assertEquals(r.get(i, j), r.get(j, i));
                double div = i == j ? 0 : Divergences.sinkhorn(xs.get(i), null, xs.get(j), null, CostFunction.SQUARED_EUCLIDEAN,
                        F64, Loss.DEBIASED, false).value();
                close(div, d.get(i, j), 1e-7, "divergence (" + i + ", " + j + ")");
            }
        }
        PairwiseResult to = Pairwise.of(F64).clouds(xs.subList(0, 2), xs.subList(2, 5), CostFunction.SQUARED_EUCLIDEAN);
        assertEquals(2, to.rows());
        assertEquals(3, to.cols());
        assertEquals(r.get(1, 3), to.get(1, 1), 1e-7 * r.get(1, 3));
    }

    @Test
    void badRowsAreNamed() {
        Random rnd = new Random(8);
        NdArray c = costs(rnd, 6, 6);
        double[] h = histograms(rnd, 4, 6).toDoubleArray();
        double[] nan = h.clone();
        nan[2 * 6 + 3] = Double.NaN;
        assertMessage("histograms row 2: entry 3 is NaN", () -> Pairwise.of(F64).histograms(c, NdArray.of(nan, 4, 6), null));
        double[] neg = h.clone();
        neg[3 * 6] = -0.5;
        assertMessage("histograms row 3: entry 0 = -0.5 is negative", () -> Pairwise.of(F64).histograms(c, NdArray.of(neg, 4, 6), null));
        double[] zero = h.clone();
        java.util.Arrays.fill(zero, 6, 12, 0.0);
        assertMessage("histograms row 1: the entries sum to 0.0", () -> Pairwise.of(F64).histograms(c, NdArray.of(zero, 4, 6), null));
        assertMessage("to row 1: entry 3 is NaN", () -> Pairwise.of(F64).histograms(c, NdArray.of(h, 4, 6),
                NdArray.of(java.util.Arrays.copyOfRange(nan, 6, 24), 3, 6)));
        assertMessage("histograms has 5 bins a row but the cost matrix has 6",
                () -> Pairwise.of(F64).histograms(c, NdArray.of(new double[10], 2, 5), null));
        double[] asym = c.toDoubleArray();
        asym[1] += 0.1;
        assertMessage("the cost matrix is not symmetric (C[0][1]", () -> Pairwise.of(F64).histograms(NdArray.of(asym, 6, 6), NdArray.of(h, 4, 6), null));
    }

    private static void assertMessage(String start, org.junit.jupiter.api.function.Executable run) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    /** Stops a run by throwing from the progress listener after k blocks. */
    private static final class Stop extends RuntimeException {
        Stop() {
            super("stopped", null, false, false);
        }
    }

    @Test
    void resumeAfterAnInterruptionSolvesOnlyTheMissingBlocks() throws Exception {
        Random rnd = new Random(9);
        int count = 23, n = 16;
        NdArray c = costs(rnd, n, n), h = histograms(rnd, count, n);
        SinkhornOptions one = F64.withThreads(1);
        for (Pairwise.Value v : new Pairwise.Value[]{Pairwise.Value.COST, Pairwise.Value.DIVERGENCE}) {
            Pairwise p = Pairwise.of(one).withValue(v).withBlockSide(5);
            PairwiseResult full = p.histograms(c, h, null);
            Path side = dir.resolve(v.label() + ".blocks");
            int[] seen = {0};
            assertThrows(Stop.class, () -> p.withSideFile(side, false).withProgress((done, toDo, b, bt) -> {
                if (++seen[0] == 4) {
                    throw new Stop();
                }
            }).histograms(c, h, null));
            assertTrue(Files.size(side) > 0);
            // a torn record at the end, as a kill in the middle of a write leaves
            Files.write(side, new byte[]{1, 2, 3, 4, 5, 6, 7}, StandardOpenOption.APPEND);
            // without --resume the file is not overwritten
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.withSideFile(side, false).histograms(c, h, null));
            assertTrue(e.getMessage().contains("--resume"), e.getMessage());
            // with other settings it is refused
            e = assertThrows(IllegalArgumentException.class,
                    () -> Pairwise.of(one.withEpsilon(0.1)).withValue(v).withBlockSide(5).withSideFile(side, true).histograms(c, h, null));
            assertTrue(e.getMessage().contains("other inputs or settings"), e.getMessage());
            int[] calls = {0};
            PairwiseResult resumed = p.withSideFile(side, true).withProgress((done, toDo, b, bt) -> calls[0]++).histograms(c, h, null);
            assertEquals(4, resumed.blocksResumed(), v.label());
            assertEquals(full.blocks() - 4, resumed.blocksSolved());
            assertEquals(full.blocks() - 4, calls[0], "each missing block solved once, the finished ones not again");
            assertTrue(resumed.pairsSolved() < full.pairs());
            assertEquals(full.pairs(), resumed.pairs());
            assertArrayEquals(full.values(), resumed.values(), v.label() + ": the same matrix, bit for bit");
            // resuming a finished run solves nothing
            PairwiseResult again = p.withSideFile(side, true).histograms(c, h, null);
            assertEquals(0, again.blocksSolved());
            assertEquals(full.blocks(), again.blocksResumed());
            assertArrayEquals(full.values(), again.values());
        }
    }

    @Test
    void theThreadCountDoesNotChangeTheBits() {
        Random rnd = new Random(10);
        NdArray c = costs(rnd, 40, 40), h = histograms(rnd, 20, 40);
        Pairwise p = Pairwise.of(SinkhornOptions.epsilon(0.05).withThreads(1)).withBlockSide(8);
        double[] one = p.histograms(c, h, null).values();
        double[] two = Pairwise.of(SinkhornOptions.epsilon(0.05).withThreads(2)).withBlockSide(8).histograms(c, h, null).values();
        assertArrayEquals(one, two);
    }
}
