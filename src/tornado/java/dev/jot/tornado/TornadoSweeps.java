package dev.jot.tornado;

import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.geometry.Geometry;
import dev.jot.geometry.PointCloudGeometry;
import dev.jot.kernel.AcceleratorException;
import dev.jot.kernel.DeviceSweeps;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * {@link DeviceSweeps} on TornadoVM (loaded by {@code dev.jot.kernel.Accelerators} when this class is on
 * the class path: builds made with {@code TORNADOVM_HOME} set). Three task graphs in one execution plan:
 * the row sweep (h from g, then the log-sum-exps: the new f and each row's marginal error), the column
 * sweep (h from f, then the new g) and the plan sums for the result. The costs (or points) and weights
 * are transferred once (FIRST_EXECUTION) and stay on the device; the potentials and ε go over every
 * execution (O(B·(n + m)) numbers), and the new potentials and errors come back. The kernels are
 * {@link TornadoKernels}. Unbalanced problems ({@link #setDamping}) have their new potentials damped on the host,
 * f' = τ_a·(−ε·lse), where their stopping quantity, the potentials' change, is computed too.
 *
 * <p>Every task runs on the device or the solve fails: TornadoVM's bailout recovery (on by default) would
 * run a task it cannot compile as sequential Java, print one line and carry on (in 5.2.0 the next execution
 * then crashes inside TornadoVM). This class therefore turns it off ({@code tornado.recover.bailout=False})
 * when it is loaded, if the JVM was not started with that property, and refuses to start when it is still
 * on (set to {@code True}, or read by TornadoVM before). Any failure of TornadoVM, a bailout included, ends
 * the solve with an {@link AcceleratorException} of one line.
 */
public final class TornadoSweeps implements DeviceSweeps {
    /** TornadoVM's switch for running a task as sequential Java when it cannot compile it. */
    static final String RECOVER_BAILOUT = "tornado.recover.bailout";

    static {
        // before TornadoVM's options are read (they are read once, when its runtime starts)
        if (System.getProperty(RECOVER_BAILOUT) == null) {
            System.setProperty(RECOVER_BAILOUT, "False");
        }
    }

    private final int problems;
    private final int n;
    private final int m;
    private final DoubleArray f, fNext, g, gNext, rowLse, colLse, err, colErr, norm, cost, par;
    private final IntArray active;
    private final TornadoExecutionPlan plan;
    private final String deviceName;
    /**
     * Unbalanced problems: the dampings τ_a, τ_b (1: balanced), applied on the host to the potentials the device
     * computes (f' = τ_a·(−ε·lse)), and the source weights for the potentials' change, their stopping quantity.
     */
    private final double[] tauA;
    private final double[] tauB;
    private final double[] weightsA;

    /** Uploads a batch of problems of equal sizes (as {@code OpenClSweeps}). */
    public TornadoSweeps(List<? extends Geometry> geometries, double[][] a, double[][] b) {
        requireNoBailoutRecovery();
        problems = geometries.size();
        Geometry g0 = geometries.get(0);
        n = g0.n();
        m = g0.m();
        boolean f64 = g0.precision() == Precision.F64;
        boolean shared = true;
        for (Geometry gk : geometries) {
            if (gk.n() != n || gk.m() != m || gk.precision() != g0.precision() || gk.getClass() != g0.getClass()) {
                throw new IllegalArgumentException("a device batch needs problems of one size, kind and precision");
            }
            shared &= gk == g0;
        }
        boolean points = g0 instanceof PointCloudGeometry;
        if (!points && !(g0 instanceof DenseGeometry)) {
            throw new IllegalArgumentException("the tornado backend runs stored cost matrices and point clouds, not " + g0);
        }
        int copies = shared ? 1 : problems;
        int d = points ? ((PointCloudGeometry) g0).d() : 0;
        int kind = 0;
        double halfP = 1;
        if (points) {
            CostFunction c = ((PointCloudGeometry) g0).costFunction();
            if (c instanceof CostFunction.Power pw) {
                kind = pw.p() == 1.0 ? 1 : 2;
                halfP = 0.5 * pw.p();
            }
        }
        long nm = (long) n * m * copies, nd = (long) n * d * copies, md = (long) m * d * copies;
        if (nm > Integer.MAX_VALUE || (long) problems * Math.max(n, m) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the tornado backend indexes with int: n·m·B must stay below 2^31");
        }
        // costs: C and Cᵀ, or the points (rows' row-major, columns' transposed) for both sweeps
        Object cRows, cCols, xRows, yRowsT, xCols, yColsT;
        if (f64) {
            cRows = points ? new DoubleArray(1) : new DoubleArray((int) nm);
            cCols = points ? new DoubleArray(1) : new DoubleArray((int) nm);
            xRows = new DoubleArray((int) Math.max(1, nd));
            yRowsT = new DoubleArray((int) Math.max(1, md));
            xCols = new DoubleArray((int) Math.max(1, md));
            yColsT = new DoubleArray((int) Math.max(1, nd));
        } else {
            cRows = points ? new FloatArray(1) : new FloatArray((int) nm);
            cCols = points ? new FloatArray(1) : new FloatArray((int) nm);
            xRows = new FloatArray((int) Math.max(1, nd));
            yRowsT = new FloatArray((int) Math.max(1, md));
            xCols = new FloatArray((int) Math.max(1, md));
            yColsT = new FloatArray((int) Math.max(1, nd));
        }
        for (int k = 0; k < copies; k++) {
            Geometry gk = geometries.get(k);
            if (points) {
                PointCloudGeometry pg = (PointCloudGeometry) gk;
                if (f64) {
                    copy(pg.rowsF64(false), (DoubleArray) xRows, k * n * d);
                    copy(pg.colsTransposedF64(false), (DoubleArray) yRowsT, k * m * d);
                    copy(pg.rowsF64(true), (DoubleArray) xCols, k * m * d);
                    copy(pg.colsTransposedF64(true), (DoubleArray) yColsT, k * n * d);
                } else {
                    copy(pg.rowsF32(false), (FloatArray) xRows, k * n * d);
                    copy(pg.colsTransposedF32(false), (FloatArray) yRowsT, k * m * d);
                    copy(pg.rowsF32(true), (FloatArray) xCols, k * m * d);
                    copy(pg.colsTransposedF32(true), (FloatArray) yColsT, k * n * d);
                }
            } else {
                copy(gk.tile(false, 0, n, null), cRows, (long) k * n * m, f64);
                copy(gk.tile(true, 0, m, null), cCols, (long) k * n * m, f64);
            }
        }
        IntArray metaRows = IntArray.fromElements(n, m, problems, shared ? 0 : n * m, shared ? 0 : n * d, shared ? 0 : m * d,
                d, points ? 1 : 0, kind);
        IntArray metaCols = IntArray.fromElements(m, n, problems, shared ? 0 : n * m, shared ? 0 : m * d, shared ? 0 : n * d,
                d, points ? 1 : 0, kind);
        weightsA = flatten(a, n);
        tauA = new double[problems];
        tauB = new double[problems];
        java.util.Arrays.fill(tauA, 1.0);
        java.util.Arrays.fill(tauB, 1.0);
        DoubleArray wA = DoubleArray.fromArray(weightsA), wB = DoubleArray.fromArray(flatten(b, m));
        DoubleArray logA = logs(wA), logB = logs(wB);
        f = new DoubleArray(problems * n);
        fNext = new DoubleArray(problems * n);
        g = new DoubleArray(problems * m);
        gNext = new DoubleArray(problems * m);
        rowLse = new DoubleArray(problems * n);
        colLse = new DoubleArray(problems * m);
        err = new DoubleArray(problems * n);
        colErr = new DoubleArray(problems * m);
        norm = new DoubleArray(problems * n);
        cost = new DoubleArray(problems * n);
        par = new DoubleArray(2 * problems + 2);
        for (int p = 0; p < problems; p++) {
            par.set(p, 1.0);
            par.set(problems + p, 1.0);
        }
        par.set(2 * problems, halfP);
        par.set(2 * problems + 1, Double.NaN); // the kernels' NaN (TornadoVM cannot emit a NaN constant)
        active = new IntArray(problems);
        active.init(1);
        Object hRow = f64 ? new DoubleArray(problems * m) : new FloatArray(problems * m);
        Object hCol = f64 ? new DoubleArray(problems * n) : new FloatArray(problems * n);
        Object hPlan = f64 ? new DoubleArray(problems * m) : new FloatArray(problems * m);
        try {
            TaskGraph rows = new TaskGraph("jotRows")
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, cRows, xRows, yRowsT, metaRows, wA, logB)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, f, g, par, active);
            TaskGraph cols = new TaskGraph("jotCols")
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, cCols, xCols, yColsT, metaCols, wB, logA)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, f, g, par, active);
            TaskGraph planSums = new TaskGraph("jotPlan")
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, cRows, xRows, yRowsT, metaRows, logB)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, g, par, active, rowLse);
            IntArray lenRows = IntArray.fromElements(0, m, problems), lenCols = IntArray.fromElements(0, n, problems);
            // the intermediates (h, and the column sweep's unused errors) are declared too: allocated once, never read back
            rows.transferToDevice(DataTransferMode.FIRST_EXECUTION, lenRows, hRow);
            cols.transferToDevice(DataTransferMode.FIRST_EXECUTION, lenCols, hCol, colErr);
            planSums.transferToDevice(DataTransferMode.FIRST_EXECUTION, lenRows, hPlan);
            if (f64) {
                rows.task("h", TornadoKernels::scaleF64, logB, g, par, lenRows, active, (DoubleArray) hRow)
                        .task("lse", TornadoKernels::lseF64, (DoubleArray) cRows, (DoubleArray) xRows, (DoubleArray) yRowsT, metaRows,
                                (DoubleArray) hRow, par, wA, f, active, fNext, rowLse, err);
                cols.task("h", TornadoKernels::scaleF64, logA, f, par, lenCols, active, (DoubleArray) hCol)
                        .task("lse", TornadoKernels::lseF64, (DoubleArray) cCols, (DoubleArray) xCols, (DoubleArray) yColsT, metaCols,
                                (DoubleArray) hCol, par, wB, g, active, gNext, colLse, colErr);
                planSums.task("h", TornadoKernels::scaleF64, logB, g, par, lenRows, active, (DoubleArray) hPlan)
                        .task("plan", TornadoKernels::planF64, (DoubleArray) cRows, (DoubleArray) xRows, (DoubleArray) yRowsT, metaRows,
                                (DoubleArray) hPlan, par, rowLse, norm, cost);
            } else {
                rows.task("h", TornadoKernels::scaleF32, logB, g, par, lenRows, active, (FloatArray) hRow)
                        .task("lse", TornadoKernels::lseF32, (FloatArray) cRows, (FloatArray) xRows, (FloatArray) yRowsT, metaRows,
                                (FloatArray) hRow, par, wA, f, active, fNext, rowLse, err);
                cols.task("h", TornadoKernels::scaleF32, logA, f, par, lenCols, active, (FloatArray) hCol)
                        .task("lse", TornadoKernels::lseF32, (FloatArray) cCols, (FloatArray) xCols, (FloatArray) yColsT, metaCols,
                                (FloatArray) hCol, par, wB, g, active, gNext, colLse, colErr);
                planSums.task("h", TornadoKernels::scaleF32, logB, g, par, lenRows, active, (FloatArray) hPlan)
                        .task("plan", TornadoKernels::planF32, (FloatArray) cRows, (FloatArray) xRows, (FloatArray) yRowsT, metaRows,
                                (FloatArray) hPlan, par, rowLse, norm, cost);
            }
            rows.transferToHost(DataTransferMode.EVERY_EXECUTION, fNext, rowLse, err);
            cols.transferToHost(DataTransferMode.EVERY_EXECUTION, gNext, colLse);
            planSums.transferToHost(DataTransferMode.EVERY_EXECUTION, norm, cost);
            ImmutableTaskGraph r = rows.snapshot(), c = cols.snapshot(), s = planSums.snapshot();
            plan = new TornadoExecutionPlan(r, c, s);
            deviceName = plan.getDevice(0).getPhysicalDevice().getDeviceName();
        } catch (RuntimeException | LinkageError e) {
            throw failure("could not start", e);
        }
    }

    /**
     * Fails unless TornadoVM's bailout recovery is off in this JVM (read from TornadoVM's own options).
     *
     * @throws AcceleratorException if it is on, or cannot be read
     */
    static void requireNoBailoutRecovery() {
        boolean recover;
        try {
            recover = Class.forName("uk.ac.manchester.tornado.runtime.common.TornadoOptions")
                    .getField("RECOVER_BAILOUT").getBoolean(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw new AcceleratorException("TornadoVM: cannot tell whether its bailout recovery is off (" + e + ")", e);
        }
        if (recover) {
            throw new AcceleratorException("TornadoVM: bailout recovery is on (-D" + RECOVER_BAILOUT + "="
                    + System.getProperty(RECOVER_BAILOUT) + "), so a task it cannot compile would run as sequential Java, "
                    + "not on the device; run without that flag or with -D" + RECOVER_BAILOUT + "=False");
        }
    }

    /**
     * Runs one task graph of the plan on the device.
     *
     * @throws AcceleratorException (one line) if TornadoVM fails, a bailout included
     */
    static void execute(TornadoExecutionPlan plan, int graph) {
        try {
            plan.withGraph(graph).execute();
        } catch (RuntimeException | LinkageError e) {
            throw failure("failed", e);
        }
    }

    private static AcceleratorException failure(String what, Throwable e) {
        return new AcceleratorException("TornadoVM " + what + ": " + oneLine(e), e);
    }

    /** TornadoVM's message without its stack traces (it prints them into the message), on one line. */
    static String oneLine(Throwable e) {
        while (e.getMessage() == null && e.getCause() != null) {
            e = e.getCause(); // e.g. an ExceptionInInitializerError: say what failed inside
        }
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        StringBuilder out = new StringBuilder();
        for (String line : msg.split("\\R")) {
            String t = line.replaceAll("\u001B\\[[0-9;]*m", "").strip(); // without TornadoVM's colours
            if (t.startsWith("[jdk.") || t.startsWith("[tornado.") || t.startsWith("[java.") || t.startsWith("Stacktrace:")) {
                break;
            }
            t = t.replace("Bailout is disabled.", "bailout:").replace("Reason: ", "");
            if (!t.isEmpty()) {
                out.append(out.isEmpty() ? "" : " ").append(t);
            }
        }
        String s = out.isEmpty() ? e.getClass().getSimpleName() : out.toString().replaceAll("\\s+", " ");
        return s.length() > 400 ? s.substring(0, 400) + "…" : s;
    }

    @Override
    public String backend() {
        return "tornado";
    }

    @Override
    public String device() {
        return deviceName;
    }

    @Override
    public void setEpsilon(int problem, double epsilon) {
        par.set(problem, epsilon);
        par.set(problems + problem, 1.0 / epsilon);
    }

    private void setActive(boolean[] which) {
        for (int p = 0; p < problems; p++) {
            active.set(p, which[p] ? 1 : 0);
        }
    }

    @Override
    public void setDamping(int problem, double dampingA, double dampingB) {
        if (!(dampingA > 0 && dampingA <= 1) || !(dampingB > 0 && dampingB <= 1)) {
            throw new IllegalArgumentException("the dampings must be in (0, 1], got tau_a = " + dampingA + ", tau_b = " + dampingB);
        }
        tauA[problem] = dampingA;
        tauB[problem] = dampingB;
    }

    private boolean unbalanced(int p) {
        return tauA[p] < 1 || tauB[p] < 1;
    }

    @Override
    public void rowUpdate(boolean[] act, double[] errors) {
        setActive(act);
        execute(plan, 0);
        for (int p = 0; p < problems; p++) {
            if (act[p] && unbalanced(p)) {
                // the damped update, f' = τ_a·(−ε·lse), and its stopping quantity max_i |f'_i − f_i|/ε (NaN if not finite)
                double t = tauA[p], inv = par.get(problems + p), change = 0;
                for (int i = 0; i < n; i++) {
                    int k = p * n + i;
                    double fn = t * fNext.get(k);
                    fNext.set(k, fn);
                    if (!Double.isFinite(fn)) {
                        change = Double.NaN;
                    } else if (weightsA[k] > 0 && !Double.isNaN(change)) {
                        change = Math.max(change, Math.abs(fn - f.get(k)) * inv);
                    }
                }
                if (errors != null) {
                    errors[p] = change;
                }
            }
        }
        if (errors != null) {
            for (int p = 0; p < problems; p++) {
                if (act[p] && !unbalanced(p)) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        s += err.get(p * n + i);
                    }
                    errors[p] = s;
                }
            }
        }
    }

    @Override
    public void commitRows(boolean[] which) {
        for (int p = 0; p < problems; p++) {
            if (which[p]) {
                for (int i = 0; i < n; i++) {
                    f.set(p * n + i, fNext.get(p * n + i));
                }
            }
        }
    }

    @Override
    public void columnUpdate(boolean[] act) {
        setActive(act);
        execute(plan, 1);
        for (int p = 0; p < problems; p++) {
            if (act[p]) {
                double t = tauB[p];
                for (int j = 0; j < m; j++) {
                    g.set(p * m + j, t == 1 ? gNext.get(p * m + j) : t * gNext.get(p * m + j));
                }
            }
        }
    }

    @Override
    public Final finish() {
        boolean[] all = new boolean[problems];
        java.util.Arrays.fill(all, true);
        setActive(all);
        execute(plan, 0);
        execute(plan, 2);
        execute(plan, 1);
        return new Final(split(f, n), split(g, m), split(rowLse, n), split(colLse, m), split(norm, n), split(cost, n));
    }

    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            throw failure("could not free the device's memory", e);
        }
    }

    private double[][] split(DoubleArray v, int len) {
        double[][] out = new double[problems][len];
        for (int p = 0; p < problems; p++) {
            for (int k = 0; k < len; k++) {
                out[p][k] = v.get(p * len + k);
            }
        }
        return out;
    }

    private static void copy(double[] src, DoubleArray dst, int offset) {
        for (int k = 0; k < src.length; k++) {
            dst.set(offset + k, src[k]);
        }
    }

    private static void copy(float[] src, FloatArray dst, int offset) {
        for (int k = 0; k < src.length; k++) {
            dst.set(offset + k, src[k]);
        }
    }

    private static void copy(MemorySegment src, Object dst, long offset, boolean f64) {
        long count = src.byteSize() / (f64 ? 8 : 4);
        for (long k = 0; k < count; k++) {
            if (f64) {
                ((DoubleArray) dst).set((int) (offset + k), src.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k));
            } else {
                ((FloatArray) dst).set((int) (offset + k), src.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k));
            }
        }
    }

    private static double[] flatten(double[][] rows, int len) {
        double[] out = new double[rows.length * len];
        for (int p = 0; p < rows.length; p++) {
            System.arraycopy(rows[p], 0, out, p * len, len);
        }
        return out;
    }

    private static DoubleArray logs(DoubleArray w) {
        DoubleArray out = new DoubleArray(w.getSize());
        for (int k = 0; k < w.getSize(); k++) {
            out.set(k, Math.log(w.get(k)));
        }
        return out;
    }
}
