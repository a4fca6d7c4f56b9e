package dev.strata.bench.engine;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The in-memory ceiling: a bare {@link ConcurrentSkipListMap} of byte arrays in unsigned order,
 * with no log, no tables and no durability. Nothing survives {@link #close}; the directory is
 * never touched. Thread-safe.
 */
public final class SkipListMapAdapter implements EngineAdapter {
  /** Thread-safe by itself. */
  private final ConcurrentSkipListMap<byte[], byte[]> map =
      new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

  @Override
  public String name() {
    return "skiplist-map";
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions) {
    // Nothing to open: the settings describe on-disk structures this engine does not have.
  }

  @Override
  public Map<String, String> configuration() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("structure", "ConcurrentSkipListMap<byte[], byte[]>, unsigned comparator");
    m.put("durability", "none (in memory; common settings do not apply)");
    return m;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    map.put(key, value);
  }

  @Override
  public byte[] get(byte[] key) {
    return map.get(key);
  }

  @Override
  public void delete(byte[] key) {
    map.remove(key);
  }

  @Override
  public EngineCursor newCursor() {
    return new EntryIteratorCursor() {
      private Iterator<Map.Entry<byte[], byte[]>> it;

      @Override
      public void seekToFirst() {
        it = map.entrySet().iterator();
        next();
      }

      @Override
      public void seek(byte[] key) {
        it = map.tailMap(key, true).entrySet().iterator();
        next();
      }

      @Override
      public void next() {
        advance(it);
      }

      @Override
      public void close() {
        it = null;
        clear();
      }
    };
  }

  @Override
  public void close() {
    map.clear();
  }
}
