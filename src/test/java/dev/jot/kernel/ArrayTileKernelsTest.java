package dev.jot.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernels of the matrix-free fused pass that keep their tile in a Java array
 * ({@code distanceLogSumExpF32}, {@code columnSumExpF32(float[], ...)}) give the bits of the segment kernels
 * they stand for (costs into a segment tile, then {@code logSumExpF32} and {@code columnSumExpF32} on it), in the
 * vector and the scalar implementation: every tail width, d = 1 to 5, squared and plain distances, zero weights
 * (h = −∞), guesses that are good, far off or absent, and column shifts that force the clamp.
 */
class ArrayTileKernelsTest {
    private static final int[] ROWS = {1, 3, 13};

    private static SinkhornKernels[] implementations() {
        SinkhornKernels scalar = Kernels.byName("scalar");
        return Kernels.vector().map(v -> new SinkhornKernels[]{scalar, v}).orElse(new SinkhornKernels[]{scalar});
    }

    private static float[] uniform(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) {
            a[k] = (float) (scale * rnd.nextDouble());
        }
        return a;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 1000, 1023})
    void distancesAndRowLogSumExpsInAnArrayAreTheSegmentKernelsBits(int cols) {
        SplittableRandom rnd = new SplittableRandom(cols);
        for (SinkhornKernels k : implementations()) {
            for (int d = 1; d <= 5; d++) {
                for (int rows : ROWS) {
                    float[] x = uniform(rnd, (rows + 2) * d, 1), yT = uniform(rnd, d * cols, 1);
                    float[] h = uniform(rnd, cols, 1);
                    for (int j = 4; j < cols; j += 5) {
                        h[j] = Float.NEGATIVE_INFINITY;
                    }
                    for (boolean sqrt : new boolean[]{false, true}) {
                        for (float invEps : new float[]{1f, 100f, 1e4f}) {
                            check(k, x, 2, rows, d, yT, cols, sqrt, h, invEps);
                        }
                    }
                }
            }
        }
    }

    private static void check(SinkhornKernels k, float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt,
                              float[] h, float invEps) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) rows * cols * Float.BYTES);
            k.squaredDistancesF32(x, r0, rows, d, yT, cols, sqrt, seg);
            double[] exact = new double[rows];
            Arrays.fill(exact, Double.NaN);
            k.logSumExpF32(seg, rows, cols, h, invEps, exact, 0);
            for (double guessOffset : new double[]{Double.NaN, 0, 0.5, 35, -35, 1e3, -1e3}) {
                double[] want = new double[rows + 1], got = new double[rows + 1];
                for (int r = 0; r < rows; r++) {
                    want[r + 1] = exact[r] + guessOffset;
                }
                System.arraycopy(want, 0, got, 0, want.length);
                k.logSumExpF32(seg, rows, cols, h, invEps, want, 1);
                float[] tile = new float[rows * cols + 3];
                Arrays.fill(tile, -7f);
                k.distanceLogSumExpF32(x, r0, rows, d, yT, cols, sqrt, h, invEps, got, 1, tile);
                String what = k.name() + " cols=" + cols + " d=" + d + " rows=" + rows + " sqrt=" + sqrt + " invEps=" + invEps
                        + " guess+" + guessOffset;
                for (int r = 0; r <= rows; r++) {
                    assertEquals(Double.doubleToRawLongBits(want[r]), Double.doubleToRawLongBits(got[r]), what + " row " + r);
                }
                for (int q = 0; q < rows * cols; q++) {
                    assertEquals(Float.floatToRawIntBits(seg.getAtIndex(ValueLayout.JAVA_FLOAT, q)), Float.floatToRawIntBits(tile[q]),
                            what + " cost " + q);
                }
                for (int q = rows * cols; q < tile.length; q++) {
                    assertEquals(-7f, tile[q], 0f, what + ": written past the tile");
                }
                columnSumsAgree(k, seg, tile, rows, cols, invEps, exact, what);
            }
        }
    }

    /** The column sums over the array tile against the segment's, with shifts near, above and far below the columns' values. */
    private static void columnSumsAgree(SinkhornKernels k, MemorySegment seg, float[] tile, int rows, int cols, float invEps,
                                        double[] rowLse, String what) {
        float[] hc = new float[rows + 2];
        for (int r = 0; r < rows; r++) {
            hc[r + 2] = r % 4 == 3 ? Float.NEGATIVE_INFINITY : (float) (-rowLse[r] * 0.5);
        }
        SplittableRandom rnd = new SplittableRandom(cols * 31L + rows);
        for (double offset : new double[]{0, 30, -120}) {
            float[] shift = new float[cols];
            for (int j = 0; j < cols; j++) {
                shift[j] = (float) (offset + 10 * rnd.nextDouble() - 5);
            }
            float[] want = uniform(rnd, cols, 1), got = want.clone();
            k.columnSumExpF32(seg, rows, cols, hc, 2, invEps, shift, want);
            k.columnSumExpF32(tile, rows, cols, hc, 2, invEps, shift, got);
            for (int j = 0; j < cols; j++) {
                assertEquals(Float.floatToRawIntBits(want[j]), Float.floatToRawIntBits(got[j]), what + " column sum " + j + " shift+" + offset);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 100})
    void theVectorArrayKernelsAgreeWithTheScalarOracle(int cols) {
        Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        SinkhornKernels v = Kernels.vector().get(), s = Kernels.byName("scalar");
        SplittableRandom rnd = new SplittableRandom(cols + 7);
        int rows = 5, d = 3;
        float[] x = uniform(rnd, rows * d, 1), yT = uniform(rnd, d * cols, 1), h = uniform(rnd, cols, 1);
        float invEps = 100f;
        double[] want = new double[rows], got = new double[rows];
        Arrays.fill(want, Double.NaN);
        Arrays.fill(got, Double.NaN);
        float[] ts = new float[rows * cols], tv = new float[rows * cols];
        s.distanceLogSumExpF32(x, 0, rows, d, yT, cols, false, h, invEps, want, 0, ts);
        v.distanceLogSumExpF32(x, 0, rows, d, yT, cols, false, h, invEps, got, 0, tv);
        double zmax = 1 + invEps * 3;
        for (int r = 0; r < rows; r++) {
            // f32 exponents carry an absolute rounding error of about |z|·2^-24
            assertEquals(want[r], got[r], (8 + 4 * zmax) * 0x1p-24, "row " + r);
        }
        for (int q = 0; q < ts.length; q++) {
            assertEquals(ts[q], tv[q], 4e-7f * Math.max(ts[q], 1e-3f), "cost " + q);
        }
    }
}
