package dev.jot.kernel.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;

/**
 * The accuracy of the kernels' own exponentials against {@link Math#exp}, over the whole range the
 * kernels pass them (exponents shifted by a maximum: at most 0, down to the underflow limit; with some
 * room above 0), and their behaviour below it.
 */
class VectorMathTest {

    @BeforeAll
    static void needsVectorModule() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "jdk.incubator.vector is not present");
    }

    private static double relError(double got, double want) {
        return Math.abs(got - want) / want;
    }

    @Test
    void f32ExponentialIsWithinAboutOneUlpOverItsRange() {
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        float[] x = new float[lanes], y = new float[lanes];
        double worst = 0;
        float worstAt = 0;
        int samples = 2_000_000;
        for (int k = 0; k < samples; k += lanes) {
            for (int l = 0; l < lanes; l++) {
                x[l] = (float) (-87.0 + 147.0 * (k + l) / samples); // [-87, 60]
            }
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
            for (int l = 0; l < lanes; l++) {
                double e = relError(y[l], Math.exp(x[l]));
                if (e > worst) {
                    worst = e;
                    worstAt = x[l];
                }
            }
        }
        System.out.printf("f32 exp: largest relative error %.3g at x = %s%n", worst, worstAt);
        assertTrue(worst < 2e-7, "largest relative error " + worst + " at " + worstAt);
    }

    @Test
    void f64ExponentialIsWithinTwoUlpsOverItsRange() {
        int lanes = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED.length();
        double[] x = new double[lanes], y = new double[lanes];
        double worst = 0, worstAt = 0;
        int samples = 2_000_000;
        for (int k = 0; k < samples; k += lanes) {
            for (int l = 0; l < lanes; l++) {
                x[l] = -708.0 + 1408.0 * (k + l) / samples; // [-708, 700]
            }
            VectorMath.exp(jdk.incubator.vector.DoubleVector.fromArray(jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
            for (int l = 0; l < lanes; l++) {
                double e = relError(y[l], Math.exp(x[l]));
                if (e > worst) {
                    worst = e;
                    worstAt = x[l];
                }
            }
        }
        System.out.printf("f64 exp: largest relative error %.3g at x = %s%n", worst, worstAt);
        assertTrue(worst < 5e-16, "largest relative error " + worst + " at " + worstAt);
    }

    @Test
    void belowTheNormalRangeExpOrZeroGivesZeroAndExpATinyNumber() {
        var fs = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        var ds = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED;
        for (float v : new float[]{-88f, -1e4f, -1e30f, Float.NEGATIVE_INFINITY}) {
            var x = jdk.incubator.vector.FloatVector.broadcast(fs, v);
            assertEquals(0f, VectorMath.expOrZero(x).lane(0), "expOrZero(" + v + ")");
            float tiny = VectorMath.exp(x).lane(0);
            assertTrue(tiny > 0 && tiny < 2e-38f, "exp(" + v + ") = " + tiny);
        }
        for (double v : new double[]{-709.0, -1e5, -1e300, Double.NEGATIVE_INFINITY}) {
            var x = jdk.incubator.vector.DoubleVector.broadcast(ds, v);
            assertEquals(0.0, VectorMath.expOrZero(x).lane(0), "expOrZero(" + v + ")");
            double tiny = VectorMath.exp(x).lane(0);
            assertTrue(tiny > 0 && tiny < 3e-308, "exp(" + v + ") = " + tiny);
        }
        assertEquals(1f, VectorMath.exp(jdk.incubator.vector.FloatVector.zero(fs)).lane(0));
        assertEquals(1.0, VectorMath.exp(jdk.incubator.vector.DoubleVector.zero(ds)).lane(0));
    }

    @Test
    void f64LogarithmIsWithinAnUlpOfMathLogEverywhereAndHasTheSpecialValues() {
        var ds = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED;
        int lanes = ds.length();
        double[] x = new double[lanes], y = new double[lanes];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        double worst = 0, worstAt = 0;
        int samples = 1_000_000;
        for (int k = 0; k < samples; k += lanes) {
            for (int l = 0; l < lanes; l++) {
                int which = (k / lanes) % 4;
                // logarithmically spread over the whole range (subnormals included), near 1, near sqrt(2), and at random
                x[l] = which == 0 ? Math.exp(-744 + 1453 * rnd.nextDouble()) : which == 1 ? 1 + 1e-3 * (rnd.nextDouble() - 0.5)
                        : which == 2 ? Math.sqrt(2) * (1 + 1e-9 * (rnd.nextDouble() - 0.5)) : Double.MIN_VALUE * (1 + rnd.nextInt(1 << 20));
            }
            VectorMath.log(jdk.incubator.vector.DoubleVector.fromArray(ds, x, 0)).intoArray(y, 0);
            for (int l = 0; l < lanes; l++) {
                double want = Math.log(x[l]);
                double e = Math.abs(y[l] - want) / Math.ulp(want);
                if (e > worst) {
                    worst = e;
                    worstAt = x[l];
                }
            }
        }
        System.out.printf("f64 log: largest error %.3g ulp at x = %s%n", worst, worstAt);
        assertTrue(worst <= 1, "largest error " + worst + " ulp at " + worstAt);
        double[] special = {0.0, -0.0, Double.POSITIVE_INFINITY, -1.0, Double.NaN, Double.NEGATIVE_INFINITY, 1.0, Double.MIN_VALUE};
        double[] in = new double[lanes], out = new double[lanes];
        for (int k = 0; k < special.length; k++) {
            java.util.Arrays.fill(in, special[k]);
            VectorMath.log(jdk.incubator.vector.DoubleVector.fromArray(ds, in, 0)).intoArray(out, 0);
            assertEquals(Math.log(special[k]), out[0], "log(" + special[k] + ")");
        }
    }

    @Test
    void laneSumsAddInLaneOrder() {
        var ds = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED;
        double[] v = new double[ds.length()];
        v[0] = 1e16;
        for (int l = 1; l < v.length; l++) {
            v[l] = 1.0;
        }
        double want = 0;
        for (double d : v) {
            want += d;
        }
        assertEquals(want, VectorMath.sum(jdk.incubator.vector.DoubleVector.fromArray(ds, v, 0)));
    }

    /** Values that tell Java's max and min from plain compares: NaNs of both signs, ±0, ±∞, subnormals, the bounds and their neighbours. */
    private static float[] awkwardFloats() {
        float[] special = {Float.NaN, Float.intBitsToFloat(0xffc00000), 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, -87.3f, Math.nextDown(-87.3f),
                Math.nextUp(-87.3f), 64f, Math.nextDown(64f), Math.nextUp(64f), 1f, -1f, -1e3f, 1e3f};
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        float[] all = java.util.Arrays.copyOf(special, special.length + 4000);
        for (int k = special.length; k < all.length; k++) {
            all[k] = k % 2 == 0 ? Float.intBitsToFloat(rnd.nextInt()) : (float) (200 * rnd.nextDouble() - 100);
        }
        return all;
    }

    @Test
    void theExponentialsClampGivesTheBitsOfJavasMaxAndTheKernelsOtherClampsThoseOfMaxAndMin() {
        Clamps.check(awkwardFloats());
    }

    /**
     * In a class of its own: its calls pass vectors as {@code Vector} arguments, which makes the verifier load
     * {@code jdk.incubator.vector.Vector}; inside the test class itself that would fail its loading (and the
     * discovery of every test) in a JVM without the module.
     */
    private static final class Clamps {
    static void check(float[] v) {
        var fs = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        var ds = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED;
        float[] lane = new float[fs.length()], got = new float[fs.length()], want = new float[fs.length()];
        double[] dl = new double[ds.length()], dgot = new double[ds.length()], dwant = new double[ds.length()];
        for (float x : v) {
            // exp(x) against exp(Math.max(x, −87.3)): the inner compare-and-blend clamp must then change nothing
            java.util.Arrays.fill(lane, x);
            var xv = jdk.incubator.vector.FloatVector.fromArray(fs, lane, 0);
            VectorMath.exp(xv).intoArray(got, 0);
            VectorMath.exp(xv.max(-87.3f)).intoArray(want, 0);
            assertEquals(Float.floatToRawIntBits(want[0]), Float.floatToRawIntBits(got[0]), "f32 exp at " + x);
            java.util.Arrays.fill(dl, x * 8.0);
            var xd = jdk.incubator.vector.DoubleVector.fromArray(ds, dl, 0);
            VectorMath.exp(xd).intoArray(dgot, 0);
            VectorMath.exp(xd.max(-708.3)).intoArray(dwant, 0);
            assertEquals(Double.doubleToRawLongBits(dwant[0]), Double.doubleToRawLongBits(dgot[0]), "f64 exp at " + x * 8.0);
        }
        // the kernels' inline forms (column sums' t.min(64), the one-pass maximum) against Java's min and max
        for (float bound : new float[]{-87.3f, 64f, -1e-30f, 3e38f}) {
            for (float x : v) {
                java.util.Arrays.fill(lane, x);
                var t = jdk.incubator.vector.FloatVector.fromArray(fs, lane, 0);
                t.blend(bound, t.compare(jdk.incubator.vector.VectorOperators.GT, bound)).intoArray(got, 0);
                assertEquals(Float.floatToRawIntBits(Math.min(x, bound)), Float.floatToRawIntBits(got[0]), "min " + x + " " + bound);
                t.blend(bound, t.compare(jdk.incubator.vector.VectorOperators.LT, bound)).intoArray(got, 0);
                assertEquals(Float.floatToRawIntBits(Math.max(x, bound)), Float.floatToRawIntBits(got[0]), "max " + x + " " + bound);
            }
        }
        for (int k = 0; k + 1 < v.length; k++) {
            java.util.Arrays.fill(lane, v[k]);
            var acc = jdk.incubator.vector.FloatVector.fromArray(fs, lane, 0);
            java.util.Arrays.fill(lane, v[k + 1]);
            var z = jdk.incubator.vector.FloatVector.fromArray(fs, lane, 0);
            acc.blend(z, acc.compare(jdk.incubator.vector.VectorOperators.LT, z)).intoArray(got, 0);
            float a = v[k], b = v[k + 1];
            if (Float.isNaN(b)) {
                assertEquals(Float.floatToRawIntBits(a), Float.floatToRawIntBits(got[0]), "a NaN z is skipped");
            } else if (Float.isNaN(a)) {
                assertTrue(Float.isNaN(got[0]), "a NaN maximum stays NaN");
            } else {
                assertEquals(Math.max(a, b), got[0], 0f, "running max " + a + " " + b); // ±0 compare equal here
            }
        }
    }
    }
}
