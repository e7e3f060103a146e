package dev.jot.kernel.opencl;

import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.Geometry;
import dev.jot.geometry.PointCloudGeometry;
import dev.jot.kernel.DeviceSweeps;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link DeviceSweeps} on an OpenCL device ({@code sinkhorn.cl}): the costs (C and Cᵀ, or the points
 * row-major and transposed), the weights and the potentials of B problems live in device buffers for
 * the whole solve; a row sweep is two kernels (h_j = log b_j + g_j/ε, then one work-group per (row,
 * problem) for the log-sum-exp), and only the marginal errors cross back, when the solver asks.
 *
 * <p>Costs and the inner sums are in the problems' precision; the potentials, log-sum-exps and errors
 * are in double where the device has fp64 (else float). f64 problems need an fp64 device.
 */
public final class OpenClSweeps implements DeviceSweeps {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    /** Bytes moved per host staging copy. */
    private static final long STAGING = 16L << 20;

    private final OpenClDevice dev;
    private final int problems;
    private final int n;
    private final int m;
    private final int d;
    private final boolean points;
    private final int costKind;
    private final double halfP;
    private final boolean f64;
    private final boolean acc64;
    private final int wg;
    private final MemorySegment queue;
    private final MemorySegment program;
    private final MemorySegment kScale;
    private final MemorySegment kLse;
    private final MemorySegment kPlan;
    private final MemorySegment kCommit;
    private final List<MemorySegment> buffers = new ArrayList<>();
    /** C and Cᵀ (dense), or x, yᵀ, y, xᵀ (points); the stride between problems, 0 if shared. */
    private final MemorySegment costRows;
    private final MemorySegment costCols;
    private final MemorySegment selfRows;
    private final MemorySegment otherRowsT;
    private final MemorySegment selfCols;
    private final MemorySegment otherColsT;
    private final long strideC;
    private final long strideX;
    private final long strideY;
    private final MemorySegment wA, logA, wB, logB, f, fNext, g, rowLse, colLse, err, scratchN, scratchM, norm, cost,
            hRow, hCol, eps, invEps, epsRows, epsCols, changeBuf, activeBuf, whichBuf;
    private final double[] epsHost;
    /** Each problem's damping of the f and g updates (1: balanced), and whether its errors are the potentials' change. */
    private final double[] tauA;
    private final double[] tauB;
    private final boolean[] unbalanced;
    private boolean epsDirty = true;
    private int[] activeOnDevice;
    private boolean closed;

    /**
     * Uploads a batch of problems of equal sizes.
     *
     * @param geometries one per problem: all {@link DenseGeometry} or all {@link PointCloudGeometry}, of one
     *                   size, cost and precision; the same object repeated is stored once
     * @param a          source weights, B × n
     * @param b          target weights, B × m
     * @throws IllegalArgumentException for f64 on a device without fp64 (naming the device), or
     *                                  geometries of mixed kinds or sizes
     */
    public OpenClSweeps(List<? extends Geometry> geometries, double[][] a, double[][] b) {
        dev = OpenClDevice.get();
        problems = geometries.size();
        if (problems == 0 || a.length != problems || b.length != problems) {
            throw new IllegalArgumentException("a batch needs one geometry and one pair of weights per problem");
        }
        Geometry g0 = geometries.get(0);
        n = g0.n();
        m = g0.m();
        f64 = g0.precision() == Precision.F64;
        if (f64 && !dev.fp64()) {
            throw new IllegalArgumentException("precision f64 needs an OpenCL device with fp64, and " + dev.name()
                    + " has none (CL_DEVICE_DOUBLE_FP_CONFIG = 0); use precision f32");
        }
        acc64 = dev.fp64();
        wg = dev.workGroup();
        boolean shared = true;
        for (Geometry gk : geometries) {
            if (gk.n() != n || gk.m() != m || gk.precision() != g0.precision() || gk.getClass() != g0.getClass()) {
                throw new IllegalArgumentException("a device batch needs problems of one size, kind and precision");
            }
            shared &= gk == g0;
        }
        points = g0 instanceof PointCloudGeometry;
        if (!points && !(g0 instanceof DenseGeometry)) {
            throw new IllegalArgumentException("the opencl backend runs stored cost matrices and point clouds, not " + g0);
        }
        int rb0 = f64 ? 8 : 4, copies0 = shared ? 1 : problems;
        long largest = g0 instanceof PointCloudGeometry pc ? (long) copies0 * Math.max(n, m) * pc.d() * rb0 : (long) copies0 * n * m * rb0;
        long costBytes = g0 instanceof PointCloudGeometry pc ? 2L * copies0 * (n + m) * pc.d() * rb0 : 2 * largest;
        if (largest > dev.maxAllocation() || costBytes > dev.globalMemory() / 10 * 9) {
            throw new IllegalArgumentException("the costs take " + costBytes + " bytes (" + (points ? "points" : "C and its transpose")
                    + "), more than " + dev.name() + " holds (" + dev.globalMemory() + " bytes, at most " + dev.maxAllocation()
                    + " per buffer)" + (points ? "" : "; use --matrix-free"));
        }
        try {
            try (Arena t = Arena.ofConfined()) {
                MemorySegment err = t.allocate(INT);
                queue = Cl.callPtr(Cl.clCreateCommandQueue, dev.context(), dev.device(), 0L, err);
                Cl.check(err.get(INT, 0), "clCreateCommandQueue");
            }
            program = dev.program("-DWG=" + wg + (f64 ? " -DREAL_F64" : "") + (acc64 ? " -DACC_F64" : ""));
            kScale = kernel("scale");
            kLse = kernel("lse");
            kPlan = kernel("plan_rows");
            kCommit = kernel("commit");
            int rb = f64 ? 8 : 4;
            if (points) {
                PointCloudGeometry pg = (PointCloudGeometry) g0;
                d = pg.d();
                CostFunction c = pg.costFunction();
                if (c instanceof CostFunction.SquaredEuclidean) {
                    costKind = 0;
                    halfP = 1;
                } else {
                    double p = ((CostFunction.Power) c).p();
                    costKind = p == 1.0 ? 1 : 2;
                    halfP = 0.5 * p;
                }
                int copies = shared ? 1 : problems;
                strideX = shared ? 0 : (long) n * d;
                strideY = shared ? 0 : (long) m * d;
                selfRows = buffer((long) copies * n * d * rb);
                otherRowsT = buffer((long) copies * m * d * rb);
                selfCols = buffer((long) copies * m * d * rb);
                otherColsT = buffer((long) copies * n * d * rb);
                for (int k = 0; k < copies; k++) {
                    PointCloudGeometry gk = (PointCloudGeometry) geometries.get(k);
                    writeReal(selfRows, (long) k * n * d, f64 ? gk.rowsF64(false) : null, f64 ? null : gk.rowsF32(false));
                    writeReal(otherRowsT, (long) k * m * d, f64 ? gk.colsTransposedF64(false) : null, f64 ? null : gk.colsTransposedF32(false));
                    writeReal(selfCols, (long) k * m * d, f64 ? gk.rowsF64(true) : null, f64 ? null : gk.rowsF32(true));
                    writeReal(otherColsT, (long) k * n * d, f64 ? gk.colsTransposedF64(true) : null, f64 ? null : gk.colsTransposedF32(true));
                }
                costRows = MemorySegment.NULL;
                costCols = MemorySegment.NULL;
                strideC = 0;
            } else {
                d = 0;
                costKind = 0;
                halfP = 1;
                int copies = shared ? 1 : problems;
                strideC = shared ? 0 : (long) n * m;
                costRows = buffer((long) copies * n * m * rb);
                costCols = buffer((long) copies * n * m * rb);
                for (int k = 0; k < copies; k++) {
                    Geometry gk = geometries.get(k);
                    upload(gk.tile(false, 0, n, null), costRows, (long) k * n * m * rb);
                    upload(gk.tile(true, 0, m, null), costCols, (long) k * n * m * rb);
                }
                selfRows = otherRowsT = selfCols = otherColsT = MemorySegment.NULL;
                strideX = strideY = 0;
            }
            int ab = acc64 ? 8 : 4;
            double[] flatA = flatten(a, n), flatB = flatten(b, m);
            wA = accBuffer(flatA);
            logA = accBuffer(logs(flatA));
            wB = accBuffer(flatB);
            logB = accBuffer(logs(flatB));
            long bn = (long) problems * n, bm = (long) problems * m;
            f = accBuffer(new double[(int) bn]);
            fNext = accBuffer(new double[(int) bn]);
            g = accBuffer(new double[(int) bm]);
            rowLse = buffer(bn * ab);
            colLse = buffer(bm * ab);
            err = buffer(bn * ab);
            scratchN = buffer(bn * ab);
            scratchM = buffer(bm * ab);
            norm = buffer(bn * ab);
            cost = buffer(bn * ab);
            hRow = buffer(bm * rb);
            hCol = buffer(bn * rb);
            eps = buffer((long) problems * ab);
            invEps = buffer((long) problems * ab);
            epsRows = buffer((long) problems * ab);
            epsCols = buffer((long) problems * ab);
            changeBuf = buffer((long) problems * 4);
            activeBuf = buffer((long) problems * 4);
            whichBuf = buffer((long) problems * 4);
            epsHost = new double[problems];
            Arrays.fill(epsHost, 1.0);
            tauA = new double[problems];
            tauB = new double[problems];
            Arrays.fill(tauA, 1.0);
            Arrays.fill(tauB, 1.0);
            unbalanced = new boolean[problems];
            writeInts(changeBuf, unbalanced);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String backend() {
        return "opencl";
    }

    @Override
    public String device() {
        return dev.name();
    }

    @Override
    public void setEpsilon(int problem, double epsilon) {
        if (epsHost[problem] != epsilon) {
            epsHost[problem] = epsilon;
            epsDirty = true;
        }
    }

    @Override
    public void setDamping(int problem, double dampingA, double dampingB) {
        if (!(dampingA > 0 && dampingA <= 1) || !(dampingB > 0 && dampingB <= 1)) {
            throw new IllegalArgumentException("the dampings must be in (0, 1], got tau_a = " + dampingA + ", tau_b = " + dampingB);
        }
        if (tauA[problem] != dampingA || tauB[problem] != dampingB) {
            tauA[problem] = dampingA;
            tauB[problem] = dampingB;
            epsDirty = true;
            boolean u = dampingA < 1 || dampingB < 1;
            if (u != unbalanced[problem]) {
                unbalanced[problem] = u;
                writeInts(changeBuf, unbalanced);
            }
        }
    }

    @Override
    public void rowUpdate(boolean[] active, double[] errors) {
        sync(active);
        scale(logB, g, m, activeBuf, hRow);
        lse(false, hRow, wA, f, errors != null, fNext, rowLse, err, activeBuf);
        if (errors != null) {
            double[] e = readAcc(err, (long) problems * n);
            for (int p = 0; p < problems; p++) {
                if (active[p]) {
                    // the marginal error's sum, or (unbalanced) the potentials' change, a maximum (NaN stays NaN)
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        double v = e[p * n + i];
                        s = unbalanced[p] ? (Double.isNaN(v) || Double.isNaN(s) ? Double.NaN : Math.max(s, v)) : s + v;
                    }
                    errors[p] = s;
                }
            }
        }
    }

    @Override
    public void commitRows(boolean[] which) {
        writeInts(whichBuf, which);
        setArgs(kCommit, fNext, f, n, whichBuf);
        run(kCommit, roundUp(n, wg), wg);
    }

    @Override
    public void columnUpdate(boolean[] active) {
        sync(active);
        scale(logA, f, n, activeBuf, hCol);
        lse(true, hCol, wB, g, false, g, colLse, MemorySegment.NULL, activeBuf);
    }

    @Override
    public Final finish() {
        boolean[] all = new boolean[problems];
        Arrays.fill(all, true);
        sync(all);
        scale(logB, g, m, activeBuf, hRow);
        lse(false, hRow, wA, f, false, scratchN, rowLse, MemorySegment.NULL, activeBuf);
        setArgs(kPlan, points ? 1 : 0, costRows, strideC, selfRows, strideX, otherRowsT, strideY, d, costKind, realArg(halfP),
                n, m, hRow, invEps, rowLse, norm, cost, activeBuf);
        run(kPlan, (long) n * wg, wg);
        scale(logA, f, n, activeBuf, hCol);
        lse(true, hCol, wB, g, false, scratchM, colLse, MemorySegment.NULL, activeBuf);
        return new Final(split(readAcc(f, (long) problems * n), n), split(readAcc(g, (long) problems * m), m),
                split(readAcc(rowLse, (long) problems * n), n), split(readAcc(colLse, (long) problems * m), m),
                split(readAcc(norm, (long) problems * n), n), split(readAcc(cost, (long) problems * n), n));
    }

    /** Waits for the queued sweeps (for timing). */
    public void finishQueue() {
        Cl.check(Cl.call(Cl.clFinish, queue), "clFinish");
    }

    private void sync(boolean[] active) {
        if (epsDirty) {
            double[] inv = new double[problems], rows = new double[problems], cols = new double[problems];
            for (int p = 0; p < problems; p++) {
                inv[p] = 1.0 / epsHost[p];
                // ε·τ: ε itself for a balanced update (τ = 1)
                rows[p] = tauA[p] * epsHost[p];
                cols[p] = tauB[p] * epsHost[p];
            }
            writeAcc(eps, epsHost);
            writeAcc(invEps, inv);
            writeAcc(epsRows, rows);
            writeAcc(epsCols, cols);
            epsDirty = false;
        }
        int[] want = new int[problems];
        for (int p = 0; p < problems; p++) {
            want[p] = active[p] ? 1 : 0;
        }
        if (!Arrays.equals(want, activeOnDevice)) {
            writeInts(activeBuf, active);
            activeOnDevice = want;
        }
    }

    private void scale(MemorySegment logw, MemorySegment pot, int len, MemorySegment act, MemorySegment h) {
        setArgs(kScale, logw, pot, invEps, len, act, h);
        run(kScale, roundUp(len, wg), wg);
    }

    private void lse(boolean columns, MemorySegment h, MemorySegment wSelf, MemorySegment potSelf, boolean wantErr,
                     MemorySegment potOut, MemorySegment lseOut, MemorySegment errOut, MemorySegment act) {
        int rows = columns ? m : n, cols = columns ? n : m;
        setArgs(kLse, points ? 1 : 0, columns ? costCols : costRows, strideC,
                columns ? selfCols : selfRows, columns ? strideY : strideX,
                columns ? otherColsT : otherRowsT, columns ? strideX : strideY,
                d, costKind, realArg(halfP), rows, cols, h, columns ? epsCols : epsRows, invEps, wSelf, potSelf, wantErr ? 1 : 0,
                changeBuf, potOut, lseOut, errOut, act);
        run(kLse, (long) rows * wg, wg);
    }

    private Object realArg(double v) {
        return f64 ? (Object) v : (Object) (float) v;
    }

    // ---- OpenCL plumbing ----

    private MemorySegment kernel(String name) {
        try (Arena t = Arena.ofConfined()) {
            MemorySegment err = t.allocate(INT);
            MemorySegment k = Cl.callPtr(Cl.clCreateKernel, program, t.allocateFrom(name), err);
            Cl.check(err.get(INT, 0), "clCreateKernel(" + name + ")");
            return k;
        }
    }

    private MemorySegment buffer(long bytes) {
        try (Arena t = Arena.ofConfined()) {
            MemorySegment err = t.allocate(INT);
            MemorySegment buf = Cl.callPtr(Cl.clCreateBuffer, dev.context(), Cl.CL_MEM_READ_WRITE, Math.max(bytes, 8), MemorySegment.NULL, err);
            Cl.check(err.get(INT, 0), "clCreateBuffer(" + bytes + " bytes)");
            buffers.add(buf);
            return buf;
        }
    }

    private MemorySegment accBuffer(double[] values) {
        MemorySegment buf = buffer((long) values.length * (acc64 ? 8 : 4));
        writeAcc(buf, values);
        return buf;
    }

    /** Copies a host segment (any kind: heap, read-only, mapped) into a buffer through native staging memory. */
    private void upload(MemorySegment src, MemorySegment buf, long offset) {
        try (Arena t = Arena.ofConfined()) {
            long size = src.byteSize();
            MemorySegment stage = t.allocate(Math.min(size, STAGING), 8);
            for (long done = 0; done < size; done += STAGING) {
                long len = Math.min(STAGING, size - done);
                MemorySegment.copy(src, done, stage, 0, len);
                Cl.check(Cl.call(Cl.clEnqueueWriteBuffer, queue, buf, 1, offset + done, len, stage, 0, MemorySegment.NULL,
                        MemorySegment.NULL), "clEnqueueWriteBuffer");
            }
        }
    }

    private void writeReal(MemorySegment buf, long offset, double[] dv, float[] fv) {
        if (dv != null) {
            upload(MemorySegment.ofArray(dv), buf, offset * 8);
        } else {
            upload(MemorySegment.ofArray(fv), buf, offset * 4);
        }
    }

    private void writeAcc(MemorySegment buf, double[] values) {
        if (acc64) {
            upload(MemorySegment.ofArray(values), buf, 0);
        } else {
            float[] fv = new float[values.length];
            for (int k = 0; k < fv.length; k++) {
                fv[k] = (float) values[k];
            }
            upload(MemorySegment.ofArray(fv), buf, 0);
        }
    }

    private void writeInts(MemorySegment buf, boolean[] flags) {
        int[] v = new int[flags.length];
        for (int k = 0; k < v.length; k++) {
            v[k] = flags[k] ? 1 : 0;
        }
        upload(MemorySegment.ofArray(v), buf, 0);
    }

    private double[] readAcc(MemorySegment buf, long count) {
        try (Arena t = Arena.ofConfined()) {
            long bytes = count * (acc64 ? 8 : 4);
            MemorySegment dst = t.allocate(Math.max(bytes, 8), 8);
            Cl.check(Cl.call(Cl.clEnqueueReadBuffer, queue, buf, 1, 0L, bytes, dst, 0, MemorySegment.NULL, MemorySegment.NULL),
                    "clEnqueueReadBuffer");
            double[] out = new double[(int) count];
            for (int k = 0; k < count; k++) {
                out[k] = acc64 ? dst.getAtIndex(ValueLayout.JAVA_DOUBLE, k) : dst.getAtIndex(ValueLayout.JAVA_FLOAT, k);
            }
            return out;
        }
    }

    /** Sets a kernel's arguments: MemorySegment = a cl_mem handle (NULL for none), Integer, Long, Float, Double. */
    private void setArgs(MemorySegment kernel, Object... args) {
        try (Arena t = Arena.ofConfined()) {
            for (int k = 0; k < args.length; k++) {
                Object o = args[k];
                MemorySegment v;
                long size;
                switch (o) {
                    case MemorySegment s -> {
                        v = t.allocate(ValueLayout.ADDRESS);
                        v.set(ValueLayout.ADDRESS, 0, s);
                        size = ValueLayout.ADDRESS.byteSize();
                    }
                    case Integer i -> {
                        v = t.allocateFrom(INT, i);
                        size = 4;
                    }
                    case Long l -> {
                        v = t.allocateFrom(LONG, l);
                        size = 8;
                    }
                    case Float fl -> {
                        v = t.allocateFrom(ValueLayout.JAVA_FLOAT, fl);
                        size = 4;
                    }
                    case Double db -> {
                        v = t.allocateFrom(ValueLayout.JAVA_DOUBLE, db);
                        size = 8;
                    }
                    default -> throw new IllegalArgumentException("kernel argument " + o);
                }
                Cl.check(Cl.call(Cl.clSetKernelArg, kernel, k, size, v), "clSetKernelArg(" + k + ")");
            }
        }
    }

    /** Enqueues a kernel over (global0, problems) with work-groups of (local0, 1). */
    private void run(MemorySegment kernel, long global0, long local0) {
        try (Arena t = Arena.ofConfined()) {
            MemorySegment gs = t.allocate(ValueLayout.JAVA_LONG, 2);
            MemorySegment ls = t.allocate(ValueLayout.JAVA_LONG, 2);
            gs.setAtIndex(LONG, 0, global0);
            gs.setAtIndex(LONG, 1, problems);
            ls.setAtIndex(LONG, 0, local0);
            ls.setAtIndex(LONG, 1, 1);
            Cl.check(Cl.call(Cl.clEnqueueNDRangeKernel, queue, kernel, 2, MemorySegment.NULL, gs, ls, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "clEnqueueNDRangeKernel");
        }
    }

    private static long roundUp(long v, long k) {
        return (v + k - 1) / k * k;
    }

    private static double[] flatten(double[][] rows, int len) {
        double[] out = new double[rows.length * len];
        for (int p = 0; p < rows.length; p++) {
            if (rows[p].length != len) {
                throw new IllegalArgumentException("problem " + p + " has " + rows[p].length + " weights, expected " + len);
            }
            System.arraycopy(rows[p], 0, out, p * len, len);
        }
        return out;
    }

    private double[][] split(double[] flat, int len) {
        double[][] out = new double[problems][];
        for (int p = 0; p < problems; p++) {
            out[p] = Arrays.copyOfRange(flat, p * len, (p + 1) * len);
        }
        return out;
    }

    private static double[] logs(double[] w) {
        double[] out = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = Math.log(w[k]);
        }
        return out;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (MemorySegment b : buffers) {
            Cl.call(Cl.clReleaseMemObject, b);
        }
        buffers.clear();
        for (MemorySegment k : new MemorySegment[]{kScale, kLse, kPlan, kCommit}) {
            if (k != null && !k.equals(MemorySegment.NULL)) {
                Cl.call(Cl.clReleaseKernel, k);
            }
        }
        if (queue != null && !queue.equals(MemorySegment.NULL)) {
            Cl.call(Cl.clReleaseCommandQueue, queue);
        }

    }
}
