package dev.jot.exact;

import dev.jot.data.NdArray;
import java.util.Locale;

/**
 * An exact (unregularised) optimal transport plan, sparse: at most n + m − 1 nonzeros (a vertex of the
 * transport polytope), its cost ⟨P, C⟩, and dual potentials f, g that certify it: f_i + g_j ≤ C_ij for
 * every pair, with equality where P_ij &gt; 0, and ⟨a, f⟩ + ⟨b, g⟩ = ⟨P, C⟩. Immutable.
 */
public final class ExactResult {
    private final int n;
    private final int m;
    private final double cost;
    private final int[] rows;
    private final int[] cols;
    private final double[] values;
    private final double[] f;
    private final double[] g;
    private final boolean optimal;
    private final String status;
    private final long pivots;
    private final double millis;

    ExactResult(int n, int m, double cost, int[] rows, int[] cols, double[] values, double[] f, double[] g,
                boolean optimal, String status, long pivots, double millis) {
        this.n = n;
        this.m = m;
        this.cost = cost;
        this.rows = rows.clone();
        this.cols = cols.clone();
        this.values = values.clone();
        this.f = f.clone();
        this.g = g.clone();
        this.optimal = optimal;
        this.status = status;
        this.pivots = pivots;
        this.millis = millis;
    }

    /** Number of sources. */
    public int n() {
        return n;
    }

    /** Number of targets. */
    public int m() {
        return m;
    }

    /** ⟨P, C⟩. */
    public double cost() {
        return cost;
    }

    /** Number of nonzeros of the plan (at most n + m − 1). */
    public int planNonzeros() {
        return values.length;
    }

    /** Row indices of the nonzeros. */
    public int[] planRows() {
        return rows.clone();
    }

    /** Column indices of the nonzeros. */
    public int[] planColumns() {
        return cols.clone();
    }

    /** Values of the nonzeros. */
    public double[] planValues() {
        return values.clone();
    }

    /** The dense n × m plan (f64). */
    public NdArray plan() {
        double[] p = new double[Math.multiplyExact(n, m)];
        for (int k = 0; k < values.length; k++) {
            p[rows[k] * m + cols[k]] += values[k];
        }
        return NdArray.of(p, n, m);
    }

    /** Dual potential of the sources. */
    public double[] f() {
        return f.clone();
    }

    /** Dual potential of the targets. */
    public double[] g() {
        return g.clone();
    }

    /** ⟨a, f⟩ + ⟨b, g⟩ is returned by the caller's weights; this is whether the simplex proved optimality. */
    public boolean optimal() {
        return optimal;
    }

    /** What happened, in words. */
    public String status() {
        return status;
    }

    /** Simplex pivots made. */
    public long pivots() {
        return pivots;
    }

    /** Wall time in milliseconds. */
    public double millis() {
        return millis;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "exact OT %d x %d: cost %.12g, %d nonzeros, %s", n, m, cost, values.length, status);
    }
}
