package dev.jot.pairwise;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.Geometry;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * All-pairs matrices of entropic transport values: between every two of N histograms over one cost matrix, or
 * of N point clouds, or between N rows and M columns (a second set). Immutable settings, built by
 * {@link #of(SinkhornOptions)} and the {@code with} methods; each run returns a {@link PairwiseResult}.
 *
 * <p>Every histogram (every row of the arrays) is divided by its total first, so rows of different masses (word
 * counts, cell counts) are compared as distributions; a row that is not finite, has a negative entry or a zero
 * total is refused with a message naming it. Point clouds have uniform weights.
 *
 * <p>The matrix is cut into square blocks of rows × columns; a symmetric run (no second set) solves only the
 * blocks on and above the diagonal and in them the pairs i ≤ j (i &lt; j for a divergence, whose diagonal is 0),
 * and mirrors them. A block of histogram pairs is one shared-cost batch ({@link Sinkhorn#solveBatch}: with the
 * default sweeps, matrix-matrix products with one stored kernel); a block of point-cloud pairs is one ragged batch
 * ({@link Sinkhorn#solveAll}). Blocks run in parallel on the options' threads, each block on one thread while there
 * are at least as many blocks as threads, so a block's values do not depend on the thread count.
 *
 * <p>With a side file ({@link #withSideFile}) every finished block is appended to it and forced to disk; a run
 * that is interrupted (a kill, Ctrl-C, an exception from the progress listener) and started again with
 * {@code resume} reads the finished blocks back and solves only the others. The side file's header holds a
 * fingerprint of the inputs and settings, and a mismatch is refused.
 *
 * <p>Thread-safe: the settings are immutable, and runs share no state.
 */
public final class Pairwise {
    /** The value each entry holds. */
    public enum Value {
        /** ⟨P, C⟩ of the entropic plan (POT's {@code ot.sinkhorn2}). */
        COST("cost"),
        /** ⟨P, C⟩ + ε·KL(P‖a⊗b), the primal objective. */
        OBJECTIVE("objective"),
        /**
         * The debiased Sinkhorn divergence S = OT(a, b) − OT(a, a)/2 − OT(b, b)/2 with OT = ⟨a, f⟩ + ⟨b, g⟩ (as
         * {@link dev.jot.divergence.Divergences}); each self term is solved once per distribution.
         */
        DIVERGENCE("divergence");

        private final String label;

        Value(String label) {
            this.label = label;
        }

        /** {@return the value's name on the command line: cost, objective or divergence} */
        public String label() {
            return label;
        }

        /**
         * Parses a name.
         *
         * @param name cost, objective or divergence
         * @return the value
         * @throws IllegalArgumentException for another name
         */
        public static Value parse(String name) {
            for (Value v : values()) {
                if (v.label.equalsIgnoreCase(name)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown value '" + name + "' (expected cost, objective or divergence)");
        }
    }

    /**
     * Hears of each finished block, on the thread that started the run. An exception thrown here stops the run
     * (the blocks already written to the side file stay there) and reaches the caller.
     */
    @FunctionalInterface
    public interface Progress {
        /**
         * Called after each block is finished (and written to the side file, if any).
         *
         * @param problemsDone the transport problems this run has solved so far
         * @param problemsToDo the problems this run has to solve in all (those read back from a side file excluded)
         * @param blocksDone the blocks this run has finished
         * @param blocksToDo the blocks this run has to finish in all
         */
        void update(long problemsDone, long problemsToDo, int blocksDone, int blocksToDo);
    }

    /** Block kinds in the side file. */
    private static final int TILE = 0, SELF_ROWS = 1, SELF_COLS = 2;
    /** Histogram blocks aim at this many pairs (a 32 × 32 tile), and at least the batch kernel's 2^16 entries. */
    private static final int HISTOGRAM_BLOCK_PAIRS = 1024;
    /** Point-cloud blocks aim at this many cost entries in all. */
    private static final long CLOUD_BLOCK_ENTRIES = 1L << 24;

    private final SinkhornOptions options;
    private final Value value;
    private final int blockSide;
    private final Path sideFile;
    private final boolean resume;
    private final Progress progress;

    private Pairwise(SinkhornOptions options, Value value, int blockSide, Path sideFile, boolean resume, Progress progress) {
        this.options = options;
        this.value = value;
        this.blockSide = blockSide;
        this.sideFile = sideFile;
        this.resume = resume;
        this.progress = progress;
    }

    /**
     * Settings for all-pairs runs: the cost value, blocks of the default size, no side file, no progress listener.
     *
     * @param options the solver's settings for every problem (ε, tolerance, iteration limit, precision, threads)
     * @return the settings
     */
    public static Pairwise of(SinkhornOptions options) {
        return new Pairwise(Objects.requireNonNull(options, "options"), Value.COST, 0, null, false, null);
    }

    /**
     * The value of the entries.
     *
     * @param value cost, objective or divergence
     * @return new settings
     */
    public Pairwise withValue(Value value) {
        return new Pairwise(options, Objects.requireNonNull(value, "value"), blockSide, sideFile, resume, progress);
    }

    /**
     * The side of the square blocks, in rows (and columns); 0 for the default (32 for histograms of 100 bins or
     * more, larger for smaller histograms so that a block holds at least 2^16 cost entries in all; for point
     * clouds, about 2^24 cost entries per block). A side file remembers it: a resumed run needs the same side.
     *
     * @param side the block side, ≥ 1, or 0 for the default
     * @return new settings
     * @throws IllegalArgumentException for a negative side
     */
    public Pairwise withBlockSide(int side) {
        if (side < 0) {
            throw new IllegalArgumentException("the block side must be >= 1 (or 0 for the default), got " + side);
        }
        return new Pairwise(options, value, side, sideFile, resume, progress);
    }

    /**
     * Makes runs restartable: each finished block is appended to {@code file} and forced to disk.
     *
     * @param file the side file, or {@code null} for none
     * @param resume whether to read back the blocks of an interrupted run from an existing file (without it, an
     *     existing file is refused rather than overwritten; with it, a missing file starts a new run)
     * @return new settings
     */
    public Pairwise withSideFile(Path file, boolean resume) {
        return new Pairwise(options, value, blockSide, file, resume, progress);
    }

    /**
     * A listener told of each finished block.
     *
     * @param progress the listener, or {@code null} for none
     * @return new settings
     */
    public Pairwise withProgress(Progress progress) {
        return new Pairwise(options, value, blockSide, sideFile, resume, progress);
    }

    /**
     * The matrix between histograms over one cost matrix.
     *
     * @param costMatrix the costs C, n × m (n × n and symmetric without {@code to}, and n × n for a divergence)
     * @param histograms the rows' histograms, N × n
     * @param to the columns' histograms, M × m, or {@code null} for the N × N symmetric matrix of the rows
     * @return the N × N or N × M matrix
     * @throws IllegalArgumentException for mismatched shapes, a non-symmetric C without {@code to}, or a bad row
     *     (the message names it: "histograms row 17: ...", "to row 3: ...")
     * @throws UncheckedIOException if the side file cannot be read or written
     */
    public PairwiseResult histograms(NdArray costMatrix, NdArray histograms, NdArray to) {
        Objects.requireNonNull(costMatrix, "costMatrix");
        Objects.requireNonNull(histograms, "histograms");
        if (costMatrix.rank() != 2) {
            throw new IllegalArgumentException("the cost matrix must be 2-D (n x m), got shape " + Arrays.toString(costMatrix.shape()));
        }
        int n = (int) costMatrix.shape(0), m = (int) costMatrix.shape(1);
        boolean symmetric = to == null;
        if (symmetric || value == Value.DIVERGENCE) {
            if (n != m) {
                throw new IllegalArgumentException("the cost matrix is " + n + " x " + m + ": "
                        + (symmetric ? "a matrix of the histograms with themselves" : "a divergence") + " needs a square one");
            }
        }
        if (symmetric) {
            checkSymmetric(costMatrix, n);
        }
        Weights[] hr = histograms("histograms", histograms, n, "rows");
        Weights[] hc = symmetric ? hr : histograms("to", to, m, "columns");
        Geometry geometry = DenseGeometry.of(costMatrix, options.precision());
        long fp = hash(hash(FP_SEED, costMatrix), histograms);
        if (!symmetric) {
            fp = hash(fp, to);
        }
        int side = blockSide > 0 ? blockSide : histogramSide((long) n * m);
        Source source = new Source(hr.length, hc.length, symmetric, fp) {
            @Override
            SinkhornResult[] pairs(int[] is, int[] js, SinkhornOptions o) {
                List<Weights> as = new ArrayList<>(is.length), bs = new ArrayList<>(is.length);
                for (int k = 0; k < is.length; k++) {
                    as.add(hr[is[k]]);
                    bs.add(hc[js[k]]);
                }
                return Sinkhorn.solveBatch(geometry, as, bs, o).results().toArray(new SinkhornResult[0]);
            }

            @Override
            SinkhornResult[] selves(boolean ofCols, int from, int until, SinkhornOptions o) {
                List<Weights> hs = Arrays.asList(ofCols ? hc : hr).subList(from, until);
                return Sinkhorn.solveBatch(geometry, hs, hs, o).results().toArray(new SinkhornResult[0]);
            }
        };
        return run(source, side);
    }

    /**
     * The matrix between point clouds (uniform weights; sizes may differ, the dimension may not).
     *
     * @param clouds the rows' clouds, N of them
     * @param to the columns' clouds, M of them, or {@code null} for the N × N symmetric matrix of the rows
     * @param cost the ground cost
     * @return the N × N or N × M matrix
     * @throws IllegalArgumentException for an empty list, clouds of different dimensions or a bad cloud (the message
     *     names it)
     * @throws UncheckedIOException if the side file cannot be read or written
     */
    public PairwiseResult clouds(List<Points> clouds, List<Points> to, CostFunction cost) {
        Objects.requireNonNull(clouds, "clouds");
        Objects.requireNonNull(cost, "cost");
        boolean symmetric = to == null;
        List<Points> xr = List.copyOf(clouds), xc = symmetric ? xr : List.copyOf(to);
        if (xr.isEmpty() || xc.isEmpty()) {
            throw new IllegalArgumentException("no clouds" + (xr.isEmpty() ? "" : " to compare with"));
        }
        int d = xr.get(0).d();
        long fp = FP_SEED ^ cost.toString().hashCode();
        long entries = 0;
        for (int pass = 0; pass < (symmetric ? 1 : 2); pass++) {
            List<Points> list = pass == 0 ? xr : xc;
            String name = pass == 0 ? "cloud " : "to cloud ";
            for (int k = 0; k < list.size(); k++) {
                Points p = list.get(k);
                try {
                    Sinkhorn.checkPoints("points", p);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + k + ": " + e.getMessage(), e);
                }
                if (p.d() != d) {
                    throw new IllegalArgumentException(name + k + " has dimension " + p.d() + " but cloud 0 has " + d);
                }
                fp = hash(fp, p.array());
                entries += p.n();
            }
        }
        double meanSize = (double) entries / (symmetric ? xr.size() : xr.size() + xc.size());
        int side = blockSide > 0 ? blockSide
                : (int) Math.max(1, Math.min(32, Math.floor(Math.sqrt(CLOUD_BLOCK_ENTRIES / (meanSize * meanSize)))));
        Source source = new Source(xr.size(), xc.size(), symmetric, fp) {
            @Override
            SinkhornResult[] pairs(int[] is, int[] js, SinkhornOptions o) {
                List<Points> xs = new ArrayList<>(is.length), ys = new ArrayList<>(is.length);
                for (int k = 0; k < is.length; k++) {
                    xs.add(xr.get(is[k]));
                    ys.add(xc.get(js[k]));
                }
                return Sinkhorn.solveAll(xs, ys, null, null, cost, o).results().toArray(new SinkhornResult[0]);
            }

            @Override
            SinkhornResult[] selves(boolean ofCols, int from, int until, SinkhornOptions o) {
                SinkhornResult[] r = new SinkhornResult[until - from];
                for (int k = from; k < until; k++) {
                    r[k - from] = Sinkhorn.solveSymmetric((ofCols ? xc : xr).get(k), null, cost, o);
                }
                return r;
            }
        };
        return run(source, side);
    }

    // ---- the run ---------------------------------------------------------------------------------------------

    /** The problems of one run: N rows and M columns of distributions, solved a block at a time. */
    private abstract static class Source {
        final int rows;
        final int cols;
        final boolean symmetric;
        final long fingerprint;

        Source(int rows, int cols, boolean symmetric, long fingerprint) {
            this.rows = rows;
            this.cols = cols;
            this.symmetric = symmetric;
            this.fingerprint = fingerprint;
        }

        /** Solves the pairs (row is[k], column js[k]). */
        abstract SinkhornResult[] pairs(int[] is, int[] js, SinkhornOptions o);

        /** Solves OT(h, h) for the rows (or columns) from..until−1. */
        abstract SinkhornResult[] selves(boolean ofCols, int from, int until, SinkhornOptions o);
    }

    /** One unit of work: a tile of the matrix (rows r0..r1−1, columns c0..c1−1) or a run of self terms. */
    private record Block(int kind, int index, int r0, int r1, int c0, int c1) {
    }

    /** A finished block: its values in the order of its problems, and its convergence. */
    private record Done(Block block, double[] values, int notConverged, int maxIterations) {
    }

    private PairwiseResult run(Source src, int side) {
        long t0 = System.nanoTime();
        int rows = src.rows, cols = src.cols;
        boolean divergence = value == Value.DIVERGENCE;
        List<Block> selfBlocks = new ArrayList<>(), tiles = new ArrayList<>();
        int chunk = side * side;
        if (divergence) {
            for (int k = 0; k * chunk < rows; k++) {
                selfBlocks.add(new Block(SELF_ROWS, k, k * chunk, Math.min(rows, (k + 1) * chunk), 0, 0));
            }
            if (!src.symmetric) {
                for (int k = 0; k * chunk < cols; k++) {
                    selfBlocks.add(new Block(SELF_COLS, k, 0, 0, k * chunk, Math.min(cols, (k + 1) * chunk)));
                }
            }
        }
        int rb = (rows + side - 1) / side, cb = (cols + side - 1) / side;
        for (int bi = 0, t = 0; bi < rb; bi++) {
            for (int bj = src.symmetric ? bi : 0; bj < cb; bj++) {
                tiles.add(new Block(TILE, t++, bi * side, Math.min(rows, (bi + 1) * side), bj * side, Math.min(cols, (bj + 1) * side)));
            }
        }
        long fingerprint = settingsHash(src.fingerprint, side);
        if ((long) rows * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the matrix would have " + rows + " x " + cols + " entries, more than one array holds"
                    + " (2^31 - 9): cut the rows into parts and give the columns as the second set (to)");
        }
        double[] matrix = new double[rows * cols];
        double[] selfRows = divergence ? new double[rows] : null;
        double[] selfCols = divergence ? (src.symmetric ? selfRows : new double[cols]) : null;
        boolean[] selfDone = new boolean[selfBlocks.size()], tileDone = new boolean[tiles.size()];
        long[] stats = new long[2]; // not converged, largest iteration count
        long problems = 0;
        for (Block b : selfBlocks) {
            problems += (b.r1 - b.r0) + (b.c1 - b.c0);
        }
        for (Block b : tiles) {
            problems += problems(b, src.symmetric, divergence);
        }
        int resumed = 0;
        long resumedProblems = 0;
        try (BlockFile file = sideFile == null ? null
                : BlockFile.open(sideFile, fingerprint, rows, cols, side, resume)) {
            if (file != null) {
                for (BlockFile.Block r : file.existing()) {
                    List<Block> list = r.kind() == TILE ? tiles : selfBlocks;
                    int pos = r.kind() == TILE ? r.index() : selfPosition(selfBlocks, r.kind(), r.index());
                    boolean[] done = r.kind() == TILE ? tileDone : selfDone;
                    if (pos < 0 || pos >= list.size() || done[pos]) {
                        continue; // cannot happen with a matching fingerprint; a duplicate is harmless
                    }
                    Block b = list.get(pos);
                    apply(new Done(b, r.values(), r.notConverged(), r.maxIterations()), src.symmetric, matrix, selfRows, selfCols, cols, stats);
                    done[pos] = true;
                    resumed++;
                    resumedProblems += r.kind() == TILE ? problems(b, src.symmetric, divergence) : (b.r1 - b.r0) + (b.c1 - b.c0);
                }
            }
            long toDo = problems - resumedProblems;
            int blocksToDo = selfBlocks.size() + tiles.size() - resumed;
            long[] counters = new long[2]; // problems done, blocks done
            List<Block> todoSelf = new ArrayList<>();
            for (int k = 0; k < selfBlocks.size(); k++) {
                if (!selfDone[k]) {
                    todoSelf.add(selfBlocks.get(k));
                }
            }
            List<Block> todoTiles = new ArrayList<>();
            for (int k = 0; k < tiles.size(); k++) {
                if (!tileDone[k]) {
                    todoTiles.add(tiles.get(k));
                }
            }
            // the self terms first: the tiles of a divergence need them
            solve(todoSelf, src, divergence, selfRows, selfCols, file, matrix, stats, counters, toDo, blocksToDo);
            solve(todoTiles, src, divergence, selfRows, selfCols, file, matrix, stats, counters, toDo, blocksToDo);
            return new PairwiseResult(matrix, rows, cols, src.symmetric, value, problems, counters[0],
                    selfBlocks.size() + tiles.size(), (int) counters[1], resumed, stats[0], (int) stats[1], System.nanoTime() - t0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int selfPosition(List<Block> selfBlocks, int kind, int index) {
        for (int k = 0; k < selfBlocks.size(); k++) {
            if (selfBlocks.get(k).kind == kind && selfBlocks.get(k).index == index) {
                return k;
            }
        }
        return -1;
    }

    /** The number of problems in a tile: all pairs, or on the diagonal of a symmetric run i ≤ j (i &lt; j for a divergence). */
    private static long problems(Block b, boolean symmetric, boolean divergence) {
        long r = b.r1 - b.r0, c = b.c1 - b.c0;
        if (symmetric && b.r0 == b.c0) {
            return divergence ? r * (r - 1) / 2 : r * (r + 1) / 2;
        }
        return r * c;
    }

    /** Solves blocks on a pool of threads, writing each to the side file and into the matrix as it finishes. */
    private void solve(List<Block> blocks, Source src, boolean divergence, double[] selfRows, double[] selfCols,
                       BlockFile file, double[] matrix, long[] stats, long[] counters, long toDo, int blocksToDo) {
        if (blocks.isEmpty()) {
            return;
        }
        int threads = options.threads();
        int workers = Math.min(threads, blocks.size());
        SinkhornOptions per = options.withThreads(Math.max(1, threads / workers));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "jot-pairwise");
            t.setDaemon(true);
            return t;
        });
        try {
            CompletionService<Done> cs = new ExecutorCompletionService<>(pool);
            for (Block b : blocks) {
                cs.submit(() -> solveBlock(b, src, divergence, selfRows, selfCols, per));
            }
            for (int k = 0; k < blocks.size(); k++) {
                Done d;
                try {
                    d = cs.take().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error er) {
                        throw er;
                    }
                    throw new IllegalStateException(c);
                }
                if (file != null) {
                    file.append(d.block.kind, d.block.index, d.values, d.notConverged, d.maxIterations);
                }
                apply(d, src.symmetric, matrix, selfRows, selfCols, src.cols, stats);
                counters[0] += d.values.length;
                counters[1]++;
                if (progress != null) {
                    progress.update(counters[0], toDo, (int) counters[1], blocksToDo);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The pairs of a tile, in the order its values are stored. */
    private static int[][] tilePairs(Block b, boolean symmetric, boolean divergence) {
        int count = (int) problems(b, symmetric, divergence);
        int[] is = new int[count], js = new int[count];
        boolean diagonal = symmetric && b.r0 == b.c0;
        int k = 0;
        for (int i = b.r0; i < b.r1; i++) {
            int from = diagonal ? (divergence ? i + 1 : i) : b.c0;
            for (int j = from; j < b.c1; j++) {
                is[k] = i;
                js[k] = j;
                k++;
            }
        }
        return new int[][]{is, js};
    }

    private Done solveBlock(Block b, Source src, boolean divergence, double[] selfRows, double[] selfCols, SinkhornOptions o) {
        SinkhornResult[] rs;
        int[][] ij = null;
        if (b.kind == TILE) {
            ij = tilePairs(b, src.symmetric, divergence);
            rs = ij[0].length == 0 ? new SinkhornResult[0] : src.pairs(ij[0], ij[1], o);
        } else {
            boolean ofCols = b.kind == SELF_COLS;
            rs = src.selves(ofCols, ofCols ? b.c0 : b.r0, ofCols ? b.c1 : b.r1, o);
        }
        double[] v = new double[rs.length];
        int bad = 0, most = 0;
        for (int k = 0; k < rs.length; k++) {
            SinkhornResult r = rs[k];
            if (!r.converged()) {
                bad++;
            }
            most = Math.max(most, r.iterations());
            if (b.kind != TILE) {
                v[k] = r.dualObjective();
            } else {
                v[k] = switch (value) {
                    case COST -> r.cost();
                    case OBJECTIVE -> r.objective();
                    case DIVERGENCE -> r.dualObjective() - 0.5 * selfRows[ij[0][k]] - 0.5 * selfCols[ij[1][k]];
                };
            }
        }
        return new Done(b, v, bad, most);
    }

    private static void apply(Done d, boolean symmetric, double[] matrix, double[] selfRows, double[] selfCols, int cols,
                              long[] stats) {
        Block b = d.block;
        stats[0] += d.notConverged;
        stats[1] = Math.max(stats[1], d.maxIterations);
        if (b.kind == SELF_ROWS) {
            System.arraycopy(d.values, 0, selfRows, b.r0, d.values.length);
            return;
        }
        if (b.kind == SELF_COLS) {
            System.arraycopy(d.values, 0, selfCols, b.c0, d.values.length);
            return;
        }
        boolean divergence = selfRows != null;
        int[][] ij = tilePairs(b, symmetric, divergence);
        if (ij[0].length != d.values.length) {
            throw new IllegalStateException("block " + b.index + " holds " + d.values.length + " values, expected " + ij[0].length);
        }
        for (int k = 0; k < d.values.length; k++) {
            int i = ij[0][k], j = ij[1][k];
            matrix[i * cols + j] = d.values[k];
            if (symmetric) {
                matrix[j * cols + i] = d.values[k];
            }
        }
    }

    // ---- inputs ----------------------------------------------------------------------------------------------

    /** The rows of an N × n array as normalised histograms, each checked (the message names the row). */
    private static Weights[] histograms(String name, NdArray h, int n, String what) {
        if (h.rank() != 2) {
            throw new IllegalArgumentException(name + " must be a 2-D array (N x n, one histogram a row), got shape "
                    + Arrays.toString(h.shape()));
        }
        if (h.shape(1) != n) {
            throw new IllegalArgumentException(name + " has " + h.shape(1) + " bins a row but the cost matrix has " + n + " " + what);
        }
        if (h.shape(0) < 1) {
            throw new IllegalArgumentException(name + " has no rows");
        }
        int count = (int) h.shape(0);
        Weights[] out = new Weights[count];
        double[] row = new double[n];
        for (int r = 0; r < count; r++) {
            double sum = 0;
            for (int k = 0; k < n; k++) {
                double x = h.getFlat((long) r * n + k);
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException(name + " row " + r + ": entry " + k + " is " + x + " (entries must be finite)");
                }
                if (x < 0) {
                    throw new IllegalArgumentException(name + " row " + r + ": entry " + k + " = " + x + " is negative (entries must be >= 0)");
                }
                row[k] = x;
                sum += x;
            }
            if (!(sum > 0) || !Double.isFinite(sum)) {
                throw new IllegalArgumentException(name + " row " + r + ": the entries sum to " + sum
                        + " (a histogram needs a positive, finite total)");
            }
            for (int k = 0; k < n; k++) {
                row[k] /= sum;
            }
            out[r] = Weights.of(row);
        }
        return out;
    }

    private static void checkSymmetric(NdArray c, int n) {
        double scale = 0;
        for (long k = 0; k < (long) n * n; k++) {
            scale = Math.max(scale, Math.abs(c.getFlat(k)));
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double x = c.getFlat((long) i * n + j), y = c.getFlat((long) j * n + i);
                if (Math.abs(x - y) > 1e-9 * scale) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "the cost matrix is not symmetric (C[%d][%d] = %s, C[%d][%d] = %s): give the columns' histograms "
                                    + "(to) for the full matrix", i, j, x, j, i, y));
                }
            }
        }
    }

    /**
     * The default block side for histograms over an n × m cost matrix: 32 (blocks of 1024 pairs), or more where
     * n·m &lt; 64, so that a block's batch holds at least 2^16 cost entries in all (the stored-kernel products).
     *
     * @param n the rows of the cost matrix
     * @param m its columns
     * @return the block side, 32 to 256
     */
    public static int defaultBlockSide(int n, int m) {
        return histogramSide((long) n * m);
    }

    private static int histogramSide(long entries) {
        double pairs = Math.max(HISTOGRAM_BLOCK_PAIRS, 65536.0 / entries);
        return (int) Math.min(256, Math.ceil(Math.sqrt(pairs)));
    }

    // ---- fingerprints ----------------------------------------------------------------------------------------

    private static final long FP_SEED = 0x6a6f742d70616972L;

    private static long hash(long h, NdArray a) {
        h = BlockFile.mix(h, a.rank());
        for (long s : a.shape()) {
            h = BlockFile.mix(h, s);
        }
        long size = a.size();
        for (long k = 0; k < size; k++) {
            h = BlockFile.mix(h, Double.doubleToLongBits(a.getFlat(k)));
        }
        return h;
    }

    private long settingsHash(long h, int side) {
        h = BlockFile.mix(h, value.ordinal());
        h = BlockFile.mix(h, side);
        h = BlockFile.mix(h, Double.doubleToLongBits(options.epsilon()));
        h = BlockFile.mix(h, Double.doubleToLongBits(options.tolerance()));
        h = BlockFile.mix(h, options.maxIterations());
        h = BlockFile.mix(h, options.checkEvery());
        h = BlockFile.mix(h, options.precision().ordinal());
        h = BlockFile.mix(h, options.sweeps().hashCode());
        h = BlockFile.mix(h, Double.doubleToLongBits(options.annealFactor()));
        return h;
    }
}
