package dev.jot.kernel;

import dev.jot.geometry.Geometry;
import dev.jot.kernel.opencl.OpenClDevice;
import dev.jot.kernel.opencl.OpenClSweeps;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.Locale;

/**
 * The backends a solve can run on: {@code cpu} (the tiled sweeps of {@link SinkhornKernels}, the
 * default), {@code opencl} (device-resident sweeps on the OpenCL device found at run time, see
 * {@link OpenClDevice}) and {@code tornado} (TornadoVM, present only in builds made with a TornadoVM SDK).
 * The system property {@code jot.backend} chooses the default; it is read, never set, by this library.
 */
public final class Accelerators {
    /** The system property that chooses the default backend. */
    public static final String PROPERTY = "jot.backend";
    private static final String TORNADO_CLASS = "dev.jot.tornado.TornadoSweeps";
    /** Set by TornadoVM's JVM flags: the mark of a JVM that can run TornadoVM tasks. */
    private static final String TORNADO_RUNTIME_PROPERTY = "tornado.load.runtime.implementation";

    private Accelerators() {
    }

    /** {@return the default backend: {@code -Djot.backend}, else {@code cpu}} */
    public static String defaultBackend() {
        String p = System.getProperty(PROPERTY);
        return p == null || p.isBlank() ? "cpu" : normalize(p);
    }

    /**
     * The backend's canonical name.
     *
     * @param name a backend's name (case and surrounding blanks ignored)
     * @return {@code cpu}, {@code opencl} or {@code tornado}
     * @throws IllegalArgumentException for an unknown name
     */
    public static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "cpu", "opencl", "tornado" -> n;
            default -> throw new IllegalArgumentException("backend must be cpu, opencl or tornado, got '" + name + "'");
        };
    }

    /**
     * Checks that a backend can run here.
     *
     * @param backend the backend's name
     * @throws IllegalArgumentException naming the reason if it cannot
     */
    public static void require(String backend) {
        switch (normalize(backend)) {
            case "opencl" -> {
                if (!OpenClDevice.available()) {
                    throw new IllegalArgumentException("backend opencl unavailable: " + OpenClDevice.whyNot());
                }
            }
            case "tornado" -> {
                try {
                    Class.forName(TORNADO_CLASS);
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new IllegalArgumentException("backend tornado unavailable: this build of JOT has no TornadoVM "
                            + "backend (build with TORNADOVM_HOME set, and run in a JVM started with TornadoVM's flags)");
                }
                if (System.getProperty(TORNADO_RUNTIME_PROPERTY) == null) {
                    throw new IllegalArgumentException("backend tornado unavailable: this JVM was not started with TornadoVM's "
                            + "flags (see tornado --printJavaFlags; -D" + TORNADO_RUNTIME_PROPERTY + " is not set)");
                }
            }
            default -> {
            }
        }
    }

    /**
     * Device-resident sweeps for a batch of problems of equal sizes on one backend.
     *
     * @param backend  {@code opencl} or {@code tornado}
     * @param problems one geometry per problem (dense or matrix-free, all of one kind and size; the same
     *                 object repeated means a shared cost matrix, stored once)
     * @param a        the problems' source weights (B × n)
     * @param b        the problems' target weights (B × m), already of a's total mass
     * @return the sweeps, with the problems on the device and the potentials at 0; close them
     * @throws IllegalArgumentException if the backend is unknown, {@code cpu}, or cannot run here
     * @throws AcceleratorException if the TornadoVM backend fails to start (one line)
     */
    public static DeviceSweeps open(String backend, List<? extends Geometry> problems, double[][] a, double[][] b) {
        require(backend);
        return switch (normalize(backend)) {
            case "opencl" -> new OpenClSweeps(problems, a, b);
            case "tornado" -> {
                try {
                    yield (DeviceSweeps) Class.forName(TORNADO_CLASS)
                            .getConstructor(List.class, double[][].class, double[][].class)
                            .newInstance(problems, a, b);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new AcceleratorException("the TornadoVM backend could not start: " + firstLine(e.getCause()), e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new AcceleratorException("the TornadoVM backend could not start: " + firstLine(e), e);
                }
            }
            default -> throw new IllegalArgumentException("the cpu backend has no device sweeps");
        };
    }

    private static String firstLine(Throwable e) {
        String s = String.valueOf(e);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).strip();
    }
}
