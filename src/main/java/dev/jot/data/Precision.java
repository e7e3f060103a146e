package dev.jot.data;

import java.lang.foreign.ValueLayout;

/**
 * Floating-point precision of stored numbers and of the kernels that read them.
 *
 * <p>{@link #F32} halves memory traffic and doubles the vector width; {@link #F64} is the accurate
 * choice for small ε or badly scaled costs.
 */
public enum Precision {
    /** IEEE 754 binary32 ({@code float}). */
    F32(ValueLayout.JAVA_FLOAT_UNALIGNED, 4),
    /** IEEE 754 binary64 ({@code double}). */
    F64(ValueLayout.JAVA_DOUBLE_UNALIGNED, 8);

    private final ValueLayout layout;
    private final int bytes;

    Precision(ValueLayout layout, int bytes) {
        this.layout = layout;
        this.bytes = bytes;
    }

    /** {@return the size of one element in bytes} */
    public int bytes() {
        return bytes;
    }

    /** {@return the memory layout of one element (native byte order)} */
    public ValueLayout layout() {
        return layout;
    }

    /**
     * Parses {@code f32}/{@code float32}/{@code float} or {@code f64}/{@code float64}/{@code double}.
     *
     * @param s the spelling (case and surrounding blanks ignored)
     * @return the precision
     * @throws IllegalArgumentException if {@code s} names neither precision
     */
    public static Precision parse(String s) {
        java.util.Objects.requireNonNull(s, "precision");
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "float32", "float" -> F32;
            case "f64", "float64", "double" -> F64;
            default -> throw new IllegalArgumentException("precision must be f32 or f64, got '" + s + "'");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
