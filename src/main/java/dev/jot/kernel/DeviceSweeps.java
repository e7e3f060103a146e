package dev.jot.kernel;

/**
 * The Sinkhorn sweeps of a batch of B problems of equal sizes (n × m), run where the costs live: on an
 * accelerator (OpenCL, TornadoVM). Unlike the tile-oriented {@link SinkhornKernels}, an implementation
 * keeps the costs (or the points), the weights and the potentials f (B × n) and g (B × m) on its
 * device for the whole solve; the solver ({@code dev.jot.sinkhorn}) only decides, from the marginal
 * errors it reads back, which problems go on. Potentials start at 0.
 *
 * <p>The updates are those of the CPU solver: f_i = −ε·log Σ_j b_j·exp((g_j − C_ij)/ε), then
 * g_j = −ε·log Σ_i a_i·exp((f_i − C_ij)/ε); for an unbalanced problem ({@link #setDamping}) each is damped,
 * f_i = −τ_a·ε·log Σ_j …, g_j = −τ_b·ε·log Σ_i … with τ = ρ/(ρ + ε). {@code active[p]} says which problems a call
 * touches.
 *
 * <p>Implementations are made by {@link Accelerators#open}; not thread-safe; close them.
 */
public interface DeviceSweeps extends AutoCloseable {

    /** {@return the backend's name: {@code opencl} or {@code tornado}} */
    String backend();

    /** {@return the device that runs the sweeps, as its driver names it} */
    String device();

    /**
     * Sets problem p's ε (taking effect at the next sweep).
     *
     * @param problem the problem's index, 0 ≤ problem &lt; B
     * @param epsilon its ε
     */
    void setEpsilon(int problem, double epsilon);

    /**
     * Sets problem p's damping of the f and g updates (taking effect at the next sweep): τ_a and τ_b in (0, 1],
     * τ = ρ/(ρ + ε) for a finite ρ at the problem's current ε, 1 for a hard constraint (the default: balanced).
     * A problem with either below 1 is unbalanced: its {@link #rowUpdate} errors are the potentials' change.
     *
     * @param problem the problem's index, 0 ≤ problem &lt; B
     * @param tauA the damping of the f update
     * @param tauB the damping of the g update
     * @throws IllegalArgumentException if a damping is not in (0, 1]
     */
    void setDamping(int problem, double tauA, double tauB);

    /**
     * The f update into a second buffer (the current f is kept until {@link #commitRows}). With
     * {@code errors != null}, errors[p] = ‖P·1 − a‖₁ of the current state (f, g) for each active problem, or for an
     * unbalanced one the potentials' change max_i |f'_i − f_i|/ε over the rows of positive weight (the CPU
     * solver's stopping quantities; NaN if the new f is not finite); reading them waits for the device.
     *
     * @param active which problems to update, one flag per problem
     * @param errors null, or an array of B that receives the active problems' marginal errors
     */
    void rowUpdate(boolean[] active, double[] errors);

    /**
     * f ← the f computed by the last {@link #rowUpdate}, for the problems in {@code which}.
     *
     * @param which which problems to commit, one flag per problem
     */
    void commitRows(boolean[] which);

    /**
     * The g update from the current f, for the active problems.
     *
     * @param active which problems to update, one flag per problem
     */
    void columnUpdate(boolean[] active);

    /**
     * The current potentials and what the result needs: the row log-sum-exps for the current g
     * (lse_i = log Σ_j b_j·exp((g_j − C_ij)/ε)), the column log-sum-exps for the current f, and the plan
     * sums of the row-normalised plan P~_ij = b_j·exp((g_j − C_ij)/ε − lse_i): Σ_j P~_ij and Σ_j P~_ij·C_ij.
     * Arrays are indexed [problem][point].
     *
     * @return the potentials, log-sum-exps and plan sums of every problem
     */
    Final finish();

    /**
     * What {@link #finish()} reads back.
     *
     * @param f the source potentials, B × n
     * @param g the target potentials, B × m
     * @param rowLse the row log-sum-exps for the current g, B × n
     * @param colLse the column log-sum-exps for the current f, B × m
     * @param rowNorm Σ_j P~_ij for each row, B × n
     * @param rowCost Σ_j P~_ij·C_ij for each row, B × n
     */
    record Final(double[][] f, double[][] g, double[][] rowLse, double[][] colLse, double[][] rowNorm, double[][] rowCost) {
    }

    @Override
    void close();
}
