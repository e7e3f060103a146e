package dev.jot.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The primitive sweeps every entropic solver is made of. Each method reads a tile of costs (rows × cols,
 * row-major, contiguous) once and works row by row; a row's result never depends on other rows, so the
 * caller may run tiles in parallel and get the same bits for any number of threads.
 *
 * <p>Two implementations exist: {@link ScalarKernels} (plain Java in double precision; always present,
 * and the test oracle) and the Vector API one in {@code dev.jot.kernel.simd}. {@link Kernels} picks one.
 *
 * <p>Notation: for row r of the tile, z_rj = h_j − invEps·C_rj.
 */
public interface SinkhornKernels {

    /** A short name: {@code scalar} or {@code vector}. */
    String name();

    /**
     * Log-sum-exp over each row of an f32 tile: {@code out[outOffset + r] = log Σ_j exp(h_j − invEps·C_rj)}.
     * With h_j = log b_j + g_j/ε this gives the soft-minimum f_r = −ε·out[r] of a Sinkhorn update.
     * Entries of {@code h} may be −∞ (zero weights); a row whose terms are all −∞ gives −∞.
     * On entry, a finite {@code out[outOffset + r]} is a guess of the result (the solver passes the
     * previous iteration's value) that an implementation may use as its shift; NaN means no guess.
     * The result must not depend on the guess beyond rounding.
     */
    void logSumExpF32(MemorySegment tile, int rows, int cols, float[] h, float invEps, double[] out, int outOffset);

    /** {@link #logSumExpF32} for an f64 tile. */
    void logSumExpF64(MemorySegment tile, int rows, int cols, double[] h, double invEps, double[] out, int outOffset);

    /**
     * Plan-weighted sums over each row of an f32 tile, with P_rj = exp(s_r + h_j − invEps·C_rj) where
     * s_r = {@code shift[offset + r]}: {@code mass[offset + r] = Σ_j P_rj} and {@code cost[offset + r] = Σ_j P_rj·C_rj}.
     * Callers choose the shift so that no exponent is large: the solver passes s_r = −log Σ_j exp(h_j − invEps·C_rj),
     * which makes each row a probability vector (mass 1 up to rounding) and every term at most 1.
     */
    void planSumsF32(MemorySegment tile, int rows, int cols, float[] h, float invEps,
                     double[] shift, double[] mass, double[] cost, int offset);

    /** {@link #planSumsF32} for an f64 tile. */
    void planSumsF64(MemorySegment tile, int rows, int cols, double[] h, double invEps,
                     double[] shift, double[] mass, double[] cost, int offset);

    /**
     * Fills a tile of costs computed from coordinates: {@code tile[r·cols + j] = |x_{r0+r} − y_j|²}
     * (or |x − y| when {@code sqrt}), in f32, for r &lt; rows and j &lt; cols. {@code x} holds the rows'
     * points row-major (· × d); {@code yT} the columns' points transposed (d × cols).
     */
    void squaredDistancesF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt, MemorySegment tile);

    /** {@link #squaredDistancesF32} in f64. */
    void squaredDistancesF64(double[] x, int r0, int rows, int d, double[] yT, int cols, boolean sqrt, MemorySegment tile);

    /**
     * {@link #logSumExpF32} over costs computed from coordinates on the fly (fused: no tile is stored):
     * {@code out[outOffset + r] = log Σ_j exp(h_j − invEps·c(x_{r0+r}, y_j))} with c = |x − y|² (or |x − y|
     * when {@code sqrt}); {@code x} and {@code yT} as in {@link #squaredDistancesF32}.
     */
    void logSumExpPointsF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt,
                            float[] h, float invEps, double[] out, int outOffset);

    /** {@link #logSumExpPointsF32} in f64. */
    void logSumExpPointsF64(double[] x, int r0, int rows, int d, double[] yT, int cols, boolean sqrt,
                            double[] h, double invEps, double[] out, int outOffset);

    /**
     * Column maxima over an f32 tile, read row by row (no transpose needed):
     * {@code max[j] = max(max[j], max_r (hc[hcOffset + r] − invEps·C_rj))}. Exact in any order.
     */
    void columnMaxF32(MemorySegment tile, int rows, int cols, float[] hc, int hcOffset, float invEps, float[] max);

    /** {@link #columnMaxF32} for an f64 tile. */
    void columnMaxF64(MemorySegment tile, int rows, int cols, double[] hc, int hcOffset, double invEps, double[] max);

    /**
     * Shifted column sums of exponentials over an f32 tile, read row by row:
     * {@code acc[j] += Σ_r exp(min(hc[hcOffset + r] − invEps·C_rj − shift[j], 64))}. With the column shift
     * within about 40 of the column's log-sum-exp every term is representable; a larger exponent is clamped
     * at 64, so that a bad shift shows as a sum above e^44 rather than as an overflow (callers check the
     * sum's range and redo the column with its maximum as the shift). Exponents below the normal range may
     * give tiny positive terms instead of zeros (at most about 1e-38 each in f32).
     */
    void columnSumExpF32(MemorySegment tile, int rows, int cols, float[] hc, int hcOffset, float invEps,
                         float[] shift, float[] acc);

    /** {@link #columnSumExpF32} for an f64 tile (exponents clamped at 600; tiny terms at most about 1e-307). */
    void columnSumExpF64(MemorySegment tile, int rows, int cols, double[] hc, int hcOffset, double invEps,
                         double[] shift, double[] acc);

    // ---- f64 tile algebra for gradients and kernel (MMD) sums ----

    /**
     * out_rj = exp(rowH[rowOffset + r] + colH_j − invEps·C_rj) over an f64 tile (exactly 0 when the exponent
     * is below −708 or −∞). {@code out} may be the cost tile itself (element by element in place).
     */
    void expTileF64(MemorySegment cost, int rows, int cols, double[] rowH, int rowOffset, double[] colH, double invEps,
                    MemorySegment out);

    /** Row dot products: out[outOffset + r] += Σ_j w_rj·v[vOffset + j], for an f64 tile w. */
    void rowDotF64(MemorySegment w, int rows, int cols, double[] v, int vOffset, double[] out, int outOffset);

    /** Column sums weighted by rows: out[j] += Σ_r u[uOffset + r·uStride]·w_rj, for an f64 tile w. */
    void columnAxpyF64(MemorySegment w, int rows, int cols, double[] u, int uOffset, int uStride, double[] out);
}
