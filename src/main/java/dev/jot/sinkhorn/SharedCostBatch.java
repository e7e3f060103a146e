package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.Geometry;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * A batch of histogram pairs (a_k, b_k) over one shared cost matrix, the report's setting: each sweep
 * reads a tile of C once and applies it to a chunk of problems while it is in cache, so the B × n × m
 * tensor is never formed and C is read once per chunk, not once per problem. Work is split over (row
 * block, problem chunk) pairs. Each problem keeps its own potentials, stops on its own tolerance and
 * reports its own iterations; with log sweeps problem k gives the bits of a single solve; stored-kernel
 * sweeps run first where they apply ({@link BatchKernelLoop}).
 */
final class SharedCostBatch {
    /** Problems handled together on one tile. */
    private static final int CHUNK = 64;
    private static final int TILE_ELEMENTS = 1 << 14;

    private SharedCostBatch() {
    }

    /** Solves the batch; {@link Sinkhorn#solveBatch} has checked that as and bs are non-empty and of one size. */
    static BatchResult solve(Geometry geometry, List<Weights> as, List<Weights> bs, SinkhornOptions options) {
        int count = as.size();
        if (options.annealFactor() != 0) {
            throw new IllegalArgumentException("annealing is not supported for a shared-cost batch yet");
        }
        long t0 = System.nanoTime();
        SinkhornOptions single = options.withThreads(1);
        SinkhornIterator[] it = new SinkhornIterator[count];
        try {
            for (int k = 0; k < count; k++) {
                try {
                    it[k] = new SinkhornIterator(geometry, as.get(k), bs.get(k), single, t0);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("problem " + k + ": " + e.getMessage(), e);
                }
            }
            SinkhornKernels kernels = single.kernels();
            double tol = options.tolerance();
            int checkEvery = options.checkEvery();
            boolean[] active = new boolean[count];
            boolean fused = geometry.materialized();
            Arrays.fill(active, true);
            BatchKernelLoop loop = null;
            int[] afterKernel = null;
            SinkhornResult[] fromKernel = new SinkhornResult[count];
            if (BatchKernelLoop.applies(geometry, options, count)) {
                // the stored-kernel products first, and the results of the problems they finished from kernel
                // products; the log domain below goes on with the others (the kernel gave up on them, or its
                // result's error is still above the tolerance)
                loop = new BatchKernelLoop(geometry, kernels, options.threads(), options.epsilon(), options.rhoA(),
                        options.rhoB(), options.translationInvariant());
                try {
                    loop.run(it, active.clone(), options.maxIterations(), tol, checkEvery);
                    fromKernel = loop.results(it);
                    // a result whose error, from its own products, is above the tolerance (the kernel's sums said
                    // otherwise, by rounding at the tolerance's edge): more kernel iterations for those, twice at most
                    for (int round = 0; round < 2; round++) {
                        boolean[] again = new boolean[count];
                        boolean any = false;
                        for (int k = 0; k < count; k++) {
                            SinkhornResult r = fromKernel[k];
                            again[k] = r != null && !r.converged() && it[k].iterations() < options.maxIterations();
                            any |= again[k];
                        }
                        if (!any) {
                            break;
                        }
                        loop.run(it, again, options.maxIterations(), tol, checkEvery);
                        SinkhornResult[] more = loop.results(it);
                        for (int k = 0; k < count; k++) {
                            if (again[k]) {
                                fromKernel[k] = more[k];
                            }
                        }
                    }
                } finally {
                    loop.close();
                }
                afterKernel = new int[count];
                for (int k = 0; k < count; k++) {
                    afterKernel[k] = it[k].iterations();
                    SinkhornResult r = fromKernel[k];
                    boolean done = r != null && (r.converged() || afterKernel[k] >= options.maxIterations());
                    if (!done) {
                        fromKernel[k] = null;
                    }
                    active[k] = !done && afterKernel[k] < options.maxIterations();
                }
            }
            try (ForkJoinPool pool = options.threads() > 1 ? new ForkJoinPool(options.threads()) : null) {
                for (int iter = 0; iter < options.maxIterations(); iter++) {
                    List<SinkhornIterator> rows = new ArrayList<>();
                    for (int k = 0; k < count; k++) {
                        if (active[k] && it[k].iterations() >= options.maxIterations()) {
                            active[k] = false;
                        }
                        if (active[k]) {
                            if (fused) {
                                it[k].beginFusedUpdate(true);
                            } else {
                                it[k].prepareRowSweep();
                            }
                            rows.add(it[k]);
                        }
                    }
                    if (rows.isEmpty()) {
                        break;
                    }
                    if (fused) {
                        fusedSweep(pool, rows);
                    } else {
                        sweep(pool, geometry, kernels, false, rows);
                    }
                    List<SinkhornIterator> cols = new ArrayList<>();
                    for (int k = 0; k < count; k++) {
                        if (!active[k]) {
                            continue;
                        }
                        SinkhornIterator p = it[k];
                        int done = p.iterations();
                        if (!(fused ? p.endFusedUpdate() : p.finishRowSweep())
                                || (done > 0 && tol > 0 && done % checkEvery == 0 && p.rowErrorFromUpdate() <= tol)) {
                            active[k] = false;
                            continue;
                        }
                        p.commitF();
                        p.translate();
                        if (fused) {
                            // the column sums came with the pass; updateG only checks them (or redoes a column)
                            if (!p.updateG()) {
                                active[k] = false;
                            }
                            continue;
                        }
                        p.prepareColumnSweep();
                        cols.add(p);
                    }
                    sweep(pool, geometry, kernels, true, cols);
                    for (SinkhornIterator p : cols) {
                        if (!p.finishColumnSweep()) {
                            active[indexOf(it, p)] = false;
                        }
                    }
                }
            }
            List<SinkhornResult> results = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                SinkhornResult r = fromKernel[k] != null ? fromKernel[k] : it[k].result();
                if (loop != null) {
                    boolean logToo = loop.fallbacks(k) > 0 || it[k].iterations() > afterKernel[k];
                    r = new SinkhornResult(r, logToo ? "kernel+log" : "kernel", loop.absorptions(), loop.fallbacks(k), 1);
                }
                results.add(r);
            }
            return new BatchResult(results, System.nanoTime() - t0);
        } finally {
            for (SinkhornIterator p : it) {
                if (p != null) {
                    p.close();
                }
            }
        }
    }

    private static int indexOf(SinkhornIterator[] it, SinkhornIterator p) {
        for (int k = 0; k < it.length; k++) {
            if (it[k] == p) {
                return k;
            }
        }
        throw new IllegalStateException();
    }

    /**
     * The fused pass (row log-sum-exps and column sums, see {@code Sweeps.beginFused}) for every
     * listed problem: each tile of C is read once per chunk of problems and applied to each in turn.
     * Work is split over (stripe, problem chunk) pairs; each problem sees its tiles in the order of a
     * single solve, so it gets a single solve's bits.
     */
    private static void fusedSweep(ForkJoinPool pool, List<SinkhornIterator> problems) {
        Sweeps layout = problems.get(0).sweeps();
        int stripes = layout.stripeCount(), tileRows = layout.fusedTileRows();
        int chunks = (problems.size() + CHUNK - 1) / CHUNK;
        java.util.function.IntConsumer task = t -> {
            int s = t % stripes, chunk = t / stripes;
            int hi = layout.stripeStart(s + 1), end = Math.min(problems.size(), (chunk + 1) * CHUNK);
            for (int r0 = layout.stripeStart(s); r0 < hi; r0 += tileRows) {
                int c = Math.min(tileRows, hi - r0);
                for (int k = chunk * CHUNK; k < end; k++) {
                    problems.get(k).sweeps().fusedTile(s, r0, c);
                }
            }
        };
        int tasks = stripes * chunks;
        if (pool == null || tasks == 1) {
            for (int t = 0; t < tasks; t++) {
                task.accept(t);
            }
        } else {
            pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(task)).join();
        }
    }

    /** One sweep (over rows of C, or of Cᵀ) for every listed problem, tile by tile. */
    private static void sweep(ForkJoinPool pool, Geometry geometry, SinkhornKernels kernels, boolean transposed,
                              List<SinkhornIterator> problems) {
        if (problems.isEmpty()) {
            return;
        }
        int rows = transposed ? geometry.m() : geometry.n();
        int cols = transposed ? geometry.n() : geometry.m();
        int blockRows = Math.max(1, Math.min(rows, TILE_ELEMENTS / Math.max(1, cols)));
        int blocks = (rows + blockRows - 1) / blockRows;
        int chunks = (problems.size() + CHUNK - 1) / CHUNK;
        boolean f32 = geometry.precision() == Precision.F32;
        java.util.function.IntConsumer task = t -> {
            int block = t % blocks, chunk = t / blocks;
            int r0 = block * blockRows, count = Math.min(blockRows, rows - r0);
            try (Arena arena = geometry.materialized() ? null : Arena.ofConfined()) {
                MemorySegment scratch = arena == null ? null
                        : arena.allocate((long) count * cols * geometry.precision().bytes(), 64);
                MemorySegment tile = geometry.tile(transposed, r0, count, scratch);
                int end = Math.min(problems.size(), (chunk + 1) * CHUNK);
                for (int k = chunk * CHUNK; k < end; k++) {
                    SinkhornIterator p = problems.get(k);
                    double invEps = 1.0 / p.epsilon();
                    if (f32) {
                        kernels.logSumExpF32(tile, count, cols, p.hF32(transposed), (float) invEps, p.lse(transposed), r0);
                    } else {
                        kernels.logSumExpF64(tile, count, cols, p.h(transposed), invEps, p.lse(transposed), r0);
                    }
                }
            }
        };
        int tasks = blocks * chunks;
        if (pool == null || tasks == 1) {
            for (int t = 0; t < tasks; t++) {
                task.accept(t);
            }
        } else {
            pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(task)).join();
        }
    }
}
