package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.Geometry;
import dev.jot.geometry.PointCloudGeometry;
import java.lang.foreign.Arena;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.MemorySegment;

/**
 * Runs the kernel sweeps of one solve over a geometry, tile by tile, on one or more threads.
 *
 * <p>A sweep over rows of C (or of Cᵀ) is cut into blocks of rows; each block reads one tile and writes
 * only its own rows of the output, so the result is the same for any number of threads. Reductions
 * over rows (errors, totals) are done afterwards by the caller, sequentially.
 */
final class Sweeps implements AutoCloseable {
    /** Below this many cost entries a sweep runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1L << 15;
    /** Target tile size in elements (64 KiB in f32: a tile stays in L2); a tile is at least one row. */
    private static final int TILE_ELEMENTS = 1 << 14;

    private final Geometry geometry;
    private final SinkhornKernels kernels;
    /** The threads of this solve's parallel loops, or null for one thread. */
    private final Team pool;
    private final boolean f32;

    Sweeps(Geometry geometry, SinkhornKernels kernels, int threads) {
        this.geometry = geometry;
        this.kernels = kernels;
        this.f32 = geometry.precision() == Precision.F32;
        long work = (long) geometry.n() * geometry.m();
        this.pool = threads > 1 && work >= PARALLEL_THRESHOLD ? new Team(threads) : null;
        if (geometry.materialized()) {
            arena = null;
            scratch = null;
        } else {
            // one scratch tile per worker thread, freed when the sweeps close
            arena = Arena.ofShared();
            long elements = Math.max(Math.max(TILE_ELEMENTS, (long) fusedTileRows() * geometry.m()),
                    Math.max(geometry.n(), geometry.m()));
            long bytes = elements * geometry.precision().bytes();
            scratch = ThreadLocal.withInitial(() -> arena.allocate(bytes, 64));
        }
        PointCloudGeometry pc = geometry instanceof PointCloudGeometry p ? p : null;
        if (pc != null && (pc.costFunction() == CostFunction.SQUARED_EUCLIDEAN || pc.costFunction() == CostFunction.EUCLIDEAN)) {
            cloud = pc;
            sqrt = pc.costFunction() == CostFunction.EUCLIDEAN;
        } else {
            cloud = null;
            sqrt = false;
        }
        // the f32 fused pass over a point cloud keeps its tile in a Java array (see distanceLogSumExpF32)
        int arrayTile = cloud != null && f32 && fused() ? fusedTileRows() * geometry.m() : 0;
        arrayScratch = arrayTile > 0 ? ThreadLocal.withInitial(() -> new float[arrayTile]) : null;
    }

    /** Per worker thread, the array tile of the f32 fused pass over a point cloud, or null. */
    private final ThreadLocal<float[]> arrayScratch;

    private final Arena arena;
    private final ThreadLocal<MemorySegment> scratch;
    /** A point-cloud geometry whose tiles the distance kernels fill, or null. */
    private final PointCloudGeometry cloud;
    private final boolean sqrt;

    /** Rows [r0, r0 + rows) of C or Cᵀ: a stored slice, or a tile computed into this thread's scratch. */
    private MemorySegment tile(boolean transposed, int r0, int rows) {
        if (scratch == null) {
            return geometry.tile(transposed, r0, rows, null);
        }
        MemorySegment buf = scratch.get();
        if (cloud == null) {
            return geometry.tile(transposed, r0, rows, buf);
        }
        int cols = transposed ? geometry.n() : geometry.m();
        if (f32) {
            kernels.squaredDistancesF32(cloud.rowsF32(transposed), r0, rows, cloud.d(), cloud.colsTransposedF32(transposed),
                    cols, sqrt, buf);
        } else {
            kernels.squaredDistancesF64(cloud.rowsF64(transposed), r0, rows, cloud.d(), cloud.colsTransposedF64(transposed),
                    cols, sqrt, buf);
        }
        return buf.asSlice(0, (long) rows * cols * geometry.precision().bytes());
    }

    /** A block task over rows [r0, r0 + rows). */
    @FunctionalInterface
    private interface Block {
        void run(int r0, int rows);
    }

    private void forBlocks(int total, int cols, Block block) {
        int blockRows = Math.max(1, Math.min(total, TILE_ELEMENTS / Math.max(1, cols)));
        int blocks = (total + blockRows - 1) / blockRows;
        if (pool == null || blocks == 1) {
            for (int b = 0; b < blocks; b++) {
                int r0 = b * blockRows;
                block.run(r0, Math.min(blockRows, total - r0));
            }
            return;
        }
        final int br = blockRows;
        pool.run(blocks, b -> block.run(b * br, Math.min(br, total - b * br)));
    }

    /**
     * For every row r of C (or Cᵀ when transposed): out[r] = log Σ_j exp(h_j − C_rj/ε).
     * {@code h} is a float[] in f32 and a double[] in f64.
     */
    void logSumExp(boolean transposed, double[] h, float[] hf, double invEps, double[] out) {
        if (transposed && geometry.materialized()) {
            columnLogSumExp(h, hf, invEps, out);
            return;
        }
        int rows = transposed ? geometry.m() : geometry.n();
        int cols = transposed ? geometry.n() : geometry.m();
        if (cloud != null) {
            // matrix-free: costs computed inside the sweep, no tile stored
            float[] xf = f32 ? cloud.rowsF32(transposed) : null, yTf = f32 ? cloud.colsTransposedF32(transposed) : null;
            double[] xd = f32 ? null : cloud.rowsF64(transposed), yTd = f32 ? null : cloud.colsTransposedF64(transposed);
            forBlocks(rows, cols, (r0, count) -> {
                if (f32) {
                    kernels.logSumExpPointsF32(xf, r0, count, cloud.d(), yTf, cols, sqrt, hf, (float) invEps, out, r0);
                } else {
                    kernels.logSumExpPointsF64(xd, r0, count, cloud.d(), yTd, cols, sqrt, h, invEps, out, r0);
                }
            });
            return;
        }
        forBlocks(rows, cols, (r0, count) -> {
            MemorySegment tile = tile(transposed, r0, count);
            if (f32) {
                kernels.logSumExpF32(tile, count, cols, hf, (float) invEps, out, r0);
            } else {
                kernels.logSumExpF64(tile, count, cols, h, invEps, out, r0);
            }
        });
    }

    /** Plan-weighted sums over every row of C (or Cᵀ): mass and cost of each row of the plan. */
    void planSums(boolean transposed, double[] h, float[] hf, double invEps, double[] shift, double[] mass, double[] cost) {
        int rows = transposed ? geometry.m() : geometry.n();
        int cols = transposed ? geometry.n() : geometry.m();
        forBlocks(rows, cols, (r0, count) -> {
            MemorySegment tile = tile(transposed, r0, count);
            if (f32) {
                kernels.planSumsF32(tile, count, cols, hf, (float) invEps, shift, mass, cost, r0);
            } else {
                kernels.planSumsF64(tile, count, cols, h, invEps, shift, mass, cost, r0);
            }
        });
    }

    // ---- fused row-and-column passes over a stored matrix (no transpose read) ----

    /**
     * Rows per stripe at most this many. Stripes are the unit of parallel work of the fused pass and each
     * has its own column sums, so the partition (fixed by n alone) decides the order of every addition and
     * the result does not depend on the number of threads. Short stripes let two threads finish a pass
     * together (the last stripe is at most 1/⌈n/64⌉ of it), and keep an f32 stripe's column sums few enough
     * rows deep to be carried in float.
     */
    private static final int STRIPE_ROWS = 64;
    /** Tile size of the fused pass, in bytes: the row sweep leaves the tile in L2 for the column sums. */
    private static final int FUSED_TILE_BYTES = 1 << 18;
    private float[][] stripeF;
    private double[][] stripeD;
    private float[] hcF;
    private double[] hcD;
    private float[] shiftF;

    /**
     * Whether the fused pass applies: a stored matrix (its rows are read directly), or a point cloud with
     * rows of at most {@link #FUSED_MAX_ROW_BYTES}, whose distance tiles are then computed once per
     * iteration into scratch instead of twice.
     */
    boolean fused() {
        return geometry.materialized() || (cloud != null && (long) geometry.m() * geometry.precision().bytes() <= FUSED_MAX_ROW_BYTES);
    }

    /**
     * The longest row (in bytes) for which a matrix-free geometry uses the fused pass: its working set per
     * row (the distance row, the column sums, the shifts and h) must stay in L2. Longer rows (m above 16384
     * in f32) go back to the two fused distance-and-log-sum-exp sweeps, which stream only the coordinates:
     * measured at n = m = 100,000, the fused pass was several times slower there.
     */
    private static final long FUSED_MAX_ROW_BYTES = 1 << 16;

    /** Number of stripes of the fused pass (fixed by n). */
    int stripeCount() {
        return Math.max(1, (geometry.n() + STRIPE_ROWS - 1) / STRIPE_ROWS);
    }

    private void forStripes(java.util.function.IntConsumer stripe) {
        int count = stripeCount();
        if (pool == null || count == 1) {
            for (int s = 0; s < count; s++) {
                stripe.accept(s);
            }
            return;
        }
        pool.run(count, stripe);
    }

    private void ensureStripeBuffers() {
        int count = stripeCount(), m = geometry.m(), n = geometry.n();
        if (stripeD == null && stripeF == null) {
            if (f32) {
                stripeF = new float[count][m];
                hcF = new float[n];
                shiftF = new float[m];
            } else {
                stripeD = new double[count][m];
                hcD = new double[n];
            }
        }
    }

    /** Every tile of the fused pass begun by {@link #beginFused}, stripes in parallel. */
    void runFusedStripes() {
        forStripes(this::fusedStripe);
    }

    // the pass in parts, for a batch that applies each tile to many problems while it is in cache
    private double[] fH;
    private float[] fHf;
    private double fEps;
    private double[] fRowLse;
    private double fDampedEps;
    private double[] fLogA;
    private double[] fShift;

    /**
     * Starts one pass over C that serves both half-steps of an iteration ({@link #runFusedStripes} runs it,
     * {@link #endFused} finishes it). For each tile of rows: the row log-sum-exps
     * rowLse_i = log Σ_j exp(h_j − C_ij/ε) (as {@link #logSumExp}), then, while the tile is in cache, the
     * column sums colSum_j += Σ_i exp(hc_i − C_ij/ε − shift_j) with the new hc_i = logA_i + f'_i/ε,
     * f'_i = −ε·rowLse_i. When shift is null only the rows are swept. Rows are cut into a fixed number of
     * stripes (from n alone) that run in parallel and whose column sums are added in stripe order, so the
     * result does not depend on the number of threads.
     *
     * @param shift the previous column log-sum-exps, each column's guessed shift (rounded to f32 in f32)
     * @return the shift actually used (rounded to the tile precision), or null
     */
    double[] beginFused(double[] h, float[] hf, double eps, double[] rowLse, double[] logA, double[] shift) {
        return beginFused(h, hf, eps, eps, rowLse, logA, shift);
    }

    /**
     * {@link #beginFused(double[], float[], double, double[], double[], double[])} for a damped (unbalanced) f
     * update f'_i = −dampedEps·rowLse_i, dampedEps = ε·ρ_a/(ρ_a + ε).
     */
    double[] beginFused(double[] h, float[] hf, double eps, double dampedEps, double[] rowLse, double[] logA, double[] shift) {
        final int m = geometry.m();
        ensureStripeBuffers();
        fH = h;
        fHf = hf;
        fEps = eps;
        fDampedEps = dampedEps;
        fRowLse = rowLse;
        fLogA = logA;
        fShift = null;
        if (shift != null) {
            fShift = new double[m];
            for (int j = 0; j < m; j++) {
                if (f32) {
                    shiftF[j] = (float) shift[j];
                    fShift[j] = shiftF[j];
                } else {
                    fShift[j] = shift[j];
                }
            }
        }
        return fShift;
    }

    /** First row of stripe s (stripe s is rows [stripeStart(s), stripeStart(s + 1))). */
    int stripeStart(int s) {
        return (int) ((long) geometry.n() * s / stripeCount());
    }

    /** Rows per tile of the fused pass. */
    int fusedTileRows() {
        return Math.max(1, Math.min(STRIPE_ROWS, FUSED_TILE_BYTES / (geometry.precision().bytes() * geometry.m())));
    }

    private void fusedStripe(int s) {
        int hi = stripeStart(s + 1), tileRows = fusedTileRows();
        for (int r0 = stripeStart(s); r0 < hi; r0 += tileRows) {
            fusedTile(s, r0, Math.min(tileRows, hi - r0));
        }
    }

    private void clearStripe(int s) {
        if (f32) {
            java.util.Arrays.fill(stripeF[s], 0f);
        } else {
            java.util.Arrays.fill(stripeD[s], 0.0);
        }
    }

    private void computeHc(int r0, int count, double invEps) {
        for (int i = r0; i < r0 + count; i++) {
            double hc = fLogA[i] + (-fDampedEps * fRowLse[i]) * invEps;
            if (f32) {
                hcF[i] = (float) hc;
            } else {
                hcD[i] = hc;
            }
        }
    }

    /** The shifted column sums of a tile (rows [r0, r0 + count)) into stripe s's sums. */
    private void columnSums(int s, MemorySegment tile, int r0, int count, float[] hcf, double[] hc, double invEps, double[] shift) {
        final int m = geometry.m();
        if (f32) {
            kernels.columnSumExpF32(tile, count, m, hcf, r0, (float) invEps, shiftF, stripeF[s]);
        } else {
            kernels.columnSumExpF64(tile, count, m, hc, r0, invEps, shift, stripeD[s]);
        }
    }

    /** Stripe s's column sum j, as a double. */
    private double stripeSum(int s, int j) {
        return f32 ? stripeF[s][j] : stripeD[s][j];
    }

    /** Rows [r0, r0 + count) of stripe s, in stripe order: row log-sum-exps, then the column sums. */
    void fusedTile(int s, int r0, int count) {
        final int m = geometry.m();
        final double invEps = 1.0 / fEps;
        if (arrayScratch != null) {
            fusedCloudTileF32(s, r0, count, invEps);
            return;
        }
        MemorySegment tile = tile(false, r0, count);
        if (f32) {
            kernels.logSumExpF32(tile, count, m, fHf, (float) invEps, fRowLse, r0);
        } else {
            kernels.logSumExpF64(tile, count, m, fH, invEps, fRowLse, r0);
        }
        if (fShift == null) {
            return;
        }
        if (r0 == stripeStart(s)) {
            // the stripe's first tile clears its sums (inside the parallel task, not before it)
            clearStripe(s);
        }
        computeHc(r0, count, invEps);
        columnSums(s, tile, r0, count, hcF, hcD, invEps, fShift);
    }

    /** {@link #fusedTile} for a point cloud in f32: the costs computed into this thread's array tile. */
    private void fusedCloudTileF32(int s, int r0, int count, double invEps) {
        final int m = geometry.m();
        float[] tile = arrayScratch.get();
        kernels.distanceLogSumExpF32(cloud.rowsF32(false), r0, count, cloud.d(), cloud.colsTransposedF32(false), m, sqrt,
                fHf, (float) invEps, fRowLse, r0, tile);
        if (fShift == null) {
            return;
        }
        if (r0 == stripeStart(s)) {
            clearStripe(s);
        }
        computeHc(r0, count, invEps);
        kernels.columnSumExpF32(tile, count, m, hcF, r0, (float) invEps, shiftF, stripeF[s]);
    }

    /**
     * Ends a fused pass (nothing when it had no shift): the column sums, added in stripe order, and for
     * each column whose sum is trusted colLse_j = shift_j + log(sum_j); in parallel over column blocks.
     *
     * @return whether every column's sum was trusted (otherwise the caller redoes the columns exactly)
     */
    boolean endFused(double[] colLse) {
        if (fShift == null) {
            return false;
        }
        int m = geometry.m();
        final int block = 512;
        final int count = stripeCount();
        int blocks = (m + block - 1) / block;
        boolean[] ok = new boolean[blocks];
        Block work = (b0, one) -> {
            int lo = b0 * block, hi = Math.min(m, lo + block);
            double[] sum = new double[hi - lo];
            for (int st = 0; st < count; st++) { // stripe order, as the single-threaded sum
                if (f32) {
                    float[] acc = stripeF[st];
                    for (int j = lo; j < hi; j++) {
                        sum[j - lo] += acc[j];
                    }
                } else {
                    double[] acc = stripeD[st];
                    for (int j = lo; j < hi; j++) {
                        sum[j - lo] += acc[j];
                    }
                }
            }
            boolean all = true;
            for (int j = lo; j < hi; j++) {
                if (trustedColumnSum(sum[j - lo])) {
                    colLse[j] = fShift[j] + Math.log(sum[j - lo]);
                } else {
                    all = false;
                }
            }
            ok[b0] = all;
        };
        if (pool == null || blocks == 1) {
            for (int b = 0; b < blocks; b++) {
                work.run(b, 1);
            }
        } else {
            pool.run(blocks, b -> work.run(b, 1));
        }
        for (boolean b : ok) {
            if (!b) {
                return false;
            }
        }
        return true;
    }

    /** A shifted column sum is trusted when it lies in [e^−40, e^44] (see {@code columnSumExpF32}). */
    static boolean trustedColumnSum(double sum) {
        return sum >= 4.248354255291589e-18 && sum <= 1.2851600114359308e19;
    }

    /**
     * For every column j of C: out[j] = log Σ_i exp(hc_i − C_ij/ε), read row by row in two passes (the
     * column maxima, then the sums shifted by them, every term at most 1), so no transpose is needed.
     */
    void columnLogSumExp(double[] hc, float[] hcf, double invEps, double[] out) {
        final int m = geometry.m();
        ensureStripeBuffers();
        final int count = stripeCount(), tileRows = fusedTileRows();
        // pass 1: maxima per stripe (float maxima in f32 are exact: each z is an f32 value)
        forStripes(s -> {
            int lo = stripeStart(s), hi = stripeStart(s + 1);
            if (f32) {
                java.util.Arrays.fill(stripeF[s], Float.NEGATIVE_INFINITY);
            } else {
                java.util.Arrays.fill(stripeD[s], Double.NEGATIVE_INFINITY);
            }
            for (int r0 = lo; r0 < hi; r0 += tileRows) {
                int c = Math.min(tileRows, hi - r0);
                MemorySegment tile = geometry.tile(false, r0, c, null);
                if (f32) {
                    kernels.columnMaxF32(tile, c, m, hcf, r0, (float) invEps, stripeF[s]);
                } else {
                    kernels.columnMaxF64(tile, c, m, hc, r0, invEps, stripeD[s]);
                }
            }
        });
        double[] max = new double[m];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int s = 0; s < count; s++) {
            for (int j = 0; j < m; j++) {
                max[j] = Math.max(max[j], stripeSum(s, j));
            }
        }
        double[] shift = new double[m];
        for (int j = 0; j < m; j++) {
            shift[j] = max[j] == Double.NEGATIVE_INFINITY ? 0.0 : max[j];
            if (f32) {
                shiftF[j] = (float) shift[j];
                shift[j] = shiftF[j];
            }
        }
        // pass 2: the sums shifted by the maxima
        forStripes(s -> {
            int hi = stripeStart(s + 1);
            clearStripe(s);
            for (int r0 = stripeStart(s); r0 < hi; r0 += tileRows) {
                int c = Math.min(tileRows, hi - r0);
                columnSums(s, geometry.tile(false, r0, c, null), r0, c, hcf, hc, invEps, shift);
            }
        });
        for (int j = 0; j < m; j++) {
            if (max[j] == Double.NEGATIVE_INFINITY) {
                out[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            double total = 0;
            for (int s = 0; s < count; s++) {
                total += stripeSum(s, j);
            }
            out[j] = shift[j] + Math.log(total);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        if (arena != null) {
            arena.close();
        }
    }
}
