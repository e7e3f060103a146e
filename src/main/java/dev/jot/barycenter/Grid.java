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
 * column with the rows × rows cost. Where 1/ε ≤ 320 (the axis's largest cost is 1) a pass is a matrix product
 * with the axis's Gibbs kernel exp(−C/ε) after a shift by each row's (column's) largest entry (the kernels'
 * {@code expTileF64}, {@code productF64} and {@code logShiftF64}, in f64 whatever the precision: n² exponentials and
 * logarithms instead of n³); this is the log-sum-exp to rounding (see {@code apply}). Below that ε each pass is an exact {@link SinkhornKernels}
 * log-sum-exp over the small stored cost, in the precision asked for. The kernel is symmetric, so the transposed
 * sweep is the same sweep. Problems run in parallel, each with its own
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
    private final boolean shiftedAllowed;
    private double kernelInvEps = Double.NaN;
    private MemorySegment rowKernel, colKernel; // exp(-C/eps) per axis (f64, lifted), for the shifted products
    private double[] zeros;

    /** One problem's buffers: the pass results (their previous values are the kernels' guesses). */
    private final class Scratch {
        final double[] pass1, pass2;
        final double[] row;
        final double[][] columns;
        final float[] rowF;
        final float[][] columnsF;
        final MemorySegment in, e; // the shifted products' input and exponentials, off-heap f64
        final double[] rowH, rowShift, colH, colMax;
        final double[] rowPass; // the shifted products' first pass, on the heap for the column maxima

        Scratch() {
            int most = Math.max(rows, cols);
            in = arena.allocate((long) rows * cols * 8, 64);
            e = arena.allocate((long) rows * cols * 8, 64);
            rowH = new double[most];
            colMax = new double[cols];
            rowShift = new double[rows];
            colH = new double[cols];
            rowPass = new double[rows * cols];
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

    /** The largest 1/ε (the axis's largest cost is 1) for which the shifted kernel products are exact to rounding. */
    static final double SHIFTED_MAX_INV_EPS = 320;

    Grid(int rows, int cols, Precision precision, SinkhornKernels kernels, int threads) {
        this(rows, cols, precision, kernels, threads, true);
    }

    /**
     * A grid; with {@code shiftedAllowed} false every pass is an exact log-sum-exp (the oracle of the shifted products).
     */
    Grid(int rows, int cols, Precision precision, SinkhornKernels kernels, int threads, boolean shiftedAllowed) {
        this.shiftedAllowed = shiftedAllowed;
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
        boolean shifted = shiftedAllowed && invEps <= SHIFTED_MAX_INV_EPS;
        if (shifted && invEps != kernelInvEps) {
            rowKernel = gibbs(rows, invEps);
            colKernel = gibbs(cols, invEps);
            zeros = new double[Math.max(rows, cols)];
            kernelInvEps = invEps;
        }
        if (scratch.length < count) {
            Scratch[] s = Arrays.copyOf(scratch, count);
            for (int p = scratch.length; p < count; p++) {
                s[p] = new Scratch();
            }
            scratch = s;
        }
        if (pool == null || count == 1) {
            for (int p = 0; p < count; p++) {
                apply(hs[p], outs[p], scratch[p], invEps, shifted);
            }
        } else {
            Scratch[] s = scratch;
            pool.submit(() -> IntStream.range(0, count).parallel().forEach(p -> apply(hs[p], outs[p], s[p], invEps, shifted))).join();
        }
    }

    /** exp(−C/ε + 8.3 + 1/ε) for one axis of n points on [0, 1]: the Gibbs kernel scaled up by e^(8.3 + L). */
    private MemorySegment gibbs(int n, double invEps) {
        MemorySegment k = arena.allocate((long) n * n * 8, 64);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double ti = n == 1 ? 0 : i / (double) (n - 1), tj = n == 1 ? 0 : j / (double) (n - 1);
                k.setAtIndex(ValueLayout.JAVA_DOUBLE, (long) i * n + j, Math.exp(-invEps * (ti - tj) * (ti - tj) + LIFT + invEps));
            }
        }
        return k;
    }

    /** The exponentials' lift: the kernels' exp is exactly 0 below e^−708.3. */
    private static final double LIFT = 8.3;

    /**
     * out = log(K e^x) by shifted kernel products: along the rows, y_rj = m_r + log Σ_j' K2_jj'·exp(x_rj' − m_r) with
     * m_r the row's largest entry, then along the columns, out_ic = m_c + log Σ_i' K1_ii'·exp(y_i'c − m_c) with m_c
     * the column's largest. The exponentials are taken of x − m − (8.3 + L) (L = 1/ε, the kernel's largest exponent)
     * and the kernel is scaled up by e^(8.3 + L), so that the kernels' exp, exactly 0 below e^−708.3, drops every term
     * below e^−(700 − L) and no product is subnormal; each dropped term is at most e^−(700 − 2L) of its sum (n·e^−60
     * at the largest L allowed), below rounding. The exponentials, products and logarithms are the kernels'
     * ({@code expTileF64}, {@code productF64}, {@code logShiftF64}).
     */
    private void apply(double[] x, double[] out, Scratch s, double invEps, boolean shifted) {
        if (!shifted) {
            apply(x, out, s, invEps);
            return;
        }
        double lift = LIFT + invEps;
        // along the rows
        rowMaxima(x, rows, cols, s.rowShift);
        for (int r = 0; r < rows; r++) {
            double m = s.rowShift[r];
            s.rowH[r] = m == Double.NEGATIVE_INFINITY ? 0 : -m - lift;
        }
        MemorySegment.copy(x, 0, s.in, ValueLayout.JAVA_DOUBLE, 0, rows * cols);
        kernels.expTileF64(s.in, rows, cols, s.rowH, 0, zeros, -1.0, s.e);
        kernels.productF64(s.e, rows, cols, colKernel, cols, s.in);
        kernels.logShiftF64(s.in, rows, cols, s.rowShift, zeros);
        // along the columns
        double[] colMax = s.colMax;
        MemorySegment.copy(s.in, ValueLayout.JAVA_DOUBLE, 0, s.rowPass, 0, rows * cols);
        columnMaxima(s.rowPass, rows, cols, colMax);
        for (int c = 0; c < cols; c++) {
            s.colH[c] = colMax[c] == Double.NEGATIVE_INFINITY ? 0 : -colMax[c] - lift;
        }
        kernels.expTileF64(s.in, rows, cols, zeros, 0, s.colH, -1.0, s.e);
        kernels.productF64(rowKernel, rows, rows, s.e, cols, s.in);
        kernels.logShiftF64(s.in, rows, cols, zeros, colMax);
        MemorySegment.copy(s.in, ValueLayout.JAVA_DOUBLE, 0, out, 0, rows * cols);
    }

    /** The largest entry of each row of a row-major rows × cols array. */
    private static void rowMaxima(double[] x, int rows, int cols, double[] rowMax) {
        for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = r * cols, end = j + cols; j < end; j++) {
                m = Math.max(m, x[j]);
            }
            rowMax[r] = m;
        }
    }

    /** The largest entry of each column of a row-major rows × cols array (a method of its own: compiled early). */
    private static void columnMaxima(double[] x, int rows, int cols, double[] colMax) {
        Arrays.fill(colMax, Double.NEGATIVE_INFINITY);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                colMax[c] = Math.max(colMax[c], x[base + c]);
            }
        }
    }

    /** out = log(K e^x) on the grid by exact log-sum-exps, x and out row-major rows × cols. */
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
