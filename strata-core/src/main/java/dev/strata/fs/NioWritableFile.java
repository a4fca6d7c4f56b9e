package dev.strata.fs;

import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * {@link NioFileSystem}'s {@link WritableFile}: a {@link FileOutputStream}, whose {@code write}
 * ({@code write(2)}) and {@link java.io.FileDescriptor#sync()} ({@code fsync(2)}) an interrupt
 * cannot cut short, unlike a {@code FileChannel}'s, which the JDK closes when its caller is
 * interrupted. Confined to one writer at a time (the WAL's group-commit leader, a flush or
 * compaction job, the manifest writer); the owner closes it.
 *
 * <p>Never call {@code getChannel()} on the stream: the channel shares the stream's descriptor,
 * and an interrupt inside any of its operations would close the file under the writer.
 *
 * <p>{@link #sync()} is {@code fsync}, where the channel version was {@code fdatasync} ({@code
 * force(false)}). For an append-only file the two flush the same metadata: every append changes
 * the file's size, which {@code fdatasync} must flush too; only the timestamps differ. Measured
 * on ext4 (append 4 KiB then sync, shared 2-vCPU machine): 160 to 350 µs for both, neither
 * consistently faster ({@code docs/design/interrupts.md}).
 */
final class NioWritableFile implements WritableFile {
  private final FileOutputStream out;

  /** Bytes appended so far; confined to the writer. */
  private long size;

  private NioWritableFile(FileOutputStream out, long size) {
    this.out = out;
    this.size = size;
  }

  /**
   * Opens the existing file {@code path} for appending after its last byte. Requires: may do I/O;
   * not interruptible.
   *
   * @throws NoSuchFileException if the file does not exist
   */
  static NioWritableFile openAppend(Path path) throws IOException {
    if (!Files.isRegularFile(path)) {
      throw new NoSuchFileException(path.toString());
    }
    FileOutputStream out = new FileOutputStream(path.toFile(), true);
    try {
      // A stat, not the stream's channel (see above). The caller holds the database's lock: no
      // one else appends to the file.
      return new NioWritableFile(out, Files.size(path));
    } catch (IOException | RuntimeException e) {
      out.close();
      throw e;
    }
  }

  /**
   * Creates or truncates {@code path}. Requires: may do I/O; not interruptible.
   *
   * @throws NoSuchFileException if the parent directory does not exist
   */
  static NioWritableFile create(Path path) throws IOException {
    try {
      return new NioWritableFile(new FileOutputStream(path.toFile()), 0);
    } catch (FileNotFoundException e) {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        NoSuchFileException missing =
            new NoSuchFileException(path.toString(), null, "no such directory");
        missing.initCause(e);
        throw missing;
      }
      throw e;
    }
  }

  @Override
  public void append(byte[] data, int offset, int length) throws IOException {
    // FileOutputStream.write loops until every byte is written (or throws).
    out.write(data, offset, length);
    size += length;
  }

  @Override
  public void sync() throws IOException {
    out.getFD().sync();
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
