package dev.jot.geometry;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A matrix-free geometry: costs c(x_i, y_j) computed tile by tile from the coordinates, never stored.
 * Memory is O((n + m)·d) whatever n·m: the coordinates, row-major and transposed (d × n, d × m), in the
 * chosen precision. Solvers fill their tiles with the vector kernels' distance sweep
 * ({@code SinkhornKernels.squaredDistances…}) for the squared Euclidean and Euclidean costs;
 * {@link #tile} is the scalar path, used for other costs and single entries.
 */
public final class PointCloudGeometry implements Geometry {
    private final int n;
    private final int m;
    private final int d;
    private final Precision precision;
    private final CostFunction cost;
    private final double[] x;
    private final double[] y;
    private final float[] xf;
    private final float[] yf;
    private final float[] xTf;
    private final float[] yTf;
    private final double[] xT;
    private final double[] yT;
    private final double maxCost;

    private PointCloudGeometry(Points px, Points py, CostFunction cost, Precision precision) {
        this.n = px.n();
        this.m = py.n();
        this.d = px.d();
        this.cost = cost;
        this.precision = precision;
        this.x = px.array().toDoubleArray();
        this.y = py.array().toDoubleArray();
        this.xT = transpose(x, n, d);
        this.yT = transpose(y, m, d);
        boolean f32 = precision == Precision.F32;
        this.xf = f32 ? toFloat(x) : null;
        this.yf = f32 ? toFloat(y) : null;
        this.xTf = f32 ? toFloat(xT) : null;
        this.yTf = f32 ? toFloat(yT) : null;
        // an upper bound: the cost across the diagonal of the joint bounding box
        double diag2 = 0;
        for (int k = 0; k < d; k++) {
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                lo = Math.min(lo, x[i * d + k]);
                hi = Math.max(hi, x[i * d + k]);
            }
            for (int j = 0; j < m; j++) {
                lo = Math.min(lo, y[j * d + k]);
                hi = Math.max(hi, y[j * d + k]);
            }
            diag2 += (hi - lo) * (hi - lo);
        }
        this.maxCost = cost.fromSquaredDistance(diag2);
        if (!Double.isFinite(maxCost)) {
            throw new IllegalArgumentException("the points' extent overflows the cost (largest cost " + maxCost + ")");
        }
        if (f32 && maxCost > Float.MAX_VALUE) {
            throw new IllegalArgumentException("costs up to " + maxCost + " overflow f32; use precision f64");
        }
    }

    /**
     * The costs between two point clouds of the same dimension, computed on the fly in {@code precision}.
     *
     * @param x the source points, n × d
     * @param y the target points, m × d
     * @param cost the ground cost
     * @param precision the precision of the coordinates and tiles
     * @return the n × m geometry (the coordinates copied)
     * @throws IllegalArgumentException if the dimensions differ, or the points' extent overflows the cost (or f32
     *     in f32)
     */
    public static PointCloudGeometry of(Points x, Points y, CostFunction cost, Precision precision) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(precision, "precision");
        CostFunction.checkSameDimension(x, y);
        return new PointCloudGeometry(x, y, cost, precision);
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                t[k * rows + i] = a[i * cols + k];
            }
        }
        return t;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int k = 0; k < a.length; k++) {
            f[k] = (float) a[k];
        }
        return f;
    }

    @Override
    public int n() {
        return n;
    }

    @Override
    public int m() {
        return m;
    }

    /** {@return the dimension of the points} */
    public int d() {
        return d;
    }

    /** {@return the cost function} */
    public CostFunction costFunction() {
        return cost;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    /**
     * Row-major coordinates of the rows' points (x, or y when transposed), in f32.
     *
     * @param transposed whether the rows are the target points (tiles of Cᵀ)
     * @return the geometry's own array, n·d or m·d values (not a copy), or null unless the precision is f32
     */
    public float[] rowsF32(boolean transposed) {
        return transposed ? yf : xf;
    }

    /**
     * Coordinates of the columns' points, transposed (d × cols), in f32.
     *
     * @param transposed whether the columns are the source points (tiles of Cᵀ)
     * @return the geometry's own array (not a copy), or null unless the precision is f32
     */
    public float[] colsTransposedF32(boolean transposed) {
        return transposed ? xTf : yTf;
    }

    /**
     * Row-major coordinates of the rows' points, in f64.
     *
     * @param transposed whether the rows are the target points (tiles of Cᵀ)
     * @return the geometry's own array, n·d or m·d values (not a copy)
     */
    public double[] rowsF64(boolean transposed) {
        return transposed ? y : x;
    }

    /**
     * Coordinates of the columns' points, transposed (d × cols), in f64.
     *
     * @param transposed whether the columns are the source points (tiles of Cᵀ)
     * @return the geometry's own array (not a copy)
     */
    public double[] colsTransposedF64(boolean transposed) {
        return transposed ? xT : yT;
    }

    @Override
    public MemorySegment tile(boolean transposed, int r0, int rows, MemorySegment scratch) {
        int cols = transposed ? n : m;
        double[] a = transposed ? y : x, b = transposed ? x : y;
        boolean f32 = precision == Precision.F32;
        long k = 0;
        for (int r = r0; r < r0 + rows; r++) {
            for (int j = 0; j < cols; j++, k++) {
                double c = cost.cost(a, r, b, j, d);
                if (f32) {
                    scratch.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k, (float) c);
                } else {
                    scratch.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k, c);
                }
            }
        }
        return scratch.asSlice(0, k * precision.bytes());
    }

    @Override
    public boolean materialized() {
        return false;
    }

    /** An upper bound of the costs: the cost across the diagonal of the points' joint bounding box. */
    @Override
    public double maxCost() {
        return maxCost;
    }

    /** {@return 0: a lower bound of the costs, which are non-negative, rather than the smallest one} */
    @Override
    public double minCost() {
        return 0;
    }

    @Override
    public double cost(int i, int j) {
        double c = cost.cost(x, i, y, j, d);
        return precision == Precision.F32 ? (float) c : c;
    }

    @Override
    public String toString() {
        return "PointCloudGeometry[" + n + " x " + m + ", d=" + d + ", " + cost.name() + ", " + precision + ", matrix-free]";
    }
}
