package dev.jot.exact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.geometry.CostFunction;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Entropic GW between a cloud and a rotated, translated, shuffled copy (in the same dimension, and
 * embedded in 3-D): the coupling concentrates on the hidden permutation and the value is close to 0.
 */
@org.junit.jupiter.api.Tag("heavy")
class GromovWassersteinTest {

    @Test
    void findsThePermutationOfARotatedTranslatedCopy() {
        Random rnd = new Random(6);
        int n = 40;
        double[] xs = new double[2 * n];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
        }
        int[] perm = shuffle(rnd, n);
        double th = 0.7, c = Math.cos(th), s = Math.sin(th);
        double[] y2 = new double[2 * n], y3 = new double[3 * n];
        for (int i = 0; i < n; i++) {
            double u = xs[2 * i], v = xs[2 * i + 1];
            int j = perm[i];
            y2[2 * j] = c * u - s * v + 3;
            y2[2 * j + 1] = s * u + c * v - 1;
            // the same shape in 3-D: rotated into the plane z = x + 2
            y3[3 * j] = (c * u - s * v) / Math.sqrt(2);
            y3[3 * j + 1] = s * u + c * v;
            y3[3 * j + 2] = (c * u - s * v) / Math.sqrt(2) + 2;
        }
        Points x = Points.of(n, 2, xs);
        for (Points y : new Points[]{Points.of(n, 2, y2), Points.of(n, 3, y3)}) {
            GromovWasserstein.Result r = GromovWasserstein.entropic(x, null, y, null, CostFunction.SQUARED_EUCLIDEAN, 4e-4, 200, 1e-9);
            System.out.println("GW to a " + y.d() + "-D copy: " + r);
            double[] t = r.plan().toDoubleArray();
            double onPerm = 0;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int j = 1; j < n; j++) {
                    if (t[i * n + j] > t[i * n + best]) {
                        best = j;
                    }
                }
                assertEquals(perm[i], best, "row " + i + " of the coupling");
                onPerm += t[i * n + perm[i]];
            }
            assertTrue(onPerm > 0.95, "mass on the permutation: " + onPerm);
            assertTrue(r.value() < 1e-4, "GW value " + r.value());
        }
    }

    static int[] shuffle(Random rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int k = rnd.nextInt(i + 1), t = p[i];
            p[i] = p[k];
            p[k] = t;
        }
        return p;
    }
}
