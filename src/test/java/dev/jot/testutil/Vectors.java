package dev.jot.testutil;

import java.util.Arrays;

/** Small vector helpers shared by the tests and the properties. */
public final class Vectors {
    private Vectors() {
    }

    /** A vector of n ones. */
    public static double[] ones(int n) {
        double[] v = new double[n];
        Arrays.fill(v, 1);
        return v;
    }

    /** The L1 distance Σ|u_i − v_i|. */
    public static double l1(double[] u, double[] v) {
        double s = 0;
        for (int i = 0; i < u.length; i++) {
            s += Math.abs(u[i] - v[i]);
        }
        return s;
    }

    /** The largest absolute entry (0 for an empty vector). */
    public static double maxAbs(double[] v) {
        return Arrays.stream(v).map(Math::abs).max().orElse(0);
    }
}
