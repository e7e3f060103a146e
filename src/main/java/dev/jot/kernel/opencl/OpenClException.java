package dev.jot.kernel.opencl;

/** An OpenCL call failed, or no OpenCL device is present; the message names the call and the error. */
public final class OpenClException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message the failed call and its error, or why no device is present
     */
    public OpenClException(String message) {
        super(message);
    }
}
