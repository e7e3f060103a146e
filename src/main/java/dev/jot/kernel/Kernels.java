package dev.jot.kernel;

import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the kernel implementation, once, the way Lucene chooses its vectorization provider.
 *
 * <p>The Vector API kernels ({@code dev.jot.kernel.simd}) are loaded reflectively, and only when the
 * {@code jdk.incubator.vector} module is in the boot layer and the preferred vector size is at least
 * 128 bits. Otherwise the scalar kernels run and one log line says how to enable the fast path:
 * start the JVM with {@code --add-modules jdk.incubator.vector}.
 *
 * <p>The system property {@code jot.kernels} ({@code scalar} or {@code vector}) forces a choice; it is
 * read, never set, by this library.
 */
public final class Kernels {
    /** The system property that forces {@code scalar} or {@code vector} kernels. */
    public static final String PROPERTY = "jot.kernels";
    private static final String VECTOR_CLASS = "dev.jot.kernel.simd.VectorKernels";
    private static final System.Logger LOG = System.getLogger("dev.jot");

    private Kernels() {
    }

    private static final class VectorHolder {
        static final SinkhornKernels INSTANCE;
        static final String WHY_NOT;
        static final String DESCRIPTION;

        static {
            SinkhornKernels k = null;
            String why = null;
            String description = null;
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                why = "the module jdk.incubator.vector is not present; start java with --add-modules jdk.incubator.vector";
            } else {
                try {
                    Class<?> c = Class.forName(VECTOR_CLASS);
                    k = (SinkhornKernels) c.getConstructor().newInstance();
                    description = (String) c.getMethod("describe").invoke(null);
                } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    why = "the Vector API kernels could not start (" + cause + ")";
                }
            }
            INSTANCE = k;
            WHY_NOT = why;
            DESCRIPTION = description;
        }
    }

    private static final class DefaultHolder {
        static final SinkhornKernels INSTANCE = choose();

        private static SinkhornKernels choose() {
            String forced = System.getProperty(PROPERTY);
            if (forced != null && !forced.isBlank()) {
                SinkhornKernels k = byName(forced);
                LOG.log(System.Logger.Level.INFO, "JOT: " + k.name() + " kernels (forced by -D" + PROPERTY + "=" + forced + ")");
                return k;
            }
            if (VectorHolder.INSTANCE != null) {
                LOG.log(System.Logger.Level.DEBUG, "JOT: vector kernels, " + VectorHolder.DESCRIPTION);
                return VectorHolder.INSTANCE;
            }
            LOG.log(System.Logger.Level.WARNING, "JOT: scalar kernels, because " + VectorHolder.WHY_NOT);
            return ScalarKernels.INSTANCE;
        }
    }

    /** {@return the kernels chosen at start-up (vector when available, unless {@code -Djot.kernels} says otherwise)} */
    public static SinkhornKernels defaults() {
        return DefaultHolder.INSTANCE;
    }

    /** {@return the scalar (reference) kernels} */
    public static SinkhornKernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** {@return the Vector API kernels, if this JVM can run them} */
    public static Optional<SinkhornKernels> vector() {
        return Optional.ofNullable(VectorHolder.INSTANCE);
    }

    /** {@return why the vector kernels are unavailable, or empty if they are available} */
    public static Optional<String> whyNoVector() {
        return Optional.ofNullable(VectorHolder.WHY_NOT);
    }

    /**
     * The kernels named {@code scalar} or {@code vector}.
     *
     * @param name {@code scalar} or {@code vector} (case and surrounding blanks ignored)
     * @return the kernels
     * @throws IllegalArgumentException for another name, or for {@code vector} where it cannot run (the
     *                                  message says why)
     */
    public static SinkhornKernels byName(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "scalar" -> ScalarKernels.INSTANCE;
            case "vector" -> vector().orElseThrow(() ->
                    new IllegalArgumentException("vector kernels unavailable: " + VectorHolder.WHY_NOT));
            default -> throw new IllegalArgumentException("kernels must be scalar or vector, got '" + name + "'");
        };
    }
}
