package dev.jot.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The Sinkhorn sweeps as TornadoVM tasks: {@code @Parallel} loops over (problem, row), each running the
 * online log-sum-exp of {@code sinkhorn.cl} over its row sequentially (a pair (m, s) with the sum of
 * exp(z − m), rescaled when a larger z comes). Costs are a stored matrix (C or Cᵀ) or computed from the
 * points (the rows' points row-major, the columns' points transposed). Potentials, log-sum-exps and
 * errors are in double; costs and the inner sums in float ({@code …F32}) or double ({@code …F64}).
 *
 * <p>{@code meta} = {rows, cols, problems, cStride, xStride, yStride, d, points (0/1), kind (0: |x−y|²,
 * 1: |x−y|, 2: |x−y|^p)}; {@code par} = {eps_0..eps_{B−1}, 1/eps_0..1/eps_{B−1}, p/2, NaN}; indices are int
 * (TornadoVM arrays), so n·m·B stays below 2³¹.
 *
 * <p>No kernel holds an infinite or NaN constant: TornadoVM 5.2.0 writes every ±∞ constant, double ones too,
 * as the float expression {@code 1.0F/0.0F} (Graal then fails to schedule the f32 kernels, and the f64 ones
 * call {@code isless} ambiguously) and {@code Double.NaN} as a bare {@code NaN}, which OpenCL C lacks. The
 * running maxima start from the most negative finite value instead, and the one NaN comes in as data
 * ({@code par}'s last entry).
 *
 * <p>Each {@code @Parallel} loop is bounded by an output array's {@code getSize()} (B·rows or B·cols), which
 * TornadoVM turns into a constant when it specialises the task, so the loop becomes the NDRange (one
 * work-item per (problem, row)). A bound read from {@code meta} is not known at compile time and makes
 * TornadoVM run the whole loop in a single work-item ("Dims: 0" in {@code -Dtornado.threadInfo=True}).
 */
final class TornadoKernels {
    static final int ROWS = 0, COLS = 1, PROBLEMS = 2, C_STRIDE = 3, X_STRIDE = 4, Y_STRIDE = 5, D = 6, POINTS = 7, KIND = 8;

    private TornadoKernels() {
    }

    /** h_j = log w_j + pot_j/ε (as float), over (problem, j). */
    static void scaleF32(DoubleArray logw, DoubleArray pot, DoubleArray par, IntArray meta, IntArray active, FloatArray h) {
        int len = meta.get(COLS), problems = meta.get(PROBLEMS);
        for (@Parallel int k = 0; k < h.getSize(); k++) {
            int p = k / len;
            if (active.get(p) != 0) {
                h.set(k, (float) (logw.get(k) + pot.get(k) * par.get(problems + p)));
            }
        }
    }

    /** {@link #scaleF32} in double. */
    static void scaleF64(DoubleArray logw, DoubleArray pot, DoubleArray par, IntArray meta, IntArray active, DoubleArray h) {
        int len = meta.get(COLS), problems = meta.get(PROBLEMS);
        for (@Parallel int k = 0; k < h.getSize(); k++) {
            int p = k / len;
            if (active.get(p) != 0) {
                h.set(k, logw.get(k) + pot.get(k) * par.get(problems + p));
            }
        }
    }

    /**
     * lse_i = log Σ_j exp(h_j − C_ij/ε), pot_i = −ε·lse_i and err_i = w_i·|expm1(potSelf_i/ε + lse_i)| (NaN if
     * the new potential is not finite), for each active (problem, row).
     */
    static void lseF32(FloatArray c, FloatArray x, FloatArray yT, IntArray meta, FloatArray h, DoubleArray par,
                       DoubleArray wSelf, DoubleArray potSelf, IntArray active, DoubleArray potOut, DoubleArray lseOut,
                       DoubleArray errOut) {
        int rows = meta.get(ROWS), cols = meta.get(COLS), problems = meta.get(PROBLEMS), d = meta.get(D);
        int points = meta.get(POINTS), kind = meta.get(KIND);
        float halfP = (float) par.get(2 * problems);
        for (@Parallel int k = 0; k < potOut.getSize(); k++) {
            int p = k / rows;
            int i = k - p * rows;
            if (active.get(p) != 0) {
                float ie = (float) par.get(problems + p);
                int cBase = p * meta.get(C_STRIDE) + i * cols;
                int xBase = p * meta.get(X_STRIDE) + i * d;
                int yBase = p * meta.get(Y_STRIDE);
                float m = -Float.MAX_VALUE;
                float s = 0f;
                for (int j = 0; j < cols; j++) {
                    float cost;
                    if (points == 0) {
                        cost = c.get(cBase + j);
                    } else {
                        float sq = 0f;
                        for (int q = 0; q < d; q++) {
                            float t = x.get(xBase + q) - yT.get(yBase + q * cols + j);
                            sq += t * t;
                        }
                        cost = kind == 0 ? sq : kind == 1 ? TornadoMath.sqrt(sq) : TornadoMath.pow(sq, halfP);
                    }
                    float z = h.get(p * cols + j) - ie * cost;
                    if (z > m) {
                        s = s * TornadoMath.exp(m - z) + 1f;
                        m = z;
                    } else if (z >= -Float.MAX_VALUE) {
                        s += TornadoMath.exp(z - m);
                    }
                }
                // s = 0 (no finite term) gives log 0 = −∞
                double l = m + TornadoMath.log((double) s);
                finish(k, l, par.get(p), par.get(problems + p), par.get(2 * problems + 1), wSelf, potSelf, potOut, lseOut, errOut);
            }
        }
    }

    /** {@link #lseF32} in double. */
    static void lseF64(DoubleArray c, DoubleArray x, DoubleArray yT, IntArray meta, DoubleArray h, DoubleArray par,
                       DoubleArray wSelf, DoubleArray potSelf, IntArray active, DoubleArray potOut, DoubleArray lseOut,
                       DoubleArray errOut) {
        int rows = meta.get(ROWS), cols = meta.get(COLS), problems = meta.get(PROBLEMS), d = meta.get(D);
        int points = meta.get(POINTS), kind = meta.get(KIND);
        double halfP = par.get(2 * problems);
        for (@Parallel int k = 0; k < potOut.getSize(); k++) {
            int p = k / rows;
            int i = k - p * rows;
            if (active.get(p) != 0) {
                double ie = par.get(problems + p);
                int cBase = p * meta.get(C_STRIDE) + i * cols;
                int xBase = p * meta.get(X_STRIDE) + i * d;
                int yBase = p * meta.get(Y_STRIDE);
                double m = -Double.MAX_VALUE;
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    double cost;
                    if (points == 0) {
                        cost = c.get(cBase + j);
                    } else {
                        double sq = 0;
                        for (int q = 0; q < d; q++) {
                            double t = x.get(xBase + q) - yT.get(yBase + q * cols + j);
                            sq += t * t;
                        }
                        cost = kind == 0 ? sq : kind == 1 ? sqrtF64(sq) : TornadoMath.pow(sq, halfP);
                    }
                    double z = h.get(p * cols + j) - ie * cost;
                    if (z > m) {
                        s = s * TornadoMath.exp(m - z) + 1;
                        m = z;
                    } else if (z >= -Double.MAX_VALUE) {
                        s += TornadoMath.exp(z - m);
                    }
                }
                double l = m + TornadoMath.log(s);
                finish(k, l, par.get(p), ie, par.get(2 * problems + 1), wSelf, potSelf, potOut, lseOut, errOut);
            }
        }
    }

    private static void finish(int k, double l, double eps, double invEps, double nan, DoubleArray wSelf,
                               DoubleArray potSelf, DoubleArray potOut, DoubleArray lseOut, DoubleArray errOut) {
        double pot = -eps * l;
        potOut.set(k, pot);
        lseOut.set(k, l);
        double w = wSelf.get(k);
        double e = 0;
        if (!(TornadoMath.abs(pot) <= Double.MAX_VALUE)) {
            e = nan;
        } else if (w > 0) {
            double t = potSelf.get(k) * invEps + l;
            // expm1 for small t by its series, accurate to double rounding for |t| < 1e-5
            double em1 = TornadoMath.abs(t) < 1e-5 ? t + 0.5 * t * t : TornadoMath.exp(t) - 1;
            e = w * TornadoMath.abs(em1);
        }
        errOut.set(k, e);
    }

    /**
     * √v to double accuracy. TornadoVM (by default, {@code tornado.enable.nativeFunctions}) emits
     * {@code native_sqrt}, which is only float-accurate; one Newton step r ← (r + v/r)/2 squares its relative
     * error (1e-7 → 1e-14 and below). v = 0 stays 0.
     */
    private static double sqrtF64(double v) {
        double r = TornadoMath.sqrt(v);
        if (r > 0) {
            r = 0.5 * (r + v / r);
        }
        return r;
    }

    /** The plan sums of the row-normalised plan: norm_i = Σ_j exp(h_j − C_ij/ε − lse_i), cost_i = Σ_j (that)·C_ij. */
    static void planF32(FloatArray c, FloatArray x, FloatArray yT, IntArray meta, FloatArray h, DoubleArray par,
                        DoubleArray lse, DoubleArray normOut, DoubleArray costOut) {
        int rows = meta.get(ROWS), cols = meta.get(COLS), problems = meta.get(PROBLEMS), d = meta.get(D);
        int points = meta.get(POINTS), kind = meta.get(KIND);
        float halfP = (float) par.get(2 * problems);
        for (@Parallel int k = 0; k < normOut.getSize(); k++) {
            int p = k / rows;
            int i = k - p * rows;
            float ie = (float) par.get(problems + p);
            float shift = (float) -lse.get(k);
            int cBase = p * meta.get(C_STRIDE) + i * cols;
            int xBase = p * meta.get(X_STRIDE) + i * d;
            int yBase = p * meta.get(Y_STRIDE);
            double sn = 0, sc = 0;
            for (int j = 0; j < cols; j++) {
                float cost;
                if (points == 0) {
                    cost = c.get(cBase + j);
                } else {
                    float sq = 0f;
                    for (int q = 0; q < d; q++) {
                        float t = x.get(xBase + q) - yT.get(yBase + q * cols + j);
                        sq += t * t;
                    }
                    cost = kind == 0 ? sq : kind == 1 ? TornadoMath.sqrt(sq) : TornadoMath.pow(sq, halfP);
                }
                float e = TornadoMath.exp(h.get(p * cols + j) - ie * cost + shift);
                sn += e;
                sc += (double) e * cost;
            }
            normOut.set(k, sn);
            costOut.set(k, sc);
        }
    }

    /** {@link #planF32} in double. */
    static void planF64(DoubleArray c, DoubleArray x, DoubleArray yT, IntArray meta, DoubleArray h, DoubleArray par,
                        DoubleArray lse, DoubleArray normOut, DoubleArray costOut) {
        int rows = meta.get(ROWS), cols = meta.get(COLS), problems = meta.get(PROBLEMS), d = meta.get(D);
        int points = meta.get(POINTS), kind = meta.get(KIND);
        double halfP = par.get(2 * problems);
        for (@Parallel int k = 0; k < normOut.getSize(); k++) {
            int p = k / rows;
            int i = k - p * rows;
            double ie = par.get(problems + p);
            double shift = -lse.get(k);
            int cBase = p * meta.get(C_STRIDE) + i * cols;
            int xBase = p * meta.get(X_STRIDE) + i * d;
            int yBase = p * meta.get(Y_STRIDE);
            double sn = 0, sc = 0;
            for (int j = 0; j < cols; j++) {
                double cost;
                if (points == 0) {
                    cost = c.get(cBase + j);
                } else {
                    double sq = 0;
                    for (int q = 0; q < d; q++) {
                        double t = x.get(xBase + q) - yT.get(yBase + q * cols + j);
                        sq += t * t;
                    }
                    cost = kind == 0 ? sq : kind == 1 ? sqrtF64(sq) : TornadoMath.pow(sq, halfP);
                }
                double e = TornadoMath.exp(h.get(p * cols + j) - ie * cost + shift);
                sn += e;
                sc += e * cost;
            }
            normOut.set(k, sn);
            costOut.set(k, sc);
        }
    }
}
