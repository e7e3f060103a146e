package dev.jot.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector kernels against the scalar kernels (and the scalar kernels against a naive two-pass
 * log-sum-exp in double), on off-heap tiles of random costs in [0, 2].
 *
 * <p>Tolerances, with u32 = 2^-24 and u64 = 2^-53 the unit roundoffs:
 * <ul>
 * <li>f64 log-sum-exp: |vector − scalar| ≤ 1e-12·(1 + max|z|), z_j = h_j − invEps·C_j
 *     (measured: at most 4.5·u64·(1 + max|z|), about 5e-16·(1 + max|z|)).</li>
 * <li>f64 plan sums: relative ≤ 1e-12 + 8·u64·M, where M = max_j (|h_j + s| + invEps·C_j) is the size
 *     of the exponents' operands. The vector kernel fuses h + s − invEps·C with an FMA, the scalar one
 *     rounds the product, so exponents may differ by about u64·M: at invEps = 1e4 (M ≈ 4e4) that is a
 *     relative 4e-12 on e^z, more than a flat 1e-12 allows (measured: at most 2.2·u64·M).</li>
 * <li>f32 log-sum-exp: the vector kernel computes z = h − invEps·C in float, one rounding of at most
 *     u32·|z|, then float exponentials and float sums; the scalar kernel widens to double. Bound:
 *     (8 + 4·max|z|)·u32, i.e. about 4.8e-7 + 2.4e-7·max|z|. The 8 leaves room for an f32
 *     exponential accurate to a few ulp (a polynomial one is documented at below 4e-7, 6.7·u32);
 *     measured with the Vector API's EXP and with such a polynomial, over 300 random seeds and 512-,
 *     256- and 128-bit vectors: at most 1.0·u32·(1 + max|z|).</li>
 * <li>f32 plan sums: the exponent h + s − invEps·C is formed in float, so its error is about u32·M and
 *     the relative error of e^z the same. Bound: relative (8 + 4·M)·u32 (measured: at most
 *     0.8·u32·(1 + M)). For invEps ≤ 100 and costs in [0, 2] this is below 1e-4; at invEps = 1e4 the
 *     exponents reach 4e4, where a float's spacing is 0.004, and a flat relative 1e-4 is not
 *     achievable by any f32 kernel (measured relative differences reach 1e-3).</li>
 * <li>Sums of terms below the smallest normal number (e^-87 in f32, e^-708 in f64) carry only an
 *     absolute accuracy (subnormals, or an exponential that flushes them to zero): every plan-sum
 *     check also allows cols·(1 + max C)·MIN_NORMAL absolute.</li>
 * </ul>
 */
class KernelOracleTest {
    private static final double U32 = 0x1p-24;
    private static final double U64 = 0x1p-53;
    private static final int[] COLS = {1, 2, 7, 8, 9, 15, 17, 63, 64, 65, 1000, 1023};
    private static final int[] ROWS = {1, 3};
    private static final double[] INV_EPS = {1, 100, 1e4};
    /** out[] offset used by every call, so that writes outside the caller's rows would show. */
    private static final int OFFSET = 2;

    static SinkhornKernels vector() {
        var v = Kernels.vector();
        Assumptions.assumeTrue(v.isPresent(), () -> "vector kernels unavailable: " + Kernels.whyNoVector().orElse("?"));
        return v.get();
    }

    static Stream<Arguments> grid() {
        return Arrays.stream(ROWS).boxed().flatMap(r -> Arrays.stream(COLS).boxed()
                .flatMap(c -> Arrays.stream(INV_EPS).mapToObj(e -> Arguments.of(r, c, e))));
    }

    /** A tile of rows × cols costs, in f64 and (rounded) f32, plus the h vector. */
    private record Problem(int rows, int cols, double invEps, MemorySegment t64, MemorySegment t32,
                           double[] h64, float[] h32) {
        double c64(int r, int j) {
            return t64.getAtIndex(ValueLayout.JAVA_DOUBLE, (long) r * cols + j);
        }

        double c32(int r, int j) {
            return t32.getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + j);
        }
    }

    /**
     * Random costs in [0, costMax] and h_j = log w_j + invEps·U[0, 2] (the scale of log b + g/ε in a
     * solve), with about one entry in seven set to −∞ (a zero weight), never all of them.
     */
    private static Problem problem(Arena arena, int rows, int cols, double invEps, double costMax, long seed) {
        Random rnd = new Random(seed);
        MemorySegment t64 = arena.allocate(8L * rows * cols, 8);
        MemorySegment t32 = arena.allocate(4L * rows * cols, 4);
        for (long k = 0; k < (long) rows * cols; k++) {
            double c = costMax * rnd.nextDouble();
            t64.setAtIndex(ValueLayout.JAVA_DOUBLE, k, c);
            t32.setAtIndex(ValueLayout.JAVA_FLOAT, k, (float) c);
        }
        double[] h = new double[cols];
        float[] hf = new float[cols];
        int keep = rnd.nextInt(cols);
        for (int j = 0; j < cols; j++) {
            h[j] = j != keep && rnd.nextInt(7) == 0 ? Double.NEGATIVE_INFINITY
                    : Math.log(1e-3 + rnd.nextDouble()) + invEps * 2 * rnd.nextDouble();
            hf[j] = (float) h[j];
        }
        return new Problem(rows, cols, invEps, t64, t32, h, hf);
    }

    private static double[] sentinel(int rows) {
        double[] out = new double[rows + OFFSET + 2];
        Arrays.fill(out, Double.NaN);
        return out;
    }

    private static void assertUntouched(double[] out, int rows) {
        for (int k = 0; k < out.length; k++) {
            if (k < OFFSET || k >= OFFSET + rows) {
                assertTrue(Double.isNaN(out[k]), "entry " + k + " outside the rows was written");
            }
        }
    }

    /** Naive two-pass log-sum-exp in double of z_j = h_j − invEps·C_j (the independent oracle). */
    private static double naiveLse(double[] h, double invEps, double[] c) {
        double[] z = new double[h.length];
        for (int j = 0; j < h.length; j++) {
            z[j] = h[j] - invEps * c[j];
        }
        return dev.jot.testutil.OracleSinkhorn.logSumExp(z, z.length);
    }

    private static long seed(int rows, int cols, double invEps) {
        return 1_000_003L * rows + 7919L * cols + (long) Math.log10(invEps);
    }

    // ---- f64 ----------------------------------------------------------------------------------------

    @ParameterizedTest(name = "rows={0} cols={1} invEps={2}")
    @MethodSource("grid")
    void logSumExpF64(int rows, int cols, double invEps) {
        SinkhornKernels vec = vector();
        try (Arena arena = Arena.ofConfined()) {
            Problem p = problem(arena, rows, cols, invEps, 2, seed(rows, cols, invEps));
            double[] want = sentinel(rows), got = sentinel(rows);
            Kernels.scalar().logSumExpF64(p.t64, rows, cols, p.h64, invEps, want, OFFSET);
            vec.logSumExpF64(p.t64, rows, cols, p.h64, invEps, got, OFFSET);
            assertUntouched(got, rows);
            for (int r = 0; r < rows; r++) {
                double maxZ = 0;
                double[] c = new double[cols];
                for (int j = 0; j < cols; j++) {
                    c[j] = p.c64(r, j);
                    if (p.h64[j] != Double.NEGATIVE_INFINITY) {
                        maxZ = Math.max(maxZ, Math.abs(p.h64[j] - invEps * c[j]));
                    }
                }
                double w = want[OFFSET + r], g = got[OFFSET + r];
                assertTrue(Double.isFinite(w) && Double.isFinite(g), "row " + r + ": scalar " + w + ", vector " + g);
                assertEquals(w, g, 1e-12 * (1 + maxZ), "row " + r);
                assertEquals(naiveLse(p.h64, invEps, c), w, 1e-12 * (1 + maxZ), "scalar vs two-pass, row " + r);
            }
        }
    }

    @ParameterizedTest(name = "rows={0} cols={1} invEps={2}")
    @MethodSource("grid")
    void planSumsF64(int rows, int cols, double invEps) {
        SinkhornKernels vec = vector();
        try (Arena arena = Arena.ofConfined()) {
            checkPlanSumsF64(vec, problem(arena, rows, cols, invEps, 2, seed(rows, cols, invEps) + 1));
        }
    }

    private static void checkPlanSumsF64(SinkhornKernels vec, Problem p) {
        int rows = p.rows, cols = p.cols;
        double invEps = p.invEps;
        double[] shift = shiftsF64(p);
        double[] wm = sentinel(rows), wc = sentinel(rows), gm = sentinel(rows), gc = sentinel(rows);
        Kernels.scalar().planSumsF64(p.t64, rows, cols, p.h64, invEps, shift, wm, wc, OFFSET);
        vec.planSumsF64(p.t64, rows, cols, p.h64, invEps, shift, gm, gc, OFFSET);
        assertUntouched(gm, rows);
        assertUntouched(gc, rows);
        for (int r = 0; r < rows; r++) {
            double s = shift[OFFSET + r], bigM = 0, maxC = 0, mass = 0, cost = 0;
            for (int j = 0; j < cols; j++) {
                maxC = Math.max(maxC, p.c64(r, j));
                if (p.h64[j] != Double.NEGATIVE_INFINITY) {
                    bigM = Math.max(bigM, Math.abs(p.h64[j] + s) + invEps * p.c64(r, j));
                    double e = Math.exp(s + p.h64[j] - invEps * p.c64(r, j));
                    mass += e;
                    cost += e * p.c64(r, j);
                }
            }
            double tol = 1e-12 + 8 * U64 * bigM;
            // terms that underflow into the subnormal range carry only an absolute accuracy
            double floor = cols * (1 + maxC) * Double.MIN_NORMAL;
            assertRel(1.0, wm[OFFSET + r], tol, floor, "the shift -lse normalises the row's mass to 1");
            assertRel(wm[OFFSET + r], gm[OFFSET + r], tol, floor, "mass, row " + r);
            assertRel(wc[OFFSET + r], gc[OFFSET + r], tol, floor, "cost, row " + r);
            assertRel(mass, wm[OFFSET + r], tol, floor, "scalar mass vs direct sum, row " + r);
            assertRel(cost, wc[OFFSET + r], tol, floor, "scalar cost vs direct sum, row " + r);
        }
    }

    /** s_r = −log Σ_j exp(h_j − invEps·C_rj), the shift the solver passes, at offset OFFSET. */
    private static double[] shiftsF64(Problem p) {
        double[] lse = new double[p.rows + OFFSET];
        Kernels.scalar().logSumExpF64(p.t64, p.rows, p.cols, p.h64, p.invEps, lse, OFFSET);
        double[] s = new double[lse.length];
        for (int r = 0; r < p.rows; r++) {
            s[OFFSET + r] = -lse[OFFSET + r];
        }
        return s;
    }

    // ---- f32 ----------------------------------------------------------------------------------------

    @ParameterizedTest(name = "rows={0} cols={1} invEps={2}")
    @MethodSource("grid")
    void logSumExpF32(int rows, int cols, double invEps) {
        SinkhornKernels vec = vector();
        try (Arena arena = Arena.ofConfined()) {
            Problem p = problem(arena, rows, cols, invEps, 2, seed(rows, cols, invEps) + 2);
            checkLseF32(vec, p);
        }
    }

    private static void checkLseF32(SinkhornKernels vec, Problem p) {
        int rows = p.rows, cols = p.cols;
        float inv = (float) p.invEps;
        double[] want = sentinel(rows), got = sentinel(rows);
        Kernels.scalar().logSumExpF32(p.t32, rows, cols, p.h32, inv, want, OFFSET);
        vec.logSumExpF32(p.t32, rows, cols, p.h32, inv, got, OFFSET);
        assertUntouched(got, rows);
        for (int r = 0; r < rows; r++) {
            double maxZ = 0;
            double[] c = new double[cols], h = new double[cols];
            for (int j = 0; j < cols; j++) {
                c[j] = p.c32(r, j);
                h[j] = p.h32[j];
                if (h[j] != Double.NEGATIVE_INFINITY) {
                    maxZ = Math.max(maxZ, Math.abs(h[j] - (double) inv * c[j]));
                }
            }
            double w = want[OFFSET + r], g = got[OFFSET + r];
            assertTrue(Double.isFinite(w) && Double.isFinite(g), "row " + r + ": scalar " + w + ", vector " + g);
            assertEquals(w, g, (8 + 4 * maxZ) * U32, "row " + r + " (max|z| = " + maxZ + ")");
            assertEquals(naiveLse(h, inv, c), w, 1e-12 * (1 + maxZ), "scalar vs two-pass, row " + r);
        }
    }

    @ParameterizedTest(name = "rows={0} cols={1} invEps={2}")
    @MethodSource("grid")
    void planSumsF32(int rows, int cols, double invEps) {
        SinkhornKernels vec = vector();
        try (Arena arena = Arena.ofConfined()) {
            Problem p = problem(arena, rows, cols, invEps, 2, seed(rows, cols, invEps) + 3);
            checkPlanSumsF32(vec, p);
        }
    }

    private static void checkPlanSumsF32(SinkhornKernels vec, Problem p) {
        int rows = p.rows, cols = p.cols;
        float inv = (float) p.invEps;
        double[] lse = new double[rows + OFFSET];
        Kernels.scalar().logSumExpF32(p.t32, rows, cols, p.h32, inv, lse, OFFSET);
        double[] shift = new double[rows + OFFSET];
        for (int r = 0; r < rows; r++) {
            shift[OFFSET + r] = -lse[OFFSET + r];
        }
        double[] wm = sentinel(rows), wc = sentinel(rows), gm = sentinel(rows), gc = sentinel(rows);
        Kernels.scalar().planSumsF32(p.t32, rows, cols, p.h32, inv, shift, wm, wc, OFFSET);
        vec.planSumsF32(p.t32, rows, cols, p.h32, inv, shift, gm, gc, OFFSET);
        assertUntouched(gm, rows);
        assertUntouched(gc, rows);
        for (int r = 0; r < rows; r++) {
            double s = shift[OFFSET + r], bigM = 0, maxC = 0;
            for (int j = 0; j < cols; j++) {
                maxC = Math.max(maxC, p.c32(r, j));
                if (p.h32[j] != Float.NEGATIVE_INFINITY) {
                    bigM = Math.max(bigM, Math.abs(p.h32[j] + s) + (double) inv * p.c32(r, j));
                }
            }
            double tol = (8 + 4 * bigM) * U32;
            // terms below Float.MIN_NORMAL (e^-87) are subnormal or flushed to zero: absolute accuracy only
            double floor = cols * (1 + maxC) * Float.MIN_NORMAL;
            assertRel(wm[OFFSET + r], gm[OFFSET + r], tol, floor, "mass, row " + r + " (M = " + bigM + ")");
            assertRel(wc[OFFSET + r], gc[OFFSET + r], tol, floor, "cost, row " + r + " (M = " + bigM + ")");
        }
    }

    /** |got − want| ≤ rel·|want| + abs. */
    private static void assertRel(double want, double got, double rel, double abs, String what) {
        assertTrue(Double.isFinite(got), what + ": got " + got);
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want) + abs,
                what + ": want " + want + ", got " + got + ", relative difference "
                        + Math.abs(got - want) / Math.abs(want) + " > " + rel);
    }

    // ---- special rows -------------------------------------------------------------------------------

    /** A row whose h are all −∞ (all weights zero) has log-sum-exp −∞, in both kernels and precisions. */
    @Test
    void allMinusInfinityRowGivesMinusInfinity() {
        SinkhornKernels vec = vector();
        for (int cols : COLS) {
            try (Arena arena = Arena.ofConfined()) {
                Problem p = problem(arena, 3, cols, 100, 2, cols);
                Arrays.fill(p.h64, Double.NEGATIVE_INFINITY);
                Arrays.fill(p.h32, Float.NEGATIVE_INFINITY);
                for (SinkhornKernels k : new SinkhornKernels[] {Kernels.scalar(), vec}) {
                    double[] o64 = sentinel(3), o32 = sentinel(3);
                    k.logSumExpF64(p.t64, 3, cols, p.h64, 100, o64, OFFSET);
                    k.logSumExpF32(p.t32, 3, cols, p.h32, 100f, o32, OFFSET);
                    for (int r = 0; r < 3; r++) {
                        assertEquals(Double.NEGATIVE_INFINITY, o64[OFFSET + r], k.name() + " f64, cols " + cols);
                        assertEquals(Double.NEGATIVE_INFINITY, o32[OFFSET + r], k.name() + " f32, cols " + cols);
                    }
                }
            }
        }
    }

    /**
     * Costs spread over 0..1e4 with invEps = 1: exponents span 1e4, far more than e^x can hold. The
     * kernels must shift, never overflow or produce NaN, and still agree.
     */
    @Test
    void largeRangeInARowStaysFiniteAndAgrees() {
        SinkhornKernels vec = vector();
        for (int cols : new int[] {17, 64, 65, 1000, 1023}) {
            for (int rep = 0; rep < 3; rep++) {
                try (Arena arena = Arena.ofConfined()) {
                    Problem p = problem(arena, 3, cols, 1, 1e4, 31L * cols + rep);
                    // h of order one (log-weights): z_j = h_j − C_j spans [−1e4, 2]
                    Random rnd = new Random(cols + rep);
                    for (int j = 0; j < cols; j++) {
                        if (p.h64[j] != Double.NEGATIVE_INFINITY) {
                            p.h64[j] = Math.log(1e-3 + rnd.nextDouble());
                            p.h32[j] = (float) p.h64[j];
                        }
                    }
                    // put the smallest cost of each row at the end, where the tail loop must raise the shift
                    for (int r = 0; r < 3 && rep == 2; r++) {
                        p.t64.setAtIndex(ValueLayout.JAVA_DOUBLE, (long) r * cols + cols - 1, 0.0);
                        p.t32.setAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + cols - 1, 0f);
                    }
                    double[] want = sentinel(3), got = sentinel(3);
                    Kernels.scalar().logSumExpF64(p.t64, 3, cols, p.h64, 1, want, OFFSET);
                    vec.logSumExpF64(p.t64, 3, cols, p.h64, 1, got, OFFSET);
                    for (int r = 0; r < 3; r++) {
                        assertTrue(Double.isFinite(got[OFFSET + r]), "f64 cols " + cols + ": " + got[OFFSET + r]);
                        assertEquals(want[OFFSET + r], got[OFFSET + r], 1e-12 * (1 + 1e4), "f64 cols " + cols);
                    }
                    checkPlanSumsF64(vec, p);
                    checkLseF32(vec, p);
                    checkPlanSumsF32(vec, p);
                }
            }
        }
    }

    /** The scalar kernels on their own (no vector module needed) against the two-pass oracle. */
    @Test
    void scalarKernelsMatchTwoPassOracle() {
        for (int cols : COLS) {
            for (double invEps : INV_EPS) {
                try (Arena arena = Arena.ofConfined()) {
                    Problem p = problem(arena, 3, cols, invEps, 2, seed(3, cols, invEps) + 4);
                    double[] out = sentinel(3);
                    Kernels.scalar().logSumExpF64(p.t64, 3, cols, p.h64, invEps, out, OFFSET);
                    assertUntouched(out, 3);
                    for (int r = 0; r < 3; r++) {
                        final int row = r;
                        double[] c = IntStream.range(0, cols).mapToDouble(j -> p.c64(row, j)).toArray();
                        double maxZ = 0;
                        for (int j = 0; j < cols; j++) {
                            if (p.h64[j] != Double.NEGATIVE_INFINITY) {
                                maxZ = Math.max(maxZ, Math.abs(p.h64[j] - invEps * c[j]));
                            }
                        }
                        assertEquals(naiveLse(p.h64, invEps, c), out[OFFSET + r], 1e-13 * (1 + maxZ),
                                "cols " + cols + " invEps " + invEps + " row " + r);
                    }
                }
            }
        }
    }
}
