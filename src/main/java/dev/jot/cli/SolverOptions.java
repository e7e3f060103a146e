package dev.jot.cli;

import dev.jot.data.Precision;
import dev.jot.kernel.Kernels;
import dev.jot.sinkhorn.SinkhornOptions;
import picocli.CommandLine.Option;

/**
 * The Sinkhorn solver's settings, a picocli mixin: {@code --max-iter}, {@code --tol}, {@code --precision},
 * {@code --threads}, {@code --kernels} and {@code --anneal}, for {@code jot solve} and {@code jot divergence}
 * (the options of {@link SinkhornOptions} that both take; {@code jot solve}'s {@code --check-every},
 * {@code --backend} and {@code --matrix-free} stay in that command). {@code jot gw}'s {@code --max-iter} and
 * {@code --tol} count outer iterations and the coupling's movement, with other defaults, and stay in that
 * command; {@code jot demo}'s {@code --precision} defaults to f64 and stays in that command.
 */
final class SolverOptions {
    @Option(names = "--max-iter", paramLabel = "N", defaultValue = "1000",
            description = "iteration limit (of each solve); default: ${DEFAULT-VALUE}")
    int maxIter;

    @Option(names = "--tol", paramLabel = "T", defaultValue = "1e-6",
            description = "tolerance on the L1 marginal error |P1 - a|; 0 runs exactly --max-iter iterations; default: ${DEFAULT-VALUE}")
    double tol;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "f32", description = "f32 or f64; default: ${DEFAULT-VALUE}")
    String precision;

    @Option(names = "--threads", paramLabel = "K", description = "threads (default: all processors)")
    Integer threads;

    @Option(names = "--kernels", paramLabel = "K", description = "scalar or vector (default: vector where the JVM has the Vector API)")
    String kernels;

    @Option(names = "--anneal", paramLabel = "F",
            description = "epsilon-annealing: start at the largest cost, multiply epsilon by F (0 < F < 1, e.g. 0.5) "
                    + "down to --epsilon, keeping the potentials (default: none)")
    Double anneal;

    /**
     * Parses {@code --precision}.
     *
     * @return f32 or f64
     * @throws IllegalArgumentException for another name
     */
    Precision precision() {
        return Precision.parse(precision);
    }

    /**
     * The solver options these settings give, at a regularisation epsilon.
     *
     * @param epsilon the regularisation, positive and finite
     * @return the options: the iteration limit, tolerance and precision given (or their defaults); the threads,
     *         kernels and annealing factor where given, the library's defaults otherwise
     * @throws IllegalArgumentException for a value the options refuse (the message names it)
     */
    SinkhornOptions options(double epsilon) {
        SinkhornOptions o = SinkhornOptions.epsilon(epsilon)
                .withMaxIterations(maxIter)
                .withTolerance(tol)
                .withPrecision(precision());
        if (threads != null) {
            o = o.withThreads(threads);
        }
        if (kernels != null) {
            o = o.withKernels(Kernels.byName(kernels));
        }
        if (anneal != null) {
            o = o.withAnnealing(anneal);
        }
        return o;
    }

    /** The regularisation {@code --epsilon} as a required option, for {@code jot solve} and {@code jot gw}. */
    static final class Epsilon {
        @Option(names = "--epsilon", paramLabel = "E", required = true, description = "regularisation epsilon > 0, in cost units")
        double epsilon;
    }
}
