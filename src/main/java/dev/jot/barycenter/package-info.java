/**
 * Wasserstein barycenters: the measure b that minimises Σ_k w_k OT(b, h_k) for given measures h_k and
 * barycentric weights w_k (non-negative, summing to 1).
 *
 * <ul>
 *   <li>{@link dev.jot.barycenter.FixedSupport}: histograms on one support with a given cost matrix, by
 *       iterative Bregman projections in the log domain (Benamou, Carlier, Cuturi, Nenna, Peyré 2015), and
 *       the debiased barycenter (Janati, Cuturi, Gramfort 2020).</li>
 *   <li>{@link dev.jot.barycenter.FreeSupport}: point clouds, the barycenter's support points moved by the
 *       fixed point X ← Σ_k w_k diag(1/b) T_k X_k with exact or entropic plans T_k.</li>
 *   <li>{@link dev.jot.barycenter.GaussianBarycenter}: the W2 (Bures–Wasserstein) barycenter of Gaussians,
 *       by the fixed point of Álvarez-Esteban, del Barrio, Cuesta-Albertos and Matrán (2016).</li>
 * </ul>
 *
 * <p>Conventions as in the rest of JOT: OT_ε(a, b) = min ⟨P, C⟩ + ε·KL(P‖a⊗b) (POT's {@code reg} = ε), and
 * the squared Euclidean cost |x − y|², not halved. Results are immutable; bad input raises
 * {@link java.lang.IllegalArgumentException} with a message that names the argument and the value.
 */
package dev.jot.barycenter;
