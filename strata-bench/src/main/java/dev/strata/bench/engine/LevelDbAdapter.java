package dev.strata.bench.engine;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.iq80.leveldb.CompressionType;
import org.iq80.leveldb.DB;
import org.iq80.leveldb.DBIterator;
import org.iq80.leveldb.Options;
import org.iq80.leveldb.WriteOptions;
import org.iq80.leveldb.impl.Iq80DBFactory;
import org.iq80.leveldb.util.Snappy;

/**
 * iq80 LevelDB, the pure-Java port. It has no bloom filter, one compaction thread and no LZ4: it
 * compresses with Snappy when a Snappy codec is on the class path (this module ships the
 * pure-Java {@code org.iq80.snappy}) and otherwise stores blocks raw; {@link #configuration()}
 * says which. Its {@code DbImpl} serialises writers behind one lock. Thread-safe between open and
 * close.
 *
 * <p>The adapter reports no write counters, level-0 file counts or stalls, and its statistics text
 * holds only its own retry count (below): iq80 0.12's {@code DB.getProperty} returns null for
 * every name ({@code leveldb.num-files-at-level0} and {@code leveldb.stats} included), and it
 * keeps no stall counter.
 *
 * <p>iq80 0.12 has a race in {@code DbImpl.get}: it searches the current version's tables after
 * releasing its mutex without pinning that version, so a compaction that finishes meanwhile (reads
 * trigger compactions too, through LevelDB's seek allowance) can delete a table before the lookup
 * opens it. The lookup then fails with "Could not open table N" caused by {@link
 * FileNotFoundException}. Under load this broke about one run in ten of a 2,000-key suite. The
 * adapter retries such a lookup, which then reads the version that replaced the deleted table, a
 * few times at most, and counts the retries in {@link #statsText()}; any other failure, or one
 * that persists, is reported as the engine's.
 */
public final class LevelDbAdapter implements EngineAdapter {
  static {
    // iq80 reads this once, when its factory class loads. Memory-mapped tables are unmapped
    // through Unsafe on close; with them, reopening in the same JVM intermittently failed with
    // "Could not open table N", so tables are read through file channels unless told otherwise.
    if (System.getProperty("leveldb.mmap") == null) {
      System.setProperty("leveldb.mmap", "false");
    }
  }

  // Set once by open, before the runner starts worker threads (Thread.start publishes them).
  private DB db;
  private final WriteOptions writeOptions = new WriteOptions().sync(false);
  private final Map<String, String> configuration = new LinkedHashMap<>();
  private final AtomicLong vanishedTableRetries = new AtomicLong();

  /** Attempts at a lookup that keeps meeting iq80's vanished-table race before it is reported. */
  static final int MAX_LOOKUP_ATTEMPTS = 4;

  @Override
  public String name() {
    return "leveldb";
  }

  @Override
  public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions)
      throws IOException {
    boolean snappy = !"none".equals(settings.compression()) && Snappy.available();
    Options options =
        new Options()
            .createIfMissing(true)
            .writeBufferSize((int) Math.min(Integer.MAX_VALUE, settings.memtableBytes()))
            .cacheSize(settings.blockCacheBytes())
            .blockSize(4096)
            .compressionType(snappy ? CompressionType.SNAPPY : CompressionType.NONE);
    db = Iq80DBFactory.factory.open(dir.toFile(), options);
    configuration.put("version", "iq80 leveldb " + Iq80DBFactory.VERSION);
    configuration.put("write_buffer_size", EngineSettings.mibText(settings.memtableBytes()));
    configuration.put("bloom", "none (iq80 LevelDB has no filter policy)");
    configuration.put("block_cache", EngineSettings.mibText(settings.blockCacheBytes()));
    configuration.put("block_size", "4096");
    configuration.put(
        "compression",
        snappy ? "snappy (pure-Java iq80 snappy; LZ4 unavailable)" : "none");
    configuration.put("background", "1 compaction thread (fixed by iq80 LevelDB)");
    configuration.put("mmap", Boolean.toString(Iq80DBFactory.USE_MMAP));
    configuration.put("wal", "on, sync=false");
    configuration.put(
        "get", "retried when iq80 meets a table deleted under it (up to " + MAX_LOOKUP_ATTEMPTS
            + " attempts)");
  }

  @Override
  public Map<String, String> configuration() {
    return configuration;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    db.put(key, value, writeOptions);
  }

  @Override
  public byte[] get(byte[] key) {
    for (int attempt = 1; ; attempt++) {
      try {
        return db.get(key);
      } catch (RuntimeException ex) {
        if (attempt >= MAX_LOOKUP_ATTEMPTS || !isVanishedTable(ex)) {
          throw ex;
        }
        vanishedTableRetries.incrementAndGet();
      }
    }
  }

  /** Whether {@code ex} is iq80's report of a table file deleted before a lookup opened it. */
  static boolean isVanishedTable(RuntimeException ex) {
    String message = ex.getMessage();
    return message != null
        && message.startsWith("Could not open table ")
        && ex.getCause() instanceof FileNotFoundException;
  }

  @Override
  public Optional<String> statsText() {
    return Optional.of(
        "lookups retried after iq80's vanished-table race: " + vanishedTableRetries.get());
  }

  @Override
  public void delete(byte[] key) {
    db.delete(key, writeOptions);
  }

  @Override
  public EngineCursor newCursor() {
    DBIterator it = db.iterator();
    return new EntryIteratorCursor() {
      @Override
      public void seekToFirst() {
        it.seekToFirst();
        next();
      }

      @Override
      public void seek(byte[] key) {
        it.seek(key);
        next();
      }

      @Override
      public void next() {
        advance(it);
      }

      @Override
      public void close() {
        try {
          it.close();
        } catch (IOException ex) {
          throw new IllegalStateException("cannot close a LevelDB iterator", ex);
        }
      }
    };
  }

  @Override
  public void close() throws IOException {
    if (db != null) {
      db.close();
      db = null;
    }
  }
}
