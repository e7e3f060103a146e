package dev.jot.testutil;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a JVM of its own on the tests' class path (for tests that a crash or a heap setting must not touch). */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * {@code java <jvmArgs> -cp <the test class path> <main> <args>}, with the running JVM's {@code java}.
     *
     * @param jvmArgs the JVM's options
     * @param main the main class
     * @param args the program's arguments
     * @return the command
     */
    public static List<String> command(List<String> jvmArgs, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
