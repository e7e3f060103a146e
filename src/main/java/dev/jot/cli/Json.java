package dev.jot.cli;

import java.util.Locale;

/** A minimal JSON object writer for the command line's output (field order is kept). */
final class Json {
    private final StringBuilder sb = new StringBuilder("{");
    private boolean first = true;

    private Json key(String k) {
        if (!first) {
            sb.append(", ");
        }
        first = false;
        sb.append('"').append(k).append("\": ");
        return this;
    }

    Json put(String k, double v) {
        key(k);
        // JSON has no NaN or Infinity: write null (the "converged" flag and "status" explain it)
        sb.append(Double.isFinite(v) ? repr(v) : "null");
        return this;
    }

    Json put(String k, long v) {
        key(k).sb.append(v);
        return this;
    }

    Json put(String k, boolean v) {
        key(k).sb.append(v);
        return this;
    }

    Json put(String k, String v) {
        key(k).sb.append(quote(v));
        return this;
    }

    /** Adds a value that is already JSON text. */
    Json raw(String k, String json) {
        key(k).sb.append(json);
        return this;
    }

    static String repr(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return Double.toString(v);
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }

    @Override
    public String toString() {
        return sb + "}";
    }
}
