package dev.jot.user;

import dev.jot.OT;
import dev.jot.barycenter.*;
import dev.jot.data.*;
import dev.jot.divergence.*;
import dev.jot.exact.*;
import dev.jot.geometry.CostFunction;
import dev.jot.pairwise.*;
import dev.jot.sinkhorn.*;
import java.nio.file.Path;
import java.util.List;

/**
 * The README's Java snippets, verbatim (the main suite's ReadmeSnippetsTest checks that every line of every
 * {@code java} block of the README stands here, in order), each block in a method of its own after the
 * declarations it assumes. {@link #runAll} runs them on small inputs it writes to the working directory.
 */
@SuppressWarnings("unused")
final class ReadmeSnippets {
    private ReadmeSnippets() {
    }

    static void runAll() throws Exception {
        double[] xs = new double[40], ys = new double[30];
        java.util.Random rnd = new java.util.Random(3);
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
        }
        for (int k = 0; k < ys.length; k++) {
            ys[k] = rnd.nextDouble();
        }
        Npy.write(Path.of("x.npy"), NdArray.of(xs, 20, 2));
        Csv.write(Path.of("y.csv"), NdArray.of(ys, 15, 2));
        solving();
        Points x = Points.of(20, 2, xs), y = Points.of(15, 2, ys);
        divergences(x, Weights.uniform(20), y, Weights.uniform(15));
        exact(x, Weights.uniform(20), y, Weights.uniform(15));
        barycenters(x, Weights.uniform(20), y, Weights.uniform(15));
        pairwise(x, y);
    }

    static void solving() throws Exception {
        // README block 1
        SinkhornResult r = OT.sinkhorn(new double[][]{{0, 0}, {1, 0}}, new double[][]{{0, 1}, {1, 1}}, 0.1);

        Points x = Points.of(Npy.read(Path.of("x.npy")));          // memory-mapped, off-heap
        Points y = Points.of(Csv.read(Path.of("y.csv")));
        SinkhornResult s = Sinkhorn.solve(x, y, Weights.uniform(x.n()), null, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.01).withPrecision(Precision.F64).withTolerance(1e-9).withThreads(2));
        s.cost(); s.objective(); s.f(); s.g(); s.converged(); s.status();
        double[] pv = s.applyPlan(new double[y.n()]);    // P·v without forming P;  s.plan() forms the dense n x m plan
        if (!s.converged() || pv.length != x.n()) {
            throw new AssertionError("README block 1: " + s.status());
        }
    }

    /** The squared distances between two clouds, n x m. */
    private static NdArray costs(Points p, Points q) {
        double[] u = p.array().toDoubleArray(), w = q.array().toDoubleArray(), c = new double[p.n() * q.n()];
        int d = p.d();
        for (int i = 0; i < p.n(); i++) {
            for (int j = 0; j < q.n(); j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += (u[i * d + k] - w[j * d + k]) * (u[i * d + k] - w[j * d + k]);
                }
                c[i * q.n() + j] = s;
            }
        }
        return NdArray.of(c, p.n(), q.n());
    }

    static void divergences(Points x, Weights a, Points y, Weights b) {
        CostFunction cost = CostFunction.SQUARED_EUCLIDEAN;
        SinkhornOptions options = SinkhornOptions.epsilon(0.05);
        NdArray cxy = costs(x, y), cxx = costs(x, x), cyy = costs(y, y);
        List<Points> xs = List.of(x, x), ys = List.of(y, y);
        List<Weights> as = List.of(a, a), bs = List.of(b, b);
        // README block 2
        DivergenceResult d = Divergences.sinkhorn(x, a, y, b, CostFunction.SQUARED_EUCLIDEAN,
                SinkhornOptions.epsilon(0.01), Loss.DEBIASED, true);       // true: gradients too
        d.value(); d.converged(); d.gradX(); d.gradY(); d.gradA(); d.gradB(); d.terms();
        Divergences.transport(x, a, y, b, cost, options, true);             // OT_eps alone, envelope gradients
        Divergences.sinkhorn(cxy, cxx, cyy, a, b, options, Loss.DEBIASED, true);   // histograms on cost matrices
        Divergences.sinkhornAll(xs, as, ys, bs, cost, options, Loss.GENEVAY, false); // a batch, one result each
        Divergences.mmd(x, a, y, b, MmdKernel.gaussian(0.5), true);          // 1/2 MMD^2, computed directly
        Divergences.unrolled(x, a, y, b, cost, 0.1, 20, Loss.GENEVAY, options);  // L-step loss, exact gradient
        if (!(d.value() >= 0)) {
            throw new AssertionError("README block 2: S = " + d.value());
        }
    }

    static void exact(Points x, Weights a, Points y, Weights b) {
        NdArray costMatrix = costs(x, y);
        double[] u = {0, 1, 3}, ua = {0.2, 0.3, 0.5}, v = {0.5, 2}, va = {0.5, 0.5};
        double[] m1 = {0, 0}, m2 = {1, 2};
        double[][] s1 = {{1, 0.2}, {0.2, 2}}, s2 = {{0.5, 0}, {0, 1}};
        // README block 3
        ExactResult e = ExactTransport.emd(a, b, costMatrix);          // or emd(x, y, a, b, cost)
        e.cost(); e.planRows(); e.planColumns(); e.planValues(); e.f(); e.g();   // f_i + g_j <= C_ij, = on the plan
        OneDimensional.wasserstein(u, ua, v, va, 2);                   // W_2^2 on the line (double[] values, weights)
        OneDimensional.map(u, ua, v, va);                              // the monotone map G^-1(F(u_i))
        Sliced.distance(x, a, y, b, 2, 500, 42L);                      // seeded, as POT's sliced_wasserstein_distance
        Gaussians.w2Squared(m1, s1, m2, s2); Gaussians.map(m1, s1, m2, s2);   // Bures, and T(x) = A x + c
        GromovWasserstein.entropic(x, a, y, b, CostFunction.SQUARED_EUCLIDEAN, 0.01, 100, 1e-9);
        if (!(e.cost() >= 0)) {
            throw new AssertionError("README block 3");
        }
    }

    static void barycenters(Points x, Weights a, Points y, Weights b) {
        NdArray histograms = NdArray.of(new double[] {0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5}, 2, 4);
        NdArray costMatrix = NdArray.of(new double[] {0, 1, 4, 9, 1, 0, 1, 4, 4, 1, 0, 1, 9, 4, 1, 0}, 4, 4);
        NdArray images = NdArray.of(new double[] {1, 0, 0, 0, 0, 0, 0, 1}, 2, 2, 2);
        double[] m1 = {0, 0}, m2 = {1, 2};
        double[][] s1 = {{1, 0.2}, {0.2, 2}}, s2 = {{0.5, 0}, {0, 1}};
        // README block 4
        double[][] h = {{0.5, 0.5, 0, 0}, {0, 0, 0.5, 0.5}};                    // k = 2 histograms on n = 4 bins
        double[][] c = {{0, 1, 4, 9}, {1, 0, 1, 4}, {4, 1, 0, 1}, {9, 4, 1, 0}};   // their n x n costs
        FixedSupportResult bar = FixedSupport.barycenter(h, c, new double[] {0.25, 0.75}, 0.5);   // log-domain IBP, f64
        bar.barycenter(); bar.value(); bar.marginalErrors(); bar.converged();
        FixedSupport.debiased(histograms, costMatrix, null, SinkhornOptions.epsilon(0.5));   // NdArray k x n and n x n
        Convolutional.barycenter(images, null, SinkhornOptions.epsilon(0.004));   // NdArray k x rows x cols on [0,1]^2
        FreeSupportResult fs = FreeSupport.barycenter(List.of(x, y), List.of(a, b), null, 10, FreeSupportOptions.exact());
        fs.support(); fs.change();                                      // K x d row-major, the last move
        GaussianBarycenter.of(new double[][] {m1, m2}, new double[][][] {s1, s2}, null, 1e-12, 100).covariance();
        if (!(Math.abs(java.util.Arrays.stream(bar.barycenter()).sum() - 1) < 1e-6) || fs.size() != 10) {
            throw new AssertionError("README block 4");
        }
    }

    static void pairwise(Points x, Points y) throws Exception {
        double[] hs = new double[6 * 20];
        java.util.Random rnd = new java.util.Random(5);
        for (int k = 0; k < hs.length; k++) {
            hs[k] = rnd.nextDouble();
        }
        Npy.write(Path.of("C.npy"), costs(x, x));
        Npy.write(Path.of("H.npy"), NdArray.of(hs, 6, 20));
        java.nio.file.Files.deleteIfExists(Path.of("D.blocks"));
        // README block 5
        NdArray c = Npy.read(Path.of("C.npy")), h = Npy.read(Path.of("H.npy"));   // n x n costs, N x n histograms
        PairwiseResult pr = Pairwise.of(SinkhornOptions.epsilon(0.05).withThreads(2))
                .withValue(Pairwise.Value.DIVERGENCE)                           // or COST (the default), OBJECTIVE
                .withSideFile(Path.of("D.blocks"), true)                        // restartable: finished blocks are kept
                .histograms(c, h, null);                                        // null: N x N; M x m histograms: N x M
        pr.get(0, 1); pr.toNdArray(); pr.allConverged(); pr.blocksResumed(); pr.pairsPerSecond();
        Pairwise.of(SinkhornOptions.epsilon(0.05)).clouds(List.of(x, y), null, CostFunction.SQUARED_EUCLIDEAN);
        if (pr.rows() != 6 || pr.get(2, 2) != 0 || !(pr.get(0, 1) > 0)) {
            throw new AssertionError("README block 5: " + pr);
        }
    }
}
