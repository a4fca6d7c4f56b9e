package dev.strata.bench.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One key-value engine as the benchmark runner sees it. Each engine is one class implementing this
 * interface, listed in {@code META-INF/services/dev.strata.bench.engine.EngineAdapter}; adding an
 * engine touches nothing else.
 *
 * <p>Lifecycle: the runner makes a fresh instance per session with the no-arg constructor, calls
 * {@link #open} once, then any number of operations from many threads, then {@link #close} once.
 * The constructor must be cheap and must not load native code (the runner also makes instances
 * just to read {@link #name()}). Between {@code open} and {@code close} the data operations must
 * be safe for concurrent use; {@code open} and {@code close} are called by one thread.
 */
public interface EngineAdapter extends AutoCloseable {
  /** The name used on the command line, such as {@code rocksdb}. */
  String name();

  /** Whether the engine keeps data in {@code dir} across sessions (false for in-memory maps). */
  default boolean persistent() {
    return true;
  }

  /**
   * Engine-specific option keys accepted in {@code --engine-options}, besides the common ones of
   * {@link EngineSettings#COMMON_KEYS}.
   */
  default Set<String> optionKeys() {
    return Set.of();
  }

  /**
   * Flags the JVM running this engine needs, such as {@code --add-opens} for a library that
   * reaches into the JDK's internals; empty for most. The runner adds them to the command line of
   * the child JVM it forks for this engine; a JVM started without them (the runner's own, with
   * {@code --no-fork}) gets them from the shaded jar's manifest, which must declare the same
   * ({@code Add-Opens}), or from its user. Must not load the engine's classes.
   */
  default List<String> jvmOptions() {
    return List.of();
  }

  /**
   * Opens (creating if missing) the engine's database in {@code dir}.
   *
   * @param settings the shared, comparable configuration
   * @param engineOptions this engine's entries of {@code --engine-options}, keys among {@link
   *     #optionKeys()}
   * @throws IllegalArgumentException if an engine option has a bad value
   * @throws IOException if the database cannot be opened
   */
  void open(Path dir, EngineSettings settings, Map<String, String> engineOptions)
      throws IOException;

  /** The effective configuration after {@link #open}, printed with every result. */
  Map<String, String> configuration();

  void put(byte[] key, byte[] value);

  /** The value of {@code key}, or null if absent. */
  byte[] get(byte[] key);

  void delete(byte[] key);

  /** A cursor over the latest state; the caller closes it. */
  EngineCursor newCursor();

  /**
   * The engine's own counters of bytes written since open, or empty if it keeps none. Called
   * before {@link #close}.
   */
  default Optional<WriteCounters> writeCounters() {
    return Optional.empty();
  }

  /**
   * Table files in level 0 now, or empty for an engine without levels or one that does not say.
   * Between {@link #open} and {@link #close} the runner calls it every 50 ms from a sampler thread
   * of its own, concurrently with the data operations, so it must be thread-safe and cheap.
   */
  default OptionalInt level0Files() {
    return OptionalInt.empty();
  }

  /**
   * The largest level-0 file count since {@link #open}, for an engine that tracks it exactly, or
   * empty; the runner then relies on sampling {@link #level0Files()}. Called before {@link
   * #close}.
   */
  default OptionalInt maxLevel0FilesSinceOpen() {
    return OptionalInt.empty();
  }

  /**
   * The engine's own write-stall counters since open, or empty if it keeps none. Called before
   * {@link #close}.
   */
  default Optional<WriteStalls> writeStalls() {
    return Optional.empty();
  }

  /**
   * The engine's own statistics as readable text (such as RocksDB's {@code rocksdb.stats}), or
   * empty if it prints none. Called before {@link #close}, for {@code --stats}.
   */
  default Optional<String> statsText() {
    return Optional.empty();
  }

  /** Stops background work and releases the directory. */
  @Override
  void close() throws IOException;
}
