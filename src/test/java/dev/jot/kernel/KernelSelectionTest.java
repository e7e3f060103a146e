package dev.jot.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Which kernels run. The build runs the suite twice: with {@code --add-modules jdk.incubator.vector}
 * and {@code -Djot.test.expectVector=true} (the vector kernels must then be chosen), and without the
 * module and with {@code -Djot.test.expectVector=false} (the scalar kernels must run, and say why).
 */
class KernelSelectionTest {
    private static final String EXPECT = "jot.test.expectVector";

    @Test
    void vectorKernelsAreSelectedWhenExpected() {
        Assumptions.assumeTrue("true".equals(System.getProperty(EXPECT)), EXPECT + " is not true");
        Assumptions.assumeTrue(System.getProperty(Kernels.PROPERTY) == null, "kernels forced by -D" + Kernels.PROPERTY);
        assertEquals("vector", Kernels.defaults().name(),
                () -> "the vector kernels were expected but not selected, because "
                        + Kernels.whyNoVector().orElse("(no reason given)"));
        assertTrue(Kernels.vector().isPresent());
        assertTrue(Kernels.whyNoVector().isEmpty(), () -> "whyNoVector: " + Kernels.whyNoVector());
        assertSame(Kernels.vector().get(), Kernels.byName("vector"));
        assertSame(Kernels.vector().get(), Kernels.byName(" Vector "));
    }

    @Test
    void scalarKernelsRunWithoutTheModuleAndSayWhy() {
        Assumptions.assumeTrue("false".equals(System.getProperty(EXPECT)), EXPECT + " is not false");
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty(),
                "jot.test.expectVector=false, but the test JVM has jdk.incubator.vector in its boot layer");
        assertEquals("scalar", Kernels.defaults().name());
        assertFalse(Kernels.vector().isPresent());
        String why = Kernels.whyNoVector().orElseThrow(() -> new AssertionError("whyNoVector() is empty"));
        assertTrue(why.contains("--add-modules"), "whyNoVector() should say how to enable the fast path: " + why);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kernels.byName("vector"));
        assertTrue(e.getMessage().contains("--add-modules"), e.getMessage());
    }

    @Test
    void byNameRejectsUnknownNamesNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kernels.byName("bogus"));
        assertTrue(e.getMessage().contains("bogus"), e.getMessage());
        assertSame(Kernels.scalar(), Kernels.byName("scalar"));
        assertSame(Kernels.scalar(), Kernels.byName("SCALAR"));
        assertEquals("scalar", Kernels.scalar().name());
    }
}
