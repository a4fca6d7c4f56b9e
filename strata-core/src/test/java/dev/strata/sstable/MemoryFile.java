package dev.strata.sstable;

import dev.strata.fs.ReadableFile;
import dev.strata.fs.WritableFile;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An in-memory table file for tests that flip bytes by the thousand: written through {@link
 * #writer()}, read through {@link #reader(byte[])}. Readers are thread-safe (immutable bytes) and
 * refuse reads after close.
 */
final class MemoryFile {
  private MemoryFile() {}

  static Writer writer() {
    return new Writer();
  }

  static Reader reader(byte[] contents) {
    return new Reader(contents);
  }

  /** Confined to one writing thread. */
  static final class Writer implements WritableFile {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @Override
    public void append(byte[] data, int offset, int length) {
      out.write(data, offset, length);
    }

    @Override
    public void sync() {}

    @Override
    public long size() {
      return out.size();
    }

    @Override
    public void close() {}

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  /** Thread-safe: the bytes never change; the closed flag is atomic. */
  static final class Reader implements ReadableFile {
    private final byte[] contents;
    private final AtomicBoolean closed = new AtomicBoolean();

    Reader(byte[] contents) {
      this.contents = contents;
    }

    @Override
    public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
      if (closed.get()) {
        throw new IOException("read after close");
      }
      if (position < 0 || position + length > contents.length) {
        throw new EOFException(
            "read of " + length + " at " + position + " past " + contents.length);
      }
      System.arraycopy(contents, (int) position, dst, offset, length);
    }

    @Override
    public long size() {
      return contents.length;
    }

    @Override
    public void close() {
      closed.set(true);
    }

    boolean isClosed() {
      return closed.get();
    }
  }
}
