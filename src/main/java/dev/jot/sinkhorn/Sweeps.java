package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.Geometry;
import dev.jot.geometry.PointCloudGeometry;
import java.lang.foreign.Arena;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

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
    private final ForkJoinPool pool;
    private final boolean f32;

    Sweeps(Geometry geometry, SinkhornKernels kernels, int threads) {
        this.geometry = geometry;
        this.kernels = kernels;
        this.f32 = geometry.precision() == Precision.F32;
        long work = (long) geometry.n() * geometry.m();
        this.pool = threads > 1 && work >= PARALLEL_THRESHOLD ? new ForkJoinPool(threads) : null;
        if (geometry.materialized()) {
            arena = null;
            scratch = null;
        } else {
            // one scratch tile per worker thread, freed when the sweeps close
            arena = Arena.ofShared();
            long bytes = (long) Math.max(TILE_ELEMENTS, Math.max(geometry.n(), geometry.m())) * geometry.precision().bytes();
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
    }

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
        pool.invoke(new Range(0, blocks, br, total, block));
    }

    private static final class Range extends RecursiveAction {
        final int lo, hi, blockRows, total;
        final Block block;

        Range(int lo, int hi, int blockRows, int total, Block block) {
            this.lo = lo;
            this.hi = hi;
            this.blockRows = blockRows;
            this.total = total;
            this.block = block;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int r0 = lo * blockRows;
                block.run(r0, Math.min(blockRows, total - r0));
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Range(lo, mid, blockRows, total, block), new Range(mid, hi, blockRows, total, block));
        }
    }

    /**
     * For every row r of C (or Cᵀ when transposed): out[r] = log Σ_j exp(h_j − C_rj/ε).
     * {@code h} is a float[] in f32 and a double[] in f64.
     */
    void logSumExp(boolean transposed, double[] h, float[] hf, double invEps, double[] out) {
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
