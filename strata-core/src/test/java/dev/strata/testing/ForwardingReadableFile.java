package dev.strata.testing;

import dev.strata.fs.ReadableFile;
import java.io.IOException;

/**
 * A {@link ReadableFile} that passes every call to another; a test's file overrides the calls it
 * counts, pauses or checks, as {@link ForwardingFileSystem} does for a file system.
 */
public class ForwardingReadableFile implements ReadableFile {
  protected final ReadableFile delegate;

  public ForwardingReadableFile(ReadableFile delegate) {
    this.delegate = delegate;
  }

  @Override
  public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
    delegate.readFully(position, dst, offset, length);
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public boolean readsFailOnceClosed() {
    return delegate.readsFailOnceClosed();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
