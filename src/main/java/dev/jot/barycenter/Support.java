package dev.jot.barycenter;

import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * A stored n × n cost matrix (and its transpose, unless it is symmetric) in one precision, and the shared-cost
 * sweeps of a barycenter iteration over it: each tile of rows is read once and applied to every problem in
 * turn. Not thread-safe; closes its memory and its threads.
 */
final class Support implements Sweeper {
    private static final int TILE_ELEMENTS = 1 << 14;
    private final Arena arena;
    private final MemorySegment c, ct;
    private final int n;
    private final boolean f32;
    private final SinkhornKernels kernels;
    private final ForkJoinPool pool;
    private final int blockRows, blocks;
    private float[][] scratch = new float[0][];

    private Support(Arena arena, MemorySegment c, MemorySegment ct, int n, boolean f32, SinkhornKernels kernels, int threads) {
        this.arena = arena;
        this.c = c;
        this.ct = ct;
        this.n = n;
        this.f32 = f32;
        this.kernels = kernels;
        this.blockRows = Math.max(1, Math.min(n, TILE_ELEMENTS / n));
        this.blocks = (n + blockRows - 1) / blockRows;
        this.pool = threads > 1 && blocks > 1 ? new ForkJoinPool(threads) : null;
    }

    /**
     * Copies and checks a cost matrix: n × n, finite.
     *
     * @param costMatrix the matrix
     * @param n the support size the histograms have
     * @param precision the precision to store it in
     * @param kernels the sweeps' kernels
     * @param threads the number of threads
     * @return the stored costs
     */
    static Support of(NdArray costMatrix, int n, Precision precision, SinkhornKernels kernels, int threads) {
        if (costMatrix.rank() != 2 || costMatrix.shape(0) != costMatrix.shape(1)) {
            throw new IllegalArgumentException("costMatrix must be square (n x n), got shape " + Arrays.toString(costMatrix.shape()));
        }
        if (costMatrix.shape(0) != n) {
            throw new IllegalArgumentException("costMatrix is " + costMatrix.shape(0) + " x " + costMatrix.shape(1)
                    + " but the histograms have n = " + n + " bins");
        }
        // read once into the stored precision (no heap copy of the n x n matrix), checking every entry
        Arena arena = Arena.ofShared();
        try {
            MemorySegment c = arena.allocate((long) n * n * precision.bytes(), 64);
            boolean f32 = precision == Precision.F32;
            for (long at = 0, size = (long) n * n; at < size; at++) {
                double x = costMatrix.getFlat(at);
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException("costMatrix[" + at / n + "][" + at % n + "] is " + x + " (costs must be finite)");
                }
                if (f32) {
                    if (!Float.isFinite((float) x)) {
                        throw new IllegalArgumentException("costMatrix[" + at / n + "][" + at % n + "] = " + x + " overflows f32; use f64");
                    }
                    c.setAtIndex(ValueLayout.JAVA_FLOAT, at, (float) x);
                } else {
                    c.setAtIndex(ValueLayout.JAVA_DOUBLE, at, x);
                }
            }
            boolean symmetric = true;
            for (int i = 0; i < n && symmetric; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (get(c, f32, (long) i * n + j) != get(c, f32, (long) j * n + i)) {
                        symmetric = false;
                        break;
                    }
                }
            }
            MemorySegment ct = c;
            if (!symmetric) {
                ct = arena.allocate(c.byteSize(), 64);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        long from = (long) j * n + i, to = (long) i * n + j;
                        if (f32) {
                            ct.setAtIndex(ValueLayout.JAVA_FLOAT, to, c.getAtIndex(ValueLayout.JAVA_FLOAT, from));
                        } else {
                            ct.setAtIndex(ValueLayout.JAVA_DOUBLE, to, c.getAtIndex(ValueLayout.JAVA_DOUBLE, from));
                        }
                    }
                }
            }
            return new Support(arena, c, ct, n, f32, kernels, threads);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static double get(MemorySegment s, boolean f32, long at) {
        return f32 ? s.getAtIndex(ValueLayout.JAVA_FLOAT, at) : s.getAtIndex(ValueLayout.JAVA_DOUBLE, at);
    }

    @Override
    public int n() {
        return n;
    }

    private float[][] f32(double[][] hs) {
        if (scratch.length < hs.length) {
            scratch = new float[hs.length][n];
        }
        for (int p = 0; p < hs.length; p++) {
            for (int j = 0; j < n; j++) {
                scratch[p][j] = (float) hs[p][j];
            }
        }
        return scratch;
    }

    private MemorySegment rows(boolean transposed, int r0, int count) {
        long bytes = f32 ? 4 : 8;
        return (transposed ? ct : c).asSlice((long) r0 * n * bytes, (long) count * n * bytes);
    }

    /**
     * For every problem p: outs[p][i] = log Σ_j exp(hs[p][j] − C_ij/ε) over the rows of C (or of Cᵀ when
     * transposed). outs holds the previous values as guesses (NaN for none).
     *
     * @param transposed whether to sweep the rows of Cᵀ (sums over the rows of C)
     * @param hs the column terms, one row per problem
     * @param outs the results, one row per problem
     * @param invEps 1/ε
     */
    @Override
    public void sweep(boolean transposed, double[][] hs, double[][] outs, double invEps) {
        float[][] hf = f32 ? f32(hs) : null;
        int count = hs.length;
        run(b -> {
            int r0 = b * blockRows, rows = Math.min(blockRows, n - r0);
            MemorySegment tile = rows(transposed, r0, rows);
            for (int p = 0; p < count; p++) {
                if (f32) {
                    kernels.logSumExpF32(tile, rows, n, hf[p], (float) invEps, outs[p], r0);
                } else {
                    kernels.logSumExpF64(tile, rows, n, hs[p], invEps, outs[p], r0);
                }
            }
        });
    }

    /**
     * For every problem p, over the rows of C with P_ij = exp(shift[p][i] + hs[p][j] − C_ij/ε): the row masses
     * Σ_j P_ij and costs Σ_j P_ij·C_ij. Rows whose shift is −∞ get 0 and 0.
     *
     * @param hs the column terms, one row per problem
     * @param shift the row terms, one row per problem
     * @param mass receives the row masses
     * @param cost receives the row costs
     * @param invEps 1/ε
     */
    void planSums(double[][] hs, double[][] shift, double[][] mass, double[][] cost, double invEps) {
        float[][] hf = f32 ? f32(hs) : null;
        int count = hs.length;
        double[][] safe = new double[count][];
        for (int p = 0; p < count; p++) {
            safe[p] = shift[p].clone();
            for (int i = 0; i < n; i++) {
                if (safe[p][i] == Double.NEGATIVE_INFINITY) {
                    safe[p][i] = -1e300; // exp underflows to 0 without an infinity in the kernel's arithmetic
                }
            }
        }
        run(b -> {
            int r0 = b * blockRows, rows = Math.min(blockRows, n - r0);
            MemorySegment tile = rows(false, r0, rows);
            for (int p = 0; p < count; p++) {
                if (f32) {
                    kernels.planSumsF32(tile, rows, n, hf[p], (float) invEps, safe[p], mass[p], cost[p], r0);
                } else {
                    kernels.planSumsF64(tile, rows, n, hs[p], invEps, safe[p], mass[p], cost[p], r0);
                }
            }
        });
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < n; i++) {
                if (shift[p][i] == Double.NEGATIVE_INFINITY) {
                    mass[p][i] = 0;
                    cost[p][i] = 0;
                }
            }
        }
    }

    private void run(IntConsumer task) {
        if (pool == null) {
            for (int b = 0; b < blocks; b++) {
                task.accept(b);
            }
        } else {
            pool.submit(() -> IntStream.range(0, blocks).parallel().forEach(task)).join();
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        arena.close();
    }
}
