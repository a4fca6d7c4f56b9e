package dev.strata.bench.engine;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A forward cursor over an engine's keys in unsigned byte order. Confined to the thread that made
 * it; closed by that thread.
 */
public interface EngineCursor extends AutoCloseable {
  void seekToFirst();

  /** Positions at the first key at or after {@code key}. */
  void seek(byte[] key);

  boolean isValid();

  /** Requires: {@link #isValid()}. */
  void next();

  /** Requires: {@link #isValid()}. */
  byte[] key();

  /** Requires: {@link #isValid()}. */
  byte[] value();

  @Override
  void close();

  /**
   * A cursor that forwards each call to an engine iterator with the same operations under the
   * same names (RocksDB's and Strata's), e.g. {@code EngineCursor.of(it::seekToFirst, it::seek,
   * it::isValid, it::next, it::key, it::value, it::close)}.
   */
  static EngineCursor of(
      Runnable seekToFirst, Consumer<byte[]> seek, BooleanSupplier isValid, Runnable next,
      Supplier<byte[]> key, Supplier<byte[]> value, Runnable close) {
    return new EngineCursor() {
      @Override
      public void seekToFirst() {
        seekToFirst.run();
      }

      @Override
      public void seek(byte[] target) {
        seek.accept(target);
      }

      @Override
      public boolean isValid() {
        return isValid.getAsBoolean();
      }

      @Override
      public void next() {
        next.run();
      }

      @Override
      public byte[] key() {
        return key.get();
      }

      @Override
      public byte[] value() {
        return value.get();
      }

      @Override
      public void close() {
        close.run();
      }
    };
  }
}
