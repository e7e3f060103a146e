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

    /** {@return the number of sources} */
    public int n() {
        return n;
    }

    /** {@return the number of targets} */
    public int m() {
        return m;
    }

    /** {@return the transport cost ⟨P, C⟩} */
    public double cost() {
        return cost;
    }

    /** {@return the number of nonzeros of the plan (at most n + m − 1)} */
    public int planNonzeros() {
        return values.length;
    }

    /** {@return the row indices of the nonzeros} */
    public int[] planRows() {
        return rows.clone();
    }

    /** {@return the column indices of the nonzeros} */
    public int[] planColumns() {
        return cols.clone();
    }

    /** {@return the values of the nonzeros} */
    public double[] planValues() {
        return values.clone();
    }

    /** {@return the dense n × m plan (f64)} */
    public NdArray plan() {
        double[] p = new double[Math.multiplyExact(n, m)];
        for (int k = 0; k < values.length; k++) {
            p[rows[k] * m + cols[k]] += values[k];
        }
        return NdArray.of(p, n, m);
    }

    /** {@return the dual potential of the sources} */
    public double[] f() {
        return f.clone();
    }

    /** {@return the dual potential of the targets} */
    public double[] g() {
        return g.clone();
    }

    /**
     * {@return whether the simplex proved optimality} False when it stopped at its pivot limit or could not place all
     * the mass. The dual value ⟨a, f⟩ + ⟨b, g⟩ is left to the caller, who has the weights.
     */
    public boolean optimal() {
        return optimal;
    }

    /** {@return what happened, in words} */
    public String status() {
        return status;
    }

    /** {@return the number of simplex pivots made} */
    public long pivots() {
        return pivots;
    }

    /** {@return the wall time in milliseconds} */
    public double millis() {
        return millis;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "exact OT %d x %d: cost %.12g, %d nonzeros, %s", n, m, cost, values.length, status);
    }
}
