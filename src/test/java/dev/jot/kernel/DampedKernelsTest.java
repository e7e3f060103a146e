package dev.jot.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The damped (unbalanced) stored-kernel kernels, {@code kernelRowStepDamped…} and {@code dampedScalingStep…}: the
 * scalar ones against their definition (u' = exp(logD − τ·log s), c = a·u'; τ = 1 the balanced step bit for bit),
 * and the vector ones against the scalar oracle over widths 1 to 100 and row counts 1 to 64, with zero weights,
 * coefficients that overflow, and the special sums.
 */
class DampedKernelsTest {
    private static final int[] ROWS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 31, 33, 63, 64};
    /** The scaling steps' rows are independent of each other: fewer row counts. */
    private static final int[] STEP_ROWS = {1, 2, 3, 8, 9, 33, 64};

    private static SinkhornKernels vector() {
        Assumptions.assumeTrue(Kernels.vector().isPresent(), "no vector kernels");
        return Kernels.vector().get();
    }

    private static final SinkhornKernels SCALAR = Kernels.byName("scalar");

    /** A kernel stripe with entries in (0, 1] and some zeros, in f32 and f64. */
    private static MemorySegment[] stripe(Arena arena, SplittableRandom rnd, int rows, int cols) {
        MemorySegment kf = arena.allocate(4L * rows * cols), kd = arena.allocate(8L * rows * cols);
        for (int q = 0; q < rows * cols; q++) {
            double v = rnd.nextInt(9) == 0 ? 0 : Math.exp(-10 * rnd.nextDouble());
            kf.setAtIndex(ValueLayout.JAVA_FLOAT, q, (float) v);
            kd.setAtIndex(ValueLayout.JAVA_DOUBLE, q, v);
        }
        return new MemorySegment[]{kf, kd};
    }

    @Test
    void theScalarRowStepIsItsDefinitionAndTauOneIsTheBalancedStep() {
        SplittableRandom rnd = new SplittableRandom(61);
        int rows = 9, cols = 23;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] k = stripe(arena, rnd, rows, cols);
            double[] wd = new double[cols], a = new double[rows], logD = new double[rows];
            float[] wf = new float[cols];
            for (int j = 0; j < cols; j++) {
                wd[j] = rnd.nextDouble();
                wf[j] = (float) wd[j];
            }
            for (int r = 0; r < rows; r++) {
                a[r] = r == 4 ? 0 : rnd.nextDouble();
                logD[r] = 4 * rnd.nextDouble() - 2;
            }
            double tau = 0.7;
            double[] s = new double[rows], want = new double[cols], t = new double[cols];
            SCALAR.kernelRowStepDampedF64(k[1], rows, cols, wd, a, logD, tau, s, 0, t);
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int j = 0; j < cols; j++) {
                    sum += k[1].getAtIndex(ValueLayout.JAVA_DOUBLE, (long) r * cols + j) * wd[j];
                }
                assertEquals(sum, s[r], 1e-15 * sum);
                double c = a[r] * Math.exp(logD[r] - tau * Math.log(sum));
                for (int j = 0; j < cols; j++) {
                    want[j] += c * k[1].getAtIndex(ValueLayout.JAVA_DOUBLE, (long) r * cols + j);
                }
            }
            for (int j = 0; j < cols; j++) {
                assertEquals(want[j], t[j], 1e-14 * want[j], "column " + j);
            }
            // tau = 1 with logD = 0: a·exp(−log s) is a/s to rounding (the loops take the balanced step itself for it)
            double[] s2 = new double[rows], t2 = new double[cols];
            SCALAR.kernelRowStepF64(k[1], rows, cols, wd, a, s2, 0, t2);
            double[] t3 = new double[cols];
            SCALAR.kernelRowStepDampedF64(k[1], rows, cols, wd, a, new double[rows], 1, s, 0, t3);
            assertArrayEquals(s2, s, 0.0);
            for (int j = 0; j < cols; j++) {
                assertEquals(t2[j], t3[j], 1e-14 * t2[j]);
            }
        }
    }

    @Test
    void theVectorRowStepsAreTheScalarOnesToRounding() {
        SinkhornKernels vector = vector();
        SplittableRandom rnd = new SplittableRandom(62);
        for (int cols = 1; cols <= 100; cols++) {
            for (int rows : ROWS) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment[] k = stripe(arena, rnd, rows, cols);
                    float[] wf = new float[cols];
                    double[] wd = new double[cols], a = new double[rows + 3], logD = new double[rows + 3];
                    for (int j = 0; j < cols; j++) {
                        wd[j] = rnd.nextDouble();
                        wf[j] = (float) wd[j];
                    }
                    for (int r = 0; r < rows + 3; r++) {
                        a[r] = rnd.nextInt(6) == 0 ? 0 : rnd.nextDouble();
                        logD[r] = 10 * rnd.nextDouble() - 5;
                    }
                    double tau = rnd.nextDouble();
                    // the stripe's rows start at offset 3 of a, logD and s
                    double[] s1 = new double[rows + 3], s2 = new double[rows + 3], d1 = new double[rows + 3], d2 = new double[rows + 3];
                    float[] t1 = new float[cols], t2 = new float[cols];
                    double[] u1 = new double[cols], u2 = new double[cols];
                    SCALAR.kernelRowStepDampedF32(k[0], rows, cols, wf, a, logD, tau, s1, 3, t1);
                    vector.kernelRowStepDampedF32(k[0], rows, cols, wf, a, logD, tau, s2, 3, t2);
                    SCALAR.kernelRowStepDampedF64(k[1], rows, cols, wd, a, logD, tau, d1, 3, u1);
                    vector.kernelRowStepDampedF64(k[1], rows, cols, wd, a, logD, tau, d2, 3, u2);
                    String at = rows + " x " + cols;
                    for (int r = 3; r < rows + 3; r++) {
                        assertEquals(s1[r], s2[r], 1e-5 * s1[r], "f32 row sum " + r + ", " + at);
                        assertEquals(d1[r], d2[r], 1e-13 * d1[r], "f64 row sum " + r + ", " + at);
                    }
                    for (int j = 0; j < cols; j++) {
                        assertEquals(t1[j], t2[j], 1e-5 * t1[j] + 1e-30f, "f32 column sum " + j + ", " + at);
                        assertEquals(u1[j], u2[j], 1e-13 * u1[j] + 1e-300, "f64 column sum " + j + ", " + at);
                    }
                }
            }
        }
    }

    @Test
    void anOverflowingCoefficientReachesTheColumnSums() {
        SplittableRandom rnd = new SplittableRandom(63);
        int rows = 11, cols = 37;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] k = stripe(arena, rnd, rows, cols);
            float[] wf = new float[cols];
            double[] wd = new double[cols], a = new double[rows], logD = new double[rows];
            Arrays.fill(wf, 0.5f);
            Arrays.fill(wd, 0.5);
            Arrays.fill(a, 0.1);
            logD[6] = 800; // e^800 overflows f64 (and f32): the column sums must show it, never drop it
            for (SinkhornKernels impl : Kernels.vector().isPresent() ? new SinkhornKernels[]{SCALAR, Kernels.vector().get()}
                    : new SinkhornKernels[]{SCALAR}) {
                float[] tf = new float[cols];
                double[] td = new double[cols], s = new double[rows];
                impl.kernelRowStepDampedF32(k[0], rows, cols, wf, a, logD, 0.5, s, 0, tf);
                impl.kernelRowStepDampedF64(k[1], rows, cols, wd, a, logD, 0.5, s, 0, td);
                boolean anyF = false, anyD = false;
                for (int j = 0; j < cols; j++) {
                    anyF |= !Float.isFinite(tf[j]);
                    anyD |= !Double.isFinite(td[j]);
                }
                assertTrue(anyF && anyD, impl.name() + ": an overflowed coefficient shows in the column sums");
                // a zero weight's row adds nothing, whatever its scaling
                a[6] = 0;
                Arrays.fill(td, 0);
                impl.kernelRowStepDampedF64(k[1], rows, cols, wd, a, logD, 0.5, s, 0, td);
                for (double v : td) {
                    assertTrue(Double.isFinite(v), impl.name() + ": a zero weight with an overflowing scaling");
                }
                a[6] = 0.1;
            }
        }
    }

    /** Random sums spread over twelve orders of magnitude, some weights zero. */
    private static void fill(SplittableRandom rnd, double[] sums, double[] w) {
        for (int e = 0; e < sums.length; e++) {
            sums[e] = Math.exp(28 * rnd.nextDouble() - 14);
            w[e] = rnd.nextInt(7) == 0 ? 0 : rnd.nextDouble();
        }
    }

    private static double[] filled(int n, double v) {
        double[] out = new double[n];
        Arrays.fill(out, v);
        return out;
    }

    @Test
    void theScalarScalingStepIsItsDefinitionAndTauOneIsTheBalancedStep() {
        SplittableRandom rnd = new SplittableRandom(64);
        int rows = 7, width = 13, nw = rows * width;
        double[] sums = new double[nw], w = new double[nw], logOld = new double[nw], logD = new double[rows], logE = new double[width];
        fill(rnd, sums, w);
        for (int e = 0; e < nw; e++) {
            logOld[e] = rnd.nextDouble() - 0.5;
        }
        for (int r = 0; r < rows; r++) {
            logD[r] = 3 * rnd.nextDouble();
        }
        for (int p = 0; p < width; p++) {
            logE[p] = -3 * rnd.nextDouble();
        }
        double tau = 0.4;
        double[] logNext = new double[nw], next = new double[nw], prod = new double[nw], low = filled(width, Double.POSITIVE_INFINITY),
                high = filled(width, Double.NEGATIVE_INFINITY), ll = filled(width, Double.POSITIVE_INFINITY),
                lh = filled(width, Double.NEGATIVE_INFINITY), change = new double[width];
        SCALAR.dampedScalingStepF64(sums, w, logOld, logNext, next, prod, rows, width, logD, logE, tau, low, high, ll, lh, change);
        for (int p = 0; p < width; p++) {
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY, xlo = lo, xhi = hi, ch = 0;
            for (int r = 0; r < rows; r++) {
                int e = r * width + p;
                double x = logD[r] + logE[p] - tau * Math.log(sums[e]);
                assertEquals(x, logNext[e], 1e-15 * Math.max(1, Math.abs(x)));
                assertEquals(Math.exp(x), next[e], 1e-14 * Math.exp(x));
                assertEquals(w[e] * next[e], prod[e], 0.0);
                lo = Math.min(lo, sums[e]);
                hi = Math.max(hi, sums[e]);
                xlo = Math.min(xlo, logNext[e]);
                xhi = Math.max(xhi, logNext[e]);
                if (w[e] > 0) {
                    ch = Math.max(ch, Math.abs(logNext[e] - logOld[e]));
                }
            }
            assertEquals(lo, low[p]);
            assertEquals(hi, high[p]);
            assertEquals(xlo, ll[p]);
            assertEquals(xhi, lh[p]);
            assertEquals(ch, change[p]);
        }
        // tau = 1: next and prod are the balanced step's, bit for bit, in f64 and f32, in every implementation
        for (SinkhornKernels impl : Kernels.vector().isPresent() ? new SinkhornKernels[]{SCALAR, Kernels.vector().get()}
                : new SinkhornKernels[]{SCALAR}) {
            double[] bn = new double[nw], bp = new double[nw], n1 = new double[nw], p1 = new double[nw];
            impl.scalingStepF64(sums, w, null, bn, bp, rows, width, filled(width, 1e300), filled(width, -1e300), null);
            impl.dampedScalingStepF64(sums, w, logOld, logNext, n1, p1, rows, width, new double[rows], new double[width], 1,
                    filled(width, 1e300), filled(width, -1e300), filled(width, 1e300), filled(width, -1e300), null);
            assertArrayEquals(bn, n1, 0.0, impl.name());
            assertArrayEquals(bp, p1, 0.0, impl.name());
            float[] sf = new float[nw], wf = new float[nw], bnf = new float[nw], bpf = new float[nw], nf = new float[nw], pf = new float[nw];
            for (int e = 0; e < nw; e++) {
                sf[e] = (float) sums[e];
                wf[e] = (float) w[e];
            }
            impl.scalingStepF32(sf, wf, null, bnf, bpf, rows, width, new float[width], new float[width], null);
            impl.dampedScalingStepF32(sf, wf, logOld, logNext, nf, pf, rows, width, new double[rows], new double[width], 1,
                    new float[width], new float[width], filled(width, 1e300), filled(width, -1e300), null);
            assertArrayEquals(bnf, nf, 0.0f, impl.name());
            assertArrayEquals(bpf, pf, 0.0f, impl.name());
            for (int e = 0; e < nw; e++) {
                assertEquals(Math.log(nf[e]), logNext[e], 1e-15 * Math.max(1, Math.abs(logNext[e])), impl.name());
            }
        }
    }

    @Test
    void theVectorScalingStepsAreTheScalarOnesToRounding() {
        SinkhornKernels vector = vector();
        SplittableRandom rnd = new SplittableRandom(65);
        for (int width = 1; width <= 100; width++) {
            for (int rows : STEP_ROWS) {
                int nw = rows * width;
                double[] sums = new double[nw], w = new double[nw], logOld = new double[nw], logD = new double[rows], logE = new double[width];
                fill(rnd, sums, w);
                for (int e = 0; e < nw; e++) {
                    logOld[e] = 20 * rnd.nextDouble() - 10;
                }
                for (int r = 0; r < rows; r++) {
                    logD[r] = 10 * rnd.nextDouble() - 5;
                }
                for (int p = 0; p < width; p++) {
                    logE[p] = 10 * rnd.nextDouble() - 5;
                }
                // special sums: a zero, an infinity and a NaN fail the range tests alike
                if (rows >= 2 && width > 2) {
                    sums[1] = 0;
                    sums[2 * width - 1] = Double.POSITIVE_INFINITY;
                    sums[nw - 2] = Double.NaN;
                }
                float[] sf = new float[nw], wf = new float[nw];
                for (int e = 0; e < nw; e++) {
                    sf[e] = (float) sums[e];
                    wf[e] = (float) w[e];
                }
                for (double tau : new double[]{rnd.nextDouble(), 1}) {
                    String at = rows + " x " + width + ", tau " + tau;
                    boolean check = rnd.nextBoolean();
                    double[][] d1 = run64(SCALAR, sums, w, logOld, rows, width, logD, logE, tau, check);
                    double[][] d2 = run64(vector, sums, w, logOld, rows, width, logD, logE, tau, check);
                    compare(d1, d2, 1e-12, "f64 " + at);
                    double[][] f1 = run32(SCALAR, sf, wf, logOld, rows, width, logD, logE, tau, check);
                    double[][] f2 = run32(vector, sf, wf, logOld, rows, width, logD, logE, tau, check);
                    compare(f1, f2, 2e-7, "f32 " + at);
                }
            }
        }
    }

    /** {logNext, next, prod, low, high, logLow, logHigh, change} of an f64 step. */
    private static double[][] run64(SinkhornKernels k, double[] sums, double[] w, double[] logOld, int rows, int width, double[] logD,
                                    double[] logE, double tau, boolean check) {
        int nw = rows * width;
        double[] logNext = new double[nw], next = new double[nw], prod = new double[nw], low = filled(width, Double.POSITIVE_INFINITY),
                high = filled(width, Double.NEGATIVE_INFINITY), ll = filled(width, Double.POSITIVE_INFINITY),
                lh = filled(width, Double.NEGATIVE_INFINITY), change = check ? new double[width] : null;
        k.dampedScalingStepF64(sums, w, logOld, logNext, next, prod, rows, width, logD, logE, tau, low, high, ll, lh, change);
        return new double[][]{logNext, next, prod, low, high, ll, lh, change == null ? new double[0] : change};
    }

    private static double[][] run32(SinkhornKernels k, float[] sums, float[] w, double[] logOld, int rows, int width, double[] logD,
                                    double[] logE, double tau, boolean check) {
        int nw = rows * width;
        double[] logNext = new double[nw], ll = filled(width, Double.POSITIVE_INFINITY), lh = filled(width, Double.NEGATIVE_INFINITY),
                change = check ? new double[width] : null;
        float[] next = new float[nw], prod = new float[nw], low = new float[width], high = new float[width];
        Arrays.fill(low, Float.POSITIVE_INFINITY);
        Arrays.fill(high, Float.NEGATIVE_INFINITY);
        k.dampedScalingStepF32(sums, w, logOld, logNext, next, prod, rows, width, logD, logE, tau, low, high, ll, lh, change);
        return new double[][]{logNext, toDouble(next), toDouble(prod), toDouble(low), toDouble(high), ll, lh,
                change == null ? new double[0] : change};
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = v[k];
        }
        return out;
    }

    private static final String[] NAMES = {"logNext", "next", "prod", "low", "high", "logLow", "logHigh", "change"};

    /** Values within rel of each other (logarithms: absolute, with 1e-14 more); non-finite ones alike. */
    private static void compare(double[][] want, double[][] got, double rel, String what) {
        for (int q = 0; q < want.length; q++) {
            assertEquals(want[q].length, got[q].length);
            for (int e = 0; e < want[q].length; e++) {
                double x = want[q][e], y = got[q][e];
                String at = what + ": " + NAMES[q] + "[" + e + "] " + x + " vs " + y;
                if (!Double.isFinite(x) || !Double.isFinite(y)) {
                    boolean bothNaN = Double.isNaN(x) && Double.isNaN(y);
                    // a NaN sum's slot fails its range test whatever is computed from it; infinities agree
                    assertTrue(bothNaN || x == y || (Double.isNaN(x) || Double.isNaN(y)) && q < 3, at);
                    continue;
                }
                boolean log = q == 0 || q >= 5;
                double tol = log ? 1e-14 * Math.max(1, Math.abs(x)) : rel * Math.abs(x);
                assertEquals(x, y, tol + (x == 0 ? 1e-300 : 0), at);
            }
        }
        assertFalse(want.length == 0);
    }
}
