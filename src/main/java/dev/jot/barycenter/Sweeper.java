package dev.jot.barycenter;

/**
 * How one half of a barycenter iteration is computed: the log-sum-exps of k problems against one Gibbs kernel,
 * over a stored cost matrix ({@link Support}) or as separable passes on a grid ({@link Grid}). The iteration
 * (the update rule) is the same for both ({@code FixedSupport.Ibp}).
 */
interface Sweeper extends AutoCloseable {
    /** {@return the number of support points n} */
    int n();

    /**
     * For every problem p: outs[p][i] = log Σ_j exp(hs[p][j] − C_ij/ε) (over the rows of Cᵀ when transposed).
     * outs holds the previous values, which an implementation may use as guesses (NaN for none).
     *
     * @param transposed whether to sum over the rows of C instead of its columns
     * @param hs the column terms, one row per problem
     * @param outs the results, one row per problem
     * @param invEps 1/ε
     */
    void sweep(boolean transposed, double[][] hs, double[][] outs, double invEps);

    @Override
    void close();
}
