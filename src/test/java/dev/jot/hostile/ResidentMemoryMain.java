package dev.jot.hostile;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.CostFunction;
import dev.jot.geometry.DenseGeometry;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Small solves (stored, matrix-free, batched) in a loop, in a JVM of its own: resident memory after the
 * loop within 10% of its level after a warm-up of 25,000 solves (the JIT's code grows the process until
 * then). Exits 0 if so, 1 otherwise. Argument: the number of solves measured.
 */
public final class ResidentMemoryMain {
    private ResidentMemoryMain() {
    }

    static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    private static double run(int count, Points x, Points y, SinkhornOptions o) {
        double checksum = 0;
        for (int k = 0; k < count; k++) {
            checksum += Sinkhorn.solve(x, y, null, null, CostFunction.SQUARED_EUCLIDEAN, k % 3 == 1 ? o.withMatrixFree(true) : o).cost();
            if (k % 1000 == 0) {
                DenseGeometry g = DenseGeometry.of(x, y, CostFunction.SQUARED_EUCLIDEAN, Precision.F32);
                checksum += Sinkhorn.solveBatch(g, List.of(Weights.uniform(6), Weights.uniform(6)),
                        List.of(Weights.uniform(5), Weights.uniform(5)), o).sum();
            }
        }
        return checksum;
    }

    /**
     * Runs the loop.
     *
     * @param args the number of solves measured
     * @throws IOException if /proc/self/status cannot be read
     */
    public static void main(String[] args) throws IOException {
        int solves = Integer.parseInt(args[0]);
        Random rnd = new Random(1);
        double[] xs = new double[12], ys = new double[10];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = rnd.nextDouble();
        }
        for (int k = 0; k < ys.length; k++) {
            ys[k] = rnd.nextDouble();
        }
        Points x = Points.of(6, 2, xs), y = Points.of(5, 2, ys);
        SinkhornOptions o = SinkhornOptions.epsilon(0.1).withMaxIterations(20).withThreads(2);
        run(25_000, x, y, o);
        System.gc();
        long before = residentBytes();
        double checksum = run(solves, x, y, o);
        System.gc();
        long after = residentBytes();
        boolean ok = after <= before * 1.10 && Double.isFinite(checksum);
        System.out.printf("resident memory %.1f MB after the warm-up, %.1f MB after %d more solves (%+.1f%%)%s%n", before / 1048576.0,
                after / 1048576.0, solves, 100.0 * (after - before) / before, ok ? "" : ": grew by more than 10%");
        System.exit(ok ? 0 : 1);
    }
}
