package dev.jot.barycenter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.exact.Gaussians;
import dev.jot.sinkhorn.SinkhornOptions;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Free-support barycenters: two Diracs at -1 and +1 give 0 (POT's test_free_support_barycenter), equal-size 1-D
 * clouds give the quantile average, Gaussian samples give the Bures barycenter; and the Bures fixed point itself.
 */
class FreeSupportTest {
    private static Points line(double... v) {
        return Points.of(v.length, 1, v);
    }

    @Test
    void diracsAtMinusOneAndOneGiveZero() {
        List<Points> clouds = List.of(line(-1), line(1));
        Points init = line(-12);
        FreeSupportResult exact = FreeSupport.barycenter(clouds, null, null, init, null, FreeSupportOptions.exact());
        assertEquals(0, exact.get(0, 0), 1e-12, exact.toString());
        assertTrue(exact.converged());
        FreeSupportResult entropic = FreeSupport.barycenter(clouds, null, null, init, null,
                FreeSupportOptions.entropic(SinkhornOptions.epsilon(1).withPrecision(Precision.F64)));
        assertEquals(0, entropic.get(0, 0), 1e-12, entropic.toString());
        assertEquals(1, exact.value(), 1e-12, "W2^2 to each Dirac is 1");
    }

    @Test
    void equalSizeCloudsOnTheLineGiveTheQuantileAverage() {
        SplittableRandom rng = new SplittableRandom(7);
        int n = 40;
        double[][] v = new double[3][n];
        for (int i = 0; i < n; i++) {
            v[0][i] = rng.nextGaussian() - 2;
            v[1][i] = 0.5 * rng.nextGaussian() + 1;
            v[2][i] = Math.exp(rng.nextGaussian());
        }
        double[] w = {0.2, 0.5, 0.3};
        FreeSupportResult r = FreeSupport.barycenter(List.of(line(v[0]), line(v[1]), line(v[2])), null, w, n,
                FreeSupportOptions.exact().withTolerance(1e-12));
        assertTrue(r.converged(), r.toString());
        double[] expect = new double[n];
        for (int k = 0; k < 3; k++) {
            double[] s = v[k].clone();
            Arrays.sort(s);
            for (int i = 0; i < n; i++) {
                expect[i] += w[k] * s[i];
            }
        }
        double[] got = r.support();
        Arrays.sort(got);
        for (int i = 0; i < n; i++) {
            assertEquals(expect[i], got[i], 1e-12, "quantile " + i);
        }
    }

    private static double[][] cholesky(double[][] s) {
        int d = s.length;
        double[][] l = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double t = s[i][j];
                for (int k = 0; k < j; k++) {
                    t -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(t) : t / l[j][j];
            }
        }
        return l;
    }

    private static Points sample(SplittableRandom rng, int n, double[] m, double[][] s) {
        double[][] l = cholesky(s);
        int d = m.length;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            double[] z = new double[d];
            for (int c = 0; c < d; c++) {
                z[c] = rng.nextGaussian();
            }
            for (int c = 0; c < d; c++) {
                double t = m[c];
                for (int k = 0; k <= c; k++) {
                    t += l[c][k] * z[k];
                }
                x[i * d + c] = t;
            }
        }
        return Points.of(n, d, x);
    }

    static final double[][] MEANS = {{0, 0}, {4, 1}, {-1, 3}};
    static final double[][][] COVS = {{{1, 0.5}, {0.5, 1}}, {{2, -0.8}, {-0.8, 0.6}}, {{0.3, 0}, {0, 1.5}}};
    static final double[] W = {0.5, 0.3, 0.2};

    @Test
    void gaussianSamplesGiveTheBuresBarycenter() {
        SplittableRandom rng = new SplittableRandom(2026);
        int n = 600;
        List<Points> clouds = List.of(sample(rng, n, MEANS[0], COVS[0]), sample(rng, n, MEANS[1], COVS[1]),
                sample(rng, n, MEANS[2], COVS[2]));
        FreeSupportResult r = FreeSupport.barycenter(clouds, null, W, n, FreeSupportOptions.exact().withTolerance(1e-9).withMaxIterations(50));
        GaussianBarycenter g = GaussianBarycenter.of(MEANS, COVS, W, 1e-13, 200);
        double[] m = new double[2];
        double[][] s = new double[2][2];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 2; c++) {
                m[c] += r.get(i, c) / n;
            }
        }
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 2; c++) {
                for (int e = 0; e < 2; e++) {
                    s[c][e] += (r.get(i, c) - m[c]) * (r.get(i, e) - m[e]) / n;
                }
            }
        }
        double w2 = Gaussians.w2Squared(m, s, g.mean(), g.covariance());
        System.out.printf("free support (n = %d, %d iterations): mean %s, cov %s; Bures: mean %s, cov %s; W2^2 between them %.2e%n",
                n, r.iterations(), Arrays.toString(m), Arrays.deepToString(s), Arrays.toString(g.mean()),
                Arrays.deepToString(g.covariance()), w2);
        assertTrue(r.converged(), r.toString());
        // sampling error at n = 600: the moments to a few percent
        assertTrue(w2 < 0.005, "W2^2 between the sample barycenter's moments and the Bures barycenter: " + w2);
    }

    @Test
    void buresFixedPoint() {
        GaussianBarycenter g = GaussianBarycenter.of(MEANS, COVS, W, 1e-14, 500);
        assertTrue(g.converged(), g.toString());
        double[][] s = g.covariance();
        assertEquals(0.5 * 0 + 0.3 * 4 + 0.2 * -1, g.mean()[0], 1e-15);
        // S = sum_k w_k (S^1/2 S_k S^1/2)^1/2
        double[][] root = sqrt(s);
        double[][] t = new double[2][2];
        for (int k = 0; k < 3; k++) {
            double[][] r = sqrt(mul(mul(root, COVS[k]), root));
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    t[i][j] += W[k] * r[i][j];
                }
            }
        }
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(s[i][j], t[i][j], 1e-12);
            }
        }
        // the barycenter minimises sum_k w_k W2^2: no nearby covariance does better
        double best = objective(g.mean(), s);
        SplittableRandom rng = new SplittableRandom(3);
        for (int trial = 0; trial < 50; trial++) {
            double a = 0.01 * rng.nextGaussian(), b = 0.01 * rng.nextGaussian(), c = 0.01 * rng.nextGaussian();
            double[][] p = {{s[0][0] + a, s[0][1] + b}, {s[1][0] + b, s[1][1] + c}};
            assertTrue(objective(g.mean(), p) >= best - 1e-12);
        }
        // commuting (diagonal) covariances: S = (sum_k w_k S_k^1/2)^2
        double[][][] diag = {{{4, 0}, {0, 1}}, {{1, 0}, {0, 9}}};
        GaussianBarycenter gd = GaussianBarycenter.of(new double[][] {{0, 0}, {1, 1}}, diag, new double[] {0.25, 0.75}, 1e-14, 100);
        assertEquals(Math.pow(0.25 * 2 + 0.75 * 1, 2), gd.covariance()[0][0], 1e-12);
        assertEquals(Math.pow(0.25 * 1 + 0.75 * 3, 2), gd.covariance()[1][1], 1e-12);
        assertEquals(0, gd.covariance()[0][1], 1e-12);
        // weight 1 on one input gives it back
        GaussianBarycenter one = GaussianBarycenter.of(MEANS, COVS, new double[] {0, 1, 0}, 1e-14, 100);
        assertEquals(COVS[1][0][1], one.covariance()[0][1], 1e-12);
        assertEquals(MEANS[1][0], one.mean()[0], 0);
    }

    private static double objective(double[] m, double[][] s) {
        double v = 0;
        for (int k = 0; k < 3; k++) {
            v += W[k] * Gaussians.w2Squared(m, s, MEANS[k], COVS[k]);
        }
        return v;
    }

    private static double[][] sqrt(double[][] s) {
        Gaussians.Eigen e = Gaussians.eigen(s);
        int d = s.length;
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int t = 0; t < d; t++) {
                    r[i][j] += e.vectors()[i][t] * Math.sqrt(Math.max(0, e.values()[t])) * e.vectors()[j][t];
                }
            }
        }
        return r;
    }

    private static double[][] mul(double[][] p, double[][] q) {
        double[][] r = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int t = 0; t < 2; t++) {
                    r[i][j] += p[i][t] * q[t][j];
                }
            }
        }
        return r;
    }

    @Test
    void hostileInputsAreRefusedByName() {
        List<Points> clouds = List.of(line(-1, 0), line(1));
        assertMessage("clouds is empty", () -> FreeSupport.barycenter(List.of(), null, null, 1, FreeSupportOptions.exact()));
        assertMessage("size (the number of support points) must be at least 1", () -> FreeSupport.barycenter(clouds, null, null, 0,
                FreeSupportOptions.exact()));
        assertMessage("weights sums to 1.5", () -> FreeSupport.barycenter(clouds, null, new double[] {1, 0.5}, 2, FreeSupportOptions.exact()));
        assertMessage("clouds[1] has dimension 2", () -> FreeSupport.barycenter(List.of(line(0), Points.of(1, 2, new double[] {0, 1})),
                null, null, 1, FreeSupportOptions.exact()));
        assertMessage("cloudWeights[0] has 3 weights", () -> FreeSupport.barycenter(clouds, List.of(Weights.of(1, 1, 1), Weights.of(1)),
                null, 1, FreeSupportOptions.exact()));
        assertMessage("cloudWeights[0] sums to 0", () -> FreeSupport.barycenter(clouds, Arrays.asList(Weights.of(0, 0), null),
                null, 1, FreeSupportOptions.exact()));
        assertMessage("init has dimension 2", () -> FreeSupport.barycenter(clouds, null, null, Points.of(1, 2, new double[] {0, 1}), null,
                FreeSupportOptions.exact()));
        assertMessage("clouds[0][1][0] is NaN", () -> FreeSupport.barycenter(List.of(line(0, Double.NaN)), null, null, 1,
                FreeSupportOptions.exact()));
        assertMessage("covariances[1] is not positive semi-definite", () -> GaussianBarycenter.of(new double[][] {{0}, {1}},
                new double[][][] {{{1}}, {{-1}}}, null, 1e-10, 10));
        assertMessage("weights sums to 2", () -> GaussianBarycenter.of(new double[][] {{0}, {1}},
                new double[][][] {{{1}}, {{1}}}, new double[] {1, 1}, 1e-10, 10));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "'" + ex.getMessage() + "' does not say '" + part + "'");
    }
}
