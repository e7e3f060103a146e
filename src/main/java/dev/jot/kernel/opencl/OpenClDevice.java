package dev.jot.kernel.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenCL device JOT runs on, found once at run time: the first GPU of any platform, else the first
 * device of any type (PoCL's CPU device, for example). The system property {@code jot.opencl.device}
 * chooses another: a substring of the device's name (case-insensitive). The context lives as long as the
 * JVM; programs are built once per set of build options and kept.
 */
public final class OpenClDevice {
    private static final System.Logger LOG = System.getLogger("dev.jot");
    /** The system property that chooses the device by a part of its name. */
    public static final String DEVICE_PROPERTY = "jot.opencl.device";
    /** The system property that sets the work-group size (a power of two; default 64). */
    public static final String WORK_GROUP_PROPERTY = "jot.opencl.workgroup";

    private final MemorySegment platform;
    private final MemorySegment device;
    private final MemorySegment context;
    private final String name;
    private final String platformName;
    private final boolean fp64;
    private final long maxWorkGroup;
    private final long globalMemory;
    private final long maxAllocation;
    private final Map<String, MemorySegment> programs = new ConcurrentHashMap<>();

    private OpenClDevice(MemorySegment platform, MemorySegment device) {
        this.platform = platform;
        this.device = device;
        this.name = Cl.infoString(Cl.clGetDeviceInfo, device, Cl.CL_DEVICE_NAME);
        this.platformName = Cl.infoString(Cl.clGetPlatformInfo, platform, Cl.CL_PLATFORM_NAME);
        this.fp64 = Cl.infoLong(device, Cl.CL_DEVICE_DOUBLE_FP_CONFIG) != 0;
        this.maxWorkGroup = Cl.infoLong(device, Cl.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.globalMemory = Cl.infoLong(device, Cl.CL_DEVICE_GLOBAL_MEM_SIZE);
        this.maxAllocation = Cl.infoLong(device, Cl.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocate(ValueLayout.ADDRESS);
            devs.set(ValueLayout.ADDRESS, 0, device);
            MemorySegment err = a.allocate(ValueLayout.JAVA_INT);
            this.context = Cl.callPtr(Cl.clCreateContext, MemorySegment.NULL, 1, devs, MemorySegment.NULL, MemorySegment.NULL, err);
            Cl.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateContext");
        }
    }

    private static final class Holder {
        static final OpenClDevice DEVICE;
        static final String WHY_NOT;

        static {
            OpenClDevice d = null;
            String why = null;
            try {
                d = find();
            } catch (OpenClException | LinkageError e) {
                why = e.getMessage();
            }
            DEVICE = d;
            WHY_NOT = why;
            if (d != null) {
                LOG.log(System.Logger.Level.DEBUG, "JOT: OpenCL device " + d.description());
            }
        }
    }

    /** {@return whether an OpenCL device can run JOT's kernels here} */
    public static boolean available() {
        return Holder.DEVICE != null;
    }

    /** {@return why no OpenCL device is available (empty when one is)} */
    public static String whyNot() {
        return Holder.WHY_NOT == null ? "" : Holder.WHY_NOT;
    }

    /**
     * The device.
     *
     * @return the device (found once, at first use)
     * @throws OpenClException if there is none (the message says why)
     */
    public static OpenClDevice get() {
        if (Holder.DEVICE == null) {
            throw new OpenClException("no OpenCL device: " + Holder.WHY_NOT);
        }
        return Holder.DEVICE;
    }

    private static OpenClDevice find() {
        if (Cl.loadError() != null) {
            throw new OpenClException(Cl.loadError());
        }
        if (Cl.clGetPlatformIDs == null) {
            throw new OpenClException("libOpenCL.so.1 has no clGetPlatformIDs");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
            int rc = Cl.call(Cl.clGetPlatformIDs, 0, MemorySegment.NULL, count);
            int np = rc == Cl.CL_SUCCESS ? count.get(ValueLayout.JAVA_INT, 0) : 0;
            if (np == 0) {
                throw new OpenClException("no OpenCL platform is installed (clGetPlatformIDs: " + Cl.errorName(rc)
                        + "); install a driver, e.g. apt-get install pocl-opencl-icd");
            }
            MemorySegment plats = a.allocate(ValueLayout.ADDRESS, np);
            Cl.check(Cl.call(Cl.clGetPlatformIDs, np, plats, MemorySegment.NULL), "clGetPlatformIDs");
            String wanted = System.getProperty(DEVICE_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
            List<MemorySegment[]> all = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int p = 0; p < np; p++) {
                MemorySegment plat = plats.getAtIndex(ValueLayout.ADDRESS, p);
                rc = Cl.call(Cl.clGetDeviceIDs, plat, Cl.CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
                int nd = rc == Cl.CL_SUCCESS ? count.get(ValueLayout.JAVA_INT, 0) : 0;
                if (nd == 0) {
                    continue;
                }
                MemorySegment devs = a.allocate(ValueLayout.ADDRESS, nd);
                Cl.check(Cl.call(Cl.clGetDeviceIDs, plat, Cl.CL_DEVICE_TYPE_ALL, nd, devs, MemorySegment.NULL), "clGetDeviceIDs");
                for (int k = 0; k < nd; k++) {
                    MemorySegment dev = devs.getAtIndex(ValueLayout.ADDRESS, k);
                    all.add(new MemorySegment[]{plat, dev});
                    names.add(Cl.infoString(Cl.clGetDeviceInfo, dev, Cl.CL_DEVICE_NAME));
                }
            }
            if (all.isEmpty()) {
                throw new OpenClException("the OpenCL platforms have no devices");
            }
            int pick = -1;
            if (!wanted.isEmpty()) {
                for (int k = 0; k < all.size() && pick < 0; k++) {
                    if (names.get(k).toLowerCase(Locale.ROOT).contains(wanted)) {
                        pick = k;
                    }
                }
                if (pick < 0) {
                    throw new OpenClException("no OpenCL device name contains '" + wanted + "' (-D" + DEVICE_PROPERTY
                            + "); devices: " + names);
                }
            }
            for (int k = 0; k < all.size() && pick < 0; k++) {
                if ((Cl.infoLong(all.get(k)[1], Cl.CL_DEVICE_TYPE) & Cl.CL_DEVICE_TYPE_GPU) != 0) {
                    pick = k;
                }
            }
            if (pick < 0) {
                pick = 0;
            }
            return new OpenClDevice(all.get(pick)[0], all.get(pick)[1]);
        }
    }

    /** {@return the device's name, as OpenCL reports it (CL_DEVICE_NAME)} */
    public String name() {
        return name;
    }

    /** {@return the platform's name (CL_PLATFORM_NAME)} */
    public String platformName() {
        return platformName;
    }

    /** {@return whether the device does double-precision arithmetic (CL_DEVICE_DOUBLE_FP_CONFIG non-zero)} */
    public boolean fp64() {
        return fp64;
    }

    /** {@return the device's global memory in bytes} */
    public long globalMemory() {
        return globalMemory;
    }

    /** {@return the largest single buffer the device allows, in bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE)} */
    public long maxAllocation() {
        return maxAllocation;
    }

    /**
     * The work-group size the kernels use: {@code -Djot.opencl.workgroup} (default 64) rounded down to a
     * power of two, at most the device's limit.
     */
    int workGroup() {
        int wg = Integer.highestOneBit(Math.max(1, Integer.getInteger(WORK_GROUP_PROPERTY, 64)));
        while (wg > maxWorkGroup && wg > 1) {
            wg >>= 1;
        }
        return wg;
    }

    /** {@return the device in words: "name (platform, fp64)" or "name (platform, no fp64)"} */
    public String description() {
        return name + " (" + platformName + (fp64 ? ", fp64" : ", no fp64") + ")";
    }

    MemorySegment context() {
        return context;
    }

    MemorySegment device() {
        return device;
    }

    MemorySegment platform() {
        return platform;
    }

    /** The program built from {@code sinkhorn.cl} with these options, built on first use. */
    MemorySegment program(String options) {
        return programs.computeIfAbsent(options, this::build);
    }

    private MemorySegment build(String options) {
        String source;
        try (InputStream in = OpenClDevice.class.getResourceAsStream("sinkhorn.cl")) {
            if (in == null) {
                throw new OpenClException("the kernel source dev/jot/kernel/opencl/sinkhorn.cl is missing from the class path");
            }
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpenClException("cannot read sinkhorn.cl: " + e.getMessage());
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment src = a.allocateFrom(source);
            MemorySegment strings = a.allocate(ValueLayout.ADDRESS);
            strings.set(ValueLayout.ADDRESS, 0, src);
            MemorySegment err = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment program = Cl.callPtr(Cl.clCreateProgramWithSource, context, 1, strings, MemorySegment.NULL, err);
            Cl.check(err.get(ValueLayout.JAVA_INT, 0), "clCreateProgramWithSource");
            MemorySegment devs = a.allocate(ValueLayout.ADDRESS);
            devs.set(ValueLayout.ADDRESS, 0, device);
            int rc = Cl.call(Cl.clBuildProgram, program, 1, devs, a.allocateFrom(options), MemorySegment.NULL, MemorySegment.NULL);
            if (rc != Cl.CL_SUCCESS) {
                String log = buildLog(program);
                throw new OpenClException("clBuildProgram (" + options + ") failed: " + Cl.errorName(rc) + "\n" + log);
            }
            return program;
        }
    }

    private String buildLog(MemorySegment program) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
            Cl.call(Cl.clGetProgramBuildInfo, program, device, Cl.CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size);
            long n = size.get(ValueLayout.JAVA_LONG, 0);
            MemorySegment buf = a.allocate(Math.max(1, n));
            Cl.call(Cl.clGetProgramBuildInfo, program, device, Cl.CL_PROGRAM_BUILD_LOG, n, buf, MemorySegment.NULL);
            return buf.getString(0);
        }
    }

    @Override
    public String toString() {
        return "OpenClDevice[" + description() + "]";
    }
}
