package dev.strata.fs;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The production {@link FileSystem} on {@code java.nio}: the only code in Strata that touches
 * {@code java.nio.file}. Thread-safe and stateless but for the set of lock files this process
 * holds.
 */
public final class NioFileSystem implements FileSystem {
  static final NioFileSystem INSTANCE = new NioFileSystem();

  /**
   * Canonical paths of the lock files this JVM holds. A {@link FileChannel#tryLock()} alone
   * reports a second lock in the same JVM only as an {@link OverlappingFileLockException}; this
   * set makes that case explicit. Thread-safe by being a concurrent set.
   */
  private static final Set<Path> HELD_LOCKS = ConcurrentHashMap.newKeySet();

  private NioFileSystem() {}

  @Override
  public WritableFile create(Path path) throws IOException {
    FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    return new NioWritableFile(ch);
  }

  @Override
  public ReadableFile openRead(Path path) throws IOException {
    return new NioReadableFile(FileChannel.open(path, StandardOpenOption.READ));
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public long size(Path path) throws IOException {
    return Files.size(path);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    }
    return names;
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("atomic rename not supported from " + from + " to " + to, e);
    }
  }

  @Override
  public void delete(Path path) throws IOException {
    Files.deleteIfExists(path);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    Files.createDirectories(dir);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    // On Linux a directory opened for reading can be forced; this makes creations, renames and
    // deletions within it durable.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; there the rename itself is durable.
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
        throw e;
      }
    }
  }

  @Override
  public FileLockHandle lock(Path path) throws IOException {
    Path key = path.toAbsolutePath().normalize();
    if (!HELD_LOCKS.add(key)) {
      throw new IOException("lock " + path + " is already held by this process");
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IOException("lock " + path + " is held by another process");
      }
      FileChannel held = ch;
      FileLock heldLock = lock;
      return () -> {
        try {
          heldLock.release();
          held.close();
        } finally {
          HELD_LOCKS.remove(key);
        }
      };
    } catch (IOException | RuntimeException e) {
      HELD_LOCKS.remove(key);
      if (ch != null) {
        ch.close();
      }
      throw e;
    }
  }

  /** Append-only file over a channel; confined to its writer. */
  private static final class NioWritableFile implements WritableFile {
    private final FileChannel channel;
    private long size;

    NioWritableFile(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public void append(byte[] data, int offset, int length) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(data, offset, length);
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
      size += length;
    }

    @Override
    public void sync() throws IOException {
      channel.force(false);
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** Positional reader; thread-safe because {@link FileChannel#read(ByteBuffer, long)} is. */
  private static final class NioReadableFile implements ReadableFile {
    private final FileChannel channel;

    NioReadableFile(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(dst, offset, length);
      long pos = position;
      while (buf.hasRemaining()) {
        int n = channel.read(buf, pos);
        if (n < 0) {
          throw new EOFException(
              "end of file at " + pos + " while reading " + length + " bytes at " + position);
        }
        pos += n;
      }
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
