package dev.jot.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NpyTest {
    @TempDir
    Path dir;

    // ---- round trips ----------------------------------------------------------------------------

    static Stream<Arguments> shapes() {
        long[][] shapes = {{7}, {0}, {1}, {3, 4}, {0, 3}, {3, 0}, {1, 1}, {2, 3, 4}, {2, 0, 4}, {5, 1, 3}};
        return Stream.of(Precision.values())
                .flatMap(p -> Stream.of(shapes).map(s -> Arguments.of(p, s)));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void roundTripPreservesShapePrecisionAndBits(Precision p, long[] shape) throws IOException {
        NdArray a = sample(p, shape, 42);
        Path f = dir.resolve("a.npy");
        Npy.write(f, a);
        NdArray b = Npy.read(f);
        assertEquals(p, b.precision());
        assertArrayEquals(shape, b.shape());
        assertSameBits(a, b);
        // data starts at a multiple of 64, and nothing follows it
        long dataStart = Files.size(f) - a.size() * p.bytes();
        assertEquals(0, dataStart % 64, "data offset " + dataStart);
        assertEquals('\n', Files.readAllBytes(f)[(int) dataStart - 1]);
    }

    @Test
    void roundTripViaDataFiles() throws IOException {
        NdArray a = sample(Precision.F64, new long[] {4, 2}, 1);
        Path f = dir.resolve("UPPER.NPY");
        DataFiles.write(f, a);
        assertSameBits(a, DataFiles.read(f));
    }

    @Test
    void writeReplacesLongerFile() throws IOException {
        Path f = dir.resolve("a.npy");
        Files.write(f, new byte[10_000]);
        NdArray a = NdArray.of(new double[] {1, 2}, 2);
        Npy.write(f, a);
        assertEquals(128 + 16, Files.size(f));
        assertSameBits(a, Npy.read(f));
    }

    @Test
    void writerOutputIsByteIdenticalToNumpy() throws Exception {
        for (String name : new String[] {"f4_3d.npy", "empty_0x3.npy"}) {
            Path numpy = fixture(name);
            Path ours = dir.resolve(name);
            Npy.write(ours, Npy.read(numpy));
            assertArrayEquals(Files.readAllBytes(numpy), Files.readAllBytes(ours), name);
        }
        Path ours = dir.resolve("v.npy");
        Npy.write(ours, NdArray.of(new double[] {1, 2, 3}, 3));
        String header = new String(Files.readAllBytes(ours), 0, 128, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("\u0093NUMPY\u0001\u0000v\u0000{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }   "),
                header);
    }

    // ---- files written by NumPy -------------------------------------------------------------------

    @Test
    void readsNumpyReferenceData() throws IOException {
        String ref = dev.jot.testutil.Reference.dir().toString();
        NdArray x = Npy.read(Path.of(ref, "uniform_2d_x.npy"));
        assertEquals(Precision.F64, x.precision());
        assertArrayEquals(new long[] {200, 2}, x.shape());
        assertEquals(-1, x.firstNonFinite());
        Points points = Points.of(x);
        assertEquals(200, points.n());
        NdArray a = Npy.read(Path.of(ref, "uniform_2d_a.npy"));
        assertArrayEquals(new long[] {200}, a.shape());
        assertEquals(1.0, Weights.of(a).sum(), 1e-12);
        // the mapping is a view of the file's data section
        byte[] raw = Files.readAllBytes(Path.of(ref, "uniform_2d_a.npy"));
        long lastBits = ByteBuffer.wrap(raw, raw.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(lastBits, Double.doubleToRawLongBits(a.getFlat(199)));
    }

    @Test
    void readsNumpyVersion2And3AndF32AndEmpty() throws Exception {
        NdArray v2 = Npy.read(fixture("v2_f4.npy"));
        assertEquals(Precision.F32, v2.precision());
        assertArrayEquals(new long[] {2, 3}, v2.shape());
        assertArrayEquals(new double[] {-1, -0.5, 0, 0.5, 1, 1.5}, v2.toDoubleArray());

        NdArray v3 = Npy.read(fixture("v3_f8.npy"));
        assertEquals(Precision.F64, v3.precision());
        assertArrayEquals(new double[] {0.1, -2.5, 1e300, Double.MIN_VALUE}, v3.toDoubleArray());

        NdArray cube = Npy.read(fixture("f4_3d.npy"));
        assertArrayEquals(new long[] {2, 3, 4}, cube.shape());
        for (int k = 0; k < 24; k++) {
            assertEquals((float) k / 3f, (float) cube.getFlat(k));
        }

        NdArray empty = Npy.read(fixture("empty_0x3.npy"));
        assertArrayEquals(new long[] {0, 3}, empty.shape());
        assertEquals(0, empty.segment().byteSize());
    }

    static Stream<Arguments> numpyRejects() {
        return Stream.of(
                Arguments.of("be_f8.npy", "unsupported dtype '>f8'"),
                Arguments.of("i4.npy", "unsupported dtype '<i4' (need '<f4' or '<f8')"),
                Arguments.of("c16.npy", "unsupported dtype '<c16'"),
                Arguments.of("f2.npy", "unsupported dtype '<f2'"),
                Arguments.of("object.npy", "unsupported dtype '|O'"),
                Arguments.of("structured.npy", "unsupported dtype [('a', '<f4'), ('b', '<f8')]"),
                Arguments.of("fortran.npy", "Fortran-order arrays are not supported"),
                Arguments.of("scalar.npy", "0-D arrays are not supported"),
                Arguments.of("rank4.npy", "rank 4 are not supported (shape (1, 1, 1, 2)"));
    }

    @ParameterizedTest
    @MethodSource("numpyRejects")
    void rejectsUnsupportedNumpyFiles(String name, String expected) throws Exception {
        Path f = fixture(name);
        DataFormatException e = assertThrows(DataFormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(f, e.file());
    }

    // ---- hand-made headers --------------------------------------------------------------------

    static Stream<Arguments> acceptedHeaders() {
        return Stream.of(
                Arguments.of(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", Precision.F64, new long[] {2, 3}),
                Arguments.of(1, "{'descr':'<f8','fortran_order':False,'shape':(2,3)}", Precision.F64, new long[] {2, 3}),
                Arguments.of(1, "  {  'shape' : ( 6 , ) ,\t'fortran_order' : False , 'descr' : '<f8' , }  \n", Precision.F64, new long[] {6}),
                Arguments.of(1, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (3, 4)}", Precision.F32, new long[] {3, 4}),
                Arguments.of(1, "{'descr': '=f8', 'fortran_order': False, 'shape': (6L,), }", Precision.F64, new long[] {6}),
                Arguments.of(1, "{'descr': '=f4', 'fortran_order': False, 'shape': [1, 2, 6], }", Precision.F32, new long[] {1, 2, 6}),
                Arguments.of(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 6), }      \n", Precision.F32, new long[] {2, 6}),
                Arguments.of(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }   \n", Precision.F64, new long[] {3, 2}));
    }

    @ParameterizedTest
    @MethodSource("acceptedHeaders")
    void acceptsHeaderVariants(int version, String header, Precision p, long[] shape) throws IOException {
        int count = 1;
        for (long s : shape) {
            count *= (int) s;
        }
        ByteBuffer data = ByteBuffer.allocate(count * p.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < count; k++) {
            if (p == Precision.F32) {
                data.putFloat(k + 0.25f);
            } else {
                data.putDouble(k - 0.125);
            }
        }
        Path f = write("h.npy", npy(version, header, data.array()));
        NdArray a = Npy.read(f);
        assertEquals(p, a.precision());
        assertArrayEquals(shape, a.shape());
        for (int k = 0; k < count; k++) {
            assertEquals(p == Precision.F32 ? k + 0.25 : k - 0.125, a.getFlat(k));
        }
    }

    static Stream<Arguments> rejectedHeaders() {
        String f8 = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }";
        return Stream.of(
                Arguments.of(String.format(f8, "(-1, 2)"), 0, "negative dimension -1 in shape (-1, 2)"),
                Arguments.of(String.format(f8, "(4611686018427387904, 4)"), 0, "shape (4611686018427387904, 4) is too large"),
                Arguments.of(String.format(f8, "(99999999999999999999999,)"), 0, "shape (99999999999999999999999,) is too large"),
                Arguments.of(String.format(f8, "(1000000000, 1000)"), 16, "data section has 16 bytes but shape (1000000000, 1000) of '<f8' needs 8000000000000"),
                Arguments.of(String.format(f8, "(3,)"), 16, "data section has 16 bytes but shape (3,) of '<f8' needs 24 (file truncated)"),
                Arguments.of(String.format(f8, "(3,)"), 32, "data section has 32 bytes but shape (3,) of '<f8' needs 24 (trailing bytes"),
                Arguments.of(String.format(f8, "()"), 8, "0-D arrays are not supported"),
                Arguments.of(String.format(f8, "(1, 2, 3, 4, 5)"), 0, "rank 5"),
                Arguments.of(String.format(f8, "(2.5,)"), 0, "malformed header: expected ','"),
                Arguments.of(String.format(f8, "('2',)"), 0, "shape entries must be integers, got ('2',)"),
                Arguments.of(String.format(f8, "5"), 0, "shape must be a tuple, got 5"),
                Arguments.of("{'descr': '|f8', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported dtype '|f8'"),
                Arguments.of("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, "unsupported dtype '>f4'"),
                Arguments.of("{'descr': 'float64', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported dtype 'float64'"),
                Arguments.of("{'descr': '\u00e9', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported dtype '\u00e9'"),
                Arguments.of("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", 16, "fortran_order is True"),
                Arguments.of("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", 16, "fortran_order must be True or False, got 0"),
                Arguments.of("{'descr': '<f8', 'shape': (2,), }", 16, "header has no 'fortran_order' entry"),
                Arguments.of("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 16, "unexpected key 'extra'"),
                Arguments.of("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", 16, "duplicate key 'descr'"),
                Arguments.of("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)", 16, "malformed header: expected ','"),
                Arguments.of("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x", 16, "unexpected text after the closing '}'"),
                Arguments.of("{'descr: '<f8'}", 16, "malformed header"),
                Arguments.of("['descr', '<f8']", 16, "malformed header: expected '{'"),
                Arguments.of("{'descr': '<f8', 'fortran_order': False, 'shape': ((((((((((2,),),),),),),),),),)}", 16, "nesting deeper"),
                Arguments.of("", 0, "malformed header: expected '{'"));
    }

    @ParameterizedTest
    @MethodSource("rejectedHeaders")
    void rejectsMalformedHeaders(String header, int dataBytes, String expected) throws IOException {
        Path f = write("bad.npy", npy(1, header, new byte[dataBytes]));
        assertRejected(f, expected);
    }

    @Test
    void rejectsBadMagicVersionAndTruncation() throws IOException {
        byte[] good = npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new byte[8]);

        byte[] magic = good.clone();
        magic[1] = 'X';
        assertRejected(write("magic.npy", magic), "not a .npy file (wrong magic bytes");
        assertRejected(write("text.npy", "1,2,3\n".getBytes(StandardCharsets.US_ASCII)), "wrong magic bytes");

        byte[] version = good.clone();
        version[6] = 4;
        assertRejected(write("v4.npy", version), "unsupported .npy version 4.0");
        version[6] = 1;
        version[7] = 1;
        assertRejected(write("v11.npy", version), "unsupported .npy version 1.1");

        assertRejected(write("empty.npy", new byte[0]), "truncated header: file has only 0 bytes");
        byte[] seven = java.util.Arrays.copyOf(good, 7);
        assertRejected(write("seven.npy", seven), "truncated header: file has only 7 bytes");
        byte[] nine = java.util.Arrays.copyOf(good, 9);
        assertRejected(write("nine.npy", nine), "truncated header: file has only 9 bytes");
        byte[] cut = java.util.Arrays.copyOf(good, 60);
        assertRejected(write("cut.npy", cut), "truncated header: header length is " + (good.length - 18)
                + " bytes but only 50 follow");

        // a version 2.0 header claiming 4 GiB of header: rejected from the file size, nothing allocated
        byte[] huge = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, -1, -1, -1, -1, '{', '}'};
        assertRejected(write("huge.npy", huge), "header length is 4294967295 bytes but only 2 follow");
    }

    @Test
    void missingFileIsAnIoExceptionNamingTheFile() {
        Path f = dir.resolve("absent.npy");
        IOException e = assertThrows(NoSuchFileException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains("absent.npy"), e.getMessage());
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static void assertRejected(Path f, String expected) {
        DataFormatException e = assertThrows(DataFormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    /** A .npy file with the given version, header text (as is, no padding) and data bytes. */
    static byte[] npy(int version, String header, byte[] data) {
        byte[] h = header.getBytes(version == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int prefix = version == 1 ? 10 : 12;
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path fixture(String name) throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream("/npy/" + name)) {
            assertTrue(in != null, "missing test resource npy/" + name);
            return write(name, in.readAllBytes());
        }
    }

    /** Random values of the given shape, with special values sprinkled in. */
    static NdArray sample(Precision p, long[] shape, long seed) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        Random rnd = new Random(seed);
        double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MIN_VALUE, Double.MAX_VALUE, 0.1, -1e-300};
        double[] d = new double[n];
        float[] f = new float[n];
        for (int k = 0; k < n; k++) {
            d[k] = k < special.length ? special[k] : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(20) - 10);
            f[k] = k < special.length && k != 5 ? (float) special[k] : Float.intBitsToFloat(rnd.nextInt());
        }
        return p == Precision.F64 ? NdArray.of(d, shape) : NdArray.of(f, shape);
    }

    static void assertSameBits(NdArray a, NdArray b) {
        assertEquals(a.precision(), b.precision());
        assertArrayEquals(a.shape(), b.shape());
        for (long k = 0; k < a.size(); k++) {
            if (a.precision() == Precision.F64) {
                assertEquals(a.segment().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, k),
                        b.segment().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, k), "element " + k);
            } else {
                assertEquals(a.segment().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, k),
                        b.segment().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, k), "element " + k);
            }
        }
    }
}
