package dev.jot.barycenter;

import dev.jot.data.NdArray;
import dev.jot.data.Precision;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Arrays;

/**
 * Run in a fresh JVM by {@link ConvolutionalTest#sameBarycenterInAColdAndAWarmJvm}: the same grid barycenter (three
 * 40 × 40 shapes, ε = 0.004, plain and debiased) {@link #RUNS} times, the first cold, the later ones after the JIT has
 * compiled the kernels; one line per run with the bits of the barycenter.
 */
public final class GridColdWarmProbe {
    static final int RUNS = 6;

    private GridColdWarmProbe() {
    }

    static NdArray shapes(int size) {
        double[] v = new double[3 * size * size];
        double c = (size - 1) / 2.0;
        for (int r = 0; r < size; r++) {
            for (int q = 0; q < size; q++) {
                double rad = Math.hypot(r - c, q - c);
                v[r * size + q] = rad <= 0.3 * size ? 1 : 0;
                v[size * size + r * size + q] = rad <= 0.38 * size && rad >= 0.25 * size ? 1 : 0;
                v[2 * size * size + r * size + q] = Math.abs(r - c) <= 0.28 * size && Math.abs(q - c) <= 0.28 * size ? 1 : 0;
            }
        }
        return NdArray.of(v, 3, size, size);
    }

    public static void main(String[] args) {
        NdArray images = shapes(40);
        SinkhornOptions o = SinkhornOptions.epsilon(0.004).withPrecision(Precision.F64).withThreads(1).withTolerance(1e-6);
        double[] w = {0.5, 0.3, 0.2};
        for (int run = 0; run < RUNS; run++) {
            FixedSupportResult plain = Convolutional.barycenter(images, w, o);
            FixedSupportResult debiased = Convolutional.debiased(images, w, o);
            System.out.println("grid iterations=" + plain.iterations() + "/" + debiased.iterations()
                    + " plain=" + Integer.toHexString(Arrays.hashCode(plain.barycenter()))
                    + " debiased=" + Integer.toHexString(Arrays.hashCode(debiased.barycenter())));
        }
    }
}
