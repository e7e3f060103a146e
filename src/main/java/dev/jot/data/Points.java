package dev.jot.data;

import java.util.Objects;

/**
 * A cloud of {@code n} points in {@code d} dimensions, stored row-major off-heap in f32 or f64.
 * Immutable.
 */
public final class Points {
    private final NdArray array;

    private Points(NdArray array) {
        this.array = array;
    }

    /** Views a 2-D array (n × d) as points. */
    public static Points of(NdArray array) {
        Objects.requireNonNull(array, "array");
        if (array.rank() != 2) {
            throw new IllegalArgumentException("points must be a 2-D array (n x d), got shape "
                    + java.util.Arrays.toString(array.shape()));
        }
        if (array.shape(0) > Integer.MAX_VALUE || array.shape(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("points shape too large: " + java.util.Arrays.toString(array.shape()));
        }
        return new Points(array);
    }

    /** Copies rows of equal length into f64 points. */
    public static Points of(double[][] rows) {
        Objects.requireNonNull(rows, "rows");
        int n = rows.length;
        int d = n == 0 ? 0 : rows[0].length;
        double[] flat = new double[n * d];
        for (int i = 0; i < n; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " coordinates, row 0 has " + d);
            }
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return of(NdArray.of(flat, n, d));
    }

    /** Copies a row-major array of n × d coordinates into f64 points. */
    public static Points of(int n, int d, double[] rowMajor) {
        if ((long) n * d != rowMajor.length) {
            throw new IllegalArgumentException("n x d = " + n + " x " + d + " does not match " + rowMajor.length + " values");
        }
        return of(NdArray.of(rowMajor, n, d));
    }

    /** Copies a row-major array of n × d coordinates into f32 points. */
    public static Points of(int n, int d, float[] rowMajor) {
        if ((long) n * d != rowMajor.length) {
            throw new IllegalArgumentException("n x d = " + n + " x " + d + " does not match " + rowMajor.length + " values");
        }
        return of(NdArray.of(rowMajor, n, d));
    }

    /** Number of points. */
    public int n() {
        return (int) array.shape(0);
    }

    /** Dimension of each point. */
    public int d() {
        return (int) array.shape(1);
    }

    /** Coordinate {@code k} of point {@code i}. */
    public double get(int i, int k) {
        return array.getFlat((long) i * d() + k);
    }

    /** Storage precision. */
    public Precision precision() {
        return array.precision();
    }

    /** The backing array. */
    public NdArray array() {
        return array;
    }

    /** The same points in another precision. */
    public Points to(Precision p) {
        return p == precision() ? this : new Points(array.to(p));
    }

    @Override
    public String toString() {
        return "Points[n=" + n() + ", d=" + d() + ", " + precision() + "]";
    }
}
