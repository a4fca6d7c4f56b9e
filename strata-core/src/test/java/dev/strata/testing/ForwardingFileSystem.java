package dev.strata.testing;

import dev.strata.fs.FileLockHandle;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.fs.WritableFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link FileSystem} that passes every call it must implement to another; a test's file system
 * overrides the calls it watches or changes. The interface's default methods ({@code openMapped},
 * {@code link}, {@code crashPoint}) are not forwarded: a subclass that wants them overrides them.
 */
public abstract class ForwardingFileSystem implements FileSystem {
  protected final FileSystem delegate;

  protected ForwardingFileSystem(FileSystem delegate) {
    this.delegate = delegate;
  }

  @Override
  public WritableFile create(Path path) throws IOException {
    return delegate.create(path);
  }

  @Override
  public WritableFile openAppend(Path path) throws IOException {
    return delegate.openAppend(path);
  }

  @Override
  public ReadableFile openRead(Path path) throws IOException {
    return delegate.openRead(path);
  }

  @Override
  public boolean exists(Path path) {
    return delegate.exists(path);
  }

  @Override
  public long size(Path path) throws IOException {
    return delegate.size(path);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    return delegate.list(dir);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    delegate.rename(from, to);
  }

  @Override
  public void delete(Path path) throws IOException {
    delegate.delete(path);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    delegate.createDirectories(dir);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    delegate.syncDirectory(dir);
  }

  @Override
  public FileLockHandle lock(Path path) throws IOException {
    return delegate.lock(path);
  }
}
