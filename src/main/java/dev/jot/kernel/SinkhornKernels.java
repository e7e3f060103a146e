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

    /**
     * A short name: {@code scalar} or {@code vector}.
     *
     * @return the implementation's name
     */
    String name();

    /**
     * Log-sum-exp over each row of an f32 tile: {@code out[outOffset + r] = log Σ_j exp(h_j − invEps·C_rj)}.
     * With h_j = log b_j + g_j/ε this gives the soft-minimum f_r = −ε·out[r] of a Sinkhorn update.
     * Entries of {@code h} may be −∞ (zero weights); a row whose terms are all −∞ gives −∞.
     * On entry, a finite {@code out[outOffset + r]} is a guess of the result (the solver passes the
     * previous iteration's value) that an implementation may use as its shift; NaN means no guess.
     * The result must not depend on the guess beyond rounding.
     *
     * @param tile the costs C, f32, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile (the length of {@code h} used)
     * @param h the column terms h_j
     * @param invEps 1/ε, the factor on the costs
     * @param out receives the rows' log-sum-exps (and holds their guesses on entry)
     * @param outOffset the index in {@code out} of the tile's first row
     */
    void logSumExpF32(MemorySegment tile, int rows, int cols, float[] h, float invEps, double[] out, int outOffset);

    /**
     * {@link #logSumExpF32} for an f64 tile.
     *
     * @param tile the costs C, f64, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param h the column terms h_j
     * @param invEps 1/ε, the factor on the costs
     * @param out receives the rows' log-sum-exps (and holds their guesses on entry)
     * @param outOffset the index in {@code out} of the tile's first row
     */
    void logSumExpF64(MemorySegment tile, int rows, int cols, double[] h, double invEps, double[] out, int outOffset);

    /**
     * Plan-weighted sums over each row of an f32 tile, with P_rj = exp(s_r + h_j − invEps·C_rj) where
     * s_r = {@code shift[offset + r]}: {@code mass[offset + r] = Σ_j P_rj} and {@code cost[offset + r] = Σ_j P_rj·C_rj}.
     * Callers choose the shift so that no exponent is large: the solver passes s_r = −log Σ_j exp(h_j − invEps·C_rj),
     * which makes each row a probability vector (mass 1 up to rounding) and every term at most 1.
     *
     * @param tile the costs C, f32, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param h the column terms h_j
     * @param invEps 1/ε, the factor on the costs
     * @param shift the row shifts s_r, read from index {@code offset}
     * @param mass receives the rows' plan masses Σ_j P_rj (overwritten, not accumulated)
     * @param cost receives the rows' transport costs Σ_j P_rj·C_rj (overwritten)
     * @param offset the index in {@code shift}, {@code mass} and {@code cost} of the tile's first row
     */
    void planSumsF32(MemorySegment tile, int rows, int cols, float[] h, float invEps,
                     double[] shift, double[] mass, double[] cost, int offset);

    /**
     * {@link #planSumsF32} for an f64 tile.
     *
     * @param tile the costs C, f64, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param h the column terms h_j
     * @param invEps 1/ε, the factor on the costs
     * @param shift the row shifts s_r, read from index {@code offset}
     * @param mass receives the rows' plan masses Σ_j P_rj (overwritten)
     * @param cost receives the rows' transport costs Σ_j P_rj·C_rj (overwritten)
     * @param offset the index in {@code shift}, {@code mass} and {@code cost} of the tile's first row
     */
    void planSumsF64(MemorySegment tile, int rows, int cols, double[] h, double invEps,
                     double[] shift, double[] mass, double[] cost, int offset);

    /**
     * Fills a tile of costs computed from coordinates: {@code tile[r·cols + j] = |x_{r0+r} − y_j|²}
     * (or |x − y| when {@code sqrt}), in f32, for r &lt; rows and j &lt; cols. {@code x} holds the rows'
     * points row-major (· × d); {@code yT} the columns' points transposed (d × cols).
     *
     * @param x the row points, row-major with d coordinates each
     * @param r0 the index in {@code x} of the tile's first row point
     * @param rows the number of rows to fill
     * @param d the dimension
     * @param yT the column points transposed: coordinate c of point j at {@code yT[c·cols + j]}
     * @param cols the number of column points (and of columns in the tile)
     * @param sqrt whether to store the distance |x − y| instead of its square
     * @param tile receives the costs, f32, rows × cols row-major
     */
    void squaredDistancesF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt, MemorySegment tile);

    /**
     * {@link #squaredDistancesF32} in f64.
     *
     * @param x the row points, row-major with d coordinates each
     * @param r0 the index in {@code x} of the tile's first row point
     * @param rows the number of rows to fill
     * @param d the dimension
     * @param yT the column points transposed: coordinate c of point j at {@code yT[c·cols + j]}
     * @param cols the number of column points (and of columns in the tile)
     * @param sqrt whether to store the distance |x − y| instead of its square
     * @param tile receives the costs, f64, rows × cols row-major
     */
    void squaredDistancesF64(double[] x, int r0, int rows, int d, double[] yT, int cols, boolean sqrt, MemorySegment tile);

    /**
     * {@link #logSumExpF32} over costs computed from coordinates on the fly (fused: no tile is stored):
     * {@code out[outOffset + r] = log Σ_j exp(h_j − invEps·c(x_{r0+r}, y_j))} with c = |x − y|² (or |x − y|
     * when {@code sqrt}); {@code x} and {@code yT} as in {@link #squaredDistancesF32}.
     * Each cost is rounded to f32 before use, as it would be stored in an f32 tile.
     *
     * @param x the row points, row-major with d coordinates each
     * @param r0 the index in {@code x} of the first row point
     * @param rows the number of rows
     * @param d the dimension
     * @param yT the column points transposed (d × cols)
     * @param cols the number of column points
     * @param sqrt whether the cost is |x − y| instead of |x − y|²
     * @param h the column terms h_j
     * @param invEps 1/ε, the factor on the costs
     * @param out receives the rows' log-sum-exps
     * @param outOffset the index in {@code out} of the first row
     */
    void logSumExpPointsF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt,
                            float[] h, float invEps, double[] out, int outOffset);

    /**
     * {@link #logSumExpPointsF32} in f64.
     *
     * @param x the row points, row-major with d coordinates each
     * @param r0 the index in {@code x} of the first row point
     * @param rows the number of rows
     * @param d the dimension
     * @param yT the column points transposed (d × cols)
     * @param cols the number of column points
     * @param sqrt whether the cost is |x − y| instead of |x − y|²
     * @param h the column terms h_j
     * @param invEps 1/ε, the factor on the costs
     * @param out receives the rows' log-sum-exps
     * @param outOffset the index in {@code out} of the first row
     */
    void logSumExpPointsF64(double[] x, int r0, int rows, int d, double[] yT, int cols, boolean sqrt,
                            double[] h, double invEps, double[] out, int outOffset);

    /**
     * Column maxima over an f32 tile, read row by row (no transpose needed):
     * {@code max[j] = max(max[j], max_r (hc[hcOffset + r] − invEps·C_rj))}. Exact in any order.
     *
     * @param tile the costs C, f32, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param hc the row terms, read from index {@code hcOffset}
     * @param hcOffset the index in {@code hc} of the tile's first row
     * @param invEps 1/ε, the factor on the costs
     * @param max the running column maxima, updated in place
     */
    void columnMaxF32(MemorySegment tile, int rows, int cols, float[] hc, int hcOffset, float invEps, float[] max);

    /**
     * {@link #columnMaxF32} for an f64 tile.
     *
     * @param tile the costs C, f64, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param hc the row terms, read from index {@code hcOffset}
     * @param hcOffset the index in {@code hc} of the tile's first row
     * @param invEps 1/ε, the factor on the costs
     * @param max the running column maxima, updated in place
     */
    void columnMaxF64(MemorySegment tile, int rows, int cols, double[] hc, int hcOffset, double invEps, double[] max);

    /**
     * Shifted column sums of exponentials over an f32 tile, read row by row:
     * {@code acc[j] += Σ_r exp(min(hc[hcOffset + r] − invEps·C_rj − shift[j], 64))}. With the column shift
     * within about 40 of the column's log-sum-exp every term is representable; a larger exponent is clamped
     * at 64, so that a bad shift shows as a sum above e^44 rather than as an overflow (callers check the
     * sum's range and redo the column with its maximum as the shift). Exponents below the normal range may
     * give tiny positive terms instead of zeros (at most about 1e-38 each in f32).
     *
     * @param tile the costs C, f32, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param hc the row terms, read from index {@code hcOffset}
     * @param hcOffset the index in {@code hc} of the tile's first row
     * @param invEps 1/ε, the factor on the costs
     * @param shift the column shifts
     * @param acc the running column sums, added to in place
     */
    void columnSumExpF32(MemorySegment tile, int rows, int cols, float[] hc, int hcOffset, float invEps,
                         float[] shift, float[] acc);

    /**
     * One tile of the matrix-free fused pass, in f32: the costs of rows [r0, r0 + rows) of {@code x} against
     * the cols points of {@code yT} into {@code tile} (as {@link #squaredDistancesF32}, row-major, stride
     * cols), and each row's log-sum-exp from them, as {@link #logSumExpF32} gives it from that tile (the same
     * bits; out holds the guesses on entry). The column sums then read the tile with
     * {@link #columnSumExpF32(float[], int, int, float[], int, float, float[], float[])} while it is in cache.
     * The tile is a Java array, not a segment: C2 keeps a segment's bounds and liveness checks inside a loop
     * that stores to it.
     *
     * @param x the row points, row-major with d coordinates each
     * @param r0 the index in {@code x} of the tile's first row point
     * @param rows the number of rows
     * @param d the dimension
     * @param yT the column points transposed: coordinate c of point j at {@code yT[c·cols + j]}
     * @param cols the number of column points
     * @param sqrt whether the cost is |x − y| instead of |x − y|²
     * @param h the column terms h_j
     * @param invEps 1/ε, the factor on the costs
     * @param out receives the rows' log-sum-exps (and holds their guesses on entry)
     * @param outOffset the index in {@code out} of the tile's first row
     * @param tile receives the costs, rows × cols row-major (at least that long)
     */
    default void distanceLogSumExpF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt,
                                      float[] h, float invEps, double[] out, int outOffset, float[] tile) {
        MemorySegment t = MemorySegment.ofArray(tile).asSlice(0, (long) rows * cols * Float.BYTES);
        squaredDistancesF32(x, r0, rows, d, yT, cols, sqrt, t);
        logSumExpF32(t, rows, cols, h, invEps, out, outOffset);
    }

    /**
     * {@link #columnSumExpF32(MemorySegment, int, int, float[], int, float, float[], float[])} over a tile held
     * in a Java array (the one {@link #distanceLogSumExpF32} fills); the same bits.
     *
     * @param tile the costs C, f32, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param hc the row terms, read from index {@code hcOffset}
     * @param hcOffset the index in {@code hc} of the tile's first row
     * @param invEps 1/ε, the factor on the costs
     * @param shift the column shifts
     * @param acc the running column sums, added to in place
     */
    default void columnSumExpF32(float[] tile, int rows, int cols, float[] hc, int hcOffset, float invEps,
                                 float[] shift, float[] acc) {
        columnSumExpF32(MemorySegment.ofArray(tile).asSlice(0, (long) rows * cols * Float.BYTES), rows, cols, hc, hcOffset,
                invEps, shift, acc);
    }

    /**
     * {@link #columnSumExpF32} for an f64 tile (exponents clamped at 600; tiny terms at most about 1e-307).
     *
     * @param tile the costs C, f64, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param hc the row terms, read from index {@code hcOffset}
     * @param hcOffset the index in {@code hc} of the tile's first row
     * @param invEps 1/ε, the factor on the costs
     * @param shift the column shifts
     * @param acc the running column sums, added to in place
     */
    void columnSumExpF64(MemorySegment tile, int rows, int cols, double[] hc, int hcOffset, double invEps,
                         double[] shift, double[] acc);

    // ---- f64 tile algebra for gradients and kernel (MMD) sums ----

    /**
     * out_rj = exp(rowH[rowOffset + r] + colH_j − invEps·C_rj) over an f64 tile (exactly 0 when the exponent
     * is below −708 or −∞). {@code out} may be the cost tile itself (element by element in place).
     *
     * @param cost the costs C, f64, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param rowH the row terms, read from index {@code rowOffset}
     * @param rowOffset the index in {@code rowH} of the tile's first row
     * @param colH the column terms colH_j
     * @param invEps 1/ε, the factor on the costs
     * @param out receives the f64 tile of exponentials, rows × cols row-major
     */
    void expTileF64(MemorySegment cost, int rows, int cols, double[] rowH, int rowOffset, double[] colH, double invEps,
                    MemorySegment out);

    /**
     * Row dot products: out[outOffset + r] += Σ_j w_rj·v[vOffset + j], for an f64 tile w.
     *
     * @param w the f64 tile, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param v the vector, read from index {@code vOffset}
     * @param vOffset the index in {@code v} of the entry for column 0
     * @param out the row sums, added to in place
     * @param outOffset the index in {@code out} of the tile's first row
     */
    void rowDotF64(MemorySegment w, int rows, int cols, double[] v, int vOffset, double[] out, int outOffset);

    /**
     * Column sums weighted by rows: out[j] += Σ_r u[uOffset + r·uStride]·w_rj, for an f64 tile w.
     *
     * @param w the f64 tile, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns in the tile
     * @param u the row weights, read at {@code uOffset + r·uStride}
     * @param uOffset the index in {@code u} of the weight of row 0
     * @param uStride the distance in {@code u} between the weights of consecutive rows
     * @param out the column sums, added to in place
     */
    void columnAxpyF64(MemorySegment w, int rows, int cols, double[] u, int uOffset, int uStride, double[] out);

    // ---- stored-kernel sweeps (Schmitzer's absorbed scalings; see dev.jot.sinkhorn.KernelLoop) ----

    /**
     * The Gibbs kernel of an f32 cost tile at absorbed potentials: out_rj = exp(rowH[rowOffset + r] + colH_j −
     * invEps·C_rj), the exponent formed in f64 (it is a difference of large terms), the exponential rounded
     * to f32, and exactly 0 below 1e-25 (e^−57.5): no subnormal entry, and none of its products with the
     * scalings, ever reaches the arithmetic (subnormal operands cost x86 cores a hundred cycles each).
     *
     * @param cost the costs C, f32, rows × cols row-major
     * @param rows the number of rows in the tile
     * @param cols the number of columns
     * @param rowH the row terms f~_r/ε, read from index {@code rowOffset}
     * @param rowOffset the index in {@code rowH} of the tile's first row
     * @param colH the column terms g~_j/ε
     * @param invEps 1/ε
     * @param out receives the f32 kernel tile, rows × cols row-major
     */
    default void gibbsTileF32(MemorySegment cost, int rows, int cols, double[] rowH, int rowOffset, double[] colH, double invEps,
                              MemorySegment out) {
        for (int r = 0; r < rows; r++) {
            double h = rowH[rowOffset + r];
            long base = (long) r * cols;
            for (int j = 0; j < cols; j++) {
                double z = h + colH[j] - invEps * cost.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, base + j);
                out.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, base + j, z < -57.5 ? 0f : (float) Math.exp(z));
            }
        }
    }

    /**
     * One stored-kernel row step over a stripe of the f32 kernel K (rows × cols, row-major): for each row r,
     * s[sOffset + r] = Σ_j K_rj·w_j (the f update's sum, w = b·v), then with c_r = a[sOffset + r] / s_r (0 when
     * s_r is not positive, or c_r overflows f32), the column sums of the g update that follows,
     * t_j += c_r·K_rj, while the row is in cache. {@code t} holds the stripe's own sums (in f32: a stripe is
     * at most 64 rows deep).
     *
     * @param k the kernel stripe, f32
     * @param rows the number of rows in the stripe
     * @param cols the number of columns
     * @param w the column scalings b_j·v_j
     * @param a the row weights, read from index {@code sOffset}
     * @param s receives the row sums, from index {@code sOffset}
     * @param sOffset the index of the stripe's first row in {@code a} and {@code s}
     * @param t the stripe's column sums, added to
     */
    void kernelRowStepF32(MemorySegment k, int rows, int cols, float[] w, double[] a, double[] s, int sOffset, float[] t);

    /**
     * {@link #kernelRowStepF32} on an f64 kernel stripe, with f64 column sums.
     *
     * @param k the kernel stripe, f64
     * @param rows the number of rows in the stripe
     * @param cols the number of columns
     * @param w the column scalings b_j·v_j
     * @param a the row weights, read from index {@code sOffset}
     * @param s receives the row sums, from index {@code sOffset}
     * @param sOffset the index of the stripe's first row in {@code a} and {@code s}
     * @param t the stripe's column sums, added to
     */
    void kernelRowStepF64(MemorySegment k, int rows, int cols, double[] w, double[] a, double[] s, int sOffset, double[] t);

    /**
     * The damped (unbalanced) form of {@link #kernelRowStepF32}: the same row sums s_r = Σ_j K_rj·w_j, and the
     * column sums t_j += c_r·K_rj with c_r = a_r·u'_r, u'_r = {@link #dampedScaling dampedScaling}(logD_r, τ, s_r)
     * = exp(logD_r − τ·log s_r), the next row scaling of the update f' = τ·(f~ − ε·log s) damped by τ = ρ/(ρ + ε)
     * (logD_r = (τ − 1)·f~_r/ε, fixed between kernel builds), computed in f64 and rounded to f32. c_r is 0 when
     * a_r or s_r is not positive; a c_r that overflows f32 is used as it is (+∞), so that the column sums become
     * infinite or NaN and the caller's range test sees it (the balanced step sets such a coefficient to 0).
     *
     * @param k the kernel stripe, f32
     * @param rows the number of rows in the stripe
     * @param cols the number of columns
     * @param w the column scalings b_j·v_j
     * @param a the row weights, read from index {@code sOffset}
     * @param logD the rows' damping terms (τ − 1)·f~_r/ε, read from index {@code sOffset}
     * @param tau the damping τ, in (0, 1] (or an over-relaxation ω in (1, 2), with logD = (1 − ω)·log u)
     * @param s receives the row sums, from index {@code sOffset}
     * @param sOffset the index of the stripe's first row in {@code a}, {@code logD} and {@code s}
     * @param t the stripe's column sums, added to
     */
    void kernelRowStepDampedF32(MemorySegment k, int rows, int cols, float[] w, double[] a, double[] logD, double tau,
                                double[] s, int sOffset, float[] t);

    /**
     * {@link #kernelRowStepDampedF32} on an f64 kernel stripe, with f64 column sums (a c_r that overflows f64 is +∞).
     *
     * @param k the kernel stripe, f64
     * @param rows the number of rows in the stripe
     * @param cols the number of columns
     * @param w the column scalings b_j·v_j
     * @param a the row weights, read from index {@code sOffset}
     * @param logD the rows' damping terms (τ − 1)·f~_r/ε, read from index {@code sOffset}
     * @param tau the damping τ, in (0, 1] (or an over-relaxation ω in (1, 2), with logD = (1 − ω)·log u)
     * @param s receives the row sums, from index {@code sOffset}
     * @param sOffset the index of the stripe's first row in {@code a}, {@code logD} and {@code s}
     * @param t the stripe's column sums, added to
     */
    void kernelRowStepDampedF64(MemorySegment k, int rows, int cols, double[] w, double[] a, double[] logD, double tau,
                                double[] s, int sOffset, double[] t);

    /**
     * The damped scaling exp(logD − τ·log s): with logD = (τ − 1)·f~/ε it is u' = exp((f' − f~)/ε) for the damped
     * update f' = τ·(f~ − ε·log s), in one exponential of the sum of the logarithms, so that neither
     * exp((τ − 1)·f~/ε) nor s^−τ overflows on its own. Every implementation computes the row coefficients of
     * {@link #kernelRowStepDampedF32} with it, so that the caller gets the same u' bit for bit.
     *
     * @param logD the damping term (τ − 1)·f~/ε
     * @param tau the damping τ
     * @param s the row (or column) sum, positive
     * @return exp(logD − τ·log s) (0 or +∞ where it leaves f64's range)
     */
    static double dampedScaling(double logD, double tau, double s) {
        return Math.exp(dampedLog(logD, tau, s));
    }

    /**
     * The column coefficient of a row step ({@link #kernelRowStepF32}, {@link #kernelRowStepDampedF32}) in f32: a/s
     * when balanced ({@code logD == null}; 0 when s is not positive or the coefficient is not finite in f32), or
     * a·{@link #dampedScaling}(logD_r, τ, s) when damped (0 when a or s is not positive; +∞ kept, so that the column
     * sums show it). Every implementation uses it, so that the row steps agree bit for bit.
     *
     * @param a the row's weight
     * @param sum the row's sum s
     * @param logD the damping terms, or null for the balanced step
     * @param r the row's index in logD
     * @param tau the damping τ (ignored when balanced)
     * @return the coefficient
     */
    static float rowCoefficientF32(double a, float sum, double[] logD, int r, double tau) {
        if (logD == null) {
            float c = sum > 0 ? (float) (a / sum) : 0f;
            return Float.isFinite(c) ? c : 0f;
        }
        return sum > 0 && a > 0 ? (float) (a * dampedScaling(logD[r], tau, sum)) : 0f;
    }

    /**
     * {@link #rowCoefficientF32} in f64.
     *
     * @param a the row's weight
     * @param sum the row's sum s
     * @param logD the damping terms, or null for the balanced step
     * @param r the row's index in logD
     * @param tau the damping τ (ignored when balanced)
     * @return the coefficient
     */
    static double rowCoefficientF64(double a, double sum, double[] logD, int r, double tau) {
        if (logD == null) {
            double c = sum > 0 ? a / sum : 0;
            return Double.isFinite(c) ? c : 0;
        }
        return sum > 0 && a > 0 ? a * dampedScaling(logD[r], tau, sum) : 0;
    }

    /**
     * The logarithm of {@link #dampedScaling}: logD − τ·log s, the expression it exponentiates.
     *
     * @param logD the damping term (τ − 1)·f~/ε
     * @param tau the damping τ
     * @param s the row (or column) sum, positive
     * @return logD − τ·log s
     */
    static double dampedLog(double logD, double tau, double s) {
        return logD - tau * Math.log(s);
    }

    // ---- shared-kernel batches (dev.jot.sinkhorn.BatchKernelLoop): the batch is the wide dimension ----

    /**
     * A kernel product for a batch of problems at once: for each row r in [r0, r0 + rows) of the f32 kernel K
     * (stored whole, {@code cols} entries per row, row-major) and each problem p &lt; width,
     * out[r·width + p] = Σ_c K_rc·x[c·width + p]. The problems' scalings are the columns of x (cols × width,
     * row-major), so the product is a matrix-matrix product with the batch as its wide dimension; each output
     * is summed over c in order by one call, so a caller splitting the rows (or nothing) gets the same bits
     * for any number of threads.
     *
     * @param k the kernel, f32, at least (r0 + rows) × cols entries
     * @param cols the number of columns of K (the rows of x)
     * @param r0 the first row of K to multiply
     * @param rows the number of rows
     * @param x the scalings, cols × width row-major
     * @param width the number of problems (the row length of x and out)
     * @param out receives the products, at r·width + p (other entries untouched)
     */
    void batchProductF32(MemorySegment k, int cols, int r0, int rows, float[] x, int width, float[] out);

    /**
     * {@link #batchProductF32} for an f64 kernel.
     *
     * @param k the kernel, f64, at least (r0 + rows) × cols entries
     * @param cols the number of columns of K
     * @param r0 the first row of K to multiply
     * @param rows the number of rows
     * @param x the scalings, cols × width row-major
     * @param width the number of problems
     * @param out receives the products, at r·width + p
     */
    void batchProductF64(MemorySegment k, int cols, int r0, int rows, double[] x, int width, double[] out);

    /**
     * The scaling step that follows a batched product, element by element over rows × width entries (row-major,
     * the problem index fastest): with sum = sums[e], next[e] = 1/sum and prod[e] = w[e]·next[e] (the next
     * product's input); per problem p (the column e mod width), low[p] and high[p] take the smallest and largest
     * sum (NaN propagates, so a NaN sum fails both range tests), and, when {@code err} is not null,
     * err[p] += |w[e]·(old[e]·sum − 1)| (the marginal error of the state before the step).
     *
     * @param sums the product, rows × width
     * @param w the weights (a for the rows' step, b for the columns'), rows × width
     * @param old the current scalings (read only when {@code err} is not null)
     * @param next receives the next scalings 1/sum
     * @param prod receives w·next
     * @param rows the number of rows
     * @param width the number of problems
     * @param low the problems' smallest sums, lowered in place
     * @param high the problems' largest sums, raised in place
     * @param err the problems' errors, added to, or null
     */
    void scalingStepF32(float[] sums, float[] w, float[] old, float[] next, float[] prod, int rows, int width,
                        float[] low, float[] high, float[] err);

    /**
     * {@link #scalingStepF32} in f64.
     *
     * @param sums the product, rows × width
     * @param w the weights, rows × width
     * @param old the current scalings (read only when {@code err} is not null)
     * @param next receives the next scalings 1/sum
     * @param prod receives w·next
     * @param rows the number of rows
     * @param width the number of problems
     * @param low the problems' smallest sums, lowered in place
     * @param high the problems' largest sums, raised in place
     * @param err the problems' errors, added to, or null
     */
    void scalingStepF64(double[] sums, double[] w, double[] old, double[] next, double[] prod, int rows, int width,
                        double[] low, double[] high, double[] err);

    /**
     * The damped (unbalanced) form of {@link #scalingStepF32}, element by element over rows × width entries (the
     * problem index fastest): with sum = sums[e], r = e / width and p = e mod width, the next scaling's logarithm
     * x = logD[r] + logE[p] − τ·log sum ({@link #dampedLog}: the update f' = τ·(f~ − ε·log sum) of a problem whose
     * absorbed potential is f~ = α_r + c_p, with logD_r = (τ − 1)·α_r/ε and logE_p = (τ − 1)·c_p/ε), or, for τ = 1,
     * the balanced next[e] = 1/sum and x = log next[e]; logNext[e] = x, next[e] = exp(x) rounded to f32 and
     * prod[e] = w[e]·next[e]. Per problem, low[p] and high[p] take the smallest and largest sum, logLow[p] and
     * logHigh[p] the smallest and largest x (NaN propagates, failing both range tests), and, when {@code change}
     * is not null, change[p] = max(change[p], |x − logOld[e]|) over the entries with w[e] &gt; 0 (the unbalanced
     * stopping quantity max_i |f'_i − f_i|/ε of the state before the step).
     *
     * @param sums the product, rows × width
     * @param w the weights (a for the rows' step, b for the columns'), rows × width
     * @param logOld the current scalings' logarithms (read only when {@code change} is not null)
     * @param logNext receives the next scalings' logarithms
     * @param next receives the next scalings
     * @param prod receives w·next
     * @param rows the number of rows
     * @param width the number of problems
     * @param logD the rows' damping terms, one per row
     * @param logE the problems' damping terms, one per problem
     * @param tau the damping τ, in (0, 1]
     * @param low the problems' smallest sums, lowered in place
     * @param high the problems' largest sums, raised in place
     * @param logLow the problems' smallest x, lowered in place
     * @param logHigh the problems' largest x, raised in place
     * @param change the problems' changes, raised in place, or null
     */
    void dampedScalingStepF32(float[] sums, float[] w, double[] logOld, double[] logNext, float[] next, float[] prod,
                              int rows, int width, double[] logD, double[] logE, double tau, float[] low, float[] high,
                              double[] logLow, double[] logHigh, double[] change);

    /**
     * {@link #dampedScalingStepF32} in f64.
     *
     * @param sums the product, rows × width
     * @param w the weights, rows × width
     * @param logOld the current scalings' logarithms (read only when {@code change} is not null)
     * @param logNext receives the next scalings' logarithms
     * @param next receives the next scalings
     * @param prod receives w·next
     * @param rows the number of rows
     * @param width the number of problems
     * @param logD the rows' damping terms, one per row
     * @param logE the problems' damping terms, one per problem
     * @param tau the damping τ, in (0, 1]
     * @param low the problems' smallest sums, lowered in place
     * @param high the problems' largest sums, raised in place
     * @param logLow the problems' smallest x, lowered in place
     * @param logHigh the problems' largest x, raised in place
     * @param change the problems' changes, raised in place, or null
     */
    void dampedScalingStepF64(double[] sums, double[] w, double[] logOld, double[] logNext, double[] next, double[] prod,
                              int rows, int width, double[] logD, double[] logE, double tau, double[] low, double[] high,
                              double[] logLow, double[] logHigh, double[] change);

    /**
     * The stored-kernel result pass over a stripe of K (rows × cols, row-major) and the same rows of C: for each
     * row r, cost[costOffset + r] = Σ_j K_rj·w_j·C_rj (the row's transport cost before its scaling; w = b·v), and
     * the column sums t_j += c[costOffset + r]·K_rj (c = a·u, the row scalings of the state the result is for).
     * Sums in f64, added in column order.
     *
     * @param k the kernel stripe, f32
     * @param cost the costs of the same rows, f32
     * @param rows the number of rows
     * @param cols the number of columns
     * @param w the column scalings b_j·v_j
     * @param c the row factors a_r·u_r, read from index {@code costOffset}
     * @param out receives the rows' costs, from index {@code costOffset}
     * @param costOffset the index of the stripe's first row in {@code c} and {@code out}
     * @param t the stripe's column sums, added to
     */
    default void kernelResultStepF32(MemorySegment k, MemorySegment cost, int rows, int cols, double[] w, double[] c,
                                     double[] out, int costOffset, double[] t) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double sum = 0, cr = c[costOffset + r];
            for (int j = 0; j < cols; j++) {
                double kv = k.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, base + j);
                sum += kv * w[j] * cost.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, base + j);
                t[j] += cr * kv;
            }
            out[costOffset + r] = sum;
        }
    }

    /**
     * {@link #kernelResultStepF32} on an f64 kernel stripe and f64 costs.
     *
     * @param k the kernel stripe, f64
     * @param cost the costs of the same rows, f64
     * @param rows the number of rows
     * @param cols the number of columns
     * @param w the column scalings b_j·v_j
     * @param c the row factors a_r·u_r, read from index {@code costOffset}
     * @param out receives the rows' costs, from index {@code costOffset}
     * @param costOffset the index of the stripe's first row in {@code c} and {@code out}
     * @param t the stripe's column sums, added to
     */
    default void kernelResultStepF64(MemorySegment k, MemorySegment cost, int rows, int cols, double[] w, double[] c,
                                     double[] out, int costOffset, double[] t) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double sum = 0, cr = c[costOffset + r];
            for (int j = 0; j < cols; j++) {
                double kv = k.getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, base + j);
                sum += kv * w[j] * cost.getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, base + j);
                t[j] += cr * kv;
            }
            out[costOffset + r] = sum;
        }
    }

    // ---- products with small stored kernels (the separable grid kernels of dev.jot.barycenter) ----

    /**
     * A product of f64 matrices: out_rj = Σ_t a_rt·b_tj for a (rows × inner) and b (inner × cols), all row-major,
     * overwriting out (rows × cols). Used for the Gibbs kernel of one axis of a grid applied to shifted exponentials;
     * callers keep the operands such that no product is subnormal.
     *
     * @param a the left factor, f64, rows × inner row-major
     * @param rows the number of rows of a and of the result
     * @param inner the number of columns of a and rows of b
     * @param b the right factor, f64, inner × cols row-major
     * @param cols the number of columns of b and of the result
     * @param out receives the product, f64, rows × cols row-major (not overlapping a or b)
     */
    default void productF64(MemorySegment a, int rows, int inner, MemorySegment b, int cols, MemorySegment out) {
        java.lang.foreign.ValueLayout.OfDouble f64 = java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
        out.asSlice(0, (long) rows * cols * Double.BYTES).fill((byte) 0);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < inner; t++) {
                double v = a.getAtIndex(f64, (long) r * inner + t);
                if (v == 0) {
                    continue;
                }
                long base = (long) t * cols, o = (long) r * cols;
                for (int j = 0; j < cols; j++) {
                    out.setAtIndex(f64, o + j, out.getAtIndex(f64, o + j) + v * b.getAtIndex(f64, base + j));
                }
            }
        }
    }

    /**
     * Logarithms in place with row and column shifts: v_rj ← rowShift[r] + colShift[j] + log v_rj over an f64 tile
     * (log 0 = −∞). Within an ulp or two of Math.log, and the same bits however warm the JVM is (no library LOG).
     *
     * @param v the tile, f64, rows × cols row-major, entries ≥ 0
     * @param rows the number of rows
     * @param cols the number of columns
     * @param rowShift the row shifts (finite or −∞)
     * @param colShift the column shifts (finite or −∞)
     */
    default void logShiftF64(MemorySegment v, int rows, int cols, double[] rowShift, double[] colShift) {
        java.lang.foreign.ValueLayout.OfDouble f64 = java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                long at = (long) r * cols + j;
                v.setAtIndex(f64, at, rowShift[r] + colShift[j] + Math.log(v.getAtIndex(f64, at)));
            }
        }
    }
}
