package dev.jot.kernel;

/**
 * A device backend failed while it ran: the TornadoVM runtime could not compile or run a task on its
 * device, or would have run it as sequential Java instead (a bailout). The message is one line, naming
 * the backend; the command line prints it on stderr and exits with code 2.
 */
public class AcceleratorException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given one-line message.
     *
     * @param message what failed, on one line
     */
    public AcceleratorException(String message) {
        super(message);
    }

    /**
     * An exception with the given one-line message and the runtime's own exception as its cause.
     *
     * @param message what failed, on one line
     * @param cause   the runtime's exception (its message may span many lines)
     */
    public AcceleratorException(String message, Throwable cause) {
        super(message, cause);
    }
}
