package dev.jot.geometry;

import dev.jot.data.Precision;
import java.lang.foreign.MemorySegment;

/**
 * The cost side of a transport problem: an n × m cost matrix C that solvers read tile by tile.
 *
 * <p>A tile is a block of consecutive rows of C (or of its transpose Cᵀ, for sweeps over columns),
 * stored row-major in the geometry's precision with a row stride equal to the number of columns. A
 * materialised geometry hands out slices of a stored matrix; a geometry computed on the fly fills the
 * caller's scratch segment. Solvers never need to know which.
 */
public interface Geometry {

    /** {@return the number of rows of C (source points)} */
    int n();

    /** {@return the number of columns of C (target points)} */
    int m();

    /** {@return the precision of the tiles} */
    Precision precision();

    /**
     * Rows {@code [r0, r0 + rows)} of C (or of Cᵀ when {@code transposed}), row-major, as a segment of
     * {@code rows × (transposed ? n : m)} elements.
     *
     * @param scratch a segment of at least that many elements that the geometry may fill and return;
     *                ignored by materialised geometries
     * @param transposed whether to read rows of Cᵀ (columns of C) instead of rows of C
     * @param r0 the first row
     * @param rows the number of rows
     * @return the tile: a slice of the stored matrix, or {@code scratch} filled
     */
    MemorySegment tile(boolean transposed, int r0, int rows, MemorySegment scratch);

    /** {@return whether {@link #tile} returns stored memory (no scratch needed)} */
    boolean materialized();

    /** {@return the largest entry of C (used to scale ε and to judge f32 range)} */
    double maxCost();

    /** {@return the smallest entry of C} */
    double minCost();

    /**
     * Entry C[i][j], widened to double.
     *
     * @param i the row, 0 ≤ i &lt; n
     * @param j the column, 0 ≤ j &lt; m
     * @return C[i][j], widened to double
     */
    double cost(int i, int j);
}
