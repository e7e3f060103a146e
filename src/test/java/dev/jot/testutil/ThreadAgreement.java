package dev.jot.testutil;

import dev.jot.sinkhorn.SinkhornResult;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Compares solves on 1 to 4 threads. The kernels are deterministic (the vector ones build their
 * exponentials and lane sums from correctly rounded operations only), so every thread count must give
 * the same bits: f, g, cost, objective and iteration count.
 */
public final class ThreadAgreement {
    private ThreadAgreement() {
    }

    /**
     * Runs {@code solve.apply(t)} for t = 1..4 and returns the results (index 0 is one thread).
     *
     * @throws AssertionError if any thread count gives other bits, naming what differed
     */
    public static SinkhornResult[] sameBits(IntFunction<SinkhornResult> solve) {
        SinkhornResult[] r = new SinkhornResult[4];
        for (int t = 1; t <= 4; t++) {
            r[t - 1] = solve.apply(t);
        }
        String diff = differences(r);
        if (!diff.isEmpty()) {
            throw new AssertionError("results differ across 1..4 threads: " + diff);
        }
        return r;
    }

    private static String differences(SinkhornResult[] r) {
        StringBuilder sb = new StringBuilder();
        for (int k = 1; k < r.length; k++) {
            int t = k + 1;
            if (!Arrays.equals(r[0].f(), r[k].f())) {
                sb.append("f differs on ").append(t).append(" threads (max |diff| ").append(maxDiff(r[0].f(), r[k].f())).append("); ");
            }
            if (!Arrays.equals(r[0].g(), r[k].g())) {
                sb.append("g differs on ").append(t).append(" threads; ");
            }
            if (Double.doubleToRawLongBits(r[0].cost()) != Double.doubleToRawLongBits(r[k].cost())) {
                sb.append("cost ").append(r[0].cost()).append(" vs ").append(r[k].cost()).append(" on ").append(t).append(" threads; ");
            }
            if (Double.doubleToRawLongBits(r[0].objective()) != Double.doubleToRawLongBits(r[k].objective())) {
                sb.append("objective differs on ").append(t).append(" threads; ");
            }
            if (r[0].iterations() != r[k].iterations()) {
                sb.append("iterations ").append(r[0].iterations()).append(" vs ").append(r[k].iterations()).append("; ");
            }
        }
        return sb.toString();
    }

    private static double maxDiff(double[] u, double[] v) {
        double m = 0;
        for (int i = 0; i < u.length; i++) {
            m = Math.max(m, Math.abs(u[i] - v[i]));
        }
        return m;
    }
}
