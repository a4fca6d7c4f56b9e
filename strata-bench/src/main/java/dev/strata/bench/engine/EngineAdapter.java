package dev.strata.bench.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
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

  /** Stops background work and releases the directory. */
  @Override
  void close() throws IOException;
}
