package dev.jot.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.cli.Jot;
import dev.jot.geometry.CostFunction;
import dev.jot.kernel.AcceleratorException;
import dev.jot.sinkhorn.BatchResult;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;

/**
 * The TornadoVM backend against the CPU backend. Compiled only with a TornadoVM SDK (the {@code tornado}
 * Maven profile) and run only in a JVM started with TornadoVM's flags, e.g.
 * {@code mvn surefire:test -Dtest=TornadoSweepsTest -Djot.test.argLine="@$TORNADOVM_HOME/tornado-argfile --add-modules jdk.incubator.vector"};
 * skipped otherwise. A task that TornadoVM cannot run on the device fails the test (bailout recovery is off,
 * {@link #aTaskTheDeviceCannotCompileFailsInsteadOfRunningAsJava}).
 */
class TornadoSweepsTest {

    @BeforeAll
    static void needsTornadoRuntime() {
        Assumptions.assumeTrue(System.getProperty("tornado.load.runtime.implementation") != null,
                "not a TornadoVM JVM (start it with TornadoVM's flags: @$TORNADOVM_HOME/tornado-argfile)");
    }

    private static Points cloud(Random rnd, int n, int d) {
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble();
        }
        return Points.of(n, d, v);
    }

    /** Random positive weights summing to 1; with zeros, every fifth is 0. */
    private static Weights weights(Random rnd, int n, boolean zeros) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = zeros && i % 5 == 2 ? 0 : 0.5 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= s;
        }
        return Weights.of(w);
    }

    @ParameterizedTest(name = "{0} matrix-free={1} {2} zero weights={3}")
    @CsvSource({"f32, false, sqeuclidean, false", "f32, true, sqeuclidean, true", "f32, true, euclidean, false",
            "f32, true, p=1.5, true",
            "f64, false, sqeuclidean, true", "f64, true, sqeuclidean, false", "f64, true, euclidean, false",
            "f64, true, euclidean, true", "f64, true, p=1.5, false"})
    void agreesWithTheCpuBackend(String precision, boolean matrixFree, String costName, boolean zeros) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(7);
        Points x = cloud(rnd, 120, 3), y = cloud(rnd, 90, 3);
        Weights a = weights(rnd, 120, zeros), b = weights(rnd, 90, false);
        CostFunction cost = CostFunction.parse(costName);
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withPrecision(p).withMatrixFree(matrixFree)
                .withTolerance(p == Precision.F32 ? 1e-6 : 1e-12).withMaxIterations(20_000)
                .withOverRelaxation(false); // the devices iterate plainly; so does the CPU here
        SinkhornResult cpu = Sinkhorn.solve(x, y, a, b, cost, o);
        SinkhornResult tv = Sinkhorn.solve(x, y, a, b, cost, o.withBackend("tornado"));
        double dc = Math.abs(tv.cost() - cpu.cost()) / Math.abs(cpu.cost());
        double dobj = Math.abs(tv.objective() - cpu.objective()) / Math.abs(cpu.objective());
        System.out.printf("tornado %s matrix-free=%s %s zeros=%s on %s: cost rel. diff %.2e, objective %.2e, iterations %d (cpu %d)%n",
                precision, matrixFree, costName, zeros, tv.device(), dc, dobj, tv.iterations(), cpu.iterations());
        assertTrue(tv.converged(), tv.status());
        assertEquals("tornado", tv.backend());
        double tol = p == Precision.F32 ? 1e-5 : 1e-12;
        assertEquals(cpu.cost(), tv.cost(), tol * Math.abs(cpu.cost()), "cost");
        assertEquals(cpu.objective(), tv.objective(), tol * Math.abs(cpu.objective()), "objective");
    }

    @ParameterizedTest(name = "{0} rho {1}, {2} matrix-free={3}")
    @CsvSource({"f32, 0.1, 0.1, false", "f32, inf, 0.3, true", "f64, 0.1, 0.5, false", "f64, 0.3, inf, true", "f64, inf, 0.2, false"})
    void unbalancedAgreesWithTheCpuLogDomain(String precision, String rhoA, String rhoB, boolean matrixFree) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(9);
        Points x = cloud(rnd, 100, 2), y = cloud(rnd, 80, 2);
        Weights a = weights(rnd, 100, true);
        double[] bw = weights(rnd, 80, false).toArray();
        for (int j = 0; j < bw.length; j++) {
            bw[j] *= 2; // masses 1 and 2
        }
        Weights b = Weights.of(bw);
        double ra = Double.parseDouble(rhoA.replace("inf", "Infinity")), rb = Double.parseDouble(rhoB.replace("inf", "Infinity"));
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withPrecision(p).withMatrixFree(matrixFree).withRho(ra, rb)
                .withTolerance(p == Precision.F32 ? 1e-5 : 1e-11).withMaxIterations(20_000).withSweeps("log").withOverRelaxation(false);
        SinkhornResult cpu = Sinkhorn.solve(x, y, a, b, CostFunction.SQUARED_EUCLIDEAN, o);
        SinkhornResult tv = Sinkhorn.solve(x, y, a, b, CostFunction.SQUARED_EUCLIDEAN, o.withBackend("tornado"));
        System.out.printf("tornado unbalanced %s rho %s, %s: objective rel. diff %.2e, mass %.6f, iterations %d (cpu %d)%n", precision,
                rhoA, rhoB, Math.abs(tv.objective() - cpu.objective()) / Math.abs(cpu.objective()), tv.mass(), tv.iterations(),
                cpu.iterations());
        assertTrue(tv.converged(), tv.status());
        assertTrue(tv.unbalanced() && tv.status().contains("potentials' change"), tv.status());
        double tol = p == Precision.F32 ? 1e-4 : 1e-9;
        assertEquals(cpu.objective(), tv.objective(), tol * Math.abs(cpu.objective()), "objective");
        assertEquals(cpu.cost(), tv.cost(), tol * Math.abs(cpu.cost()), "cost");
        assertEquals(cpu.mass(), tv.mass(), tol * cpu.mass(), "mass");
        assertEquals(cpu.iterations(), tv.iterations(), p == Precision.F64 ? 0 : 2 + cpu.iterations() / 50, "iterations");
    }

    @Test
    void batches() {
        Random rnd = new Random(5);
        List<Points> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            xs.add(cloud(rnd, 40, 2));
            ys.add(cloud(rnd, 30, 2));
        }
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withTolerance(1e-6);
        BatchResult cpu = Sinkhorn.solveAll(xs, ys, null, null, CostFunction.SQUARED_EUCLIDEAN, o);
        BatchResult tv = Sinkhorn.solveAll(xs, ys, null, null, CostFunction.SQUARED_EUCLIDEAN, o.withBackend("tornado"));
        for (int k = 0; k < 3; k++) {
            assertTrue(tv.get(k).converged(), tv.get(k).status());
            assertEquals(cpu.get(k).cost(), tv.get(k).cost(), 1e-5 * cpu.get(k).cost(), "problem " + k);
        }
    }

    @Test
    void bailoutRecoveryIsOff() {
        TornadoSweeps.requireNoBailoutRecovery();
    }

    /** A kernel TornadoVM 5.2.0 cannot compile for OpenCL: it writes the NaN constant as a bare {@code NaN}. */
    static void nanConstant(DoubleArray out) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            out.set(i, Double.NaN);
        }
    }

    @Test
    void aTaskTheDeviceCannotCompileFailsInsteadOfRunningAsJava() throws Exception {
        DoubleArray out = new DoubleArray(4);
        TaskGraph g = new TaskGraph("jotBailout").task("nan", TornadoSweepsTest::nanConstant, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            AcceleratorException e = assertThrows(AcceleratorException.class, () -> TornadoSweeps.execute(plan, 0));
            System.out.println("the bailout, as JOT reports it: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("TornadoVM failed: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        // had TornadoVM fallen back to sequential Java, the kernel would have run on the host
        assertEquals(0.0, out.get(0), "the kernel ran as Java");
    }

    private static String solveJson(String backend, String... more) throws Exception {
        Path ref = Path.of(TornadoSweepsTest.class.getResource("/reference/uniform_2d_x.npy").toURI()).getParent();
        StringWriter out = new StringWriter(), err = new StringWriter();
        List<String> args = new ArrayList<>(List.of("solve", "--x", ref.resolve("uniform_2d_x.npy").toString(),
                "--y", ref.resolve("uniform_2d_y.npy").toString(), "--epsilon", "0.05", "--json", "--backend", backend));
        args.addAll(List.of(more));
        int code = Jot.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        return out.toString();
    }

    private static double field(String json, String name) {
        int k = json.indexOf("\"" + name + "\": ") + name.length() + 4;
        return Double.parseDouble(json.substring(k, json.indexOf(',', k)));
    }

    @Test
    void theCommandLineSolvesOnTheDevice() throws Exception {
        String cpu = solveJson("cpu", "--precision", "f64", "--tol", "1e-12");
        String tv = solveJson("tornado", "--precision", "f64", "--tol", "1e-12");
        assertTrue(tv.contains("\"backend\": \"tornado\""), tv);
        assertEquals(field(cpu, "cost"), field(tv, "cost"), 1e-12 * field(cpu, "cost"), tv);
    }
}
