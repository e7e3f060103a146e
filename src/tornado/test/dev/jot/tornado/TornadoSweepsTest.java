package dev.jot.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.data.Points;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.BatchResult;
import dev.jot.sinkhorn.Sinkhorn;
import dev.jot.sinkhorn.SinkhornOptions;
import dev.jot.sinkhorn.SinkhornResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The TornadoVM backend against the CPU backend. Compiled only with a TornadoVM SDK (the {@code tornado}
 * Maven profile) and run only in a JVM started with TornadoVM's flags, e.g.
 * {@code mvn test -Dtest=TornadoSweepsTest -Djot.test.argLine="$(tornado --printJavaFlags | tail -1) --add-modules jdk.incubator.vector"};
 * skipped otherwise.
 */
class TornadoSweepsTest {

    @BeforeAll
    static void needsTornadoRuntime() {
        Assumptions.assumeTrue(System.getProperty("tornado.load.runtime.implementation") != null,
                "not a TornadoVM JVM (start it with TornadoVM's flags: tornado --printJavaFlags)");
    }

    private static Points cloud(Random rnd, int n, int d) {
        double[] v = new double[n * d];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextDouble();
        }
        return Points.of(n, d, v);
    }

    @ParameterizedTest(name = "{0} matrix-free={1} {2}")
    @CsvSource({"f32, false, sqeuclidean", "f32, true, sqeuclidean", "f32, true, euclidean",
            "f64, false, sqeuclidean", "f64, true, p=1.5"})
    void agreesWithTheCpuBackend(String precision, boolean matrixFree, String costName) {
        Precision p = Precision.parse(precision);
        Random rnd = new Random(7);
        Points x = cloud(rnd, 120, 3), y = cloud(rnd, 90, 3);
        CostFunction cost = CostFunction.parse(costName);
        SinkhornOptions o = SinkhornOptions.epsilon(0.05).withPrecision(p).withMatrixFree(matrixFree)
                .withTolerance(p == Precision.F32 ? 1e-6 : 1e-11).withMaxIterations(10_000);
        SinkhornResult cpu = Sinkhorn.solve(x, y, null, null, cost, o);
        SinkhornResult tv = Sinkhorn.solve(x, y, null, null, cost, o.withBackend("tornado"));
        System.out.println("TornadoVM device: " + tv.device() + "; cost " + tv.cost() + " (cpu " + cpu.cost() + ")");
        assertTrue(tv.converged(), tv.status());
        assertEquals("tornado", tv.backend());
        double tol = p == Precision.F32 ? 1e-5 : 1e-9;
        assertEquals(cpu.cost(), tv.cost(), tol * Math.abs(cpu.cost()), "cost");
        assertEquals(cpu.objective(), tv.objective(), tol * Math.abs(cpu.objective()), "objective");
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
}
