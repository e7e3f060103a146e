package dev.jot.kernel.simd;

import dev.jot.kernel.ScalarKernels;
import dev.jot.kernel.SinkhornKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sweeps written with the Vector API. Loaded reflectively by {@code dev.jot.kernel.Kernels} only when
 * the {@code jdk.incubator.vector} module is present; this is the only package that imports it.
 *
 * <p>Each row is read from memory once. When the caller passes a guess of the result (the previous
 * iteration's value, in {@code out}), one pass adds exp(z_j − guess) and tracks the largest exponent; the
 * guess is kept if that maximum is within a slack of it (40 in f32, 300 in f64), so that no term
 * overflows and none that matters underflows (a row whose maximum is further away may have summed
 * meaningless terms; it is discarded and redone). Otherwise, or without a guess, a first pass takes the
 * per-lane maximum of the exponents z_j = h_j − invEps·C_j (no exponentials) and a second pass, over the
 * same row now in L1/L2, adds exp(z_j − max), every term at most 1.
 * The exponential and the lane sums are {@link VectorMath}'s, built from correctly rounded operations
 * only, so a row gives the same bits whatever the JIT has compiled: results do not depend on the number
 * of threads or on how warm the JVM is.
 *
 * <p>Each loop has one exponential call site: C2 inlines it and unrolls the loop itself (several call
 * sites of a 300-byte method exceed C2's inlining budget, and the Vector API then falls back to boxed
 * objects). Rows shorter than two vectors go to the scalar kernels; a scalar tail (in double) finishes
 * each row.
 */
public final class VectorKernels implements SinkhornKernels {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    static final int FL = FS.length();
    static final int DL = DS.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    /** A guessed shift is kept when the row's largest exponent is within this of it (f32, f64). */
    private static final float GUESS_SLACK_F = 40f;
    private static final double GUESS_SLACK_D = 300.0;

    /** Creates the kernels; fails if the vectors are narrower than 128 bits. */
    public VectorKernels() {
        if (FS.vectorBitSize() < 128) {
            throw new UnsupportedOperationException("preferred vector size is " + FS.vectorBitSize() + " bits (need 128)");
        }
    }

    /** {@return a description of the vector shape, for the start-up log line} */
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
        final int bound = FS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Float.BYTES;
            final double guess = out[outOffset + r];
            if (Double.isFinite(guess)) {
                // one pass, shifted by the caller's guess (the previous iteration's value)
                final float g = (float) guess;
                FloatVector gmax = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY), gsum = FloatVector.zero(FS);
                for (int j = 0; j < bound; j += FL) {
                    FloatVector z = FloatVector.fromMemorySegment(FS, tile, base + (long) j * Float.BYTES, ORDER).fma(negInv, FloatVector.fromArray(FS, h, j));
                    gmax = gmax.blend(z, gmax.compare(VectorOperators.LT, z)); // skips NaNs: only steers the guess, the sum carries them
                    gsum = gsum.add(VectorMath.exp(z.sub(g)));
                }
                double gm = gmax.reduceLanes(VectorOperators.MAX), total = VectorMath.sum(gsum);
                for (int j = bound; j < cols; j++) {
                    double z = h[j] - (double) invEps * tile.get(F32, base + (long) j * Float.BYTES);
                    gm = Math.max(gm, z);
                    total += Math.exp(Math.min(z - g, GUESS_SLACK_F));
                }
                if (Math.abs(gm - g) <= GUESS_SLACK_F) {
                    out[outOffset + r] = g + Math.log(total);
                    continue;
                }
            }
            // otherwise two passes: the largest exponent, lane-wise (exact in any order), then the sum
            FloatVector vmax = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < bound; j += FL) {
                vmax = vmax.max(FloatVector.fromMemorySegment(FS, tile, base + (long) j * Float.BYTES, ORDER)
                        .fma(negInv, FloatVector.fromArray(FS, h, j)));
            }
            double max = vmax.reduceLanes(VectorOperators.MAX);
            for (int j = bound; j < cols; j++) {
                max = Math.max(max, h[j] - (double) invEps * tile.get(F32, base + (long) j * Float.BYTES));
            }
            if (max == Double.NEGATIVE_INFINITY) {
                out[outOffset + r] = Double.NEGATIVE_INFINITY;
                continue;
            }
            // pass 2: the sum of exp(z - max), every term at most 1
            final float shift = (float) max;
            FloatVector sum = FloatVector.zero(FS);
            for (int j = 0; j < bound; j += FL) {
                FloatVector z = FloatVector.fromMemorySegment(FS, tile, base + (long) j * Float.BYTES, ORDER)
                        .fma(negInv, FloatVector.fromArray(FS, h, j));
                sum = sum.add(VectorMath.exp(z.sub(shift)));
            }
            double total = VectorMath.sum(sum);
            for (int j = bound; j < cols; j++) {
                total += Math.exp(h[j] - (double) invEps * tile.get(F32, base + (long) j * Float.BYTES) - shift);
            }
            out[outOffset + r] = shift + Math.log(total);
        }
    }

    @Override
    public void logSumExpF64(MemorySegment tile, int rows, int cols, double[] h, double invEps, double[] out, int outOffset) {
        if (cols < 2 * DL) {
            ScalarKernels.INSTANCE.logSumExpF64(tile, rows, cols, h, invEps, out, outOffset);
            return;
        }
        final DoubleVector negInv = DoubleVector.broadcast(DS, -invEps);
        final int bound = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Double.BYTES;
            final double guess = out[outOffset + r];
            if (Double.isFinite(guess)) {
                DoubleVector gmax = DoubleVector.broadcast(DS, Double.NEGATIVE_INFINITY), gsum = DoubleVector.zero(DS);
                for (int j = 0; j < bound; j += DL) {
                    DoubleVector z = DoubleVector.fromMemorySegment(DS, tile, base + (long) j * Double.BYTES, ORDER).fma(negInv, DoubleVector.fromArray(DS, h, j));
                    gmax = gmax.blend(z, gmax.compare(VectorOperators.LT, z)); // skips NaNs: only steers the guess, the sum carries them
                    gsum = gsum.add(VectorMath.exp(z.sub(guess)));
                }
                double gm = gmax.reduceLanes(VectorOperators.MAX), total = VectorMath.sum(gsum);
                for (int j = bound; j < cols; j++) {
                    double z = h[j] - invEps * tile.get(F64, base + (long) j * Double.BYTES);
                    gm = Math.max(gm, z);
                    total += Math.exp(Math.min(z - guess, GUESS_SLACK_D));
                }
                if (Math.abs(gm - guess) <= GUESS_SLACK_D) {
                    out[outOffset + r] = guess + Math.log(total);
                    continue;
                }
            }
            DoubleVector vmax = DoubleVector.broadcast(DS, Double.NEGATIVE_INFINITY);
            for (int j = 0; j < bound; j += DL) {
                vmax = vmax.max(DoubleVector.fromMemorySegment(DS, tile, base + (long) j * Double.BYTES, ORDER)
                        .fma(negInv, DoubleVector.fromArray(DS, h, j)));
            }
            double max = vmax.reduceLanes(VectorOperators.MAX);
            for (int j = bound; j < cols; j++) {
                max = Math.max(max, h[j] - invEps * tile.get(F64, base + (long) j * Double.BYTES));
            }
            if (max == Double.NEGATIVE_INFINITY) {
                out[outOffset + r] = Double.NEGATIVE_INFINITY;
                continue;
            }
            DoubleVector sum = DoubleVector.zero(DS);
            for (int j = 0; j < bound; j += DL) {
                DoubleVector z = DoubleVector.fromMemorySegment(DS, tile, base + (long) j * Double.BYTES, ORDER)
                        .fma(negInv, DoubleVector.fromArray(DS, h, j));
                sum = sum.add(VectorMath.exp(z.sub(max)));
            }
            double total = VectorMath.sum(sum);
            for (int j = bound; j < cols; j++) {
                total += Math.exp(h[j] - invEps * tile.get(F64, base + (long) j * Double.BYTES) - max);
            }
            out[outOffset + r] = max + Math.log(total);
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
        final int bound = FS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Float.BYTES;
            final double s = shift[offset + r];
            final FloatVector sv = FloatVector.broadcast(FS, (float) s);
            FloatVector ms = FloatVector.zero(FS), cs = ms;
            for (int j = 0; j < bound; j += FL) {
                FloatVector c = FloatVector.fromMemorySegment(FS, tile, base + (long) j * Float.BYTES, ORDER);
                FloatVector p = VectorMath.expOrZero(c.fma(negInv, FloatVector.fromArray(FS, h, j).add(sv)));
                ms = ms.add(p);
                cs = p.fma(c, cs);
            }
            double msum = VectorMath.sum(ms), csum = VectorMath.sum(cs);
            for (int j = bound; j < cols; j++) {
                double c = tile.get(F32, base + (long) j * Float.BYTES);
                double p = Math.exp(s + h[j] - (double) invEps * c);
                msum += p;
                csum += p * c;
            }
            mass[offset + r] = msum;
            cost[offset + r] = csum;
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
        final int bound = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Double.BYTES;
            final double s = shift[offset + r];
            final DoubleVector sv = DoubleVector.broadcast(DS, s);
            DoubleVector ms = DoubleVector.zero(DS), cs = ms;
            for (int j = 0; j < bound; j += DL) {
                DoubleVector c = DoubleVector.fromMemorySegment(DS, tile, base + (long) j * Double.BYTES, ORDER);
                DoubleVector p = VectorMath.expOrZero(c.fma(negInv, DoubleVector.fromArray(DS, h, j).add(sv)));
                ms = ms.add(p);
                cs = p.fma(c, cs);
            }
            double msum = VectorMath.sum(ms), csum = VectorMath.sum(cs);
            for (int j = bound; j < cols; j++) {
                double c = tile.get(F64, base + (long) j * Double.BYTES);
                double p = Math.exp(s + h[j] - invEps * c);
                msum += p;
                csum += p * c;
            }
            mass[offset + r] = msum;
            cost[offset + r] = csum;
        }
    }

    @Override
    public void squaredDistancesF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt, MemorySegment tile) {
        if (cols < 2 * FL) {
            ScalarKernels.INSTANCE.squaredDistancesF32(x, r0, rows, d, yT, cols, sqrt, tile);
            return;
        }
        final int bound = FS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final int xi = (r0 + r) * d;
            final long base = (long) r * cols * Float.BYTES;
            for (int j = 0; j < bound; j += FL) {
                distances(x, xi, d, yT, cols, j, sqrt).intoMemorySegment(tile, base + (long) j * Float.BYTES, ORDER);
            }
            for (int j = bound; j < cols; j++) {
                tile.set(F32, base + (long) j * Float.BYTES, distance(x, xi, d, yT, cols, j, sqrt));
            }
        }
    }

    @Override
    public void squaredDistancesF64(double[] x, int r0, int rows, int d, double[] yT, int cols, boolean sqrt, MemorySegment tile) {
        if (cols < 2 * DL) {
            ScalarKernels.INSTANCE.squaredDistancesF64(x, r0, rows, d, yT, cols, sqrt, tile);
            return;
        }
        final int bound = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final int xi = (r0 + r) * d;
            final long base = (long) r * cols * Double.BYTES;
            for (int j = 0; j < bound; j += DL) {
                distances(x, xi, d, yT, cols, j, sqrt).intoMemorySegment(tile, base + (long) j * Double.BYTES, ORDER);
            }
            for (int j = bound; j < cols; j++) {
                tile.set(F64, base + (long) j * Double.BYTES, distance(x, xi, d, yT, cols, j, sqrt));
            }
        }
    }

    @Override
    public void distanceLogSumExpF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt,
                                     float[] h, float invEps, double[] out, int outOffset, float[] tile) {
        if (cols < 2 * FL) {
            ScalarKernels.INSTANCE.distanceLogSumExpF32(x, r0, rows, d, yT, cols, sqrt, h, invEps, out, outOffset, tile);
            return;
        }
        final int bound = FS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            // row by row: the row's costs (20 KB at m = 5000) are still in L1 when its log-sum-exp reads them
            final int base = r * cols;
            distanceRowF32(x, (r0 + r) * d, d, yT, cols, bound, sqrt, tile, base);
            out[outOffset + r] = logSumExpRowF32(tile, base, cols, bound, h, invEps, out[outOffset + r]);
        }
    }

    /**
     * One row of costs into tile[base, base + cols), as {@link #squaredDistancesF32} computes them (the same
     * bits); d = 1, 2 and 3 unrolled with the row point broadcast once: acc = fma(t_c, t_c, acc) from 0 over the
     * coordinates in order, as {@link #distances}.
     */
    private static void distanceRowF32(float[] x, int xi, int d, float[] yT, int cols, int bound, boolean sqrt, float[] tile, int base) {
        if (sqrt || d > 3) {
            for (int j = 0; j < bound; j += FL) {
                distances(x, xi, d, yT, cols, j, sqrt).intoArray(tile, base + j);
            }
        } else if (d == 1) {
            final FloatVector zero = FloatVector.zero(FS), x0 = FloatVector.broadcast(FS, x[xi]);
            for (int j = 0; j < bound; j += FL) {
                FloatVector t0 = FloatVector.fromArray(FS, yT, j).sub(x0);
                t0.fma(t0, zero).intoArray(tile, base + j);
            }
        } else if (d == 2) {
            final FloatVector zero = FloatVector.zero(FS), x0 = FloatVector.broadcast(FS, x[xi]);
            final FloatVector x1 = FloatVector.broadcast(FS, x[xi + 1]);
            for (int j = 0; j < bound; j += FL) {
                FloatVector t0 = FloatVector.fromArray(FS, yT, j).sub(x0);
                FloatVector t1 = FloatVector.fromArray(FS, yT, cols + j).sub(x1);
                t1.fma(t1, t0.fma(t0, zero)).intoArray(tile, base + j);
            }
        } else {
            final FloatVector zero = FloatVector.zero(FS), x0 = FloatVector.broadcast(FS, x[xi]);
            final FloatVector x1 = FloatVector.broadcast(FS, x[xi + 1]), x2 = FloatVector.broadcast(FS, x[xi + 2]);
            for (int j = 0; j < bound; j += FL) {
                FloatVector t0 = FloatVector.fromArray(FS, yT, j).sub(x0);
                FloatVector t1 = FloatVector.fromArray(FS, yT, cols + j).sub(x1);
                FloatVector t2 = FloatVector.fromArray(FS, yT, 2 * cols + j).sub(x2);
                t2.fma(t2, t1.fma(t1, t0.fma(t0, zero))).intoArray(tile, base + j);
            }
        }
        for (int j = bound; j < cols; j++) {
            tile[base + j] = distance(x, xi, d, yT, cols, j, sqrt);
        }
    }

    /** One row's log-sum-exp from an array tile, as {@link #logSumExpF32} computes it from a segment (the same bits). */
    private static double logSumExpRowF32(float[] tile, int base, int cols, int bound, float[] h, float invEps, double guess) {
        final FloatVector negInv = FloatVector.broadcast(FS, -invEps);
        if (Double.isFinite(guess)) {
            final float g = (float) guess;
            FloatVector gmax = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY), gsum = FloatVector.zero(FS);
            for (int j = 0; j < bound; j += FL) {
                FloatVector z = FloatVector.fromArray(FS, tile, base + j).fma(negInv, FloatVector.fromArray(FS, h, j));
                gmax = gmax.blend(z, gmax.compare(VectorOperators.LT, z)); // skips NaNs: only steers the guess, the sum carries them
                gsum = gsum.add(VectorMath.exp(z.sub(g)));
            }
            double gm = gmax.reduceLanes(VectorOperators.MAX), total = VectorMath.sum(gsum);
            for (int j = bound; j < cols; j++) {
                double z = h[j] - (double) invEps * tile[base + j];
                gm = Math.max(gm, z);
                total += Math.exp(Math.min(z - g, GUESS_SLACK_F));
            }
            if (Math.abs(gm - g) <= GUESS_SLACK_F) {
                return g + Math.log(total);
            }
        }
        FloatVector vmax = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < bound; j += FL) {
            vmax = vmax.max(FloatVector.fromArray(FS, tile, base + j).fma(negInv, FloatVector.fromArray(FS, h, j)));
        }
        double max = vmax.reduceLanes(VectorOperators.MAX);
        for (int j = bound; j < cols; j++) {
            max = Math.max(max, h[j] - (double) invEps * tile[base + j]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        final float shift = (float) max;
        FloatVector sum = FloatVector.zero(FS);
        for (int j = 0; j < bound; j += FL) {
            FloatVector z = FloatVector.fromArray(FS, tile, base + j).fma(negInv, FloatVector.fromArray(FS, h, j));
            sum = sum.add(VectorMath.exp(z.sub(shift)));
        }
        double total = VectorMath.sum(sum);
        for (int j = bound; j < cols; j++) {
            total += Math.exp(h[j] - (double) invEps * tile[base + j] - shift);
        }
        return shift + Math.log(total);
    }

    /** |x_row − y_j|² (or its square root) for the lanes j..j+FL, from the transposed column coordinates. */
    private static FloatVector distances(float[] x, int xi, int d, float[] yT, int cols, int j, boolean sqrt) {
        FloatVector acc = FloatVector.zero(FS);
        for (int c = 0; c < d; c++) {
            FloatVector t = FloatVector.fromArray(FS, yT, c * cols + j).sub(x[xi + c]);
            acc = t.fma(t, acc);
        }
        return sqrt ? acc.lanewise(VectorOperators.SQRT) : acc;
    }

    private static DoubleVector distances(double[] x, int xi, int d, double[] yT, int cols, int j, boolean sqrt) {
        DoubleVector acc = DoubleVector.zero(DS);
        for (int c = 0; c < d; c++) {
            DoubleVector t = DoubleVector.fromArray(DS, yT, c * cols + j).sub(x[xi + c]);
            acc = t.fma(t, acc);
        }
        return sqrt ? acc.lanewise(VectorOperators.SQRT) : acc;
    }

    private static float distance(float[] x, int xi, int d, float[] yT, int cols, int j, boolean sqrt) {
        float acc = 0;
        for (int c = 0; c < d; c++) {
            float t = yT[c * cols + j] - x[xi + c];
            acc = Math.fma(t, t, acc);
        }
        return sqrt ? (float) Math.sqrt(acc) : acc;
    }

    private static double distance(double[] x, int xi, int d, double[] yT, int cols, int j, boolean sqrt) {
        double acc = 0;
        for (int c = 0; c < d; c++) {
            double t = yT[c * cols + j] - x[xi + c];
            acc = Math.fma(t, t, acc);
        }
        return sqrt ? Math.sqrt(acc) : acc;
    }

    @Override
    public void logSumExpPointsF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt,
                                   float[] h, float invEps, double[] out, int outOffset) {
        if (cols < 2 * FL) {
            ScalarKernels.INSTANCE.logSumExpPointsF32(x, r0, rows, d, yT, cols, sqrt, h, invEps, out, outOffset);
            return;
        }
        final FloatVector negInv = FloatVector.broadcast(FS, -invEps);
        final int bound = FS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final int xi = (r0 + r) * d;
            final double guess = out[outOffset + r];
            if (Double.isFinite(guess)) {
                // one pass, shifted by the caller's guess (the previous iteration's value)
                final float g = (float) guess;
                FloatVector gmax = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY), gsum = FloatVector.zero(FS);
                for (int j = 0; j < bound; j += FL) {
                    FloatVector z = distances(x, xi, d, yT, cols, j, sqrt).fma(negInv, FloatVector.fromArray(FS, h, j));
                    gmax = gmax.blend(z, gmax.compare(VectorOperators.LT, z)); // skips NaNs: only steers the guess, the sum carries them
                    gsum = gsum.add(VectorMath.exp(z.sub(g)));
                }
                double gm = gmax.reduceLanes(VectorOperators.MAX), total = VectorMath.sum(gsum);
                for (int j = bound; j < cols; j++) {
                    double z = h[j] - (double) invEps * distance(x, xi, d, yT, cols, j, sqrt);
                    gm = Math.max(gm, z);
                    total += Math.exp(Math.min(z - g, GUESS_SLACK_F));
                }
                if (Math.abs(gm - g) <= GUESS_SLACK_F) {
                    out[outOffset + r] = g + Math.log(total);
                    continue;
                }
            }
            FloatVector vmax = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < bound; j += FL) {
                vmax = vmax.max(distances(x, xi, d, yT, cols, j, sqrt).fma(negInv, FloatVector.fromArray(FS, h, j)));
            }
            double max = vmax.reduceLanes(VectorOperators.MAX);
            for (int j = bound; j < cols; j++) {
                max = Math.max(max, h[j] - (double) invEps * distance(x, xi, d, yT, cols, j, sqrt));
            }
            if (max == Double.NEGATIVE_INFINITY) {
                out[outOffset + r] = Double.NEGATIVE_INFINITY;
                continue;
            }
            final float shift = (float) max;
            FloatVector sum = FloatVector.zero(FS);
            for (int j = 0; j < bound; j += FL) {
                FloatVector z = distances(x, xi, d, yT, cols, j, sqrt).fma(negInv, FloatVector.fromArray(FS, h, j));
                sum = sum.add(VectorMath.exp(z.sub(shift)));
            }
            double total = VectorMath.sum(sum);
            for (int j = bound; j < cols; j++) {
                total += Math.exp(h[j] - (double) invEps * distance(x, xi, d, yT, cols, j, sqrt) - shift);
            }
            out[outOffset + r] = shift + Math.log(total);
        }
    }

    @Override
    public void logSumExpPointsF64(double[] x, int r0, int rows, int d, double[] yT, int cols, boolean sqrt,
                                   double[] h, double invEps, double[] out, int outOffset) {
        if (cols < 2 * DL) {
            ScalarKernels.INSTANCE.logSumExpPointsF64(x, r0, rows, d, yT, cols, sqrt, h, invEps, out, outOffset);
            return;
        }
        final DoubleVector negInv = DoubleVector.broadcast(DS, -invEps);
        final int bound = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final int xi = (r0 + r) * d;
            final double guess = out[outOffset + r];
            if (Double.isFinite(guess)) {
                DoubleVector gmax = DoubleVector.broadcast(DS, Double.NEGATIVE_INFINITY), gsum = DoubleVector.zero(DS);
                for (int j = 0; j < bound; j += DL) {
                    DoubleVector z = distances(x, xi, d, yT, cols, j, sqrt).fma(negInv, DoubleVector.fromArray(DS, h, j));
                    gmax = gmax.blend(z, gmax.compare(VectorOperators.LT, z)); // skips NaNs: only steers the guess, the sum carries them
                    gsum = gsum.add(VectorMath.exp(z.sub(guess)));
                }
                double gm = gmax.reduceLanes(VectorOperators.MAX), total = VectorMath.sum(gsum);
                for (int j = bound; j < cols; j++) {
                    double z = h[j] - invEps * distance(x, xi, d, yT, cols, j, sqrt);
                    gm = Math.max(gm, z);
                    total += Math.exp(Math.min(z - guess, GUESS_SLACK_D));
                }
                if (Math.abs(gm - guess) <= GUESS_SLACK_D) {
                    out[outOffset + r] = guess + Math.log(total);
                    continue;
                }
            }
            DoubleVector vmax = DoubleVector.broadcast(DS, Double.NEGATIVE_INFINITY);
            for (int j = 0; j < bound; j += DL) {
                vmax = vmax.max(distances(x, xi, d, yT, cols, j, sqrt).fma(negInv, DoubleVector.fromArray(DS, h, j)));
            }
            double max = vmax.reduceLanes(VectorOperators.MAX);
            for (int j = bound; j < cols; j++) {
                max = Math.max(max, h[j] - invEps * distance(x, xi, d, yT, cols, j, sqrt));
            }
            if (max == Double.NEGATIVE_INFINITY) {
                out[outOffset + r] = Double.NEGATIVE_INFINITY;
                continue;
            }
            DoubleVector sum = DoubleVector.zero(DS);
            for (int j = 0; j < bound; j += DL) {
                DoubleVector z = distances(x, xi, d, yT, cols, j, sqrt).fma(negInv, DoubleVector.fromArray(DS, h, j));
                sum = sum.add(VectorMath.exp(z.sub(max)));
            }
            double total = VectorMath.sum(sum);
            for (int j = bound; j < cols; j++) {
                total += Math.exp(h[j] - invEps * distance(x, xi, d, yT, cols, j, sqrt) - max);
            }
            out[outOffset + r] = max + Math.log(total);
        }
    }

    /** The exponent clamp of the column sums (see {@link SinkhornKernels#columnSumExpF32}). */
    private static final float COLUMN_CLAMP_F = 64f;
    private static final double COLUMN_CLAMP_D = 600.0;

    @Override
    public void columnMaxF32(MemorySegment tile, int rows, int cols, float[] hc, int hcOffset, float invEps, float[] max) {
        final FloatVector negInv = FloatVector.broadcast(FS, -invEps);
        final int bound = FS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Float.BYTES;
            final FloatVector h = FloatVector.broadcast(FS, hc[hcOffset + r]);
            for (int j = 0; j < bound; j += FL) {
                FloatVector z = FloatVector.fromMemorySegment(FS, tile, base + (long) j * Float.BYTES, ORDER).fma(negInv, h);
                z.max(FloatVector.fromArray(FS, max, j)).intoArray(max, j);
            }
            for (int j = bound; j < cols; j++) {
                double z = hc[hcOffset + r] - (double) invEps * tile.get(F32, base + (long) j * Float.BYTES);
                if (z > max[j]) {
                    max[j] = (float) z;
                }
            }
        }
    }

    @Override
    public void columnMaxF64(MemorySegment tile, int rows, int cols, double[] hc, int hcOffset, double invEps, double[] max) {
        final DoubleVector negInv = DoubleVector.broadcast(DS, -invEps);
        final int bound = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Double.BYTES;
            final DoubleVector h = DoubleVector.broadcast(DS, hc[hcOffset + r]);
            for (int j = 0; j < bound; j += DL) {
                DoubleVector z = DoubleVector.fromMemorySegment(DS, tile, base + (long) j * Double.BYTES, ORDER).fma(negInv, h);
                z.max(DoubleVector.fromArray(DS, max, j)).intoArray(max, j);
            }
            for (int j = bound; j < cols; j++) {
                max[j] = Math.max(max[j], hc[hcOffset + r] - invEps * tile.get(F64, base + (long) j * Double.BYTES));
            }
        }
    }

    /**
     * Columns [j, j + FL) at a time, down all the tile's rows with the sum in a register (the tile is in
     * cache: the row sweep has just read it), then added to {@code acc} once per tile.
     */
    @Override
    public void columnSumExpF32(MemorySegment tile, int rows, int cols, float[] hc, int hcOffset, float invEps,
                                float[] shift, float[] acc) {
        final FloatVector negInv = FloatVector.broadcast(FS, -invEps);
        final int bound = FS.loopBound(cols);
        final long stride = (long) cols * Float.BYTES;
        int j = 0;
        for (; j < bound; j += FL) {
            final FloatVector s = FloatVector.fromArray(FS, shift, j);
            FloatVector sum = FloatVector.zero(FS);
            long at = (long) j * Float.BYTES;
            for (int r = 0; r < rows; r++, at += stride) {
                FloatVector z = FloatVector.fromMemorySegment(FS, tile, at, ORDER).fma(negInv, FloatVector.broadcast(FS, hc[hcOffset + r]));
                FloatVector t = z.sub(s);
                sum = sum.add(VectorMath.exp(t.blend(COLUMN_CLAMP_F, t.compare(VectorOperators.GT, COLUMN_CLAMP_F)))); // t.min(clamp)
            }
            sum.add(FloatVector.fromArray(FS, acc, j)).intoArray(acc, j);
        }
        for (; j < cols; j++) {
            double total = 0;
            for (int r = 0; r < rows; r++) {
                double z = hc[hcOffset + r] - (double) invEps * tile.get(F32, ((long) r * cols + j) * Float.BYTES) - shift[j];
                total += Math.exp(Math.min(z, COLUMN_CLAMP_F));
            }
            acc[j] = (float) (acc[j] + total);
        }
    }

    /** {@link #columnSumExpF32(MemorySegment, int, int, float[], int, float, float[], float[])} over an array tile. */
    @Override
    public void columnSumExpF32(float[] tile, int rows, int cols, float[] hc, int hcOffset, float invEps,
                                float[] shift, float[] acc) {
        final FloatVector negInv = FloatVector.broadcast(FS, -invEps);
        final int bound = FS.loopBound(cols);
        int j = 0;
        for (; j < bound; j += FL) {
            final FloatVector s = FloatVector.fromArray(FS, shift, j);
            FloatVector sum = FloatVector.zero(FS);
            for (int r = 0, at = j; r < rows; r++, at += cols) {
                FloatVector z = FloatVector.fromArray(FS, tile, at).fma(negInv, FloatVector.broadcast(FS, hc[hcOffset + r]));
                FloatVector t = z.sub(s);
                sum = sum.add(VectorMath.exp(t.blend(COLUMN_CLAMP_F, t.compare(VectorOperators.GT, COLUMN_CLAMP_F)))); // t.min(clamp)
            }
            sum.add(FloatVector.fromArray(FS, acc, j)).intoArray(acc, j);
        }
        for (; j < cols; j++) {
            double total = 0;
            for (int r = 0; r < rows; r++) {
                double z = hc[hcOffset + r] - (double) invEps * tile[r * cols + j] - shift[j];
                total += Math.exp(Math.min(z, COLUMN_CLAMP_F));
            }
            acc[j] = (float) (acc[j] + total);
        }
    }

    @Override
    public void columnSumExpF64(MemorySegment tile, int rows, int cols, double[] hc, int hcOffset, double invEps,
                                double[] shift, double[] acc) {
        final DoubleVector negInv = DoubleVector.broadcast(DS, -invEps);
        final int bound = DS.loopBound(cols);
        final long stride = (long) cols * Double.BYTES;
        int j = 0;
        for (; j < bound; j += DL) {
            final DoubleVector s = DoubleVector.fromArray(DS, shift, j);
            DoubleVector sum = DoubleVector.zero(DS);
            long at = (long) j * Double.BYTES;
            for (int r = 0; r < rows; r++, at += stride) {
                DoubleVector z = DoubleVector.fromMemorySegment(DS, tile, at, ORDER).fma(negInv, DoubleVector.broadcast(DS, hc[hcOffset + r]));
                DoubleVector t = z.sub(s);
                sum = sum.add(VectorMath.exp(t.blend(COLUMN_CLAMP_D, t.compare(VectorOperators.GT, COLUMN_CLAMP_D)))); // t.min(clamp)
            }
            sum.add(DoubleVector.fromArray(DS, acc, j)).intoArray(acc, j);
        }
        for (; j < cols; j++) {
            double total = 0;
            for (int r = 0; r < rows; r++) {
                double z = hc[hcOffset + r] - invEps * tile.get(F64, ((long) r * cols + j) * Double.BYTES) - shift[j];
                total += Math.exp(Math.min(z, COLUMN_CLAMP_D));
            }
            acc[j] += total;
        }
    }

    @Override
    public void expTileF64(MemorySegment cost, int rows, int cols, double[] rowH, int rowOffset, double[] colH, double invEps,
                           MemorySegment out) {
        // (a row per call: C2 compiles the row loop once, as a method, instead of by on-stack replacement and again)
        for (int r = 0; r < rows; r++) {
            expRowF64(cost, (long) r * cols * Double.BYTES, cols, rowH[rowOffset + r], colH, invEps, out);
        }
    }

    /** One row of {@link #expTileF64}: out_j = exp(h + colH_j − invEps·c_j) (0 below −708.3) from byte offset base. */
    private static void expRowF64(MemorySegment cost, long base, int cols, double h, double[] colH, double invEps, MemorySegment out) {
        final DoubleVector negInv = DoubleVector.broadcast(DS, -invEps);
        final int bound = DS.loopBound(cols);
        final DoubleVector hv = DoubleVector.broadcast(DS, h);
        for (int j = 0; j < bound; j += DL) {
            long at = base + (long) j * Double.BYTES;
            DoubleVector z = DoubleVector.fromMemorySegment(DS, cost, at, ORDER).fma(negInv, hv.add(DoubleVector.fromArray(DS, colH, j)));
            VectorMath.expOrZero(z).intoMemorySegment(out, at, ORDER);
        }
        for (int j = bound; j < cols; j++) {
            long at = base + (long) j * Double.BYTES;
            double z = h + colH[j] - invEps * cost.get(F64, at);
            out.set(F64, at, z < -708.3 ? 0.0 : Math.exp(z));
        }
    }

    @Override
    public void rowDotF64(MemorySegment w, int rows, int cols, double[] v, int vOffset, double[] out, int outOffset) {
        final int bound = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Double.BYTES;
            DoubleVector acc = DoubleVector.zero(DS);
            for (int j = 0; j < bound; j += DL) {
                acc = DoubleVector.fromMemorySegment(DS, w, base + (long) j * Double.BYTES, ORDER)
                        .fma(DoubleVector.fromArray(DS, v, vOffset + j), acc);
            }
            double s = VectorMath.sum(acc);
            for (int j = bound; j < cols; j++) {
                s += w.get(F64, base + (long) j * Double.BYTES) * v[vOffset + j];
            }
            out[outOffset + r] += s;
        }
    }

    @Override
    public void columnAxpyF64(MemorySegment w, int rows, int cols, double[] u, int uOffset, int uStride, double[] out) {
        final int bound = DS.loopBound(cols);
        final long stride = (long) cols * Double.BYTES;
        for (int j = 0; j < bound; j += DL) {
            DoubleVector acc = DoubleVector.zero(DS);
            long at = (long) j * Double.BYTES;
            for (int r = 0; r < rows; r++, at += stride) {
                acc = DoubleVector.fromMemorySegment(DS, w, at, ORDER).fma(DoubleVector.broadcast(DS, u[uOffset + r * uStride]), acc);
            }
            acc.add(DoubleVector.fromArray(DS, out, j)).intoArray(out, j);
        }
        for (int j = bound; j < cols; j++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += u[uOffset + r * uStride] * w.get(F64, ((long) r * cols + j) * Double.BYTES);
            }
            out[j] += s;
        }
    }

    /** Floats as many as the doubles of {@link #DS} (half its width), for f32 data computed in f64. */
    private static final VectorSpecies<Float> FH = VectorSpecies.of(float.class,
            jdk.incubator.vector.VectorShape.forBitSize(Math.max(64, DS.vectorBitSize() / 2)));

    // The stored-kernel kernels below keep each hot loop in a small method of its own, called once per row (or per
    // block of four rows): in a fresh JVM, C2 then compiles each loop once, early and quickly, from calls that
    // each run it whole, instead of compiling a large method several times (on-stack replacements at each of its
    // loops, then the method itself) while the caller runs it some fifty times slower than compiled.

    @Override
    public void gibbsTileF32(MemorySegment cost, int rows, int cols, double[] rowH, int rowOffset, double[] colH, double invEps,
                             MemorySegment out) {
        if (FH.length() != DL) {
            SinkhornKernels.super.gibbsTileF32(cost, rows, cols, rowH, rowOffset, colH, invEps, out);
            return;
        }
        for (int r = 0; r < rows; r++) {
            gibbsRowF32(cost, (long) r * cols * Float.BYTES, cols, rowH[rowOffset + r], colH, invEps, out);
        }
    }

    /** One row of {@link #gibbsTileF32}: the row at byte offset {@code base}, with row term h. */
    private static void gibbsRowF32(MemorySegment cost, long base, int cols, double h, double[] colH, double invEps,
                                    MemorySegment out) {
        final DoubleVector negInv = DoubleVector.broadcast(DS, -invEps), low = DoubleVector.broadcast(DS, -57.5);
        final DoubleVector hv = DoubleVector.broadcast(DS, h);
        final int bound = DS.loopBound(cols);
        for (int j = 0; j < bound; j += DL) {
            long at = base + (long) j * Float.BYTES;
            DoubleVector c = (DoubleVector) FloatVector.fromMemorySegment(FH, cost, at, ORDER).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector z = c.fma(negInv, hv.add(DoubleVector.fromArray(DS, colH, j)));
            DoubleVector e = VectorMath.exp(z).blend(0.0, z.compare(VectorOperators.LT, low));
            ((FloatVector) e.convertShape(VectorOperators.D2F, FH, 0)).intoMemorySegment(out, at, ORDER);
        }
        for (int j = bound; j < cols; j++) {
            long at = base + (long) j * Float.BYTES;
            double z = h + colH[j] - invEps * cost.get(F32, at);
            out.set(F32, at, z < -57.5 ? 0f : (float) Math.exp(z));
        }
    }

    @Override
    public void kernelRowStepF32(MemorySegment k, int rows, int cols, float[] w, double[] a, double[] s, int sOffset, float[] t) {
        rowStepF32(k, rows, cols, w, a, null, 1, s, sOffset, t);
    }

    @Override
    public void kernelRowStepDampedF32(MemorySegment k, int rows, int cols, float[] w, double[] a, double[] logD, double tau,
                                       double[] s, int sOffset, float[] t) {
        rowStepF32(k, rows, cols, w, a, java.util.Objects.requireNonNull(logD, "logD"), tau, s, sOffset, t);
    }

    /** The row step, balanced ({@code logD == null}) or damped: see {@link SinkhornKernels#rowCoefficientF32}. */
    private void rowStepF32(MemorySegment k, int rows, int cols, float[] w, double[] a, double[] logD, double tau,
                            double[] s, int sOffset, float[] t) {
        final int bound = FS.loopBound(cols);
        final long rowBytes = (long) cols * Float.BYTES;
        final int blocks = rows / 4;
        // four rows at a time: one load of w serves four dot products, one load and store of t four axpys; and
        // software-pipelined: block q's dot products (streaming its rows from memory) share a loop with block
        // q − 1's axpys (re-reading its rows from cache), so that the two overlap. Each t_j gets its terms in
        // the same order as block by block.
        float[] cb = new float[4];
        float[] sum = new float[4];
        long p0 = 0;
        for (int q = 0; q <= blocks; q++) {
            final boolean dot = q < blocks, axpy = q > 0;
            final long b0 = (long) q * 4 * rowBytes;
            if (dot && axpy) {
                dot4Axpy4F32(k, b0, p0, rowBytes, bound, w, t, cb, sum);
            } else if (dot) {
                dot4F32(k, b0, rowBytes, bound, w, sum);
            } else if (axpy) {
                axpy4F32(k, p0, rowBytes, bound, t, cb);
            }
            if (axpy) {
                // the previous block's tail columns
                for (int j = bound; j < cols; j++) {
                    long at = (long) j * Float.BYTES;
                    t[j] += cb[0] * k.get(F32, p0 + at);
                    t[j] += cb[1] * k.get(F32, p0 + rowBytes + at);
                    t[j] += cb[2] * k.get(F32, p0 + 2 * rowBytes + at);
                    t[j] += cb[3] * k.get(F32, p0 + 3 * rowBytes + at);
                }
            }
            if (dot) {
                int r = 4 * q;
                for (int e = 0; e < 4; e++) {
                    long base = b0 + e * rowBytes;
                    for (int j = bound; j < cols; j++) {
                        sum[e] += k.get(F32, base + (long) j * Float.BYTES) * w[j];
                    }
                    s[sOffset + r + e] = sum[e];
                    cb[e] = SinkhornKernels.rowCoefficientF32(a[sOffset + r + e], sum[e], logD, sOffset + r + e, tau);
                }
                p0 = b0;
            }
        }
        for (int r = 4 * blocks; r < rows; r++) {
            rowStep1F32(k, r * rowBytes, cols, bound, w, a, logD, tau, s, sOffset + r, t);
        }
    }

    /**
     * The dot products of the four rows at byte offset b0 with w (vector part; lanes added in order, as
     * reduceLanes' order differs between compilation modes) into sum, fused with the axpys t += cb[e]·(row e at p0).
     */
    private static void dot4Axpy4F32(MemorySegment k, long b0, long p0, long rowBytes, int bound, float[] w, float[] t,
                                     float[] cb, float[] sum) {
        final long b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
        final long p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
        final FloatVector c0 = FloatVector.broadcast(FS, cb[0]), c1 = FloatVector.broadcast(FS, cb[1]),
                c2 = FloatVector.broadcast(FS, cb[2]), c3 = FloatVector.broadcast(FS, cb[3]);
        FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
        for (int j = 0; j < bound; j += FL) {
            long at = (long) j * Float.BYTES;
            FloatVector wv = FloatVector.fromArray(FS, w, j);
            s0 = FloatVector.fromMemorySegment(FS, k, b0 + at, ORDER).fma(wv, s0);
            s1 = FloatVector.fromMemorySegment(FS, k, b1 + at, ORDER).fma(wv, s1);
            s2 = FloatVector.fromMemorySegment(FS, k, b2 + at, ORDER).fma(wv, s2);
            s3 = FloatVector.fromMemorySegment(FS, k, b3 + at, ORDER).fma(wv, s3);
            FloatVector tv = FloatVector.fromArray(FS, t, j);
            tv = FloatVector.fromMemorySegment(FS, k, p0 + at, ORDER).fma(c0, tv);
            tv = FloatVector.fromMemorySegment(FS, k, p1 + at, ORDER).fma(c1, tv);
            tv = FloatVector.fromMemorySegment(FS, k, p2 + at, ORDER).fma(c2, tv);
            tv = FloatVector.fromMemorySegment(FS, k, p3 + at, ORDER).fma(c3, tv);
            tv.intoArray(t, j);
        }
        sum[0] = (float) VectorMath.sum(s0);
        sum[1] = (float) VectorMath.sum(s1);
        sum[2] = (float) VectorMath.sum(s2);
        sum[3] = (float) VectorMath.sum(s3);
    }

    /** {@link #dot4Axpy4F32} without the axpys (the first block). */
    private static void dot4F32(MemorySegment k, long b0, long rowBytes, int bound, float[] w, float[] sum) {
        final long b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
        FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
        for (int j = 0; j < bound; j += FL) {
            long at = (long) j * Float.BYTES;
            FloatVector wv = FloatVector.fromArray(FS, w, j);
            s0 = FloatVector.fromMemorySegment(FS, k, b0 + at, ORDER).fma(wv, s0);
            s1 = FloatVector.fromMemorySegment(FS, k, b1 + at, ORDER).fma(wv, s1);
            s2 = FloatVector.fromMemorySegment(FS, k, b2 + at, ORDER).fma(wv, s2);
            s3 = FloatVector.fromMemorySegment(FS, k, b3 + at, ORDER).fma(wv, s3);
        }
        sum[0] = (float) VectorMath.sum(s0);
        sum[1] = (float) VectorMath.sum(s1);
        sum[2] = (float) VectorMath.sum(s2);
        sum[3] = (float) VectorMath.sum(s3);
    }

    /** {@link #dot4Axpy4F32}'s axpys alone (the last block's), vector part. */
    private static void axpy4F32(MemorySegment k, long p0, long rowBytes, int bound, float[] t, float[] cb) {
        final long p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
        final FloatVector c0 = FloatVector.broadcast(FS, cb[0]), c1 = FloatVector.broadcast(FS, cb[1]),
                c2 = FloatVector.broadcast(FS, cb[2]), c3 = FloatVector.broadcast(FS, cb[3]);
        for (int j = 0; j < bound; j += FL) {
            long at = (long) j * Float.BYTES;
            FloatVector tv = FloatVector.fromArray(FS, t, j);
            tv = FloatVector.fromMemorySegment(FS, k, p0 + at, ORDER).fma(c0, tv);
            tv = FloatVector.fromMemorySegment(FS, k, p1 + at, ORDER).fma(c1, tv);
            tv = FloatVector.fromMemorySegment(FS, k, p2 + at, ORDER).fma(c2, tv);
            tv = FloatVector.fromMemorySegment(FS, k, p3 + at, ORDER).fma(c3, tv);
            tv.intoArray(t, j);
        }
    }

    /**
     * One remainder row of {@link #rowStepF32} (at byte offset base; its index in a, logD and s is {@code i}), its
     * coefficient by {@link SinkhornKernels#rowCoefficientF32}.
     */
    private static void rowStep1F32(MemorySegment k, long base, int cols, int bound, float[] w, double[] a, double[] logD,
                                    double tau, double[] s, int i, float[] t) {
        FloatVector acc = FloatVector.zero(FS);
        for (int j = 0; j < bound; j += FL) {
            acc = FloatVector.fromMemorySegment(FS, k, base + (long) j * Float.BYTES, ORDER).fma(FloatVector.fromArray(FS, w, j), acc);
        }
        float sum = (float) VectorMath.sum(acc);
        for (int j = bound; j < cols; j++) {
            sum += k.get(F32, base + (long) j * Float.BYTES) * w[j];
        }
        s[i] = sum;
        float c = SinkhornKernels.rowCoefficientF32(a[i], sum, logD, i, tau);
        if (c == 0) {
            return;
        }
        final FloatVector cv = FloatVector.broadcast(FS, c);
        for (int j = 0; j < bound; j += FL) {
            FloatVector.fromMemorySegment(FS, k, base + (long) j * Float.BYTES, ORDER).fma(cv, FloatVector.fromArray(FS, t, j)).intoArray(t, j);
        }
        for (int j = bound; j < cols; j++) {
            t[j] += c * k.get(F32, base + (long) j * Float.BYTES);
        }
    }

    @Override
    public void kernelRowStepF64(MemorySegment k, int rows, int cols, double[] w, double[] a, double[] s, int sOffset, double[] t) {
        rowStepF64(k, rows, cols, w, a, null, 1, s, sOffset, t);
    }

    @Override
    public void kernelRowStepDampedF64(MemorySegment k, int rows, int cols, double[] w, double[] a, double[] logD, double tau,
                                       double[] s, int sOffset, double[] t) {
        rowStepF64(k, rows, cols, w, a, java.util.Objects.requireNonNull(logD, "logD"), tau, s, sOffset, t);
    }

    /** {@link #rowStepF32} in f64. */
    private void rowStepF64(MemorySegment k, int rows, int cols, double[] w, double[] a, double[] logD, double tau,
                            double[] s, int sOffset, double[] t) {
        final int bound = DS.loopBound(cols);
        final long rowBytes = (long) cols * Double.BYTES;
        int r = 0;
        // four rows at a time: one load of w serves four dot products, one load and store of t four axpys
        for (; r + 4 <= rows; r += 4) {
            final long b0 = r * rowBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
            DoubleVector s0 = DoubleVector.zero(DS), s1 = s0, s2 = s0, s3 = s0;
            for (int j = 0; j < bound; j += DL) {
                long at = (long) j * Double.BYTES;
                DoubleVector wv = DoubleVector.fromArray(DS, w, j);
                s0 = DoubleVector.fromMemorySegment(DS, k, b0 + at, ORDER).fma(wv, s0);
                s1 = DoubleVector.fromMemorySegment(DS, k, b1 + at, ORDER).fma(wv, s1);
                s2 = DoubleVector.fromMemorySegment(DS, k, b2 + at, ORDER).fma(wv, s2);
                s3 = DoubleVector.fromMemorySegment(DS, k, b3 + at, ORDER).fma(wv, s3);
            }
            double[] sum = {VectorMath.sum(s0), VectorMath.sum(s1), VectorMath.sum(s2), VectorMath.sum(s3)};
            long[] base = {b0, b1, b2, b3};
            double[] c = new double[4];
            for (int q = 0; q < 4; q++) {
                for (int j = bound; j < cols; j++) {
                    sum[q] += k.get(F64, base[q] + (long) j * Double.BYTES) * w[j];
                }
                s[sOffset + r + q] = sum[q];
                c[q] = SinkhornKernels.rowCoefficientF64(a[sOffset + r + q], sum[q], logD, sOffset + r + q, tau);
            }
            final DoubleVector c0 = DoubleVector.broadcast(DS, c[0]), c1 = DoubleVector.broadcast(DS, c[1]),
                    c2 = DoubleVector.broadcast(DS, c[2]), c3 = DoubleVector.broadcast(DS, c[3]);
            for (int j = 0; j < bound; j += DL) {
                long at = (long) j * Double.BYTES;
                DoubleVector tv = DoubleVector.fromArray(DS, t, j);
                tv = DoubleVector.fromMemorySegment(DS, k, b0 + at, ORDER).fma(c0, tv);
                tv = DoubleVector.fromMemorySegment(DS, k, b1 + at, ORDER).fma(c1, tv);
                tv = DoubleVector.fromMemorySegment(DS, k, b2 + at, ORDER).fma(c2, tv);
                tv = DoubleVector.fromMemorySegment(DS, k, b3 + at, ORDER).fma(c3, tv);
                tv.intoArray(t, j);
            }
            for (int j = bound; j < cols; j++) {
                for (int q = 0; q < 4; q++) {
                    t[j] += c[q] * k.get(F64, base[q] + (long) j * Double.BYTES);
                }
            }
        }
        for (; r < rows; r++) {
            final long base = r * rowBytes;
            DoubleVector acc = DoubleVector.zero(DS);
            for (int j = 0; j < bound; j += DL) {
                acc = DoubleVector.fromMemorySegment(DS, k, base + (long) j * Double.BYTES, ORDER).fma(DoubleVector.fromArray(DS, w, j), acc);
            }
            double sum = VectorMath.sum(acc);
            for (int j = bound; j < cols; j++) {
                sum += k.get(F64, base + (long) j * Double.BYTES) * w[j];
            }
            s[sOffset + r] = sum;
            double c = SinkhornKernels.rowCoefficientF64(a[sOffset + r], sum, logD, sOffset + r, tau);
            if (c == 0) {
                continue;
            }
            final DoubleVector cv = DoubleVector.broadcast(DS, c);
            for (int j = 0; j < bound; j += DL) {
                DoubleVector.fromMemorySegment(DS, k, base + (long) j * Double.BYTES, ORDER).fma(cv, DoubleVector.fromArray(DS, t, j)).intoArray(t, j);
            }
            for (int j = bound; j < cols; j++) {
                t[j] += c * k.get(F64, base + (long) j * Double.BYTES);
            }
        }
    }

    // ---- shared-kernel batches: register tiles of 4 kernel rows × 2 vectors of problems ----

    @Override
    public void batchProductF32(MemorySegment k, int cols, int r0, int rows, float[] x, int width, float[] out) {
        final long rowBytes = (long) cols * Float.BYTES;
        final int end = r0 + rows;
        final int wide = width - width % (2 * FL);
        final int narrow = FS.loopBound(width);
        final FloatVector zero = FloatVector.zero(FS);
        for (int p = 0; p < wide; p += 2 * FL) {
            int r = r0;
            for (; r + 4 <= end; r += 4) {
                final long b0 = r * rowBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
                FloatVector s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero;
                int xo = p;
                for (int c = 0; c < cols; c++, xo += width) {
                    final long at = (long) c * Float.BYTES;
                    FloatVector x0 = FloatVector.fromArray(FS, x, xo), x1 = FloatVector.fromArray(FS, x, xo + FL);
                    FloatVector k0 = FloatVector.broadcast(FS, k.get(F32, b0 + at));
                    s00 = x0.fma(k0, s00);
                    s01 = x1.fma(k0, s01);
                    FloatVector k1 = FloatVector.broadcast(FS, k.get(F32, b1 + at));
                    s10 = x0.fma(k1, s10);
                    s11 = x1.fma(k1, s11);
                    FloatVector k2 = FloatVector.broadcast(FS, k.get(F32, b2 + at));
                    s20 = x0.fma(k2, s20);
                    s21 = x1.fma(k2, s21);
                    FloatVector k3 = FloatVector.broadcast(FS, k.get(F32, b3 + at));
                    s30 = x0.fma(k3, s30);
                    s31 = x1.fma(k3, s31);
                }
                int o = r * width + p;
                s00.intoArray(out, o);
                s01.intoArray(out, o + FL);
                s10.intoArray(out, o + width);
                s11.intoArray(out, o + width + FL);
                s20.intoArray(out, o + 2 * width);
                s21.intoArray(out, o + 2 * width + FL);
                s30.intoArray(out, o + 3 * width);
                s31.intoArray(out, o + 3 * width + FL);
            }
            for (; r < end; r++) {
                final long b0 = r * rowBytes;
                FloatVector s00 = zero, s01 = zero;
                int xo = p;
                for (int c = 0; c < cols; c++, xo += width) {
                    FloatVector k0 = FloatVector.broadcast(FS, k.get(F32, b0 + (long) c * Float.BYTES));
                    s00 = FloatVector.fromArray(FS, x, xo).fma(k0, s00);
                    s01 = FloatVector.fromArray(FS, x, xo + FL).fma(k0, s01);
                }
                s00.intoArray(out, r * width + p);
                s01.intoArray(out, r * width + p + FL);
            }
        }
        for (int p = wide; p < narrow; p += FL) {
            for (int r = r0; r < end; r++) {
                final long b0 = r * rowBytes;
                FloatVector s00 = zero;
                int xo = p;
                for (int c = 0; c < cols; c++, xo += width) {
                    s00 = FloatVector.fromArray(FS, x, xo).fma(FloatVector.broadcast(FS, k.get(F32, b0 + (long) c * Float.BYTES)), s00);
                }
                s00.intoArray(out, r * width + p);
            }
        }
        for (int p = narrow; p < width; p++) {
            for (int r = r0; r < end; r++) {
                final long b0 = r * rowBytes;
                float sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum = Math.fma(x[c * width + p], k.get(F32, b0 + (long) c * Float.BYTES), sum);
                }
                out[r * width + p] = sum;
            }
        }
    }

    @Override
    public void batchProductF64(MemorySegment k, int cols, int r0, int rows, double[] x, int width, double[] out) {
        final long rowBytes = (long) cols * Double.BYTES;
        final int end = r0 + rows;
        final int wide = width - width % (2 * DL);
        final int narrow = DS.loopBound(width);
        final DoubleVector zero = DoubleVector.zero(DS);
        for (int p = 0; p < wide; p += 2 * DL) {
            int r = r0;
            for (; r + 4 <= end; r += 4) {
                final long b0 = r * rowBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
                DoubleVector s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero;
                int xo = p;
                for (int c = 0; c < cols; c++, xo += width) {
                    final long at = (long) c * Double.BYTES;
                    DoubleVector x0 = DoubleVector.fromArray(DS, x, xo), x1 = DoubleVector.fromArray(DS, x, xo + DL);
                    DoubleVector k0 = DoubleVector.broadcast(DS, k.get(F64, b0 + at));
                    s00 = x0.fma(k0, s00);
                    s01 = x1.fma(k0, s01);
                    DoubleVector k1 = DoubleVector.broadcast(DS, k.get(F64, b1 + at));
                    s10 = x0.fma(k1, s10);
                    s11 = x1.fma(k1, s11);
                    DoubleVector k2 = DoubleVector.broadcast(DS, k.get(F64, b2 + at));
                    s20 = x0.fma(k2, s20);
                    s21 = x1.fma(k2, s21);
                    DoubleVector k3 = DoubleVector.broadcast(DS, k.get(F64, b3 + at));
                    s30 = x0.fma(k3, s30);
                    s31 = x1.fma(k3, s31);
                }
                int o = r * width + p;
                s00.intoArray(out, o);
                s01.intoArray(out, o + DL);
                s10.intoArray(out, o + width);
                s11.intoArray(out, o + width + DL);
                s20.intoArray(out, o + 2 * width);
                s21.intoArray(out, o + 2 * width + DL);
                s30.intoArray(out, o + 3 * width);
                s31.intoArray(out, o + 3 * width + DL);
            }
            for (; r < end; r++) {
                final long b0 = r * rowBytes;
                DoubleVector s00 = zero, s01 = zero;
                int xo = p;
                for (int c = 0; c < cols; c++, xo += width) {
                    DoubleVector k0 = DoubleVector.broadcast(DS, k.get(F64, b0 + (long) c * Double.BYTES));
                    s00 = DoubleVector.fromArray(DS, x, xo).fma(k0, s00);
                    s01 = DoubleVector.fromArray(DS, x, xo + DL).fma(k0, s01);
                }
                s00.intoArray(out, r * width + p);
                s01.intoArray(out, r * width + p + DL);
            }
        }
        for (int p = wide; p < narrow; p += DL) {
            for (int r = r0; r < end; r++) {
                final long b0 = r * rowBytes;
                DoubleVector s00 = zero;
                int xo = p;
                for (int c = 0; c < cols; c++, xo += width) {
                    s00 = DoubleVector.fromArray(DS, x, xo).fma(DoubleVector.broadcast(DS, k.get(F64, b0 + (long) c * Double.BYTES)), s00);
                }
                s00.intoArray(out, r * width + p);
            }
        }
        for (int p = narrow; p < width; p++) {
            for (int r = r0; r < end; r++) {
                final long b0 = r * rowBytes;
                double sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum = Math.fma(x[c * width + p], k.get(F64, b0 + (long) c * Double.BYTES), sum);
                }
                out[r * width + p] = sum;
            }
        }
    }

    @Override
    public void scalingStepF32(float[] sums, float[] w, float[] old, float[] next, float[] prod, int rows, int width,
                               float[] low, float[] high, float[] err) {
        final int bound = FS.loopBound(width);
        final FloatVector one = FloatVector.broadcast(FS, 1f);
        for (int r = 0; r < rows; r++) {
            final int o = r * width;
            for (int p = 0; p < bound; p += FL) {
                FloatVector sum = FloatVector.fromArray(FS, sums, o + p), wv = FloatVector.fromArray(FS, w, o + p);
                FloatVector.fromArray(FS, low, p).min(sum).intoArray(low, p);
                FloatVector.fromArray(FS, high, p).max(sum).intoArray(high, p);
                if (err != null) {
                    FloatVector e = FloatVector.fromArray(FS, old, o + p).fma(sum, one.neg()).mul(wv).abs();
                    FloatVector.fromArray(FS, err, p).add(e).intoArray(err, p);
                }
                FloatVector x = one.div(sum);
                x.intoArray(next, o + p);
                wv.mul(x).intoArray(prod, o + p);
            }
            for (int p = bound; p < width; p++) {
                float sum = sums[o + p];
                low[p] = Math.min(low[p], sum);
                high[p] = Math.max(high[p], sum);
                if (err != null) {
                    err[p] += Math.abs(w[o + p] * Math.fma(old[o + p], sum, -1f));
                }
                float x = 1f / sum;
                next[o + p] = x;
                prod[o + p] = w[o + p] * x;
            }
        }
    }

    @Override
    public void scalingStepF64(double[] sums, double[] w, double[] old, double[] next, double[] prod, int rows, int width,
                               double[] low, double[] high, double[] err) {
        final int bound = DS.loopBound(width);
        final DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        for (int r = 0; r < rows; r++) {
            final int o = r * width;
            for (int p = 0; p < bound; p += DL) {
                DoubleVector sum = DoubleVector.fromArray(DS, sums, o + p), wv = DoubleVector.fromArray(DS, w, o + p);
                DoubleVector.fromArray(DS, low, p).min(sum).intoArray(low, p);
                DoubleVector.fromArray(DS, high, p).max(sum).intoArray(high, p);
                if (err != null) {
                    DoubleVector e = DoubleVector.fromArray(DS, old, o + p).fma(sum, one.neg()).mul(wv).abs();
                    DoubleVector.fromArray(DS, err, p).add(e).intoArray(err, p);
                }
                DoubleVector x = one.div(sum);
                x.intoArray(next, o + p);
                wv.mul(x).intoArray(prod, o + p);
            }
            for (int p = bound; p < width; p++) {
                double sum = sums[o + p];
                low[p] = Math.min(low[p], sum);
                high[p] = Math.max(high[p], sum);
                if (err != null) {
                    err[p] += Math.abs(w[o + p] * Math.fma(old[o + p], sum, -1.0));
                }
                double x = 1 / sum;
                next[o + p] = x;
                prod[o + p] = w[o + p] * x;
            }
        }
    }

    /**
     * The damped scalings exp(x) of {@link #dampedScalingStepF64}: ∞ above 709, 0 below −708.3 (where {@link Math#exp}
     * is 0 or subnormal), NaN for NaN.
     */
    private static DoubleVector dampedExp(DoubleVector lg) {
        DoubleVector x = VectorMath.expOrZero(lg.min(709.0));
        return x.blend(Double.POSITIVE_INFINITY, lg.compare(VectorOperators.GT, 709.0)).blend(Double.NaN, lg.compare(VectorOperators.NE, lg));
    }

    // The damped steps run their vectors row by row in methods of their own: one pass with the logarithm, then one
    // with the exponential (the two in one method exceed C2's node budget for inlining, and a vector passed to a method
    // that is not inlined is boxed, which costs several times the arithmetic).

    @Override
    public void dampedScalingStepF32(float[] sums, float[] w, double[] logOld, double[] logNext, float[] next, float[] prod,
                                     int rows, int width, double[] logD, double[] logE, double tau, float[] low, float[] high,
                                     double[] logLow, double[] logHigh, double[] change) {
        if (FH.length() != DL) {
            ScalarKernels.INSTANCE.dampedScalingStepF32(sums, w, logOld, logNext, next, prod, rows, width, logD, logE, tau, low, high,
                    logLow, logHigh, change);
            return;
        }
        final int bound = DS.loopBound(width);
        for (int r = 0; r < rows; r++) {
            final int o = r * width;
            final double ld = logD[r];
            if (tau == 1) {
                balancedRowF32(sums, w, logOld, logNext, next, prod, o, bound, low, high, logLow, logHigh, change);
            } else {
                dampedRowF32(sums, w, logOld, logNext, o, bound, ld, logE, tau, low, high, logLow, logHigh, change);
                expRowF32(w, logNext, next, prod, o, bound);
            }
            for (int p = bound; p < width; p++) {
                float sum = sums[o + p];
                low[p] = Math.min(low[p], sum);
                high[p] = Math.max(high[p], sum);
                float x;
                double lg;
                if (tau == 1) {
                    x = 1f / sum;
                    lg = Math.log(x);
                } else {
                    lg = SinkhornKernels.dampedLog(ld + logE[p], tau, sum);
                    x = (float) Math.exp(lg);
                }
                if (change != null && w[o + p] > 0) {
                    change[p] = Math.max(change[p], Math.abs(lg - logOld[o + p]));
                }
                logLow[p] = Math.min(logLow[p], lg);
                logHigh[p] = Math.max(logHigh[p], lg);
                logNext[o + p] = lg;
                next[o + p] = x;
                prod[o + p] = w[o + p] * x;
            }
        }
    }

    /** The logarithms of one row of {@link #dampedScalingStepF32} with τ &lt; 1 (entries o to o + bound − 1). */
    private static void dampedRowF32(float[] sums, float[] w, double[] logOld, double[] logNext, int o, int bound, double ld,
                                     double[] logE, double tau, float[] low, float[] high, double[] logLow, double[] logHigh,
                                     double[] change) {
        final DoubleVector negTau = DoubleVector.broadcast(DS, -tau);
        for (int p = 0; p < bound; p += DL) {
            FloatVector sum = FloatVector.fromArray(FH, sums, o + p), wv = FloatVector.fromArray(FH, w, o + p);
            FloatVector.fromArray(FH, low, p).min(sum).intoArray(low, p);
            FloatVector.fromArray(FH, high, p).max(sum).intoArray(high, p);
            DoubleVector lg = VectorMath.log((DoubleVector) sum.convertShape(VectorOperators.F2D, DS, 0))
                    .fma(negTau, DoubleVector.fromArray(DS, logE, p).add(ld));
            if (change != null) {
                DoubleVector d = lg.sub(DoubleVector.fromArray(DS, logOld, o + p)).abs();
                var carries = ((DoubleVector) wv.convertShape(VectorOperators.F2D, DS, 0)).compare(VectorOperators.GT, 0.0);
                DoubleVector.fromArray(DS, change, p).max(d.blend(0.0, carries.not())).intoArray(change, p);
            }
            DoubleVector.fromArray(DS, logLow, p).min(lg).intoArray(logLow, p);
            DoubleVector.fromArray(DS, logHigh, p).max(lg).intoArray(logHigh, p);
            lg.intoArray(logNext, o + p);
        }
    }

    /** The scalings of one row of {@link #dampedScalingStepF32} from their logarithms: next = exp(x) in f32, prod = w·next. */
    private static void expRowF32(float[] w, double[] logNext, float[] next, float[] prod, int o, int bound) {
        for (int p = 0; p < bound; p += DL) {
            FloatVector x = (FloatVector) dampedExp(DoubleVector.fromArray(DS, logNext, o + p)).convertShape(VectorOperators.D2F, FH, 0);
            x.intoArray(next, o + p);
            FloatVector.fromArray(FH, w, o + p).mul(x).intoArray(prod, o + p);
        }
    }

    /** The vectors of one row of {@link #dampedScalingStepF32} with τ = 1: the balanced 1/sum in f32, and its logarithm. */
    private static void balancedRowF32(float[] sums, float[] w, double[] logOld, double[] logNext, float[] next, float[] prod, int o,
                                       int bound, float[] low, float[] high, double[] logLow, double[] logHigh, double[] change) {
        final FloatVector one = FloatVector.broadcast(FH, 1f);
        for (int p = 0; p < bound; p += DL) {
            FloatVector sum = FloatVector.fromArray(FH, sums, o + p), wv = FloatVector.fromArray(FH, w, o + p);
            FloatVector.fromArray(FH, low, p).min(sum).intoArray(low, p);
            FloatVector.fromArray(FH, high, p).max(sum).intoArray(high, p);
            FloatVector x = one.div(sum);
            DoubleVector lg = VectorMath.log((DoubleVector) x.convertShape(VectorOperators.F2D, DS, 0));
            if (change != null) {
                DoubleVector d = lg.sub(DoubleVector.fromArray(DS, logOld, o + p)).abs();
                var carries = ((DoubleVector) wv.convertShape(VectorOperators.F2D, DS, 0)).compare(VectorOperators.GT, 0.0);
                DoubleVector.fromArray(DS, change, p).max(d.blend(0.0, carries.not())).intoArray(change, p);
            }
            DoubleVector.fromArray(DS, logLow, p).min(lg).intoArray(logLow, p);
            DoubleVector.fromArray(DS, logHigh, p).max(lg).intoArray(logHigh, p);
            lg.intoArray(logNext, o + p);
            x.intoArray(next, o + p);
            wv.mul(x).intoArray(prod, o + p);
        }
    }

    @Override
    public void dampedScalingStepF64(double[] sums, double[] w, double[] logOld, double[] logNext, double[] next, double[] prod,
                                     int rows, int width, double[] logD, double[] logE, double tau, double[] low, double[] high,
                                     double[] logLow, double[] logHigh, double[] change) {
        final int bound = DS.loopBound(width);
        for (int r = 0; r < rows; r++) {
            final int o = r * width;
            final double ld = logD[r];
            if (tau == 1) {
                balancedRowF64(sums, w, logOld, logNext, next, prod, o, bound, low, high, logLow, logHigh, change);
            } else {
                dampedRowF64(sums, w, logOld, logNext, o, bound, ld, logE, tau, low, high, logLow, logHigh, change);
                expRowF64(w, logNext, next, prod, o, bound);
            }
            for (int p = bound; p < width; p++) {
                double sum = sums[o + p];
                low[p] = Math.min(low[p], sum);
                high[p] = Math.max(high[p], sum);
                double x, lg;
                if (tau == 1) {
                    x = 1 / sum;
                    lg = Math.log(x);
                } else {
                    lg = SinkhornKernels.dampedLog(ld + logE[p], tau, sum);
                    x = Math.exp(lg);
                }
                if (change != null && w[o + p] > 0) {
                    change[p] = Math.max(change[p], Math.abs(lg - logOld[o + p]));
                }
                logLow[p] = Math.min(logLow[p], lg);
                logHigh[p] = Math.max(logHigh[p], lg);
                logNext[o + p] = lg;
                next[o + p] = x;
                prod[o + p] = w[o + p] * x;
            }
        }
    }

    /** The logarithms of one row of {@link #dampedScalingStepF64} with τ &lt; 1. */
    private static void dampedRowF64(double[] sums, double[] w, double[] logOld, double[] logNext, int o, int bound, double ld,
                                     double[] logE, double tau, double[] low, double[] high, double[] logLow, double[] logHigh,
                                     double[] change) {
        final DoubleVector negTau = DoubleVector.broadcast(DS, -tau);
        for (int p = 0; p < bound; p += DL) {
            DoubleVector sum = DoubleVector.fromArray(DS, sums, o + p), wv = DoubleVector.fromArray(DS, w, o + p);
            DoubleVector.fromArray(DS, low, p).min(sum).intoArray(low, p);
            DoubleVector.fromArray(DS, high, p).max(sum).intoArray(high, p);
            DoubleVector lg = VectorMath.log(sum).fma(negTau, DoubleVector.fromArray(DS, logE, p).add(ld));
            if (change != null) {
                DoubleVector d = lg.sub(DoubleVector.fromArray(DS, logOld, o + p)).abs();
                DoubleVector.fromArray(DS, change, p).max(d.blend(0.0, wv.compare(VectorOperators.GT, 0.0).not())).intoArray(change, p);
            }
            DoubleVector.fromArray(DS, logLow, p).min(lg).intoArray(logLow, p);
            DoubleVector.fromArray(DS, logHigh, p).max(lg).intoArray(logHigh, p);
            lg.intoArray(logNext, o + p);
        }
    }

    /** The scalings of one row of {@link #dampedScalingStepF64} from their logarithms: next = exp(x), prod = w·next. */
    private static void expRowF64(double[] w, double[] logNext, double[] next, double[] prod, int o, int bound) {
        for (int p = 0; p < bound; p += DL) {
            DoubleVector x = dampedExp(DoubleVector.fromArray(DS, logNext, o + p));
            x.intoArray(next, o + p);
            DoubleVector.fromArray(DS, w, o + p).mul(x).intoArray(prod, o + p);
        }
    }

    /** The vectors of one row of {@link #dampedScalingStepF64} with τ = 1: the balanced 1/sum, and its logarithm. */
    private static void balancedRowF64(double[] sums, double[] w, double[] logOld, double[] logNext, double[] next, double[] prod, int o,
                                       int bound, double[] low, double[] high, double[] logLow, double[] logHigh, double[] change) {
        final DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        for (int p = 0; p < bound; p += DL) {
            DoubleVector sum = DoubleVector.fromArray(DS, sums, o + p), wv = DoubleVector.fromArray(DS, w, o + p);
            DoubleVector.fromArray(DS, low, p).min(sum).intoArray(low, p);
            DoubleVector.fromArray(DS, high, p).max(sum).intoArray(high, p);
            DoubleVector x = one.div(sum);
            DoubleVector lg = VectorMath.log(x);
            if (change != null) {
                DoubleVector d = lg.sub(DoubleVector.fromArray(DS, logOld, o + p)).abs();
                DoubleVector.fromArray(DS, change, p).max(d.blend(0.0, wv.compare(VectorOperators.GT, 0.0).not())).intoArray(change, p);
            }
            DoubleVector.fromArray(DS, logLow, p).min(lg).intoArray(logLow, p);
            DoubleVector.fromArray(DS, logHigh, p).max(lg).intoArray(logHigh, p);
            lg.intoArray(logNext, o + p);
            x.intoArray(next, o + p);
            wv.mul(x).intoArray(prod, o + p);
        }
    }

    @Override
    public void kernelResultStepF32(MemorySegment k, MemorySegment cost, int rows, int cols, double[] w, double[] c,
                                    double[] out, int costOffset, double[] t) {
        if (FH.length() != DL) {
            SinkhornKernels.super.kernelResultStepF32(k, cost, rows, cols, w, c, out, costOffset, t);
            return;
        }
        for (int r = 0; r < rows; r++) {
            out[costOffset + r] = resultRowF32(k, cost, (long) r * cols * Float.BYTES, cols, w, c[costOffset + r], t);
        }
    }

    /** One row of {@link #kernelResultStepF32} (at byte offset base, with row factor cr): its cost; t added to. */
    private static double resultRowF32(MemorySegment k, MemorySegment cost, long base, int cols, double[] w, double cr, double[] t) {
        final int bound = DS.loopBound(cols);
        final DoubleVector cv = DoubleVector.broadcast(DS, cr);
        DoubleVector acc = DoubleVector.zero(DS);
        for (int j = 0; j < bound; j += DL) {
            long at = base + (long) j * Float.BYTES;
            DoubleVector kv = (DoubleVector) FloatVector.fromMemorySegment(FH, k, at, ORDER).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector cc = (DoubleVector) FloatVector.fromMemorySegment(FH, cost, at, ORDER).convertShape(VectorOperators.F2D, DS, 0);
            acc = kv.mul(DoubleVector.fromArray(DS, w, j)).fma(cc, acc);
            kv.fma(cv, DoubleVector.fromArray(DS, t, j)).intoArray(t, j);
        }
        double sum = VectorMath.sum(acc);
        for (int j = bound; j < cols; j++) {
            long at = base + (long) j * Float.BYTES;
            double kv = k.get(F32, at);
            sum += kv * w[j] * cost.get(F32, at);
            t[j] += cr * kv;
        }
        return sum;
    }

    @Override
    public void kernelResultStepF64(MemorySegment k, MemorySegment cost, int rows, int cols, double[] w, double[] c,
                                    double[] out, int costOffset, double[] t) {
        final int bound = DS.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            final long base = (long) r * cols * Double.BYTES;
            final double cr = c[costOffset + r];
            final DoubleVector cv = DoubleVector.broadcast(DS, cr);
            DoubleVector acc = DoubleVector.zero(DS);
            for (int j = 0; j < bound; j += DL) {
                long at = base + (long) j * Double.BYTES;
                DoubleVector kv = DoubleVector.fromMemorySegment(DS, k, at, ORDER);
                DoubleVector cc = DoubleVector.fromMemorySegment(DS, cost, at, ORDER);
                acc = kv.mul(DoubleVector.fromArray(DS, w, j)).fma(cc, acc);
                kv.fma(cv, DoubleVector.fromArray(DS, t, j)).intoArray(t, j);
            }
            double sum = VectorMath.sum(acc);
            for (int j = bound; j < cols; j++) {
                long at = base + (long) j * Double.BYTES;
                double kv = k.get(F64, at);
                sum += kv * w[j] * cost.get(F64, at);
                t[j] += cr * kv;
            }
            out[costOffset + r] = sum;
        }
    }

    /**
     * Two rows of a at a time against four vectors of columns of b: eight independent accumulator chains, each row of
     * b loaded once for both rows; then single vectors of columns, then scalar columns, then a last odd row.
     */
    @Override
    public void productF64(MemorySegment a, int rows, int inner, MemorySegment b, int cols, MemorySegment out) {
        if (cols < 2 * DL) {
            SinkhornKernels.super.productF64(a, rows, inner, b, cols, out);
            return;
        }
        // (small methods, one loop nest each: C2 compiles each once, as a method, soon after the first calls, where a
        // single large method was compiled four times, twice by on-stack replacement)
        final int wide = 4 * DL;
        final int wideBound = cols - cols % wide, bound = DS.loopBound(cols);
        int r = 0;
        for (; r + 1 < rows; r += 2) {
            long a0 = (long) r * inner * Double.BYTES, a1 = a0 + (long) inner * Double.BYTES;
            int o0 = r * cols, o1 = o0 + cols;
            for (int j = 0; j < wideBound; j += wide) {
                productTile2x4F64(a, a0, a1, inner, b, cols, j, out, o0, o1);
            }
            for (int j = wideBound; j < bound; j += DL) {
                productTile2x1F64(a, a0, a1, inner, b, cols, j, out, o0, o1);
            }
            if (bound < cols) {
                productTailF64(a, a0, inner, b, cols, bound, out, o0);
                productTailF64(a, a1, inner, b, cols, bound, out, o1);
            }
        }
        for (; r < rows; r++) {
            long a0 = (long) r * inner * Double.BYTES;
            int o0 = r * cols;
            for (int j = 0; j < bound; j += DL) {
                productTile1x1F64(a, a0, inner, b, cols, j, out, o0);
            }
            if (bound < cols) {
                productTailF64(a, a0, inner, b, cols, bound, out, o0);
            }
        }
    }

    /** Rows a0, a1 of A times columns [j, j + 4·DL) of B into out rows o0, o1: a 2 × 4 register tile over the inner index. */
    private static void productTile2x4F64(MemorySegment a, long a0, long a1, int inner, MemorySegment b, int cols, int j,
                                          MemorySegment out, int o0, int o1) {
        DoubleVector p0 = DoubleVector.zero(DS), p1 = p0, p2 = p0, p3 = p0, q0 = p0, q1 = p0, q2 = p0, q3 = p0;
        for (int t = 0; t < inner; t++) {
            long bt = ((long) t * cols + j) * Double.BYTES;
            DoubleVector x = DoubleVector.broadcast(DS, a.get(F64, a0 + (long) t * Double.BYTES));
            DoubleVector y = DoubleVector.broadcast(DS, a.get(F64, a1 + (long) t * Double.BYTES));
            DoubleVector b0 = DoubleVector.fromMemorySegment(DS, b, bt, ORDER);
            DoubleVector b1 = DoubleVector.fromMemorySegment(DS, b, bt + (long) DL * Double.BYTES, ORDER);
            DoubleVector b2 = DoubleVector.fromMemorySegment(DS, b, bt + 2L * DL * Double.BYTES, ORDER);
            DoubleVector b3 = DoubleVector.fromMemorySegment(DS, b, bt + 3L * DL * Double.BYTES, ORDER);
            p0 = b0.fma(x, p0);
            p1 = b1.fma(x, p1);
            p2 = b2.fma(x, p2);
            p3 = b3.fma(x, p3);
            q0 = b0.fma(y, q0);
            q1 = b1.fma(y, q1);
            q2 = b2.fma(y, q2);
            q3 = b3.fma(y, q3);
        }
        p0.intoMemorySegment(out, (long) (o0 + j) * Double.BYTES, ORDER);
        p1.intoMemorySegment(out, (long) (o0 + j + DL) * Double.BYTES, ORDER);
        p2.intoMemorySegment(out, (long) (o0 + j + 2 * DL) * Double.BYTES, ORDER);
        p3.intoMemorySegment(out, (long) (o0 + j + 3 * DL) * Double.BYTES, ORDER);
        q0.intoMemorySegment(out, (long) (o1 + j) * Double.BYTES, ORDER);
        q1.intoMemorySegment(out, (long) (o1 + j + DL) * Double.BYTES, ORDER);
        q2.intoMemorySegment(out, (long) (o1 + j + 2 * DL) * Double.BYTES, ORDER);
        q3.intoMemorySegment(out, (long) (o1 + j + 3 * DL) * Double.BYTES, ORDER);
    }

    /** {@link #productTile2x4F64} for one vector of columns. */
    private static void productTile2x1F64(MemorySegment a, long a0, long a1, int inner, MemorySegment b, int cols, int j,
                                          MemorySegment out, int o0, int o1) {
        DoubleVector p = DoubleVector.zero(DS), q = p;
        for (int t = 0; t < inner; t++) {
            DoubleVector bv = DoubleVector.fromMemorySegment(DS, b, ((long) t * cols + j) * Double.BYTES, ORDER);
            p = bv.fma(DoubleVector.broadcast(DS, a.get(F64, a0 + (long) t * Double.BYTES)), p);
            q = bv.fma(DoubleVector.broadcast(DS, a.get(F64, a1 + (long) t * Double.BYTES)), q);
        }
        p.intoMemorySegment(out, (long) (o0 + j) * Double.BYTES, ORDER);
        q.intoMemorySegment(out, (long) (o1 + j) * Double.BYTES, ORDER);
    }

    /** One row of A times one vector of columns of B. */
    private static void productTile1x1F64(MemorySegment a, long a0, int inner, MemorySegment b, int cols, int j,
                                          MemorySegment out, int o0) {
        DoubleVector p = DoubleVector.zero(DS);
        for (int t = 0; t < inner; t++) {
            p = DoubleVector.fromMemorySegment(DS, b, ((long) t * cols + j) * Double.BYTES, ORDER)
                    .fma(DoubleVector.broadcast(DS, a.get(F64, a0 + (long) t * Double.BYTES)), p);
        }
        p.intoMemorySegment(out, (long) (o0 + j) * Double.BYTES, ORDER);
    }

    /** The columns [from, cols) past the vectors, for one row of A: scalar sums in the inner index's order. */
    private static void productTailF64(MemorySegment a, long a0, int inner, MemorySegment b, int cols, int from,
                                       MemorySegment out, int o0) {
        for (int j = from; j < cols; j++) {
            double p = 0;
            for (int t = 0; t < inner; t++) {
                p += a.get(F64, a0 + (long) t * Double.BYTES) * b.get(F64, ((long) t * cols + j) * Double.BYTES);
            }
            out.set(F64, (long) (o0 + j) * Double.BYTES, p);
        }
    }

    /** The logarithms with the Vector API's LOG (the JDK's vector math library where the CPU has one). */
    @Override
    public void logShiftF64(MemorySegment v, int rows, int cols, double[] rowShift, double[] colShift) {
        if (cols < 2 * DL) {
            SinkhornKernels.super.logShiftF64(v, rows, cols, rowShift, colShift);
            return;
        }
        for (int r = 0; r < rows; r++) {
            logShiftRowF64(v, (long) r * cols * Double.BYTES, cols, rowShift[r], colShift);
        }
    }

    /** One row of {@link #logShiftF64}, from byte offset base. */
    private static void logShiftRowF64(MemorySegment v, long base, int cols, double rowShift, double[] colShift) {
        final int bound = DS.loopBound(cols);
        final DoubleVector rs = DoubleVector.broadcast(DS, rowShift);
        for (int j = 0; j < bound; j += DL) {
            long at = base + (long) j * Double.BYTES;
            VectorMath.log(DoubleVector.fromMemorySegment(DS, v, at, ORDER))
                    .add(rs.add(DoubleVector.fromArray(DS, colShift, j))).intoMemorySegment(v, at, ORDER);
        }
        for (int j = bound; j < cols; j++) {
            long at = base + (long) j * Double.BYTES;
            v.set(F64, at, rowShift + colShift[j] + Math.log(v.get(F64, at)));
        }
    }
}
