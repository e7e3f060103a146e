package dev.jot.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jot.OT;
import dev.jot.data.Precision;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornResult;
import org.junit.jupiter.api.Test;

/** Small edges of the public API: null weights mean uniform everywhere, lenient parsing, checked records. */
class ApiEdgesTest {
    @Test
    void nullWeightsOfTheCostMatrixShortcutAreUniform() {
        double[][] c = {{0, 1, 4}, {1, 0, 1}};
        SinkhornResult none = OT.sinkhorn(null, null, c, 0.5);
        SinkhornResult uniform = OT.sinkhorn(new double[]{0.5, 0.5}, new double[]{1 / 3.0, 1 / 3.0, 1 / 3.0}, c, 0.5);
        assertTrue(none.converged(), none.status());
        assertEquals(uniform.cost(), none.cost(), 1e-12);
    }

    @Test
    void precisionNamesMayCarryBlanks() {
        assertEquals(Precision.F32, Precision.parse(" f32 "));
        assertEquals(Precision.F64, Precision.parse("Double"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("f16"));
        assertTrue(e.getMessage().contains("f16"), e.getMessage());
    }

    @Test
    void aPowerCostChecksItsExponent() {
        for (double p : new double[]{-1, 0, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CostFunction.Power(p));
            assertTrue(e.getMessage().contains("p"), e.getMessage());
        }
        assertEquals(1.5, new CostFunction.Power(1.5).p());
    }
}
