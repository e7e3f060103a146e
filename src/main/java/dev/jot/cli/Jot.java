package dev.jot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jot} command line: {@code jot solve}, {@code divergence}, {@code pairwise}, {@code emd}, {@code gw}, the
 * closed forms ({@code wasserstein1d}, {@code sliced}, {@code gaussian}), {@code barycenter}, {@code demo} and
 * {@code example}. Bad input, and a device backend that fails ({@link dev.jot.kernel.AcceleratorException}), end with
 * one line on stderr and exit code 2; a successful run exits with 0.
 */
@Command(name = "jot", mixinStandardHelpOptions = true, versionProvider = Jot.Version.class,
        description = "Optimal transport on the JVM: entropic (Sinkhorn) transport between point clouds or histograms.")
public final class Jot implements Runnable {
    /** Exit code for bad input. */
    public static final int BAD_INPUT = 2;

    /**
     * The subcommands, in the order of the usage message. picocli builds a command's model by reflection, about
     * 10 ms a command in a fresh JVM, so a run builds only the one it names (all of them for the usage message,
     * {@code help}, or a name that is not one of these).
     */
    private static final Class<?>[] SUBCOMMANDS = {SolveCommand.class, DivergenceCommand.class, PairwiseCommand.class,
            EmdCommand.class, GwCommand.class, ClosedFormCommands.Wasserstein1d.class, ClosedFormCommands.SlicedCommand.class,
            ClosedFormCommands.Gaussian.class, BarycenterCommand.class, DemoCommand.class, ExampleCommand.class,
            CommandLine.HelpCommand.class};

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The top-level command, as {@link #run(String[], PrintWriter, PrintWriter)} and picocli create it. */
    public Jot() {
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the command line's arguments
     */
    public static void main(String[] args) {
        // the pictures of demo and example need no display: a command-line run never opens a window
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line with the given streams and returns the exit code (for tests).
     *
     * @param args the command line's arguments
     * @param out the standard output stream
     * @param err the error stream, which gets the one line on bad input
     * @return the exit code: 0 on success, {@link #BAD_INPUT} for bad input
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Jot());
        Class<?> only = null;
        for (Class<?> c : SUBCOMMANDS) {
            if (args.length > 0 && c != CommandLine.HelpCommand.class && args[0].equals(c.getAnnotation(Command.class).name())) {
                only = c;
            }
        }
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("jot: " + ex.getMessage() + " (see jot " + subcommandName(ex.getCommandLine()) + "--help)");
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            String msg = userMessage(ex);
            if (msg == null) {
                throw ex;
            }
            err.println("jot: " + msg);
            return BAD_INPUT;
        });
        return cl.execute(args);
    }

    private static String subcommandName(CommandLine cl) {
        return cl.getParent() == null ? "" : cl.getCommandName() + " ";
    }

    /** The one-line message for an exception caused by the user's input, or null for a bug. */
    static String userMessage(Throwable ex) {
        if (ex instanceof UncheckedIOException u) {
            ex = u.getCause();
        }
        if (ex instanceof NoSuchFileException e) {
            return "no such file: " + e.getFile();
        }
        if (ex instanceof AccessDeniedException e) {
            return "cannot read " + e.getFile() + ": permission denied";
        }
        if (ex instanceof IOException e) {
            return "cannot read: " + e.getMessage();
        }
        if (ex instanceof IllegalArgumentException || ex instanceof ArithmeticException
                || ex instanceof dev.jot.kernel.AcceleratorException) {
            return ex.getMessage();
        }
        return null;
    }

    /** Reads the version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Jot.class.getPackage().getImplementationVersion();
            return new String[]{"jot " + (v == null ? "(development build)" : v),
                    "Java " + Runtime.version() + ", kernels: " + dev.jot.kernel.Kernels.defaults().name()};
        }
    }
}
