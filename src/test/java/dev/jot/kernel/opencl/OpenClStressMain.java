package dev.jot.kernel.opencl;

import dev.jot.data.Points;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.util.Random;

/**
 * One run of the OpenCL stress test, in a JVM of its own (a crash must not take the test JVM with it):
 * OpenCL solves on the device and the CPU, compared, while two threads spin in compiled loops and the main
 * thread forces thousands of safepoints ({@link Thread#getAllStackTraces()}), the conditions under which
 * LLVM's signal handlers (see {@link SignalHandlers}) killed the JVM. Exits 0 when every solve agreed, 1 on
 * a disagreement, 3 when there is no OpenCL device; a crash exits 139 (or 134 with an hs_err file).
 *
 * <p>Arguments: the seconds to keep forcing safepoints after the solves (default 2).
 */
public final class OpenClStressMain {
    private static volatile long sink;

    private OpenClStressMain() {
    }

    /**
     * Runs once.
     *
     * @param args the seconds of safepoints (optional)
     */
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
        for (int t = 0; t < 2; t++) {
            Thread spin = new Thread(() -> {
                long s = 1;
                for (long i = 0; ; i++) {
                    s = s * 6364136223846793005L + i;
                    if ((i & 0xFFFFFF) == 0) {
                        sink = s;
                    }
                }
            }, "spin-" + t);
            spin.setDaemon(true);
            spin.start();
        }
        if (!OpenClDevice.available()) {
            System.out.println("no OpenCL device: " + OpenClDevice.whyNot());
            System.exit(3);
        }
        Random rnd = new Random(11);
        int n = 60, m = 45;
        double[] xs = new double[n * 2], ys = new double[m * 2];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
        }
        for (int k = 0; k < ys.length; k++) {
            ys[k] = rnd.nextDouble();
        }
        long safepoints = 0;
        for (boolean matrixFree : new boolean[]{false, true}) {
            SinkhornOptions o = SinkhornOptions.epsilon(0.05).withMatrixFree(matrixFree).withTolerance(1e-6);
            SinkhornResult cpu = Sinkhorn.solve(Points.of(n, 2, xs), Points.of(m, 2, ys), null, null, CostFunction.SQUARED_EUCLIDEAN, o);
            SinkhornResult cl = Sinkhorn.solve(Points.of(n, 2, xs), Points.of(m, 2, ys), null, null, CostFunction.SQUARED_EUCLIDEAN,
                    o.withBackend("opencl"));
            for (int k = 0; k < 200; k++) {
                Thread.getAllStackTraces();
                safepoints++;
            }
            if (!cl.converged() || Math.abs(cl.cost() - cpu.cost()) > 1e-4 * Math.abs(cpu.cost())) {
                System.out.println("disagreement (matrix-free " + matrixFree + "): cpu " + cpu.cost() + ", opencl " + cl.cost()
                        + " " + cl.status());
                System.exit(1);
            }
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            Thread.getAllStackTraces();
            safepoints++;
        }
        System.out.println("ok: " + safepoints + " safepoints (signal guard " + (SignalHandlers.active() ? "on" : "unsupported here") + ")");
        System.exit(0);
    }
}
