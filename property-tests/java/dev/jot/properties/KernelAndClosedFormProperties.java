package dev.jot.properties;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.MmdKernel;
import dev.jot.exact.ExactTransport;
import dev.jot.exact.Gaussians;
import dev.jot.exact.OneDimensional;
import dev.jot.exact.Sliced;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.Kernels;
import dev.jot.kernel.ScalarKernels;
import dev.jot.kernel.SinkhornKernels;
import dev.jot.properties.SinkhornProperties.Problem;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.PropagationMode;

/**
 * Kernels against the scalar oracle on tiles of any shape, matrix-free against stored costs, and the
 * closed forms' defining properties.
 */
@AddLifecycleHook(value = TriesFromSystemProperty.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class KernelAndClosedFormProperties {

    @Provide
    Arbitrary<Problem> problems() {
        return SinkhornProperties.problems(1, 30);
    }

    /**
     * The vector column sums equal the scalar oracle's for any tile (rows 1..300, columns 1..300), in f32
     * (to (8 + 4·max|z|)·2⁻²⁴ relative) and f64 (1e-12).
     */
    @Property(seed = "20261122")
    @AddLifecycleHook(SinkhornProperties.RequiresVectorKernels.class)
    boolean columnSumsMatchTheOracle(@ForAll @IntRange(min = 1, max = 300) int rows, @ForAll @IntRange(min = 1, max = 300) int cols,
                                     @ForAll @LongRange(min = 0, max = 1000) long seed) {
        SinkhornKernels v = Kernels.vector().orElseThrow(), s = ScalarKernels.INSTANCE;
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t32 = arena.allocate((long) rows * cols * 4), t64 = arena.allocate((long) rows * cols * 8);
            float[] hf = new float[rows], shf = new float[cols], af = new float[cols], bf = new float[cols];
            double[] hd = new double[rows], shd = new double[cols], ad = new double[cols], bd = new double[cols];
            for (long k = 0; k < (long) rows * cols; k++) {
                double c = 2 * rnd.nextDouble();
                t32.setAtIndex(ValueLayout.JAVA_FLOAT, k, (float) c);
                t64.setAtIndex(ValueLayout.JAVA_DOUBLE, k, c);
            }
            for (int r = 0; r < rows; r++) {
                hd[r] = 3 * rnd.nextDouble();
                hf[r] = (float) hd[r];
            }
            double zmax = 0;
            for (int j = 0; j < cols; j++) {
                shd[j] = Math.log(rows) + 3 * rnd.nextDouble() - 5;
                shf[j] = (float) shd[j];
                zmax = Math.max(zmax, Math.abs(shd[j]) + 8);
            }
            v.columnSumExpF32(t32, rows, cols, hf, 0, 2f, shf, af);
            s.columnSumExpF32(t32, rows, cols, hf, 0, 2f, shf, bf);
            v.columnSumExpF64(t64, rows, cols, hd, 0, 2.0, shd, ad);
            s.columnSumExpF64(t64, rows, cols, hd, 0, 2.0, shd, bd);
            for (int j = 0; j < cols; j++) {
                if (Math.abs(af[j] - bf[j]) > (8 + 4 * zmax) * 0x1p-24 * Math.abs(bf[j]) + 1e-37
                        || Math.abs(ad[j] - bd[j]) > 1e-12 * Math.abs(bd[j])) {
                    throw new AssertionError("column " + j + ": f32 " + af[j] + " vs " + bf[j] + ", f64 " + ad[j] + " vs " + bd[j]);
                }
            }
        }
        return true;
    }

    /**
     * Squared distances from the vector kernels equal the scalar oracle's for d in 1..16, in f64 (1e-14 of
     * the scale) and f32 (16·d·2⁻²⁴ of |x_i|² + |y_j|² + 1).
     */
    @Property(seed = "20261122")
    @AddLifecycleHook(SinkhornProperties.RequiresVectorKernels.class)
    boolean squaredDistancesMatchTheOracle(@ForAll @IntRange(min = 1, max = 16) int d, @ForAll @IntRange(min = 1, max = 40) int rows,
                                           @ForAll @IntRange(min = 1, max = 200) int cols, @ForAll @LongRange(min = 0, max = 1000) long seed) {
        Random rnd = new Random(seed);
        double[] x = new double[rows * d], yT = new double[d * cols];
        float[] xf = new float[x.length], yTf = new float[yT.length];
        for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextGaussian();
            xf[k] = (float) x[k];
        }
        for (int k = 0; k < yT.length; k++) {
            yT[k] = rnd.nextGaussian();
            yTf[k] = (float) yT[k];
        }
        double[] nx = new double[rows], ny = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < d; c++) {
                nx[i] += x[i * d + c] * x[i * d + c];
            }
        }
        for (int j = 0; j < cols; j++) {
            for (int c = 0; c < d; c++) {
                ny[j] += yT[c * cols + j] * yT[c * cols + j];
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate((long) rows * cols * 8), b = arena.allocate((long) rows * cols * 8);
            Kernels.vector().orElseThrow().squaredDistancesF64(x, 0, rows, d, yT, cols, false, a);
            ScalarKernels.INSTANCE.squaredDistancesF64(x, 0, rows, d, yT, cols, false, b);
            MemorySegment af = arena.allocate((long) rows * cols * 4), bf = arena.allocate((long) rows * cols * 4);
            Kernels.vector().orElseThrow().squaredDistancesF32(xf, 0, rows, d, yTf, cols, false, af);
            ScalarKernels.INSTANCE.squaredDistancesF32(xf, 0, rows, d, yTf, cols, false, bf);
            for (long k = 0; k < (long) rows * cols; k++) {
                double p = a.getAtIndex(ValueLayout.JAVA_DOUBLE, k), q = b.getAtIndex(ValueLayout.JAVA_DOUBLE, k);
                if (Math.abs(p - q) > 1e-14 * (1 + 4 * d)) {
                    throw new AssertionError("f64 entry " + k + ": " + p + " vs " + q);
                }
                float pf = af.getAtIndex(ValueLayout.JAVA_FLOAT, k), qf = bf.getAtIndex(ValueLayout.JAVA_FLOAT, k);
                double scale = nx[(int) (k / cols)] + ny[(int) (k % cols)] + 1;
                if (Math.abs(pf - qf) > 16.0 * d * 0x1p-24 * scale) {
                    throw new AssertionError("f32 entry " + k + ": " + pf + " vs " + qf);
                }
            }
        }
        return true;
    }

    /** Costs computed on the fly give the solve of the stored matrix (f64, to 1e-10 relative). */
    @Property(seed = "20261122")
    boolean matrixFreeEqualsStoredCosts(@ForAll("problems") Problem p) {
        SinkhornOptions o = SinkhornOptions.epsilon(p.eps()).withPrecision(Precision.F64).withTolerance(1e-12).withMaxIterations(100_000);
        SinkhornResult free = Sinkhorn.solve(Points.of(p.x()), Points.of(p.y()), Weights.of(p.a()), Weights.of(p.b()),
                CostFunction.SQUARED_EUCLIDEAN, o.withMatrixFree(true));
        SinkhornResult dense = Sinkhorn.solve(Points.of(p.x()), Points.of(p.y()), Weights.of(p.a()), Weights.of(p.b()),
                CostFunction.SQUARED_EUCLIDEAN, o.withMatrixFree(false));
        return Math.abs(free.cost() - dense.cost()) <= 1e-10 * (1e-12 + Math.abs(dense.cost()));
    }

    /** Any plan with the right marginals costs at least the exact optimum: ⟨P_ε, C⟩ ≥ OT_0 (to the marginal error). */
    @Property(seed = "20261122")
    boolean entropicCostIsAtLeastTheExactCost(@ForAll("problems") Problem p) {
        Points x = Points.of(p.x()), y = Points.of(p.y());
        SinkhornResult s = Sinkhorn.solve(x, y, Weights.of(p.a()), Weights.of(p.b()), CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(p.eps()).withPrecision(Precision.F64).withTolerance(1e-10).withMaxIterations(200_000));
        double exact = ExactTransport.emd(x, y, Weights.of(p.a()), Weights.of(p.b()), CostFunction.SQUARED_EUCLIDEAN).cost();
        double slack = 16 * p.d() * (s.marginalErrorA() + s.marginalErrorB()) + 1e-12;
        return s.cost() >= exact - slack;
    }

    /** The 1-D monotone map is nondecreasing: x_i ≤ x_k implies T(x_i) ≤ T(x_k). */
    @Property(seed = "20261122")
    boolean monotoneMapIsNondecreasing(@ForAll("problems") Problem p) {
        double[] x = new double[p.n()], y = new double[p.m()];
        for (int i = 0; i < p.n(); i++) {
            x[i] = p.x()[i][0];
        }
        for (int j = 0; j < p.m(); j++) {
            y[j] = p.y()[j][0];
        }
        double[] t = OneDimensional.map(x, p.a(), y, p.b());
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < x.length; k++) {
                if (p.a()[i] > 0 && p.a()[k] > 0 && x[i] < x[k] && t[i] > t[k] + 1e-12) {
                    throw new AssertionError("T(" + x[i] + ") = " + t[i] + " > T(" + x[k] + ") = " + t[k]);
                }
            }
        }
        return true;
    }

    /** The Gaussian map pushes Σ₁ to Σ₂ (A Σ₁ Aᵀ = Σ₂) for random covariances, and W₂² is symmetric. */
    @Property(seed = "20261122")
    boolean gaussianMapPushesTheCovariance(@ForAll @IntRange(min = 1, max = 5) int d, @ForAll @LongRange(min = 0, max = 10000) long seed) {
        Random rnd = new Random(seed);
        double[][] s1 = spd(rnd, d), s2 = spd(rnd, d);
        double[] m1 = new double[d], m2 = new double[d];
        for (int k = 0; k < d; k++) {
            m1[k] = rnd.nextGaussian();
            m2[k] = rnd.nextGaussian();
        }
        double[][] a = Gaussians.map(m1, s1, m2, s2).a();
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double v = 0;
                for (int r = 0; r < d; r++) {
                    for (int t = 0; t < d; t++) {
                        v += a[i][r] * s1[r][t] * a[k][t];
                    }
                }
                if (Math.abs(v - s2[i][k]) > 1e-9 * (1 + Math.abs(s2[i][k]))) {
                    throw new AssertionError("(A S1 A^T)[" + i + "][" + k + "] = " + v + " but S2 = " + s2[i][k]);
                }
            }
        }
        double w12 = Gaussians.w2Squared(m1, s1, m2, s2), w21 = Gaussians.w2Squared(m2, s2, m1, s1);
        return w12 >= 0 && Math.abs(w12 - w21) <= 1e-9 * (1 + w12);
    }

    private static double[][] spd(Random rnd, int d) {
        double[][] g = new double[d][d], s = new double[d][d];
        for (double[] row : g) {
            for (int k = 0; k < d; k++) {
                row[k] = rnd.nextGaussian();
            }
        }
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double v = i == k ? 0.1 : 0;
                for (int t = 0; t < d; t++) {
                    v += g[i][t] * g[k][t];
                }
                s[i][k] = v;
            }
        }
        return s;
    }

    /** Sliced W_p^p is ≥ 0, at most the exact W_p^p for p = 2 (projections shorten distances), and repeats for a seed. */
    @Property(seed = "20261122")
    boolean slicedIsBoundedAndSeeded(@ForAll("problems") Problem p, @ForAll @LongRange(min = 0, max = 100) long seed) {
        Points x = Points.of(p.x()), y = Points.of(p.y());
        double sw = Sliced.wassersteinPower(x, Weights.of(p.a()), y, Weights.of(p.b()), 2, 20, seed);
        double again = Sliced.wassersteinPower(x, Weights.of(p.a()), y, Weights.of(p.b()), 2, 20, seed);
        double exact = ExactTransport.emd(x, y, Weights.of(p.a()), Weights.of(p.b()), CostFunction.SQUARED_EUCLIDEAN).cost();
        return sw >= 0 && sw == again && sw <= exact + 1e-12;
    }

    /** The Gaussian-kernel MMD's gradient in x equals its finite difference along a random direction (1e-7 of ‖∇‖·‖δ‖, above the rounding floor). */
    @Property(seed = "20261122")
    boolean mmdGradientEqualsFiniteDifferences(@ForAll("problems") Problem p) {
        MmdKernel k = MmdKernel.gaussian(0.7);
        double[] grad = Divergences.mmd(Points.of(p.x()), Weights.of(p.a()), Points.of(p.y()), Weights.of(p.b()), k, true).gradX();
        Random rnd = new Random(p.n());
        double[][] dir = new double[p.n()][p.d()];
        double along = 0, gn = 0, dn = 0;
        for (int i = 0; i < p.n(); i++) {
            for (int c = 0; c < p.d(); c++) {
                dir[i][c] = rnd.nextGaussian();
                along += grad[i * p.d() + c] * dir[i][c];
                gn += grad[i * p.d() + c] * grad[i * p.d() + c];
                dn += dir[i][c] * dir[i][c];
            }
        }
        double h = 1e-4;
        java.util.function.DoubleUnaryOperator f = t -> {
            double[][] xs = new double[p.n()][];
            for (int i = 0; i < p.n(); i++) {
                xs[i] = p.x()[i].clone();
                for (int c = 0; c < p.d(); c++) {
                    xs[i][c] += t * dir[i][c];
                }
            }
            return Divergences.mmd(Points.of(xs), Weights.of(p.a()), Points.of(p.y()), Weights.of(p.b()), k, false).value();
        };
        double fd = (4 * (f.applyAsDouble(h / 2) - f.applyAsDouble(-h / 2)) / h - (f.applyAsDouble(h) - f.applyAsDouble(-h)) / (2 * h)) / 3;
        // plus the difference quotient's rounding floor, about 1e-16·|MMD|/h times a few
        return Math.abs(fd - along) <= 1e-7 * Math.sqrt(gn * dn) + 1e-10 * (1 + Math.abs(f.applyAsDouble(0)));
    }

    /** Symmetric (averaged) updates reach the same OT_ε(α, α) as the plain alternating loop. */
    @Property(seed = "20261122")
    boolean symmetricSolveEqualsPlainSolve(@ForAll("problems") Problem p) {
        SinkhornOptions o = SinkhornOptions.epsilon(p.eps()).withPrecision(Precision.F64).withTolerance(1e-11).withMaxIterations(500_000);
        Points x = Points.of(p.x());
        SinkhornResult sym = Sinkhorn.solveSymmetric(x, Weights.of(p.a()), CostFunction.SQUARED_EUCLIDEAN, o);
        SinkhornResult plain = Sinkhorn.solve(x, x, Weights.of(p.a()), Weights.of(p.a()), CostFunction.SQUARED_EUCLIDEAN, o);
        Assume.that(sym.converged() && plain.converged());
        return Math.abs(sym.dualObjective() - plain.dualObjective()) <= 1e-7 * (1 + Math.abs(plain.dualObjective()));
    }

}
