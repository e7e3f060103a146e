/**
 * JOT, Java optimal transport: entropic (Sinkhorn) transport, Sinkhorn divergences and their gradients,
 * exact transport and closed forms, Gromov–Wasserstein, Wasserstein barycenters, on the CPU (Vector API kernels where the
 * incubator module is present, scalar kernels otherwise) or on an OpenCL device.
 *
 * <p>The library needs no other module. {@code jdk.incubator.vector} is optional: add it with
 * {@code --add-modules jdk.incubator.vector} for the vector kernels (JOT logs once when it runs without).
 * The command line ({@code dev.jot.cli}, picocli) and the example pictures (XChart, {@code java.desktop})
 * are optional too: their modules are needed only to run them.
 */
module dev.jot {
    requires static jdk.incubator.vector;
    requires static info.picocli;
    requires static org.knowm.xchart;
    requires static java.desktop;

    exports dev.jot;
    exports dev.jot.barycenter;
    exports dev.jot.data;
    exports dev.jot.divergence;
    exports dev.jot.exact;
    exports dev.jot.geometry;
    exports dev.jot.kernel;
    exports dev.jot.kernel.opencl;
    exports dev.jot.pairwise;
    exports dev.jot.sinkhorn;
    exports dev.jot.examples;

    // picocli reads the commands' annotated fields reflectively
    opens dev.jot.cli to info.picocli;
}
