package dev.jot.geometry;

import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A materialised cost matrix, stored off-heap in both orientations (C and Cᵀ) so that sweeps over
 * rows and over columns both read memory contiguously. Cᵀ is made on the first request for a transposed
 * tile (the log-domain column sweeps ask for it; the stored-kernel sweeps never do). Memory: n·m elements,
 * 2·n·m once Cᵀ is made. Thread-safe.
 */
public final class DenseGeometry implements Geometry {
    private final int n;
    private final int m;
    private final Precision precision;
    private final MemorySegment c;
    /** Cᵀ, made from C on first use ({@link #transposed()}). */
    private volatile MemorySegment ct;
    private final double maxCost;
    private final double minCost;

    private DenseGeometry(int n, int m, Precision precision, MemorySegment c, double min, double max) {
        this.n = n;
        this.m = m;
        this.precision = precision;
        this.c = c.asReadOnly();
        this.minCost = min;
        this.maxCost = max;
    }

    /**
     * The cost matrix {@code c(x_i, y_j)} between two point clouds of the same dimension, computed in
     * double precision and stored in {@code precision}.
     *
     * @param x the source points, n × d
     * @param y the target points, m × d
     * @param cost the ground cost
     * @param precision the storage precision
     * @return the n × m geometry
     * @throws IllegalArgumentException if the dimensions differ, or a cost is not finite or overflows f32 in f32
     */
    public static DenseGeometry of(Points x, Points y, CostFunction cost, Precision precision) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(precision, "precision");
        CostFunction.checkSameDimension(x, y);
        int n = x.n(), m = y.n(), d = x.d();
        double[] xs = x.array().toDoubleArray();
        double[] ys = y.array().toDoubleArray();
        Builder b = new Builder(n, m, precision);
        double[] row = new double[m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                row[j] = cost.cost(xs, i, ys, j, d);
            }
            b.setRow(i, row);
        }
        return b.build();
    }

    /**
     * A given n × m cost matrix (a 2-D array), stored in {@code precision}.
     *
     * @param matrix the costs, n × m, in either precision
     * @param precision the storage precision
     * @return the n × m geometry (the values copied)
     * @throws IllegalArgumentException if the matrix is not 2-D, or a cost is not finite or overflows f32 in f32
     */
    public static DenseGeometry of(NdArray matrix, Precision precision) {
        Objects.requireNonNull(matrix, "matrix");
        Objects.requireNonNull(precision, "precision");
        if (matrix.rank() != 2) {
            throw new IllegalArgumentException("cost matrix must be 2-D (n x m), got shape "
                    + java.util.Arrays.toString(matrix.shape()));
        }
        if (matrix.shape(0) > Integer.MAX_VALUE || matrix.shape(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cost matrix too large: " + java.util.Arrays.toString(matrix.shape()));
        }
        int n = (int) matrix.shape(0), m = (int) matrix.shape(1);
        Builder b = new Builder(n, m, precision);
        double[] row = new double[m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                row[j] = matrix.getFlat((long) i * m + j);
            }
            b.setRow(i, row);
        }
        return b.build();
    }

    /**
     * A given cost matrix as rows of equal length.
     *
     * @param matrix the costs, n rows of m entries
     * @param precision the storage precision
     * @return the n × m geometry (the values copied)
     * @throws IllegalArgumentException if the rows' lengths differ, or a cost is not finite or overflows f32 in f32
     */
    public static DenseGeometry of(double[][] matrix, Precision precision) {
        int n = matrix.length, m = n == 0 ? 0 : matrix[0].length;
        double[] flat = new double[n * m];
        for (int i = 0; i < n; i++) {
            if (matrix[i].length != m) {
                throw new IllegalArgumentException("cost matrix row " + i + " has " + matrix[i].length + " entries, row 0 has " + m);
            }
            System.arraycopy(matrix[i], 0, flat, i * m, m);
        }
        return of(NdArray.of(flat, n, m), precision);
    }

    private static final class Builder {
        final int n, m;
        final Precision p;
        final MemorySegment c;
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        float[] rowF;

        Builder(int n, int m, Precision p) {
            this.n = n;
            this.m = m;
            this.p = p;
            long bytes = Math.multiplyExact((long) n * m, (long) p.bytes());
            c = Arena.ofAuto().allocate(Math.max(bytes, 1), 64);
        }

        /** Stores row i of C (checked: finite, and within f32 range in f32). */
        void setRow(int i, double[] row) {
            for (int j = 0; j < m; j++) {
                double v = row[j];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("cost matrix entry [" + i + "][" + j + "] is " + v + " (costs must be finite)");
                }
                if (p == Precision.F32 && Math.abs(v) > Float.MAX_VALUE) {
                    throw new IllegalArgumentException("cost matrix entry [" + i + "][" + j + "] = " + v
                            + " overflows f32; use precision f64");
                }
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            long offset = (long) i * m;
            if (p == Precision.F64) {
                MemorySegment.copy(row, 0, c, ValueLayout.JAVA_DOUBLE, offset * 8, m);
            } else {
                if (rowF == null) {
                    rowF = new float[m];
                }
                for (int j = 0; j < m; j++) {
                    rowF[j] = (float) row[j];
                }
                MemorySegment.copy(rowF, 0, c, ValueLayout.JAVA_FLOAT, offset * 4, m);
            }
        }

        DenseGeometry build() {
            return new DenseGeometry(n, m, p, c, min, max);
        }
    }

    @Override
    public int n() {
        return n;
    }

    @Override
    public int m() {
        return m;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public MemorySegment tile(boolean transposed, int r0, int rows, MemorySegment scratch) {
        int cols = transposed ? n : m;
        long bytes = (long) precision.bytes() * cols;
        return (transposed ? transposed() : c).asSlice(r0 * bytes, rows * bytes);
    }

    /** Cᵀ, made on the first call. */
    private MemorySegment transposed() {
        MemorySegment t = ct;
        if (t != null) {
            return t;
        }
        synchronized (this) {
            if (ct == null) {
                ct = transpose(c, n, m, precision.bytes()).asReadOnly();
            }
            return ct;
        }
    }

    /** The transpose of the n × m matrix c (elements of {@code size} bytes), in square blocks, so that both reads and writes stay in cache. */
    private static MemorySegment transpose(MemorySegment c, int n, int m, int size) {
        MemorySegment out = Arena.ofAuto().allocate(Math.max((long) n * m * size, 1), 64);
        final int bs = 64;
        for (int i0 = 0; i0 < n; i0 += bs) {
            for (int j0 = 0; j0 < m; j0 += bs) {
                int i1 = Math.min(n, i0 + bs), j1 = Math.min(m, j0 + bs);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        long from = ((long) i * m + j) * size, to = ((long) j * n + i) * size;
                        if (size == 8) {
                            out.set(ValueLayout.JAVA_DOUBLE, to, c.get(ValueLayout.JAVA_DOUBLE, from));
                        } else {
                            out.set(ValueLayout.JAVA_FLOAT, to, c.get(ValueLayout.JAVA_FLOAT, from));
                        }
                    }
                }
            }
        }
        return out;
    }

    @Override
    public boolean materialized() {
        return true;
    }

    @Override
    public double maxCost() {
        return maxCost;
    }

    @Override
    public double minCost() {
        return minCost;
    }

    @Override
    public double cost(int i, int j) {
        long a = (long) i * m + j;
        return precision == Precision.F64 ? c.getAtIndex(ValueLayout.JAVA_DOUBLE, a) : c.getAtIndex(ValueLayout.JAVA_FLOAT, a);
    }

    @Override
    public String toString() {
        return "DenseGeometry[" + n + " x " + m + ", " + precision + "]";
    }
}
