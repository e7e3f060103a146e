package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import java.util.Arrays;

/**
 * Run in a fresh JVM by {@link SinkhornTest#sameSolveGivesTheSameBitsInAFreshJvm}: solves the same
 * 300 × 257 problem {@link #RUNS} times per precision (the first run cold, the later ones after the JIT
 * has compiled the kernels) and prints one line per run with the bits of the results.
 */
public final class ColdWarmProbe {
    static final int RUNS = 4;

    private ColdWarmProbe() {
    }

    public static void main(String[] args) {
        for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
            for (int run = 0; run < RUNS; run++) {
                SinkhornResult r = SinkhornTest.parallelProblem(p, 1);
                System.out.println(p + " " + r.kernels() + " iterations=" + r.iterations()
                        + " cost=" + Double.toHexString(r.cost())
                        + " objective=" + Double.toHexString(r.objective())
                        + " f=" + Integer.toHexString(Arrays.hashCode(r.f()))
                        + " g=" + Integer.toHexString(Arrays.hashCode(r.g())));
            }
        }
    }
}
