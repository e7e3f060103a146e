package dev.jot.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The column kernels (column maxima and shifted column sums, read row by row) of both implementations
 * against a naive double-precision oracle, on random tiles: the shifted sums within a relative
 * (8 + 4·max|z − shift|)·u32 in f32 (one rounding of each exponent, as in {@code KernelOracleTest})
 * and 1e-12 in f64; a shift far below the column's log-sum-exp gives a large finite sum (the clamp),
 * never an overflow.
 */
class ColumnKernelsTest {
    private static final double U32 = 0x1p-24;

    static Stream<Arguments> grid() {
        List<SinkhornKernels> impls = new java.util.ArrayList<>(List.of(ScalarKernels.INSTANCE));
        Kernels.vector().ifPresent(impls::add);
        return impls.stream().flatMap(k -> Stream.of(1, 5, 64).flatMap(r -> Stream.of(1, 7, 16, 17, 100, 1023)
                .flatMap(c -> Stream.of(1.0, 100.0).map(e -> Arguments.of(k.name(), r, c, e)))));
    }

    private static SinkhornKernels kernels(String name) {
        return name.equals("scalar") ? ScalarKernels.INSTANCE : Kernels.vector().orElseThrow();
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2} invEps={3}")
    @MethodSource("grid")
    void columnKernelsAgreeWithNaiveSums(String impl, int rows, int cols, double invEps) {
        SinkhornKernels k = kernels(impl);
        Random rnd = new Random(31L * rows + 7L * cols + (long) invEps);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t64 = arena.allocate((long) rows * cols * 8, 64), t32 = arena.allocate((long) rows * cols * 4, 64);
            double[] hc = new double[rows + 2];
            float[] hcf = new float[rows + 2];
            for (int r = 0; r < rows + 2; r++) {
                hc[r] = Math.log(0.1 + rnd.nextDouble()) + invEps * 2 * rnd.nextDouble();
                hcf[r] = (float) hc[r];
            }
            for (long i = 0; i < (long) rows * cols; i++) {
                double c = 2 * rnd.nextDouble();
                t64.setAtIndex(ValueLayout.JAVA_DOUBLE, i, c);
                t32.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) c);
            }
            // the oracle: exact column maxima and log-sum-exps, in double from the same (rounded) inputs
            double[] max64 = new double[cols], max32 = new double[cols], lse32 = new double[cols], lse64 = new double[cols];
            Arrays.fill(max64, Double.NEGATIVE_INFINITY);
            Arrays.fill(max32, Double.NEGATIVE_INFINITY);
            for (int j = 0; j < cols; j++) {
                for (int r = 0; r < rows; r++) {
                    max64[j] = Math.max(max64[j], hc[r + 2] - invEps * t64.getAtIndex(ValueLayout.JAVA_DOUBLE, (long) r * cols + j));
                    max32[j] = Math.max(max32[j], hcf[r + 2] - (double) (float) invEps * t32.getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + j));
                }
                double s64 = 0, s32 = 0;
                for (int r = 0; r < rows; r++) {
                    s64 += Math.exp(hc[r + 2] - invEps * t64.getAtIndex(ValueLayout.JAVA_DOUBLE, (long) r * cols + j) - max64[j]);
                    s32 += Math.exp(hcf[r + 2] - (double) (float) invEps * t32.getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + j) - max32[j]);
                }
                lse64[j] = max64[j] + Math.log(s64);
                lse32[j] = max32[j] + Math.log(s32);
            }
            // maxima, accumulated into a running maximum that starts above some columns
            double[] gotMax64 = new double[cols];
            float[] gotMax32 = new float[cols];
            Arrays.fill(gotMax64, Double.NEGATIVE_INFINITY);
            Arrays.fill(gotMax32, Float.NEGATIVE_INFINITY);
            k.columnMaxF64(t64, rows, cols, hc, 2, invEps, gotMax64);
            k.columnMaxF32(t32, rows, cols, hcf, 2, (float) invEps, gotMax32);
            for (int j = 0; j < cols; j++) {
                assertEquals(max64[j], gotMax64[j], 1e-13 * (1 + Math.abs(max64[j])), "f64 max, column " + j);
                assertEquals(max32[j], gotMax32[j], 2 * U32 * (1 + Math.abs(max32[j])), "f32 max, column " + j);
            }
            // shifted sums: shift = the log-sum-exp moved by up to ±30, added onto a non-zero accumulator
            double[] shift64 = new double[cols], acc64 = new double[cols];
            float[] shift32 = new float[cols], acc32 = new float[cols];
            for (int j = 0; j < cols; j++) {
                double off = 60 * rnd.nextDouble() - 30;
                shift64[j] = lse64[j] + off;
                shift32[j] = (float) (lse32[j] + off);
                acc64[j] = 0.5 * Math.exp(-off);
                acc32[j] = (float) (0.5 * Math.exp(lse32[j] - shift32[j]));
            }
            double[] start32 = new double[cols];
            for (int j = 0; j < cols; j++) {
                start32[j] = acc32[j];
            }
            k.columnSumExpF64(t64, rows, cols, hc, 2, invEps, shift64, acc64);
            k.columnSumExpF32(t32, rows, cols, hcf, 2, (float) invEps, shift32, acc32);
            for (int j = 0; j < cols; j++) {
                double want64 = 1.5 * Math.exp(lse64[j] - shift64[j]);
                assertEquals(want64, acc64[j], 1e-12 * want64, "f64 sum, column " + j);
                double want32 = start32[j] + Math.exp(lse32[j] - shift32[j]);
                double zmax = Math.abs(max32[j]) + Math.abs(shift32[j]) + invEps * 2;
                assertEquals(want32, acc32[j], (8 + 4 * zmax) * U32 * want32, "f32 sum, column " + j);
            }
            // a shift 200 below the log-sum-exp: clamped, finite, far above the trusted range
            float[] low = new float[cols], acc = new float[cols];
            double[] lowD = new double[cols], accD = new double[cols];
            for (int j = 0; j < cols; j++) {
                low[j] = (float) (lse32[j] - 200);
                lowD[j] = lse64[j] - 800;
            }
            k.columnSumExpF32(t32, rows, cols, hcf, 2, (float) invEps, low, acc);
            k.columnSumExpF64(t64, rows, cols, hc, 2, invEps, lowD, accD);
            for (int j = 0; j < cols; j++) {
                assertTrue(Float.isFinite(acc[j]) && acc[j] >= Math.exp(60), "f32 clamp, column " + j + ": " + acc[j]);
                assertTrue(Double.isFinite(accD[j]) && accD[j] >= Math.exp(590), "f64 clamp, column " + j + ": " + accD[j]);
            }
        }
    }
}
