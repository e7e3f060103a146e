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

    /**
     * Views a 2-D array (n × d) as points.
     *
     * @param array the coordinates, n × d
     * @return the points, a view of {@code array} (not copied)
     * @throws IllegalArgumentException if the array is not 2-D, or an extent exceeds {@code Integer.MAX_VALUE}
     */
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

    /**
     * Copies rows of equal length into f64 points.
     *
     * @param rows the points, one row of d coordinates each
     * @return new f64 points, n × d
     * @throws IllegalArgumentException if the rows' lengths differ
     */
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

    /**
     * Copies a row-major array of n × d coordinates into f64 points.
     *
     * @param n the number of points
     * @param d the dimension
     * @param rowMajor the coordinates, n·d of them, point by point
     * @return new f64 points
     * @throws IllegalArgumentException if {@code rowMajor} does not hold n·d values
     */
    public static Points of(int n, int d, double[] rowMajor) {
        if ((long) n * d != rowMajor.length) {
            throw new IllegalArgumentException("n x d = " + n + " x " + d + " does not match " + rowMajor.length + " values");
        }
        return of(NdArray.of(rowMajor, n, d));
    }

    /**
     * Copies a row-major array of n × d coordinates into f32 points.
     *
     * @param n the number of points
     * @param d the dimension
     * @param rowMajor the coordinates, n·d of them, point by point
     * @return new f32 points
     * @throws IllegalArgumentException if {@code rowMajor} does not hold n·d values
     */
    public static Points of(int n, int d, float[] rowMajor) {
        if ((long) n * d != rowMajor.length) {
            throw new IllegalArgumentException("n x d = " + n + " x " + d + " does not match " + rowMajor.length + " values");
        }
        return of(NdArray.of(rowMajor, n, d));
    }

    /** {@return the number of points} */
    public int n() {
        return (int) array.shape(0);
    }

    /** {@return the dimension of each point} */
    public int d() {
        return (int) array.shape(1);
    }

    /**
     * Coordinate {@code k} of point {@code i}.
     *
     * @param i the point, 0 ≤ i &lt; n
     * @param k the coordinate, 0 ≤ k &lt; d
     * @return the coordinate, widened to double
     */
    public double get(int i, int k) {
        return array.getFlat((long) i * d() + k);
    }

    /** {@return the storage precision} */
    public Precision precision() {
        return array.precision();
    }

    /** {@return the backing array (n × d)} */
    public NdArray array() {
        return array;
    }

    /**
     * The same points in another precision.
     *
     * @param p the precision wanted
     * @return these points if they are in {@code p} already, otherwise a converted copy
     */
    public Points to(Precision p) {
        return p == precision() ? this : new Points(array.to(p));
    }

    @Override
    public String toString() {
        return "Points[n=" + n() + ", d=" + d() + ", " + precision() + "]";
    }
}
