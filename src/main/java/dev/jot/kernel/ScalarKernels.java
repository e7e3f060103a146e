package dev.jot.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference kernels: plain loops in double precision whatever the tile's precision. Always
 * available, used where the Vector API is not, and the oracle the vector kernels are tested against.
 */
public final class ScalarKernels implements SinkhornKernels {
    /** The single instance. */
    public static final ScalarKernels INSTANCE = new ScalarKernels();

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private ScalarKernels() {
    }

    /** |x_row − y_j|² in double, from row-major x (offset xi) and the transposed column coordinates yT. */
    private static double squaredDistance(float[] x, int xi, int d, float[] yT, int cols, int j) {
        double s = 0;
        for (int c = 0; c < d; c++) {
            double t = (double) x[xi + c] - yT[c * cols + j];
            s += t * t;
        }
        return s;
    }

    /** {@link #squaredDistance(float[], int, int, float[], int, int)} in f64. */
    private static double squaredDistance(double[] x, int xi, int d, double[] yT, int cols, int j) {
        double s = 0;
        for (int c = 0; c < d; c++) {
            double t = x[xi + c] - yT[c * cols + j];
            s += t * t;
        }
        return s;
    }

    /**
     * An online log-sum-exp: the running maximum and the sum rescaled to it, updated term by term, so
     * that no exponential overflows and the costs are read once.
     */
    private static final class OnlineLse {
        double max = Double.NEGATIVE_INFINITY;
        double sum;

        void add(double z) {
            if (z > max) {
                sum = sum * Math.exp(max - z) + 1.0;
                max = z;
            } else if (z != Double.NEGATIVE_INFINITY) {
                sum += Math.exp(z - max);
            }
        }

        double value() {
            return max + Math.log(sum);
        }
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void logSumExpF32(MemorySegment tile, int rows, int cols, float[] h, float invEps, double[] out, int outOffset) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            OnlineLse lse = new OnlineLse();
            for (int j = 0; j < cols; j++) {
                double z = h[j] - (double) invEps * tile.getAtIndex(F32, base + j);
                lse.add(z);
            }
            out[outOffset + r] = lse.value();
        }
    }

    @Override
    public void logSumExpF64(MemorySegment tile, int rows, int cols, double[] h, double invEps, double[] out, int outOffset) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            OnlineLse lse = new OnlineLse();
            for (int j = 0; j < cols; j++) {
                double z = h[j] - invEps * tile.getAtIndex(F64, base + j);
                lse.add(z);
            }
            out[outOffset + r] = lse.value();
        }
    }

    @Override
    public void planSumsF32(MemorySegment tile, int rows, int cols, float[] h, float invEps,
                            double[] shift, double[] mass, double[] cost, int offset) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double s = shift[offset + r], ms = 0, cs = 0;
            for (int j = 0; j < cols; j++) {
                double c = tile.getAtIndex(F32, base + j);
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
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double s = shift[offset + r], ms = 0, cs = 0;
            for (int j = 0; j < cols; j++) {
                double c = tile.getAtIndex(F64, base + j);
                double p = Math.exp(s + h[j] - invEps * c);
                ms += p;
                cs += p * c;
            }
            mass[offset + r] = ms;
            cost[offset + r] = cs;
        }
    }

    @Override
    public void squaredDistancesF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt, MemorySegment tile) {
        long k = 0;
        for (int r = 0; r < rows; r++) {
            int xi = (r0 + r) * d;
            for (int j = 0; j < cols; j++, k++) {
                double s = squaredDistance(x, xi, d, yT, cols, j);
                tile.setAtIndex(F32, k, (float) (sqrt ? Math.sqrt(s) : s));
            }
        }
    }

    @Override
    public void squaredDistancesF64(double[] x, int r0, int rows, int d, double[] yT, int cols, boolean sqrt, MemorySegment tile) {
        long k = 0;
        for (int r = 0; r < rows; r++) {
            int xi = (r0 + r) * d;
            for (int j = 0; j < cols; j++, k++) {
                double s = squaredDistance(x, xi, d, yT, cols, j);
                tile.setAtIndex(F64, k, sqrt ? Math.sqrt(s) : s);
            }
        }
    }

    @Override
    public void logSumExpPointsF32(float[] x, int r0, int rows, int d, float[] yT, int cols, boolean sqrt,
                                   float[] h, float invEps, double[] out, int outOffset) {
        for (int r = 0; r < rows; r++) {
            int xi = (r0 + r) * d;
            OnlineLse lse = new OnlineLse();
            for (int j = 0; j < cols; j++) {
                double s = squaredDistance(x, xi, d, yT, cols, j);
                double cost = (float) (sqrt ? Math.sqrt(s) : s);
                double z = h[j] - (double) invEps * cost;
                lse.add(z);
            }
            out[outOffset + r] = lse.value();
        }
    }

    @Override
    public void logSumExpPointsF64(double[] x, int r0, int rows, int d, double[] yT, int cols, boolean sqrt,
                                   double[] h, double invEps, double[] out, int outOffset) {
        for (int r = 0; r < rows; r++) {
            int xi = (r0 + r) * d;
            OnlineLse lse = new OnlineLse();
            for (int j = 0; j < cols; j++) {
                double s = squaredDistance(x, xi, d, yT, cols, j);
                double z = h[j] - invEps * (sqrt ? Math.sqrt(s) : s);
                lse.add(z);
            }
            out[outOffset + r] = lse.value();
        }
    }

    @Override
    public void columnMaxF32(MemorySegment tile, int rows, int cols, float[] hc, int hcOffset, float invEps, float[] max) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double h = hc[hcOffset + r];
            for (int j = 0; j < cols; j++) {
                double z = h - (double) invEps * tile.getAtIndex(F32, base + j);
                if (z > max[j]) {
                    max[j] = (float) z;
                }
            }
        }
    }

    @Override
    public void columnMaxF64(MemorySegment tile, int rows, int cols, double[] hc, int hcOffset, double invEps, double[] max) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double h = hc[hcOffset + r];
            for (int j = 0; j < cols; j++) {
                max[j] = Math.max(max[j], h - invEps * tile.getAtIndex(F64, base + j));
            }
        }
    }

    @Override
    public void columnSumExpF32(MemorySegment tile, int rows, int cols, float[] hc, int hcOffset, float invEps,
                                float[] shift, float[] acc) {
        for (int j = 0; j < cols; j++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                double z = hc[hcOffset + r] - (double) invEps * tile.getAtIndex(F32, (long) r * cols + j) - shift[j];
                s += Math.exp(Math.min(z, 64.0));
            }
            acc[j] = (float) (acc[j] + s);
        }
    }

    @Override
    public void columnSumExpF64(MemorySegment tile, int rows, int cols, double[] hc, int hcOffset, double invEps,
                                double[] shift, double[] acc) {
        for (int j = 0; j < cols; j++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                double z = hc[hcOffset + r] - invEps * tile.getAtIndex(F64, (long) r * cols + j) - shift[j];
                s += Math.exp(Math.min(z, 600.0));
            }
            acc[j] += s;
        }
    }

    @Override
    public void expTileF64(MemorySegment cost, int rows, int cols, double[] rowH, int rowOffset, double[] colH, double invEps,
                           MemorySegment out) {
        for (int r = 0; r < rows; r++) {
            double h = rowH[rowOffset + r];
            long base = (long) r * cols;
            for (int j = 0; j < cols; j++) {
                double z = h + colH[j] - invEps * cost.getAtIndex(F64, base + j);
                out.setAtIndex(F64, base + j, z < -708.3 ? 0.0 : Math.exp(z));
            }
        }
    }

    @Override
    public void rowDotF64(MemorySegment w, int rows, int cols, double[] v, int vOffset, double[] out, int outOffset) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += w.getAtIndex(F64, base + j) * v[vOffset + j];
            }
            out[outOffset + r] += s;
        }
    }

    @Override
    public void columnAxpyF64(MemorySegment w, int rows, int cols, double[] u, int uOffset, int uStride, double[] out) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double c = u[uOffset + r * uStride];
            for (int j = 0; j < cols; j++) {
                out[j] += c * w.getAtIndex(F64, base + j);
            }
        }
    }

    @Override
    public void kernelRowStepF32(MemorySegment k, int rows, int cols, float[] w, double[] a, double[] s, int sOffset, float[] t) {
        rowStepF32(k, rows, cols, w, a, null, 1, s, sOffset, t);
    }

    @Override
    public void kernelRowStepF64(MemorySegment k, int rows, int cols, double[] w, double[] a, double[] s, int sOffset, double[] t) {
        rowStepF64(k, rows, cols, w, a, null, 1, s, sOffset, t);
    }

    @Override
    public void kernelRowStepDampedF32(MemorySegment k, int rows, int cols, float[] w, double[] a, double[] logD, double tau,
                                       double[] s, int sOffset, float[] t) {
        rowStepF32(k, rows, cols, w, a, java.util.Objects.requireNonNull(logD, "logD"), tau, s, sOffset, t);
    }

    @Override
    public void kernelRowStepDampedF64(MemorySegment k, int rows, int cols, double[] w, double[] a, double[] logD, double tau,
                                       double[] s, int sOffset, double[] t) {
        rowStepF64(k, rows, cols, w, a, java.util.Objects.requireNonNull(logD, "logD"), tau, s, sOffset, t);
    }

    /** The row step, balanced ({@code logD == null}) or damped: see {@link SinkhornKernels#rowCoefficientF32}. */
    private static void rowStepF32(MemorySegment k, int rows, int cols, float[] w, double[] a, double[] logD, double tau,
                                   double[] s, int sOffset, float[] t) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            float sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += k.getAtIndex(F32, base + j) * w[j];
            }
            s[sOffset + r] = sum;
            float c = SinkhornKernels.rowCoefficientF32(a[sOffset + r], sum, logD, sOffset + r, tau);
            if (c == 0) {
                continue;
            }
            for (int j = 0; j < cols; j++) {
                t[j] += c * k.getAtIndex(F32, base + j);
            }
        }
    }

    /** {@link #rowStepF32} in f64. */
    private static void rowStepF64(MemorySegment k, int rows, int cols, double[] w, double[] a, double[] logD, double tau,
                                   double[] s, int sOffset, double[] t) {
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += k.getAtIndex(F64, base + j) * w[j];
            }
            s[sOffset + r] = sum;
            double c = SinkhornKernels.rowCoefficientF64(a[sOffset + r], sum, logD, sOffset + r, tau);
            if (c == 0) {
                continue;
            }
            for (int j = 0; j < cols; j++) {
                t[j] += c * k.getAtIndex(F64, base + j);
            }
        }
    }

    @Override
    public void batchProductF32(MemorySegment k, int cols, int r0, int rows, float[] x, int width, float[] out) {
        double[] acc = new double[width];
        for (int r = r0; r < r0 + rows; r++) {
            java.util.Arrays.fill(acc, 0);
            long base = (long) r * cols;
            for (int c = 0; c < cols; c++) {
                double kv = k.getAtIndex(F32, base + c);
                int xo = c * width;
                for (int p = 0; p < width; p++) {
                    acc[p] += kv * x[xo + p];
                }
            }
            for (int p = 0; p < width; p++) {
                out[r * width + p] = (float) acc[p];
            }
        }
    }

    @Override
    public void batchProductF64(MemorySegment k, int cols, int r0, int rows, double[] x, int width, double[] out) {
        for (int r = r0; r < r0 + rows; r++) {
            java.util.Arrays.fill(out, r * width, (r + 1) * width, 0.0);
            long base = (long) r * cols;
            for (int c = 0; c < cols; c++) {
                double kv = k.getAtIndex(F64, base + c);
                int xo = c * width, oo = r * width;
                for (int p = 0; p < width; p++) {
                    out[oo + p] += kv * x[xo + p];
                }
            }
        }
    }

    @Override
    public void scalingStepF32(float[] sums, float[] w, float[] old, float[] next, float[] prod, int rows, int width,
                               float[] low, float[] high, float[] err) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            for (int p = 0; p < width; p++) {
                float sum = sums[o + p];
                low[p] = Math.min(low[p], sum);
                high[p] = Math.max(high[p], sum);
                if (err != null) {
                    err[p] += Math.abs(w[o + p] * (old[o + p] * sum - 1f));
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
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            for (int p = 0; p < width; p++) {
                double sum = sums[o + p];
                low[p] = Math.min(low[p], sum);
                high[p] = Math.max(high[p], sum);
                if (err != null) {
                    err[p] += Math.abs(w[o + p] * (old[o + p] * sum - 1));
                }
                double x = 1 / sum;
                next[o + p] = x;
                prod[o + p] = w[o + p] * x;
            }
        }
    }

    @Override
    public void dampedScalingStepF32(float[] sums, float[] w, double[] logOld, double[] logNext, float[] next, float[] prod,
                                     int rows, int width, double[] logD, double[] logE, double tau, float[] low, float[] high,
                                     double[] logLow, double[] logHigh, double[] change) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            for (int p = 0; p < width; p++) {
                float sum = sums[o + p];
                low[p] = Math.min(low[p], sum);
                high[p] = Math.max(high[p], sum);
                float x;
                double lg;
                if (tau == 1) {
                    x = 1f / sum;
                    lg = Math.log(x);
                } else {
                    lg = SinkhornKernels.dampedLog(logD[r] + logE[p], tau, sum);
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

    @Override
    public void dampedScalingStepF64(double[] sums, double[] w, double[] logOld, double[] logNext, double[] next, double[] prod,
                                     int rows, int width, double[] logD, double[] logE, double tau, double[] low, double[] high,
                                     double[] logLow, double[] logHigh, double[] change) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            for (int p = 0; p < width; p++) {
                double sum = sums[o + p];
                low[p] = Math.min(low[p], sum);
                high[p] = Math.max(high[p], sum);
                double x, lg;
                if (tau == 1) {
                    x = 1 / sum;
                    lg = Math.log(x);
                } else {
                    lg = SinkhornKernels.dampedLog(logD[r] + logE[p], tau, sum);
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
}
