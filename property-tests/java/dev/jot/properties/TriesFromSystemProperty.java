package dev.jot.properties;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sets the number of tries from the system property {@code jot.test.tries} (for the long run:
 * {@code bin/test -Djot.test.tries=2000}), for every property that does not fix its own count.
 * Without the property, {@code jqwik.tries.default} in {@code junit-platform.properties} applies.
 */
public final class TriesFromSystemProperty implements AroundPropertyHook {
    /** The system property. */
    public static final String PROPERTY = "jot.test.tries";

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        String tries = System.getProperty(PROPERTY);
        if (tries != null && !tries.isBlank() && context.attributes().tries().isEmpty()) {
            int n = Integer.parseInt(tries.strip());
            if (n < 1) {
                throw new IllegalArgumentException(PROPERTY + " must be at least 1, got " + n);
            }
            context.attributes().setTries(n);
        }
        return property.execute();
    }

    @Override
    public int aroundPropertyProximity() {
        // outside jqwik's own hooks, so the tries are set before the property's generation starts
        return -100;
    }
}
