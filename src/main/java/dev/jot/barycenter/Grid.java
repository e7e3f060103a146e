package dev.jot.barycenter;

import dev.jot.data.Precision;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * The Gibbs kernel of a regular rows × cols grid on [0, 1]² (coordinates {@code linspace(0, 1, rows)} and
 * {@code linspace(0, 1, cols)}, as POT's {@code convolutional_barycenter2d}), cost |x − y|², applied in the log
 * domain as two 1-D passes: LSE over the columns of each row with the cols × cols cost, then over the rows of each
 * column with the rows × rows cost, each pass a {@link SinkhornKernels} log-sum-exp over a small stored cost. The
 * kernel is symmetric, so the transposed sweep is the same sweep. Problems run in parallel, each with its own
 * scratch; every value is computed alone, so the result does not depend on the number of threads.
 */
final class Grid implements Sweeper {
    private final int rows, cols;
    private final boolean f32;
    private final SinkhornKernels kernels;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rowCost, colCost; // rows x rows and cols x cols
    private final ForkJoinPool pool;
    private Scratch[] scratch = new Scratch[0];

    /** One problem's buffers: the pass results (their previous values are the kernels' guesses). */
    private final class Scratch {
        final double[] pass1, pass2;
        final double[] row;
        final double[][] columns;
        final float[] rowF;
        final float[][] columnsF;

        Scratch() {
            pass1 = new double[rows * cols];
            pass2 = new double[rows * cols];
            Arrays.fill(pass1, Double.NaN);
            Arrays.fill(pass2, Double.NaN);
            row = new double[cols];
            columns = new double[cols][rows];
            rowF = new float[cols];
            columnsF = new float[cols][rows];
        }
    }

    Grid(int rows, int cols, Precision precision, SinkhornKernels kernels, int threads) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("the grid must have at least one pixel, got " + rows + " x " + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.f32 = precision == Precision.F32;
        this.kernels = kernels;
        this.rowCost = axis(rows);
        this.colCost = axis(cols);
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    private MemorySegment axis(int n) {
        MemorySegment s = arena.allocate((long) n * n * (f32 ? 4 : 8), 64);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double ti = n == 1 ? 0 : i / (double) (n - 1), tj = n == 1 ? 0 : j / (double) (n - 1);
                double c = (ti - tj) * (ti - tj);
                if (f32) {
                    s.setAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j, (float) c);
                } else {
                    s.setAtIndex(ValueLayout.JAVA_DOUBLE, (long) i * n + j, c);
                }
            }
        }
        return s;
    }

    @Override
    public int n() {
        return rows * cols;
    }

    @Override
    public void sweep(boolean transposed, double[][] hs, double[][] outs, double invEps) {
        int count = hs.length;
        if (scratch.length < count) {
            Scratch[] s = Arrays.copyOf(scratch, count);
            for (int p = scratch.length; p < count; p++) {
                s[p] = new Scratch();
            }
            scratch = s;
        }
        if (pool == null || count == 1) {
            for (int p = 0; p < count; p++) {
                apply(hs[p], outs[p], scratch[p], invEps);
            }
        } else {
            Scratch[] s = scratch;
            pool.submit(() -> IntStream.range(0, count).parallel().forEach(p -> apply(hs[p], outs[p], s[p], invEps))).join();
        }
    }

    /** out = log(K e^x) on the grid, x and out row-major rows × cols. */
    private void apply(double[] x, double[] out, Scratch s, double invEps) {
        // pass 1: along each row, pass1[r][j] = LSE_j'(x[r][j'] - (t_j - t_j')^2 / eps)
        for (int r = 0; r < rows; r++) {
            if (f32) {
                for (int j = 0; j < cols; j++) {
                    s.rowF[j] = (float) x[r * cols + j];
                }
                kernels.logSumExpF32(colCost, cols, cols, s.rowF, (float) invEps, s.pass1, r * cols);
            } else {
                System.arraycopy(x, r * cols, s.row, 0, cols);
                kernels.logSumExpF64(colCost, cols, cols, s.row, invEps, s.pass1, r * cols);
            }
        }
        // pass 2: along each column, pass2[c][i] = LSE_i'(pass1[i'][c] - (t_i - t_i')^2 / eps), stored column-major
        for (int c = 0; c < cols; c++) {
            if (f32) {
                float[] col = s.columnsF[c];
                for (int r = 0; r < rows; r++) {
                    col[r] = (float) s.pass1[r * cols + c];
                }
                kernels.logSumExpF32(rowCost, rows, rows, col, (float) invEps, s.pass2, c * rows);
            } else {
                double[] col = s.columns[c];
                for (int r = 0; r < rows; r++) {
                    col[r] = s.pass1[r * cols + c];
                }
                kernels.logSumExpF64(rowCost, rows, rows, col, invEps, s.pass2, c * rows);
            }
        }
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                out[r * cols + c] = s.pass2[c * rows + r];
            }
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
