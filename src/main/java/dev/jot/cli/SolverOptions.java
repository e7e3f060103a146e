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
    @Option(names = "--max-iter", paramLabel = "N", defaultValue = "" + SinkhornOptions.DEFAULT_MAX_ITERATIONS,
            description = "iteration limit (of each solve); default: ${DEFAULT-VALUE}")
    int maxIter;

    @Option(names = "--tol", paramLabel = "T", defaultValue = "1e-6",
            description = "tolerance on the L1 marginal error |P1 - a| (with a finite rho: on the potentials' change "
                    + "max_i |f'_i - f_i|/epsilon); 0 runs exactly --max-iter iterations; default: ${DEFAULT-VALUE}")
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

    /**
     * The marginal penalties of unbalanced transport, {@code --rho}, {@code --rho-a} and {@code --rho-b}, for
     * {@code jot solve}: {@code --rho} sets both sides, the others one side each (and win over {@code --rho});
     * {@code inf} is a hard constraint (the default: balanced).
     */
    static final class Rho {
        @Option(names = "--rho", paramLabel = "R",
                description = "unbalanced transport: penalise both marginals by R*KL(P1 | a) + R*KL(P^T1 | b) instead of "
                        + "imposing them (generalized KL; R > 0, inf = a hard constraint; default: inf, balanced)")
        String rho;

        @Option(names = "--rho-a", paramLabel = "RA", description = "the penalty on the source marginal only (inf: P1 = a)")
        String rhoA;

        @Option(names = "--rho-b", paramLabel = "RB", description = "the penalty on the target marginal only (inf: P^T1 = b)")
        String rhoB;

        @Option(names = "--translation-invariant",
                description = "with a finite rho: after each f update, translate (f + l, g - l) to the dual's maximum along "
                        + "that direction (Sejourne et al. 2022); far fewer iterations when rho/epsilon is large")
        boolean translationInvariant;

        /**
         * The options with these penalties.
         *
         * @param o the options without them
         * @return {@code o}, unchanged when no penalty is given, else with {@link SinkhornOptions#withRho(double, double)}
         * @throws IllegalArgumentException for a value that is not a positive number or {@code inf}
         */
        SinkhornOptions apply(SinkhornOptions o) {
            if (rho == null && rhoA == null && rhoB == null) {
                if (translationInvariant) {
                    throw new IllegalArgumentException("--translation-invariant needs a finite --rho, --rho-a or --rho-b");
                }
                return o;
            }
            double both = rho == null ? Double.POSITIVE_INFINITY : parse("--rho", rho);
            double ra = rhoA == null ? both : parse("--rho-a", rhoA);
            double rb = rhoB == null ? both : parse("--rho-b", rhoB);
            return o.withRho(ra, rb).withTranslationInvariant(translationInvariant);
        }
    }

    /**
     * Parses a marginal penalty: a positive number, or {@code inf} ({@code infinity}, {@code Infinity}).
     *
     * @param option the option's name, for the message
     * @param value the text given
     * @return the penalty
     * @throws IllegalArgumentException for anything else (the message names the option and the value)
     */
    static double parse(String option, String value) {
        String t = value.trim().toLowerCase(java.util.Locale.ROOT);
        double v;
        if (t.equals("inf") || t.equals("+inf") || t.equals("infinity") || t.equals("+infinity")) {
            v = Double.POSITIVE_INFINITY;
        } else {
            try {
                v = Double.parseDouble(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a positive number or inf, got '" + value + "'");
            }
        }
        if (!(v > 0)) {
            throw new IllegalArgumentException(option + " must be positive (or inf for a hard constraint), got " + value);
        }
        return v;
    }

    /** The regularisation {@code --epsilon} as a required option, for {@code jot solve} and {@code jot gw}. */
    static final class Epsilon {
        @Option(names = "--epsilon", paramLabel = "E", required = true, description = "regularisation epsilon > 0, in cost units")
        double epsilon;
    }
}
