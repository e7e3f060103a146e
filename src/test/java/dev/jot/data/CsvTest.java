package dev.jot.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CsvTest {
    @TempDir
    Path dir;

    // ---- round trips ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"a.csv", "a.csv.gz", "a.txt", "A.CSV"})
    void roundTripF64Rank2IsExact(String name) throws IOException {
        NdArray a = NpyTest.sample(Precision.F64, new long[] {40, 3}, 7);
        Path f = dir.resolve(name);
        DataFiles.write(f, a);
        NdArray b = DataFiles.read(f);
        NpyTest.assertSameBits(a, b);
    }

    @Test
    void roundTripRank1ReadsBackAsColumn() throws IOException {
        NdArray a = NpyTest.sample(Precision.F64, new long[] {25}, 3);
        Path f = dir.resolve("w.csv");
        Csv.write(f, a);
        assertEquals(25, Files.readAllLines(f).size());
        NdArray b = Csv.read(f);
        assertArrayEquals(new long[] {25, 1}, b.shape());
        NpyTest.assertSameBits(a, NdArray.wrap(b.segment(), Precision.F64, 25));
        assertEquals(25, Weights.of(b).size());
    }

    @Test
    void roundTripF32PreservesFloatValues() throws IOException {
        NdArray a = NpyTest.sample(Precision.F32, new long[] {30, 2}, 9);
        Path f = dir.resolve("f.csv");
        Csv.write(f, a);
        NdArray b = Csv.read(f);
        assertEquals(Precision.F64, b.precision());
        assertArrayEquals(a.shape(), b.shape());
        for (long k = 0; k < a.size(); k++) {
            float expected = (float) a.getFlat(k);
            float actual = (float) b.getFlat(k);
            assertTrue(Float.compare(expected, actual) == 0 || Float.isNaN(expected) && Float.isNaN(actual),
                    k + ": " + expected + " vs " + actual);
        }
        // shortest representation: 0.1f is written as 0.1, not 0.10000000149011612
        Csv.write(f, NdArray.of(new float[] {0.1f}, 1));
        assertEquals("0.1\n", Files.readString(f));
    }

    @Test
    void writesRowsAndRejectsRank3() throws IOException {
        Path f = dir.resolve("m.csv");
        Csv.write(f, NdArray.of(new double[] {1, 2.5, -3, 1e-7}, 2, 2));
        assertEquals("1.0,2.5\n-3.0,1.0E-7\n", Files.readString(f));
        Path g = dir.resolve("c.csv");
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Csv.write(g, NdArray.of(new double[8], 2, 2, 2)));
        assertTrue(e.getMessage().startsWith(g + ": CSV holds 1-D or 2-D arrays, got shape [2, 2, 2]"), e.getMessage());
        assertTrue(Files.notExists(g));
        e = assertThrows(DataFormatException.class, () -> Csv.write(g, NdArray.of(new double[0], 3, 0)));
        assertTrue(e.getMessage().contains("no columns"), e.getMessage());
    }

    // ---- reading variants -----------------------------------------------------------------------

    @Test
    void skipsHeaderAndAcceptsSpacesCrlfBomAndTrailingBlankLines() throws IOException {
        String text = "\uFEFFx, y ,weight\r\n 1 , 2.5,3e2\r\n-4,  +5 ,.5\r\n\r\n  \n";
        NdArray a = Csv.read(write("p.csv", text));
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertArrayEquals(new double[] {1, 2.5, 300, -4, 5, 0.5}, a.toDoubleArray());
    }

    @Test
    void headerWithEmptyIndexColumnIsSkipped() throws IOException {
        NdArray a = Csv.read(write("pandas.csv", ",a,b\n0,1.5,2\n1,3,4\n"));
        assertArrayEquals(new double[] {0, 1.5, 2, 1, 3, 4}, a.toDoubleArray());
    }

    @Test
    void firstLineOfNumbersIsData() throws IOException {
        NdArray a = Csv.read(write("n.csv", "1\n2\n3"));
        assertArrayEquals(new long[] {3, 1}, a.shape());
        assertArrayEquals(new double[] {1, 2, 3}, a.toDoubleArray());
    }

    @Test
    void parsesNonFiniteSpellings() throws IOException {
        NdArray a = Csv.read(write("nf.csv", "nan,NaN,inf,-inf,Infinity,-Infinity,+INF,-0.0\n"));
        double[] v = a.toDoubleArray();
        assertTrue(Double.isNaN(v[0]) && Double.isNaN(v[1]));
        assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -0.0},
                java.util.Arrays.copyOfRange(v, 2, 8));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(v[7]));
    }

    @Test
    void readsGzip() throws IOException {
        Path f = dir.resolve("g.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write("a,b\n1,2\n3,4\n".getBytes(StandardCharsets.UTF_8));
        }
        assertArrayEquals(new double[] {1, 2, 3, 4}, DataFiles.read(f).toDoubleArray());
    }

    // ---- errors -------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            1,2,3\\n4,5,6\\n7,8\\n               | line 3 has 2 values, line 1 has 3
            x,y\\n1,2\\n3,4,5\\n                 | line 3 has 3 values, line 2 has 2
            x,y\\n1,2\\n3,abc\\n                 | line 3, field 2: 'abc' is not a number
            1,2\\n3,4 5\\n                       | line 2, field 2: '4 5' is not a number
            1,2\\n3,1d\\n                        | line 2, field 2: '1d' is not a number
            1,2\\n0x1p3,1\\n                     | line 2, field 1: '0x1p3' is not a number
            1,,3\\n                             | line 1, field 2 is empty
            1,2\\n3,4,\\n                        | line 2 has 3 values, line 1 has 2
            1,2\\n3,\\n                          | line 2, field 2 is empty
            1,2\\n\\n3,4\\n                       | line 2 is blank (blank lines are allowed only at the end)
            ""                                 | no data rows
            \\n\\n                               | no data rows
            x,y,z\\n                            | no data rows
            """)
    void malformedFilesNameFileAndLine(String content, String expected) throws IOException {
        Path f = write("y.csv", content.replace("\\n", "\n"));
        DataFormatException e = assertThrows(DataFormatException.class, () -> Csv.read(f));
        assertEquals(f + ": " + expected, e.getMessage());
    }

    @Test
    void raggedMessageMatchesDocumentedForm() throws IOException {
        Path f = Path.of(dir.toString(), "y.csv");
        Files.writeString(f, "1,2,3\n4,5,6\n7,8\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> Csv.read(f));
        assertTrue(e.getMessage().endsWith("y.csv: line 3 has 2 values, line 1 has 3"), e.getMessage());
    }

    @Test
    void corruptGzipIsAFormatError() throws IOException {
        Path f = write("bad.csv.gz", "1,2\n3,4\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> Csv.read(f));
        assertTrue(e.getMessage().startsWith(f + ": not a valid gzip file"), e.getMessage());
        Path empty = write("empty.csv.gz", "");
        assertThrows(DataFormatException.class, () -> Csv.read(empty));
    }

    @Test
    void missingFileIsAnIoExceptionNamingTheFile() {
        Path f = dir.resolve("absent.csv");
        IOException e = assertThrows(NoSuchFileException.class, () -> DataFiles.read(f));
        assertTrue(e.getMessage().contains("absent.csv"), e.getMessage());
    }

    // ---- dispatch -----------------------------------------------------------------------------

    @Test
    void unknownExtensionIsRejectedBeforeTouchingTheFile() {
        DataFormatException e = assertThrows(DataFormatException.class, () -> DataFiles.read(Path.of("x.dat")));
        assertEquals("x.dat: unknown file type (use .npy or .csv)", e.getMessage());
        Path out = dir.resolve("out.json");
        e = assertThrows(DataFormatException.class, () -> DataFiles.write(out, NdArray.of(new double[] {1}, 1)));
        assertEquals(out + ": unknown file type (use .npy or .csv)", e.getMessage());
        assertTrue(Files.notExists(out));
    }

    @Test
    void dispatchUsesContentReaderOfTheExtension() throws IOException {
        // a .npy file named .csv is read as text, and fails as CSV, not as .npy
        Path npy = dir.resolve("a.npy");
        Npy.write(npy, NdArray.of(new double[] {1, 2}, 2));
        Path disguised = Files.copy(npy, dir.resolve("a.csv"));
        assertThrows(DataFormatException.class, () -> DataFiles.read(disguised));
        assertArrayEquals(new double[] {1, 2}, DataFiles.read(npy).toDoubleArray());
        Path csv = write("b.npy", "1,2\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> DataFiles.read(csv));
        assertTrue(e.getMessage().contains("wrong magic"), e.getMessage());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
