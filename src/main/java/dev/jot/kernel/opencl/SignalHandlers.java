package dev.jot.kernel.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Keeps the JVM's own signal handlers in place while an OpenCL driver runs in the process.
 *
 * <p><b>Why.</b> PoCL (the portable OpenCL implementation CI uses) loads LLVM when it enumerates its
 * platform, and LLVM installs handlers of its own for SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGQUIT,
 * SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGXCPU, SIGXFSZ and SIGSYS, with
 * {@code SA_RESETHAND}; PoCL adds a SIGFPE handler that skips any faulting integer division, in any
 * thread. The JVM uses SIGSEGV itself, all the time: safepoint polls in compiled loops, implicit null
 * checks, stack banging. With LLVM's handler installed, the first such fault resets SIGSEGV to the
 * default action (the kernel does that on entry, {@code SA_RESETHAND}); LLVM's handler then puts the JVM's
 * back, but a second thread faulting in between (a safepoint stops every thread at once) meets the
 * default action and the process dies with "Segmentation fault" (exit 139) and no {@code hs_err} file.
 * That was the intermittent crash of the test suite (two threads in compiled loops plus a few thousand
 * safepoints after {@code OpenClDevice.available()} reproduce it in seconds; see
 * {@code OpenClSignalsTest}). PoCL's SIGFPE handler would also turn Java's division by zero into a
 * silently skipped instruction.
 *
 * <p><b>What.</b> Before {@code libOpenCL} is loaded, the handlers of those signals are recorded; after
 * every OpenCL call ({@link Cl#call}) any handler that differs is put back as recorded. LLVM registers its
 * handlers once per process (it keeps a count and does not re-register), so after the first restore they
 * stay the JVM's. The remaining window is the first {@code clGetPlatformIDs} itself (PoCL's start-up, tens
 * of milliseconds); a crash there needs two threads to fault during it. Linux on x86-64 and AArch64 only
 * (the signal numbers and glibc's {@code struct sigaction} are known there); elsewhere this does nothing.
 */
final class SignalHandlers {
    /** Linux signal numbers (x86-64 and AArch64): HUP INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV USR2 PIPE TERM XCPU XFSZ SYS. */
    private static final int[] SIGNALS = {1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 24, 25, 31};
    /** At least glibc's struct sigaction (152 bytes on x86-64 and AArch64); the handler is its first word. */
    private static final long SIZE = 256;
    private static final MethodHandle SIGACTION;
    private static final MemorySegment SAVED;
    private static final MemorySegment SCRATCH;

    static {
        MethodHandle h = null;
        MemorySegment saved = null;
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            try {
                Linker linker = Linker.nativeLinker();
                h = linker.defaultLookup().find("sigaction").map(s -> linker.downcallHandle(s,
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS)))
                        .orElse(null);
                if (h != null) {
                    saved = Arena.global().allocate(SIZE * SIGNALS.length, 8);
                    for (int k = 0; k < SIGNALS.length; k++) {
                        if ((int) h.invokeExact(SIGNALS[k], MemorySegment.NULL, saved.asSlice(k * SIZE, SIZE)) != 0) {
                            h = null;
                            break;
                        }
                    }
                }
            } catch (Throwable t) {
                h = null;
            }
        }
        SIGACTION = h;
        SAVED = h == null ? null : saved;
        SCRATCH = h == null ? null : Arena.global().allocate(SIZE, 8);
    }

    private SignalHandlers() {
    }

    /**
     * Whether the guard works on this platform. The first call (from {@link Cl}'s initialiser, before it
     * loads libOpenCL) records the handlers.
     */
    static boolean active() {
        return SIGACTION != null;
    }

    /**
     * Puts back every recorded handler that an OpenCL driver replaced.
     *
     * @return how many handlers were put back
     */
    static synchronized int restore() {
        if (SIGACTION == null) {
            return 0;
        }
        int restored = 0;
        try {
            for (int k = 0; k < SIGNALS.length; k++) {
                MemorySegment mine = SAVED.asSlice(k * SIZE, SIZE);
                if ((int) SIGACTION.invokeExact(SIGNALS[k], MemorySegment.NULL, SCRATCH) == 0
                        && SCRATCH.get(ValueLayout.JAVA_LONG, 0) != mine.get(ValueLayout.JAVA_LONG, 0)) {
                    if ((int) SIGACTION.invokeExact(SIGNALS[k], mine, MemorySegment.NULL) == 0) {
                        restored++;
                    }
                }
            }
        } catch (Throwable t) {
            throw new OpenClException("sigaction failed: " + t);
        }
        return restored;
    }

    /** The address of the current handler of a signal (0 = default, 1 = ignore), or -1 where not active. */
    static long current(int signal) {
        if (SIGACTION == null) {
            return -1;
        }
        synchronized (SignalHandlers.class) {
            try {
                if ((int) SIGACTION.invokeExact(signal, MemorySegment.NULL, SCRATCH) != 0) {
                    return -1;
                }
            } catch (Throwable t) {
                return -1;
            }
            return SCRATCH.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** The recorded handler of a signal (as {@link #current}), or -1 where not active or not recorded. */
    static long recorded(int signal) {
        if (SIGACTION == null) {
            return -1;
        }
        for (int k = 0; k < SIGNALS.length; k++) {
            if (SIGNALS[k] == signal) {
                return SAVED.get(ValueLayout.JAVA_LONG, k * SIZE);
            }
        }
        return -1;
    }
}
