package dev.jot.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The distance and fused point kernels against the scalar oracle, with and without a guess of the
 * result (the guess may be good, far off, or absent), for row lengths that hit every tail.
 */
class PointKernelsTest {

    private static SinkhornKernels vector() {
        Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        return Kernels.vector().get();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 8, 9, 15, 17, 31, 33, 63, 64, 65, 1000, 1023})
    void fusedLogSumExpMatchesTheOracle(int cols) {
        SinkhornKernels v = vector();
        Random rnd = new Random(cols);
        int rows = 3, d = 3;
        double[] x = new double[rows * d], yT = new double[d * cols], h = new double[cols];
        for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextDouble();
        }
        for (int k = 0; k < yT.length; k++) {
            yT[k] = rnd.nextDouble();
        }
        for (int j = 0; j < cols; j++) {
            h[j] = j % 5 == 4 ? Double.NEGATIVE_INFINITY : rnd.nextDouble();
        }
        float[] xf = toFloat(x), yTf = toFloat(yT), hf = toFloat(h);
        for (double invEps : new double[]{1, 100, 1e4}) {
            for (boolean sqrt : new boolean[]{false, true}) {
                double[] want = new double[rows], want32 = new double[rows];
                ScalarKernels.INSTANCE.logSumExpPointsF64(x, 0, rows, d, yT, cols, sqrt, h, invEps, want, 0);
                ScalarKernels.INSTANCE.logSumExpPointsF32(xf, 0, rows, d, yTf, cols, sqrt, hf, (float) invEps, want32, 0);
                double zmax = 1 + invEps * 3;
                for (double guessOffset : new double[]{Double.NaN, 0, 0.5, 35, -35, 1e3, -1e3}) {
                    double[] got = new double[rows], got32 = new double[rows];
                    for (int r = 0; r < rows; r++) {
                        got[r] = want[r] + guessOffset;
                        got32[r] = want32[r] + guessOffset;
                    }
                    v.logSumExpPointsF64(x, 0, rows, d, yT, cols, sqrt, h, invEps, got, 0);
                    v.logSumExpPointsF32(xf, 0, rows, d, yTf, cols, sqrt, hf, (float) invEps, got32, 0);
                    for (int r = 0; r < rows; r++) {
                        String what = "cols=" + cols + " invEps=" + invEps + " sqrt=" + sqrt + " guess+" + guessOffset + " row " + r;
                        assertEquals(want[r], got[r], 1e-12 * (1 + Math.abs(want[r])), what);
                        // f32: exponents carry an absolute rounding error of about |z|·2^-24
                        assertEquals(want32[r], got32[r], (8 + 4 * zmax) * 0x1p-24, what + " f32");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 9, 17, 64, 65, 1023})
    void distanceTilesMatchTheOracle(int cols) {
        SinkhornKernels v = vector();
        Random rnd = new Random(7 * cols);
        int rows = 2;
        for (int d : new int[]{1, 3, 64}) {
            double[] x = new double[(rows + 1) * d], yT = new double[d * cols];
            Arrays.setAll(x, k -> rnd.nextGaussian());
            Arrays.setAll(yT, k -> rnd.nextGaussian());
            try (Arena arena = Arena.ofConfined()) {
                for (boolean sqrt : new boolean[]{false, true}) {
                    MemorySegment want = arena.allocate((long) rows * cols * 8), got = arena.allocate((long) rows * cols * 8);
                    ScalarKernels.INSTANCE.squaredDistancesF64(x, 1, rows, d, yT, cols, sqrt, want);
                    v.squaredDistancesF64(x, 1, rows, d, yT, cols, sqrt, got);
                    MemorySegment want32 = arena.allocate((long) rows * cols * 4), got32 = arena.allocate((long) rows * cols * 4);
                    ScalarKernels.INSTANCE.squaredDistancesF32(toFloat(x), 1, rows, d, toFloat(yT), cols, sqrt, want32);
                    v.squaredDistancesF32(toFloat(x), 1, rows, d, toFloat(yT), cols, sqrt, got32);
                    for (long k = 0; k < (long) rows * cols; k++) {
                        double w = want.getAtIndex(ValueLayout.JAVA_DOUBLE, k);
                        assertEquals(w, got.getAtIndex(ValueLayout.JAVA_DOUBLE, k), 1e-13 * (1 + w), "f64 entry " + k + " d=" + d);
                        double w32 = want32.getAtIndex(ValueLayout.JAVA_FLOAT, k);
                        assertEquals(w32, got32.getAtIndex(ValueLayout.JAVA_FLOAT, k), 1e-5 * (1 + w32), "f32 entry " + k + " d=" + d);
                    }
                }
            }
        }
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int k = 0; k < a.length; k++) {
            f[k] = (float) a[k];
        }
        return f;
    }
}
