package dev.jot.kernel.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exponentials and sums built only from correctly rounded operations (add, multiply, fused
 * multiply-add, bit moves), so that they give the same bits whether C2 compiles them, C1 does, or the
 * interpreter runs them. The Vector API's {@code EXP} and {@code reduceLanes(ADD)} do not: the first
 * calls a vector math library once compiled and {@code Math.exp} before, the second adds lanes in an
 * order of its choosing. Deterministic kernels make results independent of the number of threads and
 * of how warm the JVM is.
 *
 * <p>{@code exp}: Cody–Waite reduction x = n·ln 2 + r, |r| ≤ ln 2/2, a polynomial for e^r (in f32 a
 * degree-5 minimax fit of the relative error, evaluated as five fused multiply-adds; degree 12 Taylor in
 * f64), and 2^n from exponent bits.
 * Largest relative error against {@link Math#exp}, measured by {@code VectorMathTest} over
 * [−87, 60] in f32 and [−708, 700] in f64 (the kernels pass exponents of at most 64): 1.6e-7 in f32
 * (about 1.5 ulp) and 4.7e-16 in f64 (about 2 ulp). Inputs below the
 * normal range (−87.3 in f32, −708 in f64; −∞ included) give a tiny positive number at most 2^−126 or
 * 2^−1022 (callers that need exact zeros use {@code expOrZero}); inputs above 88 / 709 are not allowed
 * (the kernels' exponents are at most their log-sum-exp slack).
 */
final class VectorMath {
    private VectorMath() {
    }

    private static final float LOG2E_F = 1.44269504088896341f;
    private static final float LN2_HI_F = 0.693359375f;
    private static final float LN2_LO_F = -2.12194440e-4f;
    private static final float MAGIC_F = 12582912f; // 1.5 * 2^23
    private static final int MAGIC_F_BITS = Float.floatToRawIntBits(MAGIC_F);
    private static final float LOW_F = -87.3f;

    /**
     * Whether {@code -Djot.exp=library} selected the Vector API's own {@code EXP} (a vector math library
     * once C2 compiles it: accurate to about 1 ulp, but its bits depend on the compilation state, so
     * results are no longer reproducible across runs and thread counts).
     */
    static final boolean LIBRARY_EXP = "library".equals(System.getProperty("jot.exp"));

    /** Which exponential the kernels use, for logs and benchmarks. */
    static String expName() {
        return LIBRARY_EXP ? "library" : "jot";
    }

    // e^r on [-ln2/2, ln2/2]: 1 + r·(C1 + r·(C2 + ...)), a degree-5 minimax fit of the relative error
    private static final float EC1 = 9.9999970198e-01f;
    private static final float EC2 = 4.9999150634e-01f;
    private static final float EC3 = 1.6667635739e-01f;
    private static final float EC4 = 4.1897937655e-02f;
    private static final float EC5 = 8.2903029397e-03f;

    /** e^x for x ≤ 88, lane-wise; x below −87.3 gives about 1.2e-38. */
    static FloatVector exp(FloatVector x) {
        return LIBRARY_EXP ? x.lanewise(VectorOperators.EXP) : jotExp(x);
    }

    private static FloatVector jotExp(FloatVector x) {
        VectorSpecies<Float> s = x.species();
        FloatVector xc = x.max(LOW_F);
        FloatVector t = xc.fma(FloatVector.broadcast(s, LOG2E_F), FloatVector.broadcast(s, MAGIC_F));
        FloatVector n = t.sub(MAGIC_F);
        FloatVector r = n.fma(FloatVector.broadcast(s, -LN2_HI_F), xc);
        r = n.fma(FloatVector.broadcast(s, -LN2_LO_F), r);
        FloatVector p = r.fma(FloatVector.broadcast(s, EC5), FloatVector.broadcast(s, EC4));
        p = p.fma(r, FloatVector.broadcast(s, EC3));
        p = p.fma(r, FloatVector.broadcast(s, EC2));
        p = p.fma(r, FloatVector.broadcast(s, EC1));
        p = p.fma(r, FloatVector.broadcast(s, 1f));
        IntVector bits = t.reinterpretAsInts().sub(MAGIC_F_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** {@link #exp(FloatVector)}, with exactly 0 for x below −87.3 (−∞ included). */
    static FloatVector expOrZero(FloatVector x) {
        return exp(x).blend(0f, x.compare(VectorOperators.LT, LOW_F));
    }

    private static final double LOG2E_D = 1.4426950408889634;
    private static final double LN2_HI_D = 6.93147180369123816490e-01;
    private static final double LN2_LO_D = 1.90821492927058770002e-10;
    private static final double MAGIC_D = 6755399441055744.0; // 1.5 * 2^52
    private static final long MAGIC_D_BITS = Double.doubleToRawLongBits(MAGIC_D);
    private static final double LOW_D = -708.3;

    /** e^x for x ≤ 709, lane-wise; x below −708.3 gives about 2.5e-308. */
    static DoubleVector exp(DoubleVector x) {
        return LIBRARY_EXP ? x.lanewise(VectorOperators.EXP) : jotExp(x);
    }

    private static DoubleVector jotExp(DoubleVector x) {
        VectorSpecies<Double> s = x.species();
        DoubleVector xc = x.max(LOW_D);
        DoubleVector t = xc.fma(DoubleVector.broadcast(s, LOG2E_D), DoubleVector.broadcast(s, MAGIC_D));
        DoubleVector n = t.sub(MAGIC_D);
        DoubleVector r = n.fma(DoubleVector.broadcast(s, -LN2_HI_D), xc);
        r = n.fma(DoubleVector.broadcast(s, -LN2_LO_D), r);
        // Taylor series of e^r to degree 12 (the remainder is below 2e-16 relative for |r| <= ln2/2)
        DoubleVector p = r.fma(DoubleVector.broadcast(s, 1.0 / 479001600), DoubleVector.broadcast(s, 1.0 / 39916800));
        p = p.fma(r, DoubleVector.broadcast(s, 1.0 / 3628800));
        p = p.fma(r, DoubleVector.broadcast(s, 1.0 / 362880));
        p = p.fma(r, DoubleVector.broadcast(s, 1.0 / 40320));
        p = p.fma(r, DoubleVector.broadcast(s, 1.0 / 5040));
        p = p.fma(r, DoubleVector.broadcast(s, 1.0 / 720));
        p = p.fma(r, DoubleVector.broadcast(s, 1.0 / 120));
        p = p.fma(r, DoubleVector.broadcast(s, 1.0 / 24));
        p = p.fma(r, DoubleVector.broadcast(s, 1.0 / 6));
        p = p.fma(r, DoubleVector.broadcast(s, 0.5));
        p = p.fma(r.mul(r), r.add(1.0));
        LongVector bits = t.reinterpretAsLongs().sub(MAGIC_D_BITS - 1023).lanewise(VectorOperators.LSHL, 52);
        return p.mul(bits.reinterpretAsDoubles());
    }

    /** {@link #exp(DoubleVector)}, with exactly 0 for x below −708.3 (−∞ included). */
    static DoubleVector expOrZero(DoubleVector x) {
        return exp(x).blend(0.0, x.compare(VectorOperators.LT, LOW_D));
    }

    /** The sum of the lanes, added in lane order (the same bits in every compilation mode). */
    static double sum(FloatVector v) {
        double s = 0;
        for (int k = 0; k < v.length(); k++) {
            s += v.lane(k);
        }
        return s;
    }

    /** The sum of the lanes, added in lane order. */
    static double sum(DoubleVector v) {
        double s = 0;
        for (int k = 0; k < v.length(); k++) {
            s += v.lane(k);
        }
        return s;
    }
}
