package dev.jot.kernel.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The few OpenCL 1.2 entry points JOT calls, bound by FFM downcalls into {@code libOpenCL.so.1} (the ICD
 * loader; no native jar). The library is looked up once, on first use; {@link #loadError()} says why it
 * could not be. Types on the supported 64-bit platforms: cl_uint / cl_int = int, size_t / cl_bitfield =
 * long, handles = pointers.
 */
final class Cl {
    static final int CL_SUCCESS = 0;
    static final long CL_DEVICE_TYPE_GPU = 1 << 2;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final int CL_DEVICE_TYPE = 0x1000;
    static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int CL_DEVICE_NAME = 0x102B;
    static final int CL_DEVICE_DOUBLE_FP_CONFIG = 0x1032;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    static final long CL_MEM_READ_WRITE = 1;
    static final long CL_MEM_READ_ONLY = 1 << 2;
    static final long CL_MEM_COPY_HOST_PTR = 1 << 5;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private static final String LOAD_ERROR;
    static final MethodHandle clGetPlatformIDs, clGetPlatformInfo, clGetDeviceIDs, clGetDeviceInfo, clCreateContext,
            clCreateCommandQueue, clCreateProgramWithSource, clBuildProgram, clGetProgramBuildInfo, clCreateKernel,
            clCreateBuffer, clSetKernelArg, clEnqueueNDRangeKernel, clEnqueueReadBuffer, clEnqueueWriteBuffer,
            clEnqueueCopyBuffer, clFinish, clReleaseMemObject, clReleaseKernel, clReleaseProgram,
            clReleaseCommandQueue, clReleaseContext;

    static {
        SymbolLookup lib = null;
        String error = null;
        String name = System.getProperty("jot.opencl.library", "libOpenCL.so.1");
        SignalHandlers.active(); // records the JVM's signal handlers before any driver is loaded
        try {
            lib = SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException | UnsupportedOperationException | IllegalCallerException e) {
            error = "cannot load " + name + " (" + e.getMessage() + "); install an OpenCL ICD loader and a driver, "
                    + "e.g. apt-get install ocl-icd-libopencl1 pocl-opencl-icd";
        }
        LOAD_ERROR = error;
        Linker linker = Linker.nativeLinker();
        SymbolLookup l = lib;
        java.util.function.BiFunction<String, FunctionDescriptor, MethodHandle> bind = (fn, fd) -> {
            if (l == null) {
                return null;
            }
            Optional<MemorySegment> s = l.find(fn);
            return s.map(seg -> linker.downcallHandle(seg, fd)).orElse(null);
        };
        clGetPlatformIDs = bind.apply("clGetPlatformIDs", FunctionDescriptor.of(INT, INT, PTR, PTR));
        clGetPlatformInfo = bind.apply("clGetPlatformInfo", FunctionDescriptor.of(INT, PTR, INT, LONG, PTR, PTR));
        clGetDeviceIDs = bind.apply("clGetDeviceIDs", FunctionDescriptor.of(INT, PTR, LONG, INT, PTR, PTR));
        clGetDeviceInfo = bind.apply("clGetDeviceInfo", FunctionDescriptor.of(INT, PTR, INT, LONG, PTR, PTR));
        clCreateContext = bind.apply("clCreateContext", FunctionDescriptor.of(PTR, PTR, INT, PTR, PTR, PTR, PTR));
        clCreateCommandQueue = bind.apply("clCreateCommandQueue", FunctionDescriptor.of(PTR, PTR, PTR, LONG, PTR));
        clCreateProgramWithSource = bind.apply("clCreateProgramWithSource", FunctionDescriptor.of(PTR, PTR, INT, PTR, PTR, PTR));
        clBuildProgram = bind.apply("clBuildProgram", FunctionDescriptor.of(INT, PTR, INT, PTR, PTR, PTR, PTR));
        clGetProgramBuildInfo = bind.apply("clGetProgramBuildInfo", FunctionDescriptor.of(INT, PTR, PTR, INT, LONG, PTR, PTR));
        clCreateKernel = bind.apply("clCreateKernel", FunctionDescriptor.of(PTR, PTR, PTR, PTR));
        clCreateBuffer = bind.apply("clCreateBuffer", FunctionDescriptor.of(PTR, PTR, LONG, LONG, PTR, PTR));
        clSetKernelArg = bind.apply("clSetKernelArg", FunctionDescriptor.of(INT, PTR, INT, LONG, PTR));
        clEnqueueNDRangeKernel = bind.apply("clEnqueueNDRangeKernel",
                FunctionDescriptor.of(INT, PTR, PTR, INT, PTR, PTR, PTR, INT, PTR, PTR));
        clEnqueueReadBuffer = bind.apply("clEnqueueReadBuffer",
                FunctionDescriptor.of(INT, PTR, PTR, INT, LONG, LONG, PTR, INT, PTR, PTR));
        clEnqueueWriteBuffer = bind.apply("clEnqueueWriteBuffer",
                FunctionDescriptor.of(INT, PTR, PTR, INT, LONG, LONG, PTR, INT, PTR, PTR));
        clEnqueueCopyBuffer = bind.apply("clEnqueueCopyBuffer",
                FunctionDescriptor.of(INT, PTR, PTR, PTR, LONG, LONG, LONG, INT, PTR, PTR));
        clFinish = bind.apply("clFinish", FunctionDescriptor.of(INT, PTR));
        clReleaseMemObject = bind.apply("clReleaseMemObject", FunctionDescriptor.of(INT, PTR));
        clReleaseKernel = bind.apply("clReleaseKernel", FunctionDescriptor.of(INT, PTR));
        clReleaseProgram = bind.apply("clReleaseProgram", FunctionDescriptor.of(INT, PTR));
        clReleaseCommandQueue = bind.apply("clReleaseCommandQueue", FunctionDescriptor.of(INT, PTR));
        clReleaseContext = bind.apply("clReleaseContext", FunctionDescriptor.of(INT, PTR));
    }

    private Cl() {
    }

    /** Why libOpenCL could not be loaded, or null. */
    static String loadError() {
        return LOAD_ERROR;
    }

    /** Throws an {@link OpenClException} naming the call and the OpenCL error code unless it is CL_SUCCESS. */
    static void check(int code, String what) {
        if (code != CL_SUCCESS) {
            throw new OpenClException(what + " failed: " + errorName(code) + " (" + code + ")");
        }
    }

    /**
     * Calls an entry point returning cl_int. Every call, this one and {@link #callPtr}, ends by putting back
     * the JVM's signal handlers where the driver replaced them ({@link SignalHandlers}: PoCL's LLVM installs
     * its own, and with them the JVM dies of its own safepoint polls).
     */
    static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new OpenClException("OpenCL call failed: " + t);
        } finally {
            SignalHandlers.restore();
        }
    }

    /** Calls an entry point returning a pointer (a handle), then restores the signal handlers as {@link #call}. */
    static MemorySegment callPtr(MethodHandle h, Object... args) {
        try {
            return (MemorySegment) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new OpenClException("OpenCL call failed: " + t);
        } finally {
            SignalHandlers.restore();
        }
    }

    /** A device or platform info string (trailing NUL removed). */
    static String infoString(MethodHandle h, MemorySegment obj, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(LONG);
            check(call(h, obj, param, 0L, MemorySegment.NULL, size), "info size");
            long n = size.get(LONG, 0);
            MemorySegment buf = a.allocate(Math.max(1, n));
            check(call(h, obj, param, n, buf, MemorySegment.NULL), "info");
            byte[] bytes = buf.toArray(ValueLayout.JAVA_BYTE);
            int len = 0;
            while (len < bytes.length && bytes[len] != 0) {
                len++;
            }
            return new String(bytes, 0, len, StandardCharsets.UTF_8).trim();
        }
    }

    /** A device info value of 8 bytes (cl_ulong, size_t, cl_bitfield). */
    static long infoLong(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(LONG);
            check(call(clGetDeviceInfo, device, param, 8L, v, MemorySegment.NULL), "clGetDeviceInfo");
            return v.get(LONG, 0);
        }
    }

    static String errorName(int code) {
        return switch (code) {
            case -1 -> "CL_DEVICE_NOT_FOUND";
            case -2 -> "CL_DEVICE_NOT_AVAILABLE";
            case -3 -> "CL_COMPILER_NOT_AVAILABLE";
            case -4 -> "CL_MEM_OBJECT_ALLOCATION_FAILURE";
            case -5 -> "CL_OUT_OF_RESOURCES";
            case -6 -> "CL_OUT_OF_HOST_MEMORY";
            case -11 -> "CL_BUILD_PROGRAM_FAILURE";
            case -30 -> "CL_INVALID_VALUE";
            case -32 -> "CL_INVALID_PLATFORM";
            case -33 -> "CL_INVALID_DEVICE";
            case -34 -> "CL_INVALID_CONTEXT";
            case -36 -> "CL_INVALID_COMMAND_QUEUE";
            case -38 -> "CL_INVALID_MEM_OBJECT";
            case -44 -> "CL_INVALID_PROGRAM";
            case -46 -> "CL_INVALID_KERNEL_NAME";
            case -48 -> "CL_INVALID_KERNEL";
            case -49 -> "CL_INVALID_ARG_INDEX";
            case -50 -> "CL_INVALID_ARG_VALUE";
            case -51 -> "CL_INVALID_ARG_SIZE";
            case -52 -> "CL_INVALID_KERNEL_ARGS";
            case -54 -> "CL_INVALID_WORK_GROUP_SIZE";
            case -55 -> "CL_INVALID_WORK_ITEM_SIZE";
            case -61 -> "CL_INVALID_BUFFER_SIZE";
            case -63 -> "CL_INVALID_GLOBAL_WORK_SIZE";
            case -1001 -> "CL_PLATFORM_NOT_FOUND_KHR";
            default -> "OpenCL error";
        };
    }
}
