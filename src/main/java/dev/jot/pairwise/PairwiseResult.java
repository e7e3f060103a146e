package dev.jot.pairwise;

import dev.jot.data.NdArray;

/**
 * An all-pairs matrix of transport values and how the run that made it went. Immutable.
 *
 * <p>Entry (i, j) is the value between row i's distribution and column j's: for a symmetric run (no
 * second set) both indices run over the same distributions and the matrix is symmetric by construction,
 * each pair i &lt; j solved once; its diagonal holds OT(h_i, h_i) for {@link Pairwise.Value#COST} and
 * {@link Pairwise.Value#OBJECTIVE}, and 0 for {@link Pairwise.Value#DIVERGENCE}.
 */
public final class PairwiseResult {
    private final double[] values;
    private final int rows;
    private final int cols;
    private final boolean symmetric;
    private final Pairwise.Value value;
    private final long pairs;
    private final long pairsSolved;
    private final int blocks;
    private final int blocksSolved;
    private final int blocksResumed;
    private final long notConverged;
    private final int maxIterations;
    private final long nanos;

    PairwiseResult(double[] values, int rows, int cols, boolean symmetric, Pairwise.Value value, long pairs,
                   long pairsSolved, int blocks, int blocksSolved, int blocksResumed, long notConverged,
                   int maxIterations, long nanos) {
        this.values = values;
        this.rows = rows;
        this.cols = cols;
        this.symmetric = symmetric;
        this.value = value;
        this.pairs = pairs;
        this.pairsSolved = pairsSolved;
        this.blocks = blocks;
        this.blocksSolved = blocksSolved;
        this.blocksResumed = blocksResumed;
        this.notConverged = notConverged;
        this.maxIterations = maxIterations;
        this.nanos = nanos;
    }

    /** {@return the number of rows, N} */
    public int rows() {
        return rows;
    }

    /** {@return the number of columns: N for a symmetric run, M with a second set} */
    public int cols() {
        return cols;
    }

    /** {@return whether rows and columns are the same distributions (the matrix is then symmetric)} */
    public boolean symmetric() {
        return symmetric;
    }

    /** {@return which value the entries hold} */
    public Pairwise.Value value() {
        return value;
    }

    /**
     * Entry (i, j).
     *
     * @param i the row, 0 ≤ i &lt; rows
     * @param j the column, 0 ≤ j &lt; cols
     * @return the value between row i and column j
     */
    public double get(int i, int j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + i + ", " + j + ") outside " + rows + " x " + cols);
        }
        return values[i * cols + j];
    }

    /** {@return the matrix, row-major, rows × cols (a copy)} */
    public double[] values() {
        return values.clone();
    }

    /** {@return the matrix as a new rows × cols f64 array} */
    public NdArray toNdArray() {
        return NdArray.of(values, rows, cols);
    }

    /**
     * The transport problems the matrix is made of: N(N+1)/2 for a symmetric cost or objective (the pairs i &lt; j
     * and the diagonal), N(N−1)/2 pairs plus N self terms for a symmetric divergence, N·M with a second set
     * (plus N + M self terms for a divergence).
     *
     * @return the number of problems, in this run and any it resumed
     */
    public long pairs() {
        return pairs;
    }

    /** {@return the problems solved by this run (not those read back from the side file)} */
    public long pairsSolved() {
        return pairsSolved;
    }

    /** {@return the number of blocks the work is cut into (self-term blocks of a divergence included)} */
    public int blocks() {
        return blocks;
    }

    /** {@return the blocks this run solved} */
    public int blocksSolved() {
        return blocksSolved;
    }

    /** {@return the blocks read back from the side file of an interrupted run (not solved again)} */
    public int blocksResumed() {
        return blocksResumed;
    }

    /** {@return the number of problems that stopped at the iteration limit above the tolerance} */
    public long notConverged() {
        return notConverged;
    }

    /** {@return whether every problem converged} */
    public boolean allConverged() {
        return notConverged == 0;
    }

    /** {@return the largest iteration count of any problem} */
    public int maxIterations() {
        return maxIterations;
    }

    /** {@return this run's wall time in milliseconds} */
    public double millis() {
        return nanos / 1e6;
    }

    /** {@return problems solved per second in this run} */
    public double pairsPerSecond() {
        return nanos == 0 ? 0 : pairsSolved / (nanos / 1e9);
    }

    @Override
    public String toString() {
        return "PairwiseResult[" + rows + " x " + cols + ", " + value.label() + ", " + pairs + " problems, "
                + (notConverged == 0 ? "all converged" : notConverged + " not converged") + "]";
    }
}
