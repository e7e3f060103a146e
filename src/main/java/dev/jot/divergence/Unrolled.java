package dev.jot.divergence;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.PointCloudGeometry;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornIterator;
import dev.jot.sinkhorn.SinkhornOptions;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One transport term computed by L log-domain Sinkhorn iterations from g = 0, and the exact gradient of
 * its value by a reverse pass through them.
 *
 * <p>With u = f/ε, v = g/ε, α = log a, β = log b and K = −C/ε, iteration l is
 * u^l_i = −LSE_j(β_j + v^{l−1}_j + K_ij), then v^l_j = −LSE_i(α_i + u^l_i + K_ij), from v^0 = 0. Their
 * Jacobians are the row-stochastic π^l_ij = exp(β_j + v^{l−1}_j + K_ij + u^l_i) and the column-stochastic
 * σ^l_ij = exp(α_i + u^l_i + K_ij + v^l_j), so the reverse pass, from l = L down to 1, is
 * <pre>
 *   ū^l_i −= Σ_j σ^l_ij v̄^l_j,   ᾱ_i −= Σ_j σ^l_ij v̄^l_j,   C̄_ij += σ^l_ij v̄^l_j / ε
 *   v̄^{l−1}_j = −Σ_i π^l_ij ū^l_i,  β̄_j −= Σ_i π^l_ij ū^l_i,  C̄_ij += π^l_ij ū^l_i / ε
 * </pre>
 * and ∂/∂x_i = Σ_j C̄_ij ∇_x c(x_i, y_j). Only the potentials of each iteration are kept (L·(n + m)
 * numbers); σ and π are recomputed tile by tile, and C̄ is folded into the position gradients as each
 * tile is made, so no n × m array exists. The value is the dual ε·(⟨a, u^L⟩ + ⟨b, v^L⟩) (OT_ε's
 * iterate) or Genevay's ⟨P^L, C⟩ with P^L_ij = exp(α_i + β_j + u^L_i + v^L_j + K_ij).
 */
final class Unrolled {
    private Unrolled() {
    }

    /** The term's value, the iterations run, and whether the potentials settled (when asked to). */
    record Result(double value, int iterations, boolean settled) {
    }

    /**
     * Runs the term and adds scale × its gradients to the given arrays (rows' positions, columns'
     * positions, rows' weights, columns' weights; the same array may be passed for rows and columns when
     * they are the same cloud).
     *
     * @param maxL   the number of iterations (or the most, when settle &gt; 0)
     * @param settle stop early once Σ_j b_j·|v^l_j − v^{l−1}_j| ≤ settle (0: run exactly maxL)
     */
    static Result run(double[] px, int n, double[] py, int m, int d, double[] a, double[] b, CostFunction cost,
                      SinkhornOptions opts, int maxL, double settle, boolean genevay, boolean gradients,
                      double[] gRows, double[] gCols, double[] gRowW, double[] gColW, double scale) {
        double eps = opts.epsilon(), invEps = 1.0 / eps;
        var geometry = PointCloudGeometry.of(Points.of(n, d, px), Points.of(m, d, py), cost, Precision.F64);
        List<double[]> us = new ArrayList<>();
        List<double[]> vs = new ArrayList<>();
        vs.add(new double[m]);
        double[] aw, bw;
        boolean settled = false;
        try (SinkhornIterator it = Sinkhorn.iterator(geometry, Weights.of(a), Weights.of(b), opts.withMaxIterations(maxL))) {
            aw = it.weightsA();
            bw = it.weightsB();
            for (int l = 1; l <= maxL; l++) {
                it.step();
                double[] u = it.f(), v = it.g();
                for (int i = 0; i < n; i++) {
                    u[i] *= invEps;
                }
                double change = 0;
                double[] prev = vs.get(vs.size() - 1);
                for (int j = 0; j < m; j++) {
                    v[j] *= invEps;
                    change += bw[j] * Math.abs(v[j] - prev[j]);
                }
                us.add(u);
                vs.add(v);
                if (!(Double.isFinite(change) && allFinite(u))) {
                    return new Result(Double.NaN, l, false);
                }
                if (settle > 0 && change <= settle) {
                    settled = true;
                    break;
                }
            }
        }
        int L = us.size();
        double[] alpha = Divergences.logs(aw), beta = Divergences.logs(bw);
        double[] gx = new double[n * d], gy = new double[m * d];
        double[] ub = new double[n], vb = new double[m], abar = new double[n], bbar = new double[m];
        double value = 0;
        try (Pair p = new Pair(px, n, py, m, d, cost, opts.kernels())) {
            double phi = p.constantPhi();
            double[] cvOnes = p.columnVectors(null);
            double[] uL = us.get(L - 1), vL = vs.get(L);
            if (!gradients) {
                return new Result(genevay ? genevayAdjoint(p, alpha, uL, beta, vL, invEps, ub, vb, null, null)
                        : dualValue(eps, aw, uL, bw, vL), L, settled);
            }
            if (!genevay) {
                value = dualValue(eps, aw, uL, bw, vL);
                for (int i = 0; i < n; i++) {
                    if (aw[i] > 0) {
                        ub[i] = eps * aw[i];
                        abar[i] = eps * aw[i] * uL[i];
                    }
                }
                for (int j = 0; j < m; j++) {
                    if (bw[j] > 0) {
                        vb[j] = eps * bw[j];
                        bbar[j] = eps * bw[j] * vL[j];
                    }
                }
            } else {
                value = genevayAdjoint(p, alpha, uL, beta, vL, invEps, ub, vb, gx, gy);
                System.arraycopy(ub, 0, abar, 0, n);
                System.arraycopy(vb, 0, bbar, 0, m);
            }
            double[] rowH = new double[n], colH = new double[m], t = new double[p.tileRows];
            double[] piU = new double[m];
            double[][] partsS = p.newParts(), partsP = p.newParts();
            double g = phi * invEps;
            for (int l = L; l >= 1; l--) {
                double[] u = us.get(l - 1), v = vs.get(l), vPrev = vs.get(l - 1);
                for (int i = 0; i < n; i++) {
                    rowH[i] = alpha[i] + u[i];
                }
                for (int j = 0; j < m; j++) {
                    colH[j] = beta[j] + vPrev[j];
                }
                double[] cvVb = p.columnVectors(vb);
                java.util.Arrays.fill(piU, 0.0);
                for (int r0 = 0; r0 < n; r0 += p.tileRows) {
                    int rows = Math.min(p.tileRows, n - r0);
                    MemorySegment sq = p.squared(r0, rows);
                    MemorySegment c = p.costs(sq, rows);
                    // the g step: σ = exp(α + u^l + K + v^l)
                    MemorySegment e = p.e(rows);
                    p.kernels.expTileF64(c, rows, m, rowH, r0, v, invEps, e);
                    java.util.Arrays.fill(t, 0.0);
                    p.kernels.rowDotF64(e, rows, m, vb, 0, t, 0);
                    for (int r = 0; r < rows; r++) {
                        ub[r0 + r] -= t[r];
                        abar[r0 + r] -= t[r];
                    }
                    MemorySegment w = p.phiWeights(e, sq, rows);
                    p.addRowGradient(w, r0, rows, cvVb, null, g, gx);
                    p.addColumnParts(w, r0, rows, null, partsS);
                    // the f step: π = exp(u^l + β + v^{l−1} + K), with ū^l now complete for these rows
                    p.kernels.expTileF64(c, rows, m, u, r0, colH, invEps, e);
                    p.kernels.columnAxpyF64(e, rows, m, ub, r0, 1, piU);
                    w = p.phiWeights(e, sq, rows);
                    p.addRowGradient(w, r0, rows, cvOnes, ub, g, gx);
                    p.addColumnParts(w, r0, rows, ub, partsP);
                }
                p.finishColumnGradient(partsS, vb, g, gy);
                p.finishColumnGradient(partsP, null, g, gy);
                for (int j = 0; j < m; j++) {
                    vb[j] = -piU[j];
                    bbar[j] -= piU[j];
                }
                java.util.Arrays.fill(ub, 0.0);
            }
        }
        for (int k = 0; k < gx.length; k++) {
            gRows[k] += scale * gx[k];
        }
        for (int k = 0; k < gy.length; k++) {
            gCols[k] += scale * gy[k];
        }
        for (int i = 0; i < n; i++) {
            gRowW[i] += aw[i] > 0 ? scale * abar[i] / aw[i] : 0.0;
        }
        for (int j = 0; j < m; j++) {
            gColW[j] += bw[j] > 0 ? scale * bbar[j] / bw[j] : 0.0;
        }
        return new Result(value, L, settled);
    }

    /**
     * Genevay's ⟨P^L, C⟩ and its adjoints: ū = Σ_j P_ij C_ij (rows), v̄ = Σ_i P_ij C_ij (columns), and the
     * direct C̄ = P·(1 − C/ε) folded into the position gradients (skipped when gx and gy are null: the value only).
     */
    private static double genevayAdjoint(Pair p, double[] alpha, double[] uL, double[] beta, double[] vL, double invEps,
                                         double[] ub, double[] vb, double[] gx, double[] gy) {
        int n = p.n, m = p.m;
        double[] rowH = new double[n], colH = new double[m];
        for (int i = 0; i < n; i++) {
            rowH[i] = alpha[i] + uL[i];
        }
        for (int j = 0; j < m; j++) {
            colH[j] = beta[j] + vL[j];
        }
        double[] cvOnes = p.columnVectors(null);
        double[][] parts = p.newParts();
        double phi = p.constantPhi();
        for (int r0 = 0; r0 < n; r0 += p.tileRows) {
            int rows = Math.min(p.tileRows, n - r0);
            MemorySegment sq = p.squared(r0, rows);
            MemorySegment c = p.costs(sq, rows);
            MemorySegment e = p.e(rows);
            p.kernels.expTileF64(c, rows, m, rowH, r0, colH, invEps, e);
            MemorySegment w = p.w(rows);
            long count = (long) rows * m;
            for (long k = 0; k < count; k++) {
                w.setAtIndex(ValueLayout.JAVA_DOUBLE, k, e.getAtIndex(ValueLayout.JAVA_DOUBLE, k) * c.getAtIndex(ValueLayout.JAVA_DOUBLE, k));
            }
            p.kernels.rowDotF64(w, rows, m, cvOnes, 0, ub, r0);
            p.kernels.columnAxpyF64(w, rows, m, cvOnes, 0, 0, vb);
            if (gx == null) {
                continue;
            }
            for (long k = 0; k < count; k++) {
                double ck = c.getAtIndex(ValueLayout.JAVA_DOUBLE, k);
                e.setAtIndex(ValueLayout.JAVA_DOUBLE, k, e.getAtIndex(ValueLayout.JAVA_DOUBLE, k) * (1.0 - ck * invEps));
            }
            MemorySegment wg = p.phiWeights(e, sq, rows);
            p.addRowGradient(wg, r0, rows, cvOnes, null, phi, gx);
            p.addColumnParts(wg, r0, rows, null, parts);
        }
        if (gy != null) {
            p.finishColumnGradient(parts, null, phi, gy);
        }
        double value = 0;
        for (int i = 0; i < n; i++) {
            value += ub[i];
        }
        return value;
    }

    private static double dualValue(double eps, double[] a, double[] u, double[] b, double[] v) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > 0) {
                s += a[i] * u[i];
            }
        }
        for (int j = 0; j < b.length; j++) {
            if (b[j] > 0) {
                s += b[j] * v[j];
            }
        }
        return eps * s;
    }

    private static boolean allFinite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
