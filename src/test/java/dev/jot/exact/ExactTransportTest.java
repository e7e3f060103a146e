package dev.jot.exact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import dev.jot.testutil.Reference;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The network simplex against the reference cases, the textbook, brute force, and its own certificate. */
class ExactTransportTest {

    static Stream<Reference.Case> cases() {
        return Reference.cases().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agreesWithTheReferenceEmd(Reference.Case c) throws IOException {
        Weights a = Weights.of(DataFiles.read(c.file("a"))), b = Weights.of(DataFiles.read(c.file("b")));
        ExactResult r = c.isMatrix()
                ? ExactTransport.emd(a, b, DataFiles.read(c.file("cost_matrix")))
                : ExactTransport.emd(Points.of(DataFiles.read(c.file("x"))), Points.of(DataFiles.read(c.file("y"))), a, b,
                CostFunction.parse(c.cost()));
        assertTrue(r.optimal(), r.status());
        assertEquals(c.emd(), r.cost(), 1e-9 * Math.abs(c.emd()), c.name());
        assertTrue(r.planNonzeros() <= c.n() + c.m() - 1, r.toString());
        assertCertificate(r, a.toArray(), b.toArray(), costs(c), 1e-9);
    }

    private static double[][] costs(Reference.Case c) throws IOException {
        if (c.isMatrix()) {
            NdArray m = DataFiles.read(c.file("cost_matrix"));
            double[] flat = m.toDoubleArray();
            double[][] out = new double[c.n()][c.m()];
            for (int i = 0; i < c.n(); i++) {
                System.arraycopy(flat, i * c.m(), out[i], 0, c.m());
            }
            return out;
        }
        Points x = Points.of(DataFiles.read(c.file("x"))), y = Points.of(DataFiles.read(c.file("y")));
        return costs(x, y, CostFunction.parse(c.cost()));
    }

    static double[][] costs(Points x, Points y, CostFunction cost) {
        double[] px = x.array().toDoubleArray(), py = y.array().toDoubleArray();
        double[][] out = new double[x.n()][y.n()];
        for (int i = 0; i < x.n(); i++) {
            for (int j = 0; j < y.n(); j++) {
                out[i][j] = cost.cost(px, i, py, j, x.d());
            }
        }
        return out;
    }

    /**
     * The optimality certificate: marginals, f_i + g_j ≤ C_ij everywhere, equality on the support, and
     * ⟨a, f⟩ + ⟨b, g⟩ = ⟨P, C⟩ (strong duality), all to tol relative to the largest cost.
     */
    static void assertCertificate(ExactResult r, double[] a, double[] b, double[][] c, double tol) {
        int n = a.length, m = b.length;
        double sa = Arrays.stream(a).sum(), sb = Arrays.stream(b).sum();
        double scale = 1;
        for (double[] row : c) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        double[] rowSum = new double[n], colSum = new double[m];
        int[] rows = r.planRows(), cols = r.planColumns();
        double[] vals = r.planValues(), f = r.f(), g = r.g();
        for (int k = 0; k < vals.length; k++) {
            assertTrue(vals[k] > 0, "nonzero " + k + " is " + vals[k]);
            rowSum[rows[k]] += vals[k];
            colSum[cols[k]] += vals[k];
            assertEquals(c[rows[k]][cols[k]], f[rows[k]] + g[cols[k]], tol * scale, "complementary slackness at " + rows[k] + "," + cols[k]);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(a[i] / sa, rowSum[i] / sa, 1e-12, "row marginal " + i);
            for (int j = 0; j < m; j++) {
                assertTrue(f[i] + g[j] <= c[i][j] + tol * scale, "dual infeasible at " + i + "," + j + ": " + (f[i] + g[j]) + " > " + c[i][j]);
            }
        }
        for (int j = 0; j < m; j++) {
            assertEquals(b[j] / sb, colSum[j] / sa, 1e-12, "column marginal " + j);
        }
        double dual = 0;
        for (int i = 0; i < n; i++) {
            dual += a[i] * f[i];
        }
        for (int j = 0; j < m; j++) {
            dual += b[j] * sa / sb * g[j];
        }
        assertEquals(r.cost(), dual, tol * scale * sa, "strong duality");
    }

    @Test
    void textbookExample() {
        ExactResult r = ExactTransport.emd(new double[]{0.5, 0.5}, new double[]{0.2, 0.8}, new double[][]{{0, 1}, {1, 0}});
        double[] p = r.plan().toDoubleArray();
        assertEquals(0.2, p[0], 1e-15);
        assertEquals(0.3, p[1], 1e-15);
        assertEquals(0.0, p[2], 1e-15);
        assertEquals(0.5, p[3], 1e-15);
        assertEquals(0.3, r.cost(), 1e-15);
    }

    /** Uniform weights, n = m: an optimal plan is a permutation (Birkhoff); brute force finds the best one. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 7})
    void assignmentsAgreeWithBruteForce(int n) {
        Random rnd = new Random(n);
        for (int trial = 0; trial < 20; trial++) {
            double[][] c = new double[n][n];
            for (double[] row : c) {
                for (int j = 0; j < n; j++) {
                    row[j] = trial % 3 == 0 ? rnd.nextInt(4) : rnd.nextDouble();
                }
            }
            double best = bruteForce(c, new int[n], new boolean[n], 0, 0);
            ExactResult r = ExactTransport.emd(null, null, c);
            assertTrue(r.optimal(), r.status());
            assertEquals(best / n, r.cost(), 1e-12, "trial " + trial);
            double[] u = new double[n];
            Arrays.fill(u, 1.0 / n);
            assertCertificate(r, u, u, c, 1e-12);
        }
    }

    private static double bruteForce(double[][] c, int[] perm, boolean[] used, int i, double sum) {
        int n = c.length;
        if (i == n) {
            return sum;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            if (!used[j]) {
                used[j] = true;
                best = Math.min(best, bruteForce(c, perm, used, i + 1, sum + c[i][j]));
                used[j] = false;
            }
        }
        return best;
    }

    /** Random weighted problems of assorted shapes (zeros in the weights included): the certificate holds. */
    @Test
    void certificateOnRandomProblems() {
        Random rnd = new Random(77);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + rnd.nextInt(60), m = 1 + rnd.nextInt(60);
            double[] a = new double[n], b = new double[m];
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextInt(5) == 0 ? 0 : rnd.nextDouble();
            }
            for (int j = 0; j < m; j++) {
                b[j] = rnd.nextInt(5) == 0 ? 0 : rnd.nextDouble();
            }
            a[0] += 0.1;
            b[0] += 0.1;
            double sa = Arrays.stream(a).sum(), sb = Arrays.stream(b).sum();
            for (int j = 0; j < m; j++) {
                b[j] *= sa / sb;
            }
            double[][] c = new double[n][m];
            for (double[] row : c) {
                for (int j = 0; j < m; j++) {
                    row[j] = trial % 4 == 0 ? rnd.nextInt(3) : 10 * rnd.nextDouble();
                }
            }
            ExactResult r = ExactTransport.emd(a, b, c);
            assertTrue(r.optimal(), r.status());
            assertTrue(r.planNonzeros() <= n + m - 1, r.toString());
            assertCertificate(r, a, b, c, 1e-10);
        }
    }

    /** The entropic cost ⟨P_ε, C⟩ tends to the exact cost as ε → 0 (the test prints the sequence). */
    @Test
    void entropicCostConvergesToTheExactCost() {
        Random rnd = new Random(5);
        int n = 40;
        double[] xs = new double[2 * n], ys = new double[2 * n];
        for (int k = 0; k < 2 * n; k++) {
            xs[k] = rnd.nextDouble();
            ys[k] = rnd.nextDouble() + 0.2;
        }
        Points x = Points.of(n, 2, xs), y = Points.of(n, 2, ys);
        double exact = ExactTransport.emd(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN).cost();
        double prev = Double.POSITIVE_INFINITY;
        System.out.printf(Locale.ROOT, "exact cost %.10f%n", exact);
        for (double eps : new double[]{1e-1, 1e-2, 1e-3}) {
            SinkhornResult s = Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN,
                    SinkhornOptions.epsilon(eps).withPrecision(Precision.F64).withTolerance(1e-6).withMaxIterations(1_000_000)
                            .withAnnealing(0.5));
            double gap = Math.abs(s.cost() - exact);
            System.out.printf(Locale.ROOT, "  eps %.0e  entropic cost %.10f  |gap| %.2e%n", eps, s.cost(), gap);
            assertTrue(s.converged(), s.status());
            assertTrue(gap < prev, "not approaching the exact cost at eps " + eps);
            prev = gap;
        }
        assertTrue(prev < 1e-2 * exact, "gap at eps 1e-3: " + prev);
    }

    @Test
    void badInputs() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ExactTransport.emd(new double[]{0.5, 0.5}, new double[]{0.3, 0.3}, new double[][]{{0, 1}, {1, 0}}));
        assertTrue(e.getMessage().contains("equal masses"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ExactTransport.emd(new double[]{1}, new double[]{1}, new double[][]{{Double.NaN}}));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ExactTransport.emd(new double[]{1, -1}, new double[]{0}, new double[][]{{0}, {0}}));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }
}
