package dev.jot.pairwise;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The side file of a restartable pairwise run: a header (a magic word, the run's fingerprint, the matrix's
 * shape and block side) followed by one record per finished block, appended and forced to disk before the
 * next one is counted as done. A record is (kind, index, count, not converged, largest iteration count,
 * count values in f64, checksum); a kill in the middle of a record leaves a tail whose checksum fails or
 * which is short, and reopening the file cuts that tail off, so only whole blocks are ever read back.
 */
final class BlockFile implements AutoCloseable {
    private static final long MAGIC = 0x314941505f544f4aL; // "JOT_PAI1", little-endian
    private static final int HEADER = 8 * 5;
    /** A record's fixed part: kind, index, count, not converged, iterations (ints), then the checksum (long). */
    private static final int RECORD_HEAD = 4 * 5;

    /** One finished block as read back from the file. */
    record Block(int kind, int index, double[] values, int notConverged, int maxIterations) {
    }

    private final FileChannel channel;
    private final List<Block> existing;

    private BlockFile(FileChannel channel, List<Block> existing) {
        this.channel = channel;
        this.existing = existing;
    }

    /**
     * Opens the side file: a new one (refusing to overwrite a file already there unless {@code resume}), or with
     * {@code resume} an existing one whose header must match.
     */
    static BlockFile open(Path file, long fingerprint, int rows, int cols, int side, boolean resume) throws IOException {
        if (Files.exists(file) && !resume) {
            throw new IllegalArgumentException(file + " exists (the blocks of an interrupted run): pass --resume to finish "
                    + "that run, or delete the file to start again");
        }
        if (!resume || !Files.exists(file)) {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putLong(MAGIC).putLong(fingerprint).putLong(rows).putLong(cols).putLong(side).flip();
            writeFully(ch, h);
            ch.force(true);
            return new BlockFile(ch, List.of());
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            long size = ch.size();
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            if (size < HEADER || readFully(ch, h, 0) < HEADER || h.getLong(0) != MAGIC) {
                throw new IllegalArgumentException(file + " is not the side file of a jot pairwise run; delete it to start again");
            }
            if (h.getLong(8) != fingerprint || h.getLong(16) != rows || h.getLong(24) != cols || h.getLong(32) != side) {
                throw new IllegalArgumentException(file + " belongs to a run with other inputs or settings ("
                        + h.getLong(16) + " x " + h.getLong(24) + " blocks of " + h.getLong(32)
                        + "); rerun with that run's arguments, or delete the file to start again");
            }
            List<Block> blocks = new ArrayList<>();
            long pos = HEADER;
            ByteBuffer head = ByteBuffer.allocate(RECORD_HEAD).order(ByteOrder.LITTLE_ENDIAN);
            while (pos + RECORD_HEAD + 8 <= size) {
                head.clear();
                if (readFully(ch, head, pos) < RECORD_HEAD) {
                    break;
                }
                int kind = head.getInt(0), index = head.getInt(4), count = head.getInt(8);
                if (count < 0 || pos + RECORD_HEAD + 8L * count + 8 > size) {
                    break;
                }
                ByteBuffer body = ByteBuffer.allocate(8 * count + 8).order(ByteOrder.LITTLE_ENDIAN);
                if (readFully(ch, body, pos + RECORD_HEAD) < body.capacity()) {
                    break;
                }
                long sum = checksum(head, body, 8 * count);
                if (sum != body.getLong(8 * count)) {
                    break;
                }
                double[] v = new double[count];
                body.rewind().asDoubleBuffer().get(0, v);
                blocks.add(new Block(kind, index, v, head.getInt(12), head.getInt(16)));
                pos += RECORD_HEAD + 8L * count + 8;
            }
            ch.truncate(pos); // a torn last record, if any
            ch.position(pos);
            return new BlockFile(ch, List.copyOf(blocks));
        } catch (RuntimeException | IOException e) {
            ch.close();
            throw e;
        }
    }

    /** {@return the whole blocks the file held when it was opened} */
    List<Block> existing() {
        return existing;
    }

    /** Appends one block and forces it to disk. */
    void append(int kind, int index, double[] values, int notConverged, int maxIterations) {
        ByteBuffer head = ByteBuffer.allocate(RECORD_HEAD).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(kind).putInt(index).putInt(values.length).putInt(notConverged).putInt(maxIterations).flip();
        ByteBuffer body = ByteBuffer.allocate(8 * values.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        body.asDoubleBuffer().put(values);
        body.putLong(8 * values.length, checksum(head, body, 8 * values.length));
        try {
            writeFully(channel, head);
            writeFully(channel, body);
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** FNV-1a over the record's head and its first {@code bytes} bytes of body, 64 bits. */
    private static long checksum(ByteBuffer head, ByteBuffer body, int bytes) {
        long h = 0xcbf29ce484222325L;
        for (int k = 0; k < RECORD_HEAD; k++) {
            h = (h ^ (head.get(k) & 0xff)) * 0x100000001b3L;
        }
        for (int k = 0; k < bytes; k += 8) {
            h = mix(h, body.getLong(k));
        }
        return h;
    }

    /** One step of a 64-bit hash over 8-byte words (for the checksums and the fingerprint). */
    static long mix(long h, long word) {
        h ^= word * 0x9e3779b97f4a7c15L;
        h = Long.rotateLeft(h, 31) * 0xbf58476d1ce4e5b9L;
        return h ^ (h >>> 29);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static int readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        int total = 0;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + total);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }
}
