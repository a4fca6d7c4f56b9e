package dev.strata.compaction;

import dev.strata.fs.WritableFile;
import java.io.IOException;

/**
 * A table file being written by a flush or compaction whose appends are paced by an {@link
 * IoRateLimiter}. Confined to the job's thread, like the file it wraps; closing closes that file.
 */
final class RateLimitedFile implements WritableFile {
  private final WritableFile file;
  private final IoRateLimiter limiter;

  RateLimitedFile(WritableFile file, IoRateLimiter limiter) {
    this.file = file;
    this.limiter = limiter;
  }

  @Override
  public void append(byte[] data, int offset, int length) throws IOException {
    limiter.acquire(length);
    file.append(data, offset, length);
  }

  @Override
  public void sync() throws IOException {
    file.sync();
  }

  @Override
  public long size() {
    return file.size();
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
