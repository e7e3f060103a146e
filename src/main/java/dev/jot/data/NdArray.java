package dev.jot.data;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, C-ordered (row-major) array of rank 1 to 3 in f32 or f64, stored in a {@link MemorySegment}
 * (off-heap, or memory-mapped from a {@code .npy} file). It is what the readers return and the writers
 * take; {@link Points}, {@link Weights} and cost matrices are views of it.
 *
 * <p>Instances are immutable: the segment handed out by {@link #segment()} is read-only.
 */
public final class NdArray {
    private final MemorySegment segment;
    private final long[] shape;
    private final Precision precision;

    private NdArray(MemorySegment segment, long[] shape, Precision precision) {
        this.segment = segment.asReadOnly();
        this.shape = shape;
        this.precision = precision;
    }

    /**
     * Wraps a segment holding {@code product(shape)} elements of the given precision in native byte
     * order. The segment is not copied; it must not be changed afterwards.
     *
     * @param segment the elements, row-major, exactly product(shape) of them
     * @param precision the elements' precision
     * @param shape the extents, 1 to 3 of them, each non-negative
     * @return the array over {@code segment}
     * @throws IllegalArgumentException for a bad shape, or a segment whose size does not match it
     */
    public static NdArray wrap(MemorySegment segment, Precision precision, long... shape) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(precision, "precision");
        if (shape.length < 1 || shape.length > 3) {
            throw new IllegalArgumentException("shape must have 1 to 3 dimensions, got " + Arrays.toString(shape));
        }
        long count = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("shape must be non-negative, got " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, s);
        }
        long bytes = Math.multiplyExact(count, (long) precision.bytes());
        if (segment.byteSize() != bytes) {
            throw new IllegalArgumentException("segment holds " + segment.byteSize() + " bytes, shape "
                    + Arrays.toString(shape) + " in " + precision + " needs " + bytes);
        }
        return new NdArray(segment, shape.clone(), precision);
    }

    /**
     * Copies a row-major {@code double[]} into a new off-heap f64 array of the given shape.
     *
     * @param values the elements, row-major
     * @param shape the extents, 1 to 3 of them, whose product is {@code values.length}
     * @return a new f64 array
     * @throws IllegalArgumentException for a bad shape, or one that does not match the number of values
     */
    public static NdArray of(double[] values, long... shape) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * 8, 8);
        MemorySegment.copy(values, 0, seg, ValueLayout.JAVA_DOUBLE, 0, values.length);
        return wrap(seg, Precision.F64, shape);
    }

    /**
     * Copies a row-major {@code float[]} into a new off-heap f32 array of the given shape.
     *
     * @param values the elements, row-major
     * @param shape the extents, 1 to 3 of them, whose product is {@code values.length}
     * @return a new f32 array
     * @throws IllegalArgumentException for a bad shape, or one that does not match the number of values
     */
    public static NdArray of(float[] values, long... shape) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * 4, 8);
        MemorySegment.copy(values, 0, seg, ValueLayout.JAVA_FLOAT, 0, values.length);
        return wrap(seg, Precision.F32, shape);
    }

    /** {@return the number of dimensions (1 to 3)} */
    public int rank() {
        return shape.length;
    }

    /**
     * Extent of dimension {@code k}.
     *
     * @param k the dimension, 0 ≤ k &lt; rank
     * @return the extent of dimension {@code k}
     */
    public long shape(int k) {
        return shape[k];
    }

    /** {@return a copy of the shape} */
    public long[] shape() {
        return shape.clone();
    }

    /** {@return the total number of elements} */
    public long size() {
        long c = 1;
        for (long s : shape) {
            c *= s;
        }
        return c;
    }

    /** {@return the element precision} */
    public Precision precision() {
        return precision;
    }

    /** {@return the read-only backing segment (row-major, native byte order)} */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * The {@code k}-th sub-array along the first axis (of rank one less), without copying: row k of a
     * 2-D array, or problem k of a 3-D batch.
     *
     * @param k the index along the first axis, 0 ≤ k &lt; shape(0)
     * @return the sub-array, a view of the same memory
     * @throws IllegalArgumentException for a 1-D array
     * @throws IndexOutOfBoundsException if {@code k} is out of range
     */
    public NdArray slice(long k) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("cannot slice a 1-D array");
        }
        if (k < 0 || k >= shape[0]) {
            throw new IndexOutOfBoundsException("index " + k + " out of [0, " + shape[0] + ")");
        }
        long[] sub = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        long count = 1;
        for (long s : sub) {
            count *= s;
        }
        long bytes = count * precision.bytes();
        return new NdArray(segment.asSlice(k * bytes, bytes), sub, precision);
    }

    /**
     * Element at flat (row-major) index {@code k}, widened to double.
     *
     * @param k the flat index, 0 ≤ k &lt; size
     * @return the element
     */
    public double getFlat(long k) {
        return precision == Precision.F64
                ? segment.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k)
                : segment.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k);
    }

    /** {@return all elements, row-major, as a new {@code double[]}} */
    public double[] toDoubleArray() {
        long size = size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("array of " + size + " elements does not fit a Java array");
        }
        double[] out = new double[(int) size];
        if (precision == Precision.F64) {
            MemorySegment.copy(segment, ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, out, 0, out.length);
        } else {
            for (int k = 0; k < out.length; k++) {
                out[k] = segment.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k);
            }
        }
        return out;
    }

    /**
     * The same values in another precision (this array itself if the precision matches).
     *
     * @param target the precision wanted
     * @return an array in that precision (f64 to f32 rounds to nearest)
     */
    public NdArray to(Precision target) {
        if (target == precision) {
            return this;
        }
        long size = size();
        MemorySegment out = Arena.ofAuto().allocate(size * target.bytes(), 8);
        for (long k = 0; k < size; k++) {
            if (target == Precision.F64) {
                out.setAtIndex(ValueLayout.JAVA_DOUBLE, k, segment.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k));
            } else {
                out.setAtIndex(ValueLayout.JAVA_FLOAT, k, (float) segment.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k));
            }
        }
        return new NdArray(out, shape.clone(), target);
    }

    /**
     * Index of the first element that is NaN or infinite, or -1 if all are finite.
     *
     * @return the flat index of the first non-finite element, or -1
     */
    public long firstNonFinite() {
        long size = size();
        for (long k = 0; k < size; k++) {
            if (!Double.isFinite(getFlat(k))) {
                return k;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "NdArray" + Arrays.toString(shape) + " " + precision;
    }
}
