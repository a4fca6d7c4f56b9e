package dev.strata.kafka;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * One open Strata database behind a Kafka store (a key-value store, or one segment of a window or
 * session store): Kafka's exceptions for a closed store, the iterators still open (closed with
 * the store), unlogged restore writes and the flush that makes them durable, the store's own
 * metadata (committed changelog offsets and whether it was closed cleanly), and the counters the
 * store's metrics read.
 *
 * <p>Key space: every Kafka key is stored behind the byte {@link #DATA}; the metadata behind
 * {@link #META}, so that it sorts before all data and no Kafka key can collide with it or see it
 * in a scan. The metadata is written in the same database as the data, and so in its WAL after the
 * writes it describes: a crash keeps a prefix of the WAL, so committed offsets are never ahead of
 * the data they cover (see {@link #commitOffsets}). Layout: {@code docs/design/kafka.md}.
 *
 * <p>Thread-safe: the stream thread writes while interactive queries read. {@code closeLock}'s
 * read side is held by every operation for its call (iterators only while they are made), its
 * write side by {@link #close()}: a read never meets a half-closed database, and close waits for
 * the calls in flight. Closed by the owning store.
 */
final class StoreDatabase implements AutoCloseable, StoreFigures {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StoreDatabase.class);
  private static final WriteOptions UNLOGGED = WriteOptions.builder().disableWal(true).build();

  /** The first byte of every data key. On disk: never renumbered. */
  static final byte DATA = 1;

  /** The first byte of every metadata key. On disk: never renumbered. */
  static final byte META = 0;

  /** Metadata: {@code "open"} while a store has the database, {@code "closed"} after its close. */
  private static final byte[] STATUS_KEY = metaKey("status");

  private static final byte[] OPEN = "open".getBytes(StandardCharsets.UTF_8);
  private static final byte[] CLOSED = "closed".getBytes(StandardCharsets.UTF_8);

  /** Metadata: committed changelog offsets, {@code offset/<topic>-<partition>} to 8 bytes BE. */
  private static final String OFFSET_PREFIX = "offset/";

  private static final byte[] DATA_LOWER = {DATA};
  private static final byte[] DATA_UPPER = {DATA + 1};

  final String name;
  final Path dir;
  private final StrataDB db;

  /** Read side: every call; write side: close. A leaf: nothing else is taken while held. */
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();

  /** Written under closeLock's write side; volatile so that {@link #isOpen()} needs no lock. */
  private volatile boolean open = true;

  /** Iterators not yet closed; each removes itself at close. */
  private final Set<StoreIterator> openIterators = ConcurrentHashMap.newKeySet();

  /** Unlogged (restore) writes since the last flush: the next {@link #flush()} must flush. */
  private final AtomicBoolean unloggedSinceFlush = new AtomicBoolean();

  final LongAdder bytesWritten = new LongAdder();
  final LongAdder bytesRead = new LongAdder();

  /** Whether the previous user of the database closed it (or it is new): read once, at open. */
  private final boolean closedCleanly;

  /**
   * Whether every data write skips the WAL, made durable by the next {@link #flush()} (a commit):
   * under exactly-once, as Kafka's RocksDB stores (whose WAL is always off), so that a crash leaves
   * the data of the last commit and not the writes of transactions Kafka then aborts. Kafka wipes
   * a crashed exactly-once task anyway; this keeps Strata's stores as safe as RocksDB's on any path
   * where it does not.
   */
  private final boolean unloggedWrites;

  private StoreDatabase(String name, Path dir, StrataDB db, boolean unloggedWrites) {
    this.name = name;
    this.dir = dir;
    this.db = db;
    this.unloggedWrites = unloggedWrites;
    byte[] status = db.get(STATUS_KEY);
    this.closedCleanly = status == null || Arrays.equals(status, CLOSED);
    db.put(STATUS_KEY, OPEN);
  }

  /**
   * Opens (creating) the database in {@code dir}.
   *
   * @throws ProcessorStateException if it cannot be opened
   */
  static StoreDatabase open(String name, Path dir, Options options) {
    return open(name, dir, options, false);
  }

  /**
   * Opens (creating) the database in {@code dir}; {@code unloggedWrites}: see the field.
   *
   * @throws ProcessorStateException if it cannot be opened
   */
  static StoreDatabase open(String name, Path dir, Options options, boolean unloggedWrites) {
    try {
      Files.createDirectories(dir.getParent());
      return new StoreDatabase(name, dir, StrataDB.open(dir, options), unloggedWrites);
    } catch (java.io.IOException | StrataException e) {
      throw new ProcessorStateException(
          "Error opening store " + name + " at location " + dir + ": " + e.getMessage(), e);
    }
  }

  boolean isOpen() {
    return open;
  }

  /**
   * Whether the database was new or closed by its previous user when it was opened; false after a
   * crash, when it may hold writes newer than its committed offsets.
   */
  boolean closedCleanly() {
    return closedCleanly;
  }

  /** The changelog offset committed for {@code partition}, or null if none is. */
  Long committedOffset(TopicPartition partition) {
    enter();
    try {
      byte[] v = db.get(offsetKey(partition));
      return v == null ? null : ByteBuffer.wrap(v).getLong();
    } catch (StrataException e) {
      throw failed("read offsets", e);
    } finally {
      exit();
    }
  }

  /**
   * Records the committed changelog offsets of the data written so far: first the unlogged restore
   * writes are made durable ({@link #flush()}), then the offsets go into the WAL as one batch,
   * behind every write they cover, so that after a crash they are never ahead of the data. A null
   * offset removes its partition's; an empty map removes all, as Kafka's RocksDB store does. Not
   * synced: a lost commit leaves older offsets, and the restore replays from them.
   */
  void commitOffsets(Map<TopicPartition, Long> offsets) {
    flush();
    enter();
    try {
      WriteBatch batch = new WriteBatch();
      if (offsets.isEmpty()) {
        byte[] prefix = metaKey(OFFSET_PREFIX);
        try (DBIterator it =
            db.newIterator(
                ReadOptions.builder().lowerBound(prefix).upperBound(prefixEnd(prefix)).build())) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            batch.delete(it.key());
          }
        }
      }
      for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
        if (e.getValue() == null) {
          batch.delete(offsetKey(e.getKey()));
        } else {
          batch.put(offsetKey(e.getKey()), ByteBuffer.allocate(8).putLong(e.getValue()).array());
        }
      }
      db.write(batch, WriteOptions.DEFAULT);
    } catch (StrataException e) {
      throw failed("commit offsets", e);
    } finally {
      exit();
    }
  }

  /** Takes the read side of the close lock, or throws if the store is closed. */
  private void enter() {
    closeLock.readLock().lock();
    if (!open) {
      closeLock.readLock().unlock();
      throw new InvalidStateStoreException("Store " + name + " is currently closed");
    }
  }

  private void exit() {
    closeLock.readLock().unlock();
  }

  byte[] get(byte[] key) {
    enter();
    try {
      byte[] v = db.get(dataKey(key));
      if (v != null) {
        bytesRead.add(key.length + v.length);
      }
      return v;
    } catch (StrataException e) {
      throw failed("get", e);
    } finally {
      exit();
    }
  }

  /** Puts {@code value}, or deletes the key if it is null (Kafka's convention). */
  void put(byte[] key, byte[] value) {
    enter();
    try {
      WriteOptions wo = WriteOptions.DEFAULT;
      if (unloggedWrites) {
        unloggedSinceFlush.set(true);
        wo = UNLOGGED;
      }
      if (value == null) {
        db.delete(dataKey(key), wo);
      } else {
        db.put(dataKey(key), value, wo);
        bytesWritten.add(key.length + value.length);
      }
    } catch (StrataException e) {
      throw failed("put", e);
    } finally {
      exit();
    }
  }

  /** Applies {@code batch} atomically; {@code unlogged} skips the WAL (restore only). */
  void write(DataBatch batch, boolean unlogged) {
    unlogged |= unloggedWrites;
    enter();
    try {
      if (unlogged) {
        unloggedSinceFlush.set(true);
      }
      db.write(batch.batch, unlogged ? UNLOGGED : WriteOptions.DEFAULT);
    } catch (StrataException e) {
      throw failed("write", e);
    } finally {
      exit();
    }
  }

  /**
   * Keys in {@code [from, to]} (null = unbounded), ascending if {@code forward}; the caller checked
   * that {@code from <= to}.
   */
  KeyValueIterator<Bytes, byte[]> range(byte[] from, byte[] to, boolean forward) {
    byte[] lower = from == null ? DATA_LOWER : dataKey(from);
    byte[] upper = to == null ? DATA_UPPER : successor(dataKey(to));
    return iterator(
        lower, upper, forward, from == null ? null : lower, to == null ? null : dataKey(to));
  }

  /** Keys starting with {@code prefix}, ascending. */
  KeyValueIterator<Bytes, byte[]> prefix(byte[] prefix) {
    byte[] lower = dataKey(prefix);
    // Never null: the DATA byte is below 0xFF.
    return iterator(lower, prefixEnd(lower), true, lower, null);
  }

  private KeyValueIterator<Bytes, byte[]> iterator(
      byte[] lower, byte[] upperExclusive, boolean forward, byte[] from, byte[] to) {
    enter();
    try {
      DBIterator it =
          db.newIterator(ReadOptions.builder().lowerBound(lower).upperBound(upperExclusive).build());
      StoreIterator[] self = new StoreIterator[1];
      self[0] =
          new StoreIterator(
              name, it, forward, from, to, () -> openIterators.remove(self[0]));
      openIterators.add(self[0]);
      return self[0];
    } catch (StrataException e) {
      throw failed("iterate", e);
    } finally {
      exit();
    }
  }

  @Override
  public long bytesWritten() {
    return bytesWritten.sum();
  }

  @Override
  public long bytesRead() {
    return bytesRead.sum();
  }

  @Override
  public double property(String name) {
    String v = propertyOrNull(name);
    return v == null ? 0 : Double.parseDouble(v);
  }

  @Override
  public long estimateNumKeys(int exactLimit) {
    return isOpen() ? approximateNumEntries(exactLimit) : 0;
  }

  /** Iterators open now, for metrics. */
  @Override
  public int openIteratorCount() {
    return openIterators.size();
  }

  /**
   * Number of keys: counted exactly up to {@code exactLimit}, beyond that estimated from the bytes
   * of the keys counted and the bytes the database holds.
   */
  long approximateNumEntries(int exactLimit) {
    enter();
    try (DBIterator it =
        db.newIterator(
            ReadOptions.builder().lowerBound(DATA_LOWER).upperBound(DATA_UPPER).build())) {
      long n = 0;
      long bytes = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (++n > exactLimit) {
          long total =
              Long.parseLong(db.getProperty("strata.total-sst-bytes"))
                  + Long.parseLong(db.getProperty("strata.cur-size-all-mem-tables"));
          return Math.max(n, (long) ((double) total / Math.max(1, bytes) * n));
        }
        bytes += it.key().length - 1 + it.value().length;
      }
      return n;
    } catch (StrataException e) {
      throw failed("count", e);
    } finally {
      exit();
    }
  }

  /** A Strata property, or null if the store is closed. */
  String propertyOrNull(String name) {
    closeLock.readLock().lock();
    try {
      return open ? db.getProperty(name) : null;
    } finally {
      closeLock.readLock().unlock();
    }
  }

  /**
   * Makes the unlogged restore writes durable (one Strata flush); logged writes already are, in the
   * WAL, so a flush with none pending costs nothing.
   */
  void flush() {
    enter();
    try {
      if (unloggedSinceFlush.getAndSet(false)) {
        db.flush();
      }
    } catch (StrataException e) {
      unloggedSinceFlush.set(true);
      throw failed("flush", e);
    } finally {
      exit();
    }
  }

  /** Closes the iterators still open, then the database, recorded as closed cleanly; idempotent. */
  @Override
  public void close() {
    close(true);
  }

  /**
   * Closes the iterators still open, then the database; idempotent. {@code clean} false keeps the
   * status {@code open}: a store that found the database not closed cleanly and did not trust its
   * offsets must not launder it by opening and closing it (Kafka 4.4 opens the stores of every task
   * directory at start-up to read their offsets, and closes them again).
   */
  void close(boolean clean) {
    closeLock.writeLock().lock();
    try {
      if (!open) {
        return;
      }
      open = false;
      List<StoreIterator> left = new ArrayList<>(openIterators);
      for (StoreIterator it : left) {
        it.close();
      }
      if (unloggedSinceFlush.get()) {
        // A close without a commit after a restore: keep what was restored, as a commit would.
        try {
          db.flush();
        } catch (StrataException e) {
          LOG.warn("store {}: flushing restored writes at close failed", name, e);
        }
      }
      if (clean) {
        try {
          // Behind every write in the WAL: a store that reads "closed" at its next open has all.
          db.put(STATUS_KEY, CLOSED);
        } catch (StrataException e) {
          LOG.warn("store {}: recording its clean close failed", name, e);
        }
      }
      db.close();
    } finally {
      closeLock.writeLock().unlock();
    }
  }

  private ProcessorStateException failed(String what, StrataException e) {
    return new ProcessorStateException(
        "Error while executing " + what + " in store " + name + ": " + e.getMessage(), e);
  }

  /** {@code key} in the data key space: {@link #DATA} then the key. */
  static byte[] dataKey(byte[] key) {
    byte[] k = new byte[key.length + 1];
    k[0] = DATA;
    System.arraycopy(key, 0, k, 1, key.length);
    return k;
  }

  /** The Kafka key of a data key. */
  static byte[] userKey(byte[] dataKey) {
    return Arrays.copyOfRange(dataKey, 1, dataKey.length);
  }

  private static byte[] metaKey(String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] k = new byte[n.length + 1];
    k[0] = META;
    System.arraycopy(n, 0, k, 1, n.length);
    return k;
  }

  private static byte[] offsetKey(TopicPartition partition) {
    return metaKey(OFFSET_PREFIX + partition.topic() + "-" + partition.partition());
  }

  /** The smallest key above {@code key}: the key followed by a zero byte. */
  static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  /**
   * The smallest key above every key starting with {@code prefix}, or null if there is none (the
   * prefix is empty or all 0xFF): the prefix without its trailing 0xFF bytes, last byte plus one.
   */
  static byte[] prefixEnd(byte[] prefix) {
    int i = prefix.length - 1;
    while (i >= 0 && prefix[i] == (byte) 0xFF) {
      i--;
    }
    if (i < 0) {
      return null;
    }
    byte[] end = Arrays.copyOf(prefix, i + 1);
    end[i]++;
    return end;
  }
}
