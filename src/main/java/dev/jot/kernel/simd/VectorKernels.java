package dev.jot.kernel.simd;

import dev.jot.kernel.ScalarKernels;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sweeps written with the Vector API. Loaded reflectively by {@code dev.jot.kernel.Kernels} only when
 * the {@code jdk.incubator.vector} module is present; this is the only package that imports it.
 *
 * <p>Every loop has the same shape: vectorise only above two vector lengths; a body unrolled four times
 * with independent accumulators; a single-vector loop; one reduction; a scalar tail in double.
 *
 * <p>The online log-sum-exp keeps, per lane, a shift and a sum rescaled to it. The shift is raised only
 * when a new term exceeds it by more than a slack (50 in f32, 500 in f64): terms then stay below e^slack,
 * so the sum cannot overflow, and the shift is never above the true maximum, so no term that matters
 * underflows. Rescaling is therefore rare, and the sweep costs one exponential per cost entry.
 */
public final class VectorKernels implements SinkhornKernels {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    static final int FL = FS.length();
    static final int DL = DS.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final float SLACK_F = 50f;
    private static final double SLACK_D = 500.0;
    /** A finite "minus infinity" for the initial shift, so that −∞ terms give exp(−∞) = 0, never NaN. */
    private static final float LOW_F = -1e30f;
    private static final double LOW_D = -1e300;

    /** Creates the kernels; fails if the vectors are narrower than 128 bits. */
    public VectorKernels() {
        if (FS.vectorBitSize() < 128) {
            throw new UnsupportedOperationException("preferred vector size is " + FS.vectorBitSize() + " bits (need 128)");
        }
    }

    /** A description of the vector shape, for the start-up log line. */
    public static String describe() {
        return FS.vectorBitSize() + "-bit vectors (f32 x " + FL + ", f64 x " + DL + ")";
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void logSumExpF32(MemorySegment tile, int rows, int cols, float[] h, float invEps, double[] out, int outOffset) {
        if (cols < 2 * FL) {
            ScalarKernels.INSTANCE.logSumExpF32(tile, rows, cols, h, invEps, out, outOffset);
            return;
        }
        final FloatVector negInv = FloatVector.broadcast(FS, -invEps);
        final int bound4 = cols - cols % (4 * FL);
        final int bound1 = FS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Float.BYTES;
            FloatVector shift = FloatVector.broadcast(FS, LOW_F);
            FloatVector limit = shift.add(SLACK_F);
            FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
            int j = 0;
            for (; j < bound4; j += 4 * FL) {
                long o = base + (long) j * Float.BYTES;
                FloatVector z0 = FloatVector.fromMemorySegment(FS, tile, o, ORDER).fma(negInv, FloatVector.fromArray(FS, h, j));
                FloatVector z1 = FloatVector.fromMemorySegment(FS, tile, o + 4L * FL, ORDER).fma(negInv, FloatVector.fromArray(FS, h, j + FL));
                FloatVector z2 = FloatVector.fromMemorySegment(FS, tile, o + 8L * FL, ORDER).fma(negInv, FloatVector.fromArray(FS, h, j + 2 * FL));
                FloatVector z3 = FloatVector.fromMemorySegment(FS, tile, o + 12L * FL, ORDER).fma(negInv, FloatVector.fromArray(FS, h, j + 3 * FL));
                FloatVector top = z0.max(z1).max(z2.max(z3));
                if (top.compare(VectorOperators.GT, limit).anyTrue()) {
                    FloatVector next = shift.max(top);
                    FloatVector scale = shift.sub(next).lanewise(VectorOperators.EXP);
                    s0 = s0.mul(scale);
                    s1 = s1.mul(scale);
                    s2 = s2.mul(scale);
                    s3 = s3.mul(scale);
                    shift = next;
                    limit = shift.add(SLACK_F);
                }
                s0 = s0.add(z0.sub(shift).lanewise(VectorOperators.EXP));
                s1 = s1.add(z1.sub(shift).lanewise(VectorOperators.EXP));
                s2 = s2.add(z2.sub(shift).lanewise(VectorOperators.EXP));
                s3 = s3.add(z3.sub(shift).lanewise(VectorOperators.EXP));
            }
            for (; j < bound1; j += FL) {
                FloatVector z = FloatVector.fromMemorySegment(FS, tile, base + (long) j * Float.BYTES, ORDER)
                        .fma(negInv, FloatVector.fromArray(FS, h, j));
                if (z.compare(VectorOperators.GT, limit).anyTrue()) {
                    FloatVector next = shift.max(z);
                    FloatVector scale = shift.sub(next).lanewise(VectorOperators.EXP);
                    s0 = s0.mul(scale);
                    s1 = s1.mul(scale);
                    s2 = s2.mul(scale);
                    s3 = s3.mul(scale);
                    shift = next;
                    limit = shift.add(SLACK_F);
                }
                s0 = s0.add(z.sub(shift).lanewise(VectorOperators.EXP));
            }
            // merge the lanes: one common shift, then one reduction
            FloatVector sum = s0.add(s1).add(s2.add(s3));
            double max = shift.reduceLanes(VectorOperators.MAX);
            double total = sum.mul(shift.sub((float) max).lanewise(VectorOperators.EXP)).reduceLanes(VectorOperators.ADD);
            for (; j < cols; j++) {
                double z = h[j] - (double) invEps * tile.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, base + (long) j * Float.BYTES);
                if (z > max) {
                    total = total * Math.exp(max - z) + 1.0;
                    max = z;
                } else if (z != Double.NEGATIVE_INFINITY) {
                    total += Math.exp(z - max);
                }
            }
            out[outOffset + r] = total > 0 ? max + Math.log(total) : Double.NEGATIVE_INFINITY;
        }
    }

    @Override
    public void logSumExpF64(MemorySegment tile, int rows, int cols, double[] h, double invEps, double[] out, int outOffset) {
        if (cols < 2 * DL) {
            ScalarKernels.INSTANCE.logSumExpF64(tile, rows, cols, h, invEps, out, outOffset);
            return;
        }
        final DoubleVector negInv = DoubleVector.broadcast(DS, -invEps);
        final int bound4 = cols - cols % (4 * DL);
        final int bound1 = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Double.BYTES;
            DoubleVector shift = DoubleVector.broadcast(DS, LOW_D);
            DoubleVector limit = shift.add(SLACK_D);
            DoubleVector s0 = DoubleVector.zero(DS), s1 = s0, s2 = s0, s3 = s0;
            int j = 0;
            for (; j < bound4; j += 4 * DL) {
                long o = base + (long) j * Double.BYTES;
                DoubleVector z0 = DoubleVector.fromMemorySegment(DS, tile, o, ORDER).fma(negInv, DoubleVector.fromArray(DS, h, j));
                DoubleVector z1 = DoubleVector.fromMemorySegment(DS, tile, o + 8L * DL, ORDER).fma(negInv, DoubleVector.fromArray(DS, h, j + DL));
                DoubleVector z2 = DoubleVector.fromMemorySegment(DS, tile, o + 16L * DL, ORDER).fma(negInv, DoubleVector.fromArray(DS, h, j + 2 * DL));
                DoubleVector z3 = DoubleVector.fromMemorySegment(DS, tile, o + 24L * DL, ORDER).fma(negInv, DoubleVector.fromArray(DS, h, j + 3 * DL));
                DoubleVector top = z0.max(z1).max(z2.max(z3));
                if (top.compare(VectorOperators.GT, limit).anyTrue()) {
                    DoubleVector next = shift.max(top);
                    DoubleVector scale = shift.sub(next).lanewise(VectorOperators.EXP);
                    s0 = s0.mul(scale);
                    s1 = s1.mul(scale);
                    s2 = s2.mul(scale);
                    s3 = s3.mul(scale);
                    shift = next;
                    limit = shift.add(SLACK_D);
                }
                s0 = s0.add(z0.sub(shift).lanewise(VectorOperators.EXP));
                s1 = s1.add(z1.sub(shift).lanewise(VectorOperators.EXP));
                s2 = s2.add(z2.sub(shift).lanewise(VectorOperators.EXP));
                s3 = s3.add(z3.sub(shift).lanewise(VectorOperators.EXP));
            }
            for (; j < bound1; j += DL) {
                DoubleVector z = DoubleVector.fromMemorySegment(DS, tile, base + (long) j * Double.BYTES, ORDER)
                        .fma(negInv, DoubleVector.fromArray(DS, h, j));
                if (z.compare(VectorOperators.GT, limit).anyTrue()) {
                    DoubleVector next = shift.max(z);
                    DoubleVector scale = shift.sub(next).lanewise(VectorOperators.EXP);
                    s0 = s0.mul(scale);
                    s1 = s1.mul(scale);
                    s2 = s2.mul(scale);
                    s3 = s3.mul(scale);
                    shift = next;
                    limit = shift.add(SLACK_D);
                }
                s0 = s0.add(z.sub(shift).lanewise(VectorOperators.EXP));
            }
            DoubleVector sum = s0.add(s1).add(s2.add(s3));
            double max = shift.reduceLanes(VectorOperators.MAX);
            double total = sum.mul(shift.sub(max).lanewise(VectorOperators.EXP)).reduceLanes(VectorOperators.ADD);
            for (; j < cols; j++) {
                double z = h[j] - invEps * tile.get(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, base + (long) j * Double.BYTES);
                if (z > max) {
                    total = total * Math.exp(max - z) + 1.0;
                    max = z;
                } else if (z != Double.NEGATIVE_INFINITY) {
                    total += Math.exp(z - max);
                }
            }
            out[outOffset + r] = total > 0 ? max + Math.log(total) : Double.NEGATIVE_INFINITY;
        }
    }

    @Override
    public void planSumsF32(MemorySegment tile, int rows, int cols, float[] h, float invEps,
                            double[] shift, double[] mass, double[] cost, int offset) {
        if (cols < 2 * FL) {
            ScalarKernels.INSTANCE.planSumsF32(tile, rows, cols, h, invEps, shift, mass, cost, offset);
            return;
        }
        final FloatVector negInv = FloatVector.broadcast(FS, -invEps);
        final int bound2 = cols - cols % (2 * FL);
        final int bound1 = FS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Float.BYTES;
            final double s = shift[offset + r];
            final FloatVector sv = FloatVector.broadcast(FS, (float) s);
            FloatVector m0 = FloatVector.zero(FS), m1 = m0, c0 = m0, c1 = m0;
            int j = 0;
            for (; j < bound2; j += 2 * FL) {
                long o = base + (long) j * Float.BYTES;
                FloatVector x0 = FloatVector.fromMemorySegment(FS, tile, o, ORDER);
                FloatVector x1 = FloatVector.fromMemorySegment(FS, tile, o + 4L * FL, ORDER);
                FloatVector p0 = x0.fma(negInv, FloatVector.fromArray(FS, h, j).add(sv)).lanewise(VectorOperators.EXP);
                FloatVector p1 = x1.fma(negInv, FloatVector.fromArray(FS, h, j + FL).add(sv)).lanewise(VectorOperators.EXP);
                m0 = m0.add(p0);
                m1 = m1.add(p1);
                c0 = p0.fma(x0, c0);
                c1 = p1.fma(x1, c1);
            }
            for (; j < bound1; j += FL) {
                FloatVector x0 = FloatVector.fromMemorySegment(FS, tile, base + (long) j * Float.BYTES, ORDER);
                FloatVector p0 = x0.fma(negInv, FloatVector.fromArray(FS, h, j).add(sv)).lanewise(VectorOperators.EXP);
                m0 = m0.add(p0);
                c0 = p0.fma(x0, c0);
            }
            double ms = m0.add(m1).reduceLanes(VectorOperators.ADD);
            double cs = c0.add(c1).reduceLanes(VectorOperators.ADD);
            for (; j < cols; j++) {
                double c = tile.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, base + (long) j * Float.BYTES);
                double p = Math.exp(s + h[j] - (double) invEps * c);
                ms += p;
                cs += p * c;
            }
            mass[offset + r] = ms;
            cost[offset + r] = cs;
        }
    }

    @Override
    public void planSumsF64(MemorySegment tile, int rows, int cols, double[] h, double invEps,
                            double[] shift, double[] mass, double[] cost, int offset) {
        if (cols < 2 * DL) {
            ScalarKernels.INSTANCE.planSumsF64(tile, rows, cols, h, invEps, shift, mass, cost, offset);
            return;
        }
        final DoubleVector negInv = DoubleVector.broadcast(DS, -invEps);
        final int bound2 = cols - cols % (2 * DL);
        final int bound1 = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Double.BYTES;
            final double s = shift[offset + r];
            final DoubleVector sv = DoubleVector.broadcast(DS, s);
            DoubleVector m0 = DoubleVector.zero(DS), m1 = m0, c0 = m0, c1 = m0;
            int j = 0;
            for (; j < bound2; j += 2 * DL) {
                long o = base + (long) j * Double.BYTES;
                DoubleVector x0 = DoubleVector.fromMemorySegment(DS, tile, o, ORDER);
                DoubleVector x1 = DoubleVector.fromMemorySegment(DS, tile, o + 8L * DL, ORDER);
                DoubleVector p0 = x0.fma(negInv, DoubleVector.fromArray(DS, h, j).add(sv)).lanewise(VectorOperators.EXP);
                DoubleVector p1 = x1.fma(negInv, DoubleVector.fromArray(DS, h, j + DL).add(sv)).lanewise(VectorOperators.EXP);
                m0 = m0.add(p0);
                m1 = m1.add(p1);
                c0 = p0.fma(x0, c0);
                c1 = p1.fma(x1, c1);
            }
            for (; j < bound1; j += DL) {
                DoubleVector x0 = DoubleVector.fromMemorySegment(DS, tile, base + (long) j * Double.BYTES, ORDER);
                DoubleVector p0 = x0.fma(negInv, DoubleVector.fromArray(DS, h, j).add(sv)).lanewise(VectorOperators.EXP);
                m0 = m0.add(p0);
                c0 = p0.fma(x0, c0);
            }
            double ms = m0.add(m1).reduceLanes(VectorOperators.ADD);
            double cs = c0.add(c1).reduceLanes(VectorOperators.ADD);
            for (; j < cols; j++) {
                double c = tile.get(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, base + (long) j * Double.BYTES);
                double p = Math.exp(s + h[j] - invEps * c);
                ms += p;
                cs += p * c;
            }
            mass[offset + r] = ms;
            cost[offset + r] = cs;
        }
    }
}
