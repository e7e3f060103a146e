package dev.jot.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes NumPy {@code .npy} files holding little-endian f32 or f64 arrays of rank 1 to 3
 * in C order.
 *
 * <p>{@link #read} accepts format versions 1.0, 2.0 and 3.0 and memory-maps the data section, so
 * large arrays are not copied onto the heap. Every header value is checked against the file size
 * before anything is mapped: a malformed or hostile file gives a {@link DataFormatException}, never
 * an {@link OutOfMemoryError}. {@link #write} writes version 1.0 files, with the data aligned to
 * 64 bytes as NumPy does.
 *
 * <p>Thread-safe: reading and writing different files from several threads is safe; the arrays read share nothing with other calls.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Headers are about a hundred bytes; NumPy itself refuses more than 10 000 by default. */
    private static final int MAX_HEADER = 1 << 16;
    private static final int ALIGN = 64;
    private static final long CHUNK = 1 << 24;

    private Npy() {
    }

    /**
     * Reads a {@code .npy} file. The returned array is a read-only memory map of the file's data
     * section (a copy only on a big-endian machine).
     *
     * @param file the file to read
     * @return the array, with the file's shape and precision ({@code <f4} → f32, {@code <f8} → f64)
     * @throws IOException         if the file cannot be opened or read (the message names the file)
     * @throws DataFormatException if the file is not a supported {@code .npy} file: bad magic or
     *                             version, truncated or malformed header, a dtype other than
     *                             {@code <f4}/{@code <f8}, Fortran order, rank 0 or above 3, a
     *                             negative or overflowing shape, or a data section whose size does
     *                             not match the shape
     */
    public static NdArray read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer pre = readAt(ch, 0, (int) Math.min(size, 12));
            int n = Math.min(pre.remaining(), MAGIC.length);
            if (!pre.slice(0, n).equals(ByteBuffer.wrap(MAGIC, 0, n))) {
                throw new DataFormatException(file, "not a .npy file (wrong magic bytes; expected \\x93NUMPY)");
            }
            if (pre.remaining() < 8) {
                throw new DataFormatException(file, "truncated header: file has only " + size + " bytes");
            }
            int major = pre.get(6) & 0xFF;
            int minor = pre.get(7) & 0xFF;
            if (major < 1 || major > 3 || minor != 0) {
                throw new DataFormatException(file, "unsupported .npy version " + major + "." + minor
                        + " (need 1.0, 2.0 or 3.0)");
            }
            int prefix = major == 1 ? 10 : 12;
            if (size < prefix) {
                throw new DataFormatException(file, "truncated header: file has only " + size + " bytes");
            }
            pre.order(ByteOrder.LITTLE_ENDIAN);
            long headerLen = major == 1 ? pre.getShort(8) & 0xFFFF : pre.getInt(8) & 0xFFFFFFFFL;
            if (headerLen > size - prefix) {
                throw new DataFormatException(file, "truncated header: header length is " + headerLen
                        + " bytes but only " + (size - prefix) + " follow");
            }
            if (headerLen > MAX_HEADER) {
                throw new DataFormatException(file, "header of " + headerLen + " bytes is too large (limit "
                        + MAX_HEADER + ")");
            }
            Charset cs = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
            String header = cs.decode(readAt(ch, prefix, (int) headerLen)).toString();
            Header h = Header.parse(file, header);

            long dataOffset = prefix + headerLen;
            long count = 1;
            long bytes;
            try {
                for (long s : h.shape) {
                    count = Math.multiplyExact(count, s);
                }
                bytes = Math.multiplyExact(count, (long) h.precision.bytes());
            } catch (ArithmeticException e) {
                throw new DataFormatException(file, "shape " + h.shapeText + " is too large: its byte size overflows a long");
            }
            long present = size - dataOffset;
            if (present != bytes) {
                throw new DataFormatException(file, "data section has " + present + " bytes but shape "
                        + h.shapeText + " of '" + h.descr + "' needs " + bytes
                        + (present < bytes ? " (file truncated)" : " (trailing bytes after the data)"));
            }
            MemorySegment data = bytes == 0
                    ? Arena.ofAuto().allocate(0)
                    : ch.map(MapMode.READ_ONLY, dataOffset, bytes, Arena.ofAuto());
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                data = swapped(data, h.precision);
            }
            return NdArray.wrap(data, h.precision, h.shape);
        }
    }

    /**
     * Writes an array as a version 1.0 {@code .npy} file ({@code <f4} or {@code <f8}, C order),
     * replacing the file if it exists. The data is streamed from the array's segment, not copied
     * onto the heap.
     *
     * @param file  the file to write
     * @param array the array to write
     * @throws IOException if the file cannot be written (the message names the file)
     */
    public static void write(Path file, NdArray array) throws IOException {
        String descr = array.precision() == Precision.F32 ? "<f4" : "<f8";
        StringBuilder dict = new StringBuilder()
                .append("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': ")
                .append(shapeText(array.shape())).append(", }");
        int unpadded = MAGIC.length + 4 + dict.length() + 1;
        dict.repeat(' ', (ALIGN - unpadded % ALIGN) % ALIGN).append('\n');
        byte[] header = dict.toString().getBytes(StandardCharsets.ISO_8859_1);

        ByteBuffer pre = ByteBuffer.allocate(MAGIC.length + 4 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        pre.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length).put(header).flip();

        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, pre);
            MemorySegment seg = array.segment();
            boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
            for (long off = 0; off < seg.byteSize(); off += CHUNK) {
                MemorySegment chunk = seg.asSlice(off, Math.min(CHUNK, seg.byteSize() - off));
                writeFully(ch, little ? chunk.asByteBuffer() : swapped(chunk, array.precision()).asByteBuffer());
            }
        }
    }

    /** Python's repr of a shape tuple: {@code (5,)}, {@code (2, 3)}. */
    static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int k = 0; k < shape.length; k++) {
            sb.append(k > 0 ? ", " : "").append(shape[k]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** A copy of {@code seg} with every element's byte order reversed. */
    private static MemorySegment swapped(MemorySegment seg, Precision p) {
        ValueLayout le = p.layout().withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout be = p.layout().withOrder(ByteOrder.BIG_ENDIAN);
        MemorySegment out = Arena.ofAuto().allocate(seg.byteSize(), 8);
        MemorySegment.copy(seg, le, 0, out, be, 0, seg.byteSize() / p.bytes());
        return out;
    }

    private static ByteBuffer readAt(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                break;
            }
        }
        return buf.flip();
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** The validated header dict. */
    private record Header(String descr, Precision precision, long[] shape, String shapeText) {

        static Header parse(Path file, String text) {
            Map<String, Object> dict = new Literal(file, text).dict();
            for (String key : dict.keySet()) {
                if (!List.of("descr", "fortran_order", "shape").contains(key)) {
                    throw new DataFormatException(file, "unexpected key '" + key + "' in header " + quote(text));
                }
            }
            for (String key : List.of("descr", "fortran_order", "shape")) {
                if (!dict.containsKey(key)) {
                    throw new DataFormatException(file, "header has no '" + key + "' entry: " + quote(text));
                }
            }
            Object descr = dict.get("descr");
            Precision precision = switch (descr instanceof String s ? s : "") {
                case "<f4", "=f4" -> Precision.F32;
                case "<f8", "=f8" -> Precision.F64;
                default -> throw new DataFormatException(file, "unsupported dtype " + Literal.repr(descr)
                        + " (need '<f4' or '<f8')");
            };
            Object fortran = dict.get("fortran_order");
            if (!Boolean.FALSE.equals(fortran)) {
                throw new DataFormatException(file, Boolean.TRUE.equals(fortran)
                        ? "Fortran-order arrays are not supported (fortran_order is True; save in C order)"
                        : "fortran_order must be True or False, got " + Literal.repr(fortran));
            }
            Object shapeValue = dict.get("shape");
            String shapeText = Literal.repr(shapeValue);
            if (!(shapeValue instanceof Seq(List<Object> dims, _))) {
                throw new DataFormatException(file, "shape must be a tuple, got " + shapeText);
            }
            if (dims.isEmpty()) {
                throw new DataFormatException(file, "0-D arrays are not supported (shape ())");
            }
            if (dims.size() > 3) {
                throw new DataFormatException(file, "arrays of rank " + dims.size()
                        + " are not supported (shape " + shapeText + "; need rank 1, 2 or 3)");
            }
            long[] shape = new long[dims.size()];
            for (int k = 0; k < shape.length; k++) {
                if (!(dims.get(k) instanceof BigInteger d)) {
                    throw new DataFormatException(file, "shape entries must be integers, got " + shapeText);
                }
                if (d.signum() < 0) {
                    throw new DataFormatException(file, "negative dimension " + d + " in shape " + shapeText);
                }
                if (d.bitLength() > 63) {
                    throw new DataFormatException(file, "shape " + shapeText
                            + " is too large: its byte size overflows a long");
                }
                shape[k] = d.longValue();
            }
            return new Header((String) descr, precision, shape, shapeText);
        }
    }

    /** A parsed Python tuple ({@code tuple} true) or list. */
    private record Seq(List<Object> items, boolean tuple) {
    }

    private static String quote(String header) {
        String t = header.strip();
        return '"' + (t.length() > 200 ? t.substring(0, 200) + "..." : t) + '"';
    }

    /**
     * A parser for the Python literals that appear in {@code .npy} headers: a dict with string keys
     * whose values are strings, {@code True}/{@code False}/{@code None}, integers, and tuples or
     * lists of these. Integers become {@link BigInteger}s, tuples and lists {@link Seq}s.
     */
    private static final class Literal {
        private static final int MAX_DEPTH = 8;
        private final Path file;
        private final String text;
        private int pos;
        private int depth;

        Literal(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        Map<String, Object> dict() {
            expect('{');
            Map<String, Object> map = new LinkedHashMap<>();
            while (peek() != '}') {
                Object key = value();
                if (!(key instanceof String k)) {
                    throw error("dict key must be a string, got " + repr(key));
                }
                expect(':');
                if (map.put(k, value()) != null) {
                    throw error("duplicate key '" + k + "'");
                }
                if (peek() != '}') {
                    expect(',');
                }
            }
            pos++;
            if (peek() != 0) {
                throw error("unexpected text after the closing '}'");
            }
            return map;
        }

        private Object value() {
            char c = peek();
            if (c == '\'' || c == '"') {
                int end = text.indexOf(c, pos + 1);
                if (end < 0) {
                    throw error("unterminated string");
                }
                String s = text.substring(pos + 1, end);
                pos = end + 1;
                return s;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                if (++depth > MAX_DEPTH) {
                    throw error("nesting deeper than " + MAX_DEPTH);
                }
                pos++;
                List<Object> items = new ArrayList<>();
                while (peek() != close) {
                    items.add(value());
                    if (peek() != close) {
                        expect(',');
                    }
                }
                pos++;
                depth--;
                return new Seq(items, c == '(');
            }
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos))
                    || text.charAt(pos) == '-' || text.charAt(pos) == '+' || text.charAt(pos) == '_')) {
                pos++;
            }
            String word = text.substring(start, pos);
            return switch (word) {
                case "True" -> Boolean.TRUE;
                case "False" -> Boolean.FALSE;
                case "None" -> Literal.NONE;
                default -> {
                    try {
                        // Python 2 wrote long integers with an 'L' suffix.
                        yield new BigInteger(word.endsWith("L") ? word.substring(0, word.length() - 1) : word);
                    } catch (NumberFormatException e) {
                        pos = start;
                        throw error(word.isEmpty() ? "unexpected '" + c + "'" : "unexpected '" + word + "'");
                    }
                }
            };
        }

        private static final Object NONE = new Object() {
            @Override
            public String toString() {
                return "None";
            }
        };

        /** Skips white space and returns the next character, or 0 at the end. */
        private char peek() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            return pos < text.length() ? text.charAt(pos) : 0;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private DataFormatException error(String what) {
            return new DataFormatException(file, "malformed header: " + what + " at position " + pos
                    + " in " + quote(text));
        }

        /** Python's repr of a parsed value, for messages. */
        static String repr(Object v) {
            if (v instanceof String s) {
                return "'" + s + "'";
            }
            if (v instanceof Boolean b) {
                return b ? "True" : "False";
            }
            if (v instanceof Seq(List<Object> items, boolean tuple)) {
                StringBuilder sb = new StringBuilder(tuple ? "(" : "[");
                for (int k = 0; k < items.size(); k++) {
                    sb.append(k > 0 ? ", " : "").append(repr(items.get(k)));
                }
                return sb.append(tuple ? (items.size() == 1 ? ",)" : ")") : "]").toString();
            }
            return String.valueOf(v);
        }
    }
}
