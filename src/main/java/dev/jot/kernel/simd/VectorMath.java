package dev.jot.kernel.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exponentials, logarithms and sums built only from correctly rounded operations (add, multiply, fused
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

    /*
     * Clamps. FloatVector.max and min follow Math.max and min (−0 below +0, NaN wins), which C2 compiles on x86
     * to six instructions (a sign test, two blends, the min or max, a NaN test and a masked move) where the
     * kernels need one: in the column sums and the exponential these clamps were a third of the instructions of
     * the loop. A compare and a blend, x.blend(lo, x.compare(LT, lo)), give the same bits as x.max(lo) for any
     * bound lo that is neither NaN nor zero (NaN lanes stay NaN), in two instructions.
     * The kernels write this inline rather than call a helper: a helper's virtual calls on FloatVector are
     * devirtualised from the helper's own type profile, and a small helper that C1 compiled without one (tier 2,
     * when C2's queue is long) left C2 a virtual call there in about half of the JVMs, and the vectors boxed
     * (6x slower sweeps).
     */

    /** e^x for x ≤ 88, lane-wise; x below −87.3 gives about 1.2e-38. */
    static FloatVector exp(FloatVector x) {
        return LIBRARY_EXP ? x.lanewise(VectorOperators.EXP) : jotExp(x);
    }

    private static FloatVector jotExp(FloatVector x) {
        VectorSpecies<Float> s = x.species();
        FloatVector xc = x.blend(LOW_F, x.compare(VectorOperators.LT, LOW_F)); // x.max(LOW_F), see above
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
        DoubleVector xc = x.blend(LOW_D, x.compare(VectorOperators.LT, LOW_D)); // x.max(LOW_D)
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

    // log(1 + f) = f − f²/2 + s·(f²/2 + R(s²)), s = f/(2 + f): fdlibm's e_log.c minimax coefficients (error below 2^−58.45)
    private static final double LG1 = 6.666666666666735130e-01;
    private static final double LG2 = 3.999999999940941908e-01;
    private static final double LG3 = 2.857142874366239149e-01;
    private static final double LG4 = 2.222219843214978396e-01;
    private static final double LG5 = 1.818357216161805012e-01;
    private static final double LG6 = 1.531383769920937332e-01;
    private static final double LG7 = 1.479819860511658591e-01;
    private static final long MANTISSA_BITS = 0x000fffffffffffffL;
    private static final double SQRT2 = 1.4142135623730951;
    private static final double TWO52 = 0x1p52;
    private static final double TWO54 = 0x1p54;

    /**
     * The natural logarithm, lane-wise, from correctly rounded operations only (fdlibm's {@code e_log.c}: x = 2^k·m
     * with m in [√2/2, √2), log m from a degree-14 odd minimax polynomial in s = (m − 1)/(m + 1)): within about
     * 1 ulp of {@link Math#log} for every positive x, subnormals included (measured by {@code VectorMathTest});
     * log 0 = −∞, log ∞ = ∞, and NaN for negative x and NaN.
     */
    static DoubleVector log(DoubleVector x) {
        // (in three methods, each under C2's inlining limit for hot methods: a vector passed to a method that is not
        // inlined is boxed, and the boxing costs several times the arithmetic)
        var tiny = x.compare(VectorOperators.LT, Double.MIN_NORMAL);
        DoubleVector out = logNormal(x.blend(x.mul(TWO54), tiny), DoubleVector.zero(x.species()).blend(54.0, tiny));
        // the special values: log 0 = −∞, log ∞ = ∞, NaN for x < 0 and NaN
        out = out.blend(Double.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0.0));
        out = out.blend(Double.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
        return out.blend(Double.NaN, x.compare(VectorOperators.LT, 0.0).or(x.compare(VectorOperators.NE, x)));
    }

    /** log x for a normal positive x that was scaled by 2^scale: x = 2^k·m, m in [√2/2, √2). */
    private static DoubleVector logNormal(DoubleVector x, DoubleVector scale) {
        LongVector bits = x.reinterpretAsLongs();
        // m = the mantissa with exponent 0, in [1, 2); the biased exponent as a double, by the 2^52 trick
        DoubleVector m = bits.and(MANTISSA_BITS).or(1023L << 52).reinterpretAsDoubles();
        DoubleVector k = bits.lanewise(VectorOperators.LSHR, 52).or(0x4330000000000000L).reinterpretAsDoubles()
                .sub(TWO52 + 1023).sub(scale);
        // mantissas at or above √2 are halved, into [√2/2, 1), with the exponent one higher
        var high = m.compare(VectorOperators.GE, SQRT2);
        return logReduced(m.blend(m.mul(0.5), high), k.blend(k.add(1.0), high));
    }

    /** k·ln 2 + log m for m in [√2/2, √2): fdlibm's k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo)) − f). */
    private static DoubleVector logReduced(DoubleVector m, DoubleVector k) {
        VectorSpecies<Double> sp = m.species();
        DoubleVector f = m.sub(1.0);
        DoubleVector hfsq = f.mul(f).mul(0.5);
        DoubleVector sv = f.div(f.add(2.0));
        DoubleVector z = sv.mul(sv);
        DoubleVector w = z.mul(z);
        DoubleVector t1 = w.fma(DoubleVector.broadcast(sp, LG6), DoubleVector.broadcast(sp, LG4));
        t1 = t1.fma(w, DoubleVector.broadcast(sp, LG2)).mul(w);
        DoubleVector t2 = w.fma(DoubleVector.broadcast(sp, LG7), DoubleVector.broadcast(sp, LG5));
        t2 = t2.fma(w, DoubleVector.broadcast(sp, LG3));
        t2 = t2.fma(w, DoubleVector.broadcast(sp, LG1)).mul(z);
        DoubleVector inner = sv.mul(hfsq.add(t1.add(t2))).add(k.mul(LN2_LO_D));
        return k.mul(LN2_HI_D).sub(hfsq.sub(inner).sub(f));
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
