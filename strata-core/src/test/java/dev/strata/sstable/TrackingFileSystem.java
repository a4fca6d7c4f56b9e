package dev.strata.sstable;

import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.testing.ForwardingFileSystem;
import dev.strata.testing.ForwardingReadableFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link FileSystem} over another that counts open readable files and records any read of a file
 * after it was closed. Thread-safe: counters and the first violation are atomics.
 */
final class TrackingFileSystem extends ForwardingFileSystem {
  private final AtomicInteger openReaders = new AtomicInteger();
  private final AtomicInteger opens = new AtomicInteger();
  private final AtomicReference<String> violation = new AtomicReference<>();

  TrackingFileSystem(FileSystem delegate) {
    super(delegate);
  }

  int openReaders() {
    return openReaders.get();
  }

  int opens() {
    return opens.get();
  }

  /** The first read-after-close seen, or null. */
  String violation() {
    return violation.get();
  }

  @Override
  public ReadableFile openRead(Path path) throws IOException {
    ReadableFile file = delegate.openRead(path);
    openReaders.incrementAndGet();
    opens.incrementAndGet();
    AtomicBoolean closed = new AtomicBoolean();
    return new ForwardingReadableFile(file) {
      @Override
      public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
        if (closed.get()) {
          violation.compareAndSet(null, "read of closed " + path + " at " + position);
          throw new IOException("read after close of " + path);
        }
        super.readFully(position, dst, offset, length);
      }

      @Override
      public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
          violation.compareAndSet(null, "double close of " + path);
          return;
        }
        openReaders.decrementAndGet();
        super.close();
      }
    };
  }
}
