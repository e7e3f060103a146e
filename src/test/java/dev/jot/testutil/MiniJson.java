package dev.jot.testutil;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny JSON parser for the tests: objects become {@code LinkedHashMap<String, Object>}, arrays
 * {@code List<Object>}, strings {@code String}, numbers {@code Double}, {@code true}/{@code false}
 * {@code Boolean} and {@code null} {@code null}. Strict enough to reject malformed output.
 */
public final class MiniJson {
    private final String s;
    private int pos;

    private MiniJson(String s) {
        this.s = s;
    }

    /** Parses one JSON value; anything but white space after it is an error. */
    public static Object parse(String text) {
        MiniJson p = new MiniJson(text);
        Object v = p.value();
        p.skip();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the value");
        }
        return v;
    }

    /** Parses a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("not a JSON object: " + text);
        }
        return (Map<String, Object>) v;
    }

    private Object value() {
        skip();
        if (pos >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{': {
                pos++;
                Map<String, Object> map = new LinkedHashMap<>();
                skip();
                if (peekIs('}')) {
                    pos++;
                    return map;
                }
                while (true) {
                    skip();
                    if (!peekIs('"')) {
                        throw error("expected a string key");
                    }
                    String key = string();
                    skip();
                    expect(':');
                    if (map.put(key, value()) != null) {
                        throw error("duplicate key " + key);
                    }
                    skip();
                    if (peekIs(',')) {
                        pos++;
                    } else {
                        expect('}');
                        return map;
                    }
                }
            }
            case '[': {
                pos++;
                List<Object> list = new ArrayList<>();
                skip();
                if (peekIs(']')) {
                    pos++;
                    return list;
                }
                while (true) {
                    list.add(value());
                    skip();
                    if (peekIs(',')) {
                        pos++;
                    } else {
                        expect(']');
                        return list;
                    }
                }
            }
            case '"':
                return string();
            default:
                if (s.startsWith("true", pos)) {
                    pos += 4;
                    return Boolean.TRUE;
                }
                if (s.startsWith("false", pos)) {
                    pos += 5;
                    return Boolean.FALSE;
                }
                if (s.startsWith("null", pos)) {
                    pos += 4;
                    return null;
                }
                int start = pos;
                while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                    pos++;
                }
                if (start == pos) {
                    throw error("unexpected character '" + c + "'");
                }
                try {
                    return Double.parseDouble(s.substring(start, pos));
                } catch (NumberFormatException e) {
                    throw error("bad number " + s.substring(start, pos));
                }
        }
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("control character in string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private boolean peekIs(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private void expect(char c) {
        if (!peekIs(c)) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private void skip() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("JSON: " + what + " at position " + pos);
    }
}
