package dev.jot.divergence;

import dev.jot.geometry.CostFunction;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Two point clouds (rows x: n × d, columns y: m × d) seen tile by tile in f64, for the sweeps that
 * follow a solve: plan tiles, and the position gradients Σ_j W_ij·φ_ij·(x_i − y_j) they give, where
 * ∇_x c(x, y) = φ(x, y)·(x − y) (φ = 2 for |x − y|², 1/|x − y| for |x − y|, p·|x − y|^(p−2) for
 * |x − y|^p; 0 where x = y for p ≤ 2, a subgradient). Memory is O(tile + (n + m)·d): no n × m matrix
 * is ever stored. Not thread-safe.
 */
final class Pair implements AutoCloseable {
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    /** A tile holds about this many bytes (three tiles stay in a 1 MiB L2). */
    private static final int TILE_BYTES = 1 << 18;

    final int n;
    final int m;
    final int d;
    final double[] x;
    final double[] y;
    /** y transposed (d × m) and x transposed (d × n), for row dot products with a coordinate. */
    final double[] yT;
    final double[] xT;
    final CostFunction cost;
    final SinkhornKernels kernels;
    final int tileRows;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment sTile;
    private final MemorySegment cTile;
    private final MemorySegment eTile;
    private final MemorySegment wTile;

    Pair(double[] x, int n, double[] y, int m, int d, CostFunction cost, SinkhornKernels kernels) {
        this.x = x;
        this.y = y;
        this.n = n;
        this.m = m;
        this.d = d;
        this.cost = cost;
        this.kernels = kernels;
        this.yT = transpose(y, m, d);
        this.xT = transpose(x, n, d);
        this.tileRows = Math.max(1, Math.min(n, TILE_BYTES / (8 * Math.max(1, m))));
        long bytes = (long) tileRows * m * 8;
        sTile = arena.allocate(bytes, 64);
        cTile = arena.allocate(bytes, 64);
        eTile = arena.allocate(bytes, 64);
        wTile = arena.allocate(bytes, 64);
    }

    static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                t[k * rows + i] = a[i * cols + k];
            }
        }
        return t;
    }

    /** Squared distances of rows [r0, r0 + rows) to every column. */
    MemorySegment squared(int r0, int rows) {
        kernels.squaredDistancesF64(x, r0, rows, d, yT, m, false, sTile);
        return sTile.asSlice(0, (long) rows * m * 8);
    }

    /** The costs of rows [r0, r0 + rows) (after {@link #squared} for the same rows). */
    MemorySegment costs(MemorySegment squared, int rows) {
        if (cost == CostFunction.SQUARED_EUCLIDEAN) {
            return squared;
        }
        long count = (long) rows * m;
        for (long k = 0; k < count; k++) {
            cTile.setAtIndex(F64, k, cost.fromSquaredDistance(squared.getAtIndex(F64, k)));
        }
        return cTile.asSlice(0, count * 8);
    }

    /** The scratch tile for exponentials. */
    MemorySegment e(int rows) {
        return eTile.asSlice(0, (long) rows * m * 8);
    }

    /** The scratch tile for gradient weights. */
    MemorySegment w(int rows) {
        return wTile.asSlice(0, (long) rows * m * 8);
    }

    /**
     * The weights of a position gradient: W = E·φ for the cost (into the w tile), or E itself when φ is
     * the constant 2 of |x − y|² (then callers multiply by {@link #constantPhi()}).
     */
    MemorySegment phiWeights(MemorySegment e, MemorySegment squared, int rows) {
        if (cost == CostFunction.SQUARED_EUCLIDEAN) {
            return e;
        }
        double p = ((CostFunction.Power) cost).p();
        long count = (long) rows * m;
        MemorySegment w = w(rows);
        for (long k = 0; k < count; k++) {
            double s = squared.getAtIndex(F64, k);
            double phi = s > 0 ? (p == 1.0 ? 1.0 / Math.sqrt(s) : p * Math.pow(s, 0.5 * p - 1.0)) : 0.0;
            w.setAtIndex(F64, k, e.getAtIndex(F64, k) * phi);
        }
        return w;
    }

    /** 2 for |x − y|² (whose weights {@link #phiWeights} leaves unscaled), else 1. */
    double constantPhi() {
        return cost == CostFunction.SQUARED_EUCLIDEAN ? 2.0 : 1.0;
    }

    /** Column coefficients c and c·y_k (k < d), laid out as the row dot products read them. */
    double[] columnVectors(double[] c) {
        double[] v = new double[(d + 1) * m];
        for (int j = 0; j < m; j++) {
            double cj = c == null ? 1.0 : c[j];
            v[j] = cj;
            for (int k = 0; k < d; k++) {
                v[(k + 1) * m + j] = cj * yT[k * m + j];
            }
        }
        return v;
    }

    /**
     * gx_i += scale·rc_i·(x_i·Σ_j W_ij·c_j − Σ_j W_ij·c_j·y_j) for the tile's rows, with {@code cv} from
     * {@link #columnVectors} and rc the row coefficients (null for ones).
     */
    void addRowGradient(MemorySegment w, int r0, int rows, double[] cv, double[] rc, double scale, double[] gx) {
        double[] sums = new double[rows * (d + 1)];
        for (int k = 0; k <= d; k++) {
            kernels.rowDotF64(w, rows, m, cv, k * m, sums, k * rows);
        }
        for (int r = 0; r < rows; r++) {
            int i = r0 + r;
            double f = scale * (rc == null ? 1.0 : rc[i]);
            double s = sums[r];
            for (int k = 0; k < d; k++) {
                gx[i * d + k] += f * (x[i * d + k] * s - sums[(k + 1) * rows + r]);
            }
        }
    }

    /**
     * Accumulates the column sums of a tile for a column gradient: parts[0][j] += Σ_r u_{r0+r}·W_rj and
     * parts[k + 1][j] += Σ_r u_{r0+r}·x_{r0+r,k}·W_rj (u null for ones). {@link #finishColumnGradient}
     * turns them into gy.
     */
    void addColumnParts(MemorySegment w, int r0, int rows, double[] u, double[][] parts) {
        double[] rv = new double[(d + 1) * rows];
        for (int r = 0; r < rows; r++) {
            int i = r0 + r;
            double ui = u == null ? 1.0 : u[i];
            rv[r] = ui;
            for (int k = 0; k < d; k++) {
                rv[(k + 1) * rows + r] = ui * x[i * d + k];
            }
        }
        for (int k = 0; k <= d; k++) {
            kernels.columnAxpyF64(w, rows, m, rv, k * rows, 1, parts[k]);
        }
    }

    /** gy_j += scale·c_j·(y_j·parts_0j − parts_kj) (c null for ones); clears the parts. */
    void finishColumnGradient(double[][] parts, double[] c, double scale, double[] gy) {
        for (int j = 0; j < m; j++) {
            double f = scale * (c == null ? 1.0 : c[j]);
            double s = parts[0][j];
            for (int k = 0; k < d; k++) {
                gy[j * d + k] += f * (y[j * d + k] * s - parts[k + 1][j]);
            }
        }
        for (double[] p : parts) {
            java.util.Arrays.fill(p, 0.0);
        }
    }

    double[][] newParts() {
        return new double[d + 1][m];
    }

    @Override
    public void close() {
        arena.close();
    }
}
