package dev.jot.sinkhorn;

import java.util.List;

/**
 * The results of a batch of transport problems, in the order given, and their reductions (as the blog
 * post's {@code SinkhornDistance(reduction=...)}: none, mean or sum of the costs). Immutable.
 */
public final class BatchResult {
    private final List<SinkhornResult> results;
    private final long solveNanos;

    BatchResult(List<SinkhornResult> results, long solveNanos) {
        this.results = List.copyOf(results);
        this.solveNanos = solveNanos;
    }

    /** {@return the problems' results, in order (an unmodifiable list)} */
    public List<SinkhornResult> results() {
        return results;
    }

    /** {@return the number of problems} */
    public int size() {
        return results.size();
    }

    /**
     * Result {@code k}.
     *
     * @param k the problem's index, 0 ≤ k &lt; size
     * @return problem k's result
     */
    public SinkhornResult get(int k) {
        return results.get(k);
    }

    /** {@return the transport costs ⟨P, C⟩, one per problem (reduction "none")} */
    public double[] costs() {
        return results.stream().mapToDouble(SinkhornResult::cost).toArray();
    }

    /** {@return the sum of the costs (reduction "sum")} */
    public double sum() {
        double s = 0;
        for (SinkhornResult r : results) {
            s += r.cost();
        }
        return s;
    }

    /** {@return the mean of the costs (reduction "mean")} */
    public double mean() {
        return sum() / results.size();
    }

    /** {@return whether every problem converged} */
    public boolean allConverged() {
        return results.stream().allMatch(SinkhornResult::converged);
    }

    /** {@return the wall time of the whole batch in milliseconds} */
    public double solveMillis() {
        return solveNanos / 1e6;
    }
}
