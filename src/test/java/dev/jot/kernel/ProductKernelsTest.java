package dev.jot.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@code productF64} and {@code logShiftF64} of every available implementation against plain loops, at awkward sizes. */
class ProductKernelsTest {
    private static List<SinkhornKernels> all() {
        List<SinkhornKernels> k = new ArrayList<>();
        k.add(Kernels.scalar());
        Kernels.vector().ifPresent(k::add);
        return k;
    }

    private static MemorySegment random(Arena arena, SplittableRandom rng, int count, double[] copy) {
        MemorySegment s = arena.allocate((long) count * 8, 64);
        for (int i = 0; i < count; i++) {
            copy[i] = rng.nextDouble() < 0.1 ? 0 : rng.nextDouble() * 3;
            s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, copy[i]);
        }
        return s;
    }

    @Test
    void productMatchesPlainLoops() {
        SplittableRandom rng = new SplittableRandom(1);
        int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {7, 13, 33}, {64, 64, 64}, {65, 31, 70}, {2, 40, 17}, {9, 3, 128}};
        for (SinkhornKernels k : all()) {
            for (int[] sh : shapes) {
                int rows = sh[0], inner = sh[1], cols = sh[2];
                try (Arena arena = Arena.ofConfined()) {
                    double[] a = new double[rows * inner], b = new double[inner * cols];
                    MemorySegment as = random(arena, rng, a.length, a), bs = random(arena, rng, b.length, b);
                    MemorySegment out = arena.allocate((long) rows * cols * 8, 64);
                    out.fill((byte) 0x7f); // garbage: the product overwrites
                    k.productF64(as, rows, inner, bs, cols, out);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < cols; j++) {
                            double e = 0;
                            for (int t = 0; t < inner; t++) {
                                e += a[r * inner + t] * b[t * cols + j];
                            }
                            assertEquals(e, out.getAtIndex(ValueLayout.JAVA_DOUBLE, (long) r * cols + j), 1e-13 * Math.max(1, e),
                                    k.name() + " " + rows + "x" + inner + "x" + cols + " at " + r + "," + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void logShiftMatchesMathLog() {
        SplittableRandom rng = new SplittableRandom(2);
        for (SinkhornKernels k : all()) {
            for (int cols : new int[] {1, 5, 16, 37, 64}) {
                int rows = 6;
                try (Arena arena = Arena.ofConfined()) {
                    double[] v = new double[rows * cols];
                    MemorySegment s = arena.allocate((long) v.length * 8, 64);
                    for (int i = 0; i < v.length; i++) {
                        v[i] = i % 7 == 0 ? 0 : Math.exp(600 * (rng.nextDouble() - 0.5));
                        s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v[i]);
                    }
                    double[] rs = new double[rows], cs = new double[cols];
                    for (int r = 0; r < rows; r++) {
                        rs[r] = r == 3 ? Double.NEGATIVE_INFINITY : 10 * rng.nextGaussian();
                    }
                    for (int j = 0; j < cols; j++) {
                        cs[j] = rng.nextGaussian();
                    }
                    k.logShiftF64(s, rows, cols, rs, cs);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < cols; j++) {
                            double e = rs[r] + cs[j] + Math.log(v[r * cols + j]);
                            double got = s.getAtIndex(ValueLayout.JAVA_DOUBLE, (long) r * cols + j);
                            if (Double.isInfinite(e)) {
                                assertEquals(e, got, k.name());
                            } else {
                                assertEquals(e, got, 1e-14 * Math.max(1, Math.abs(e)), k.name() + " at " + r + "," + j);
                            }
                        }
                    }
                }
            }
        }
    }
}
