package dev.strata.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * The YCSB operations of both bindings, over an engine's {@link RecordStore}, so that Strata and
 * RocksDB run exactly the same code around their get, put, delete and iterator:
 *
 * <ul>
 *   <li>keys are YCSB's key strings as UTF-8; the table name is ignored (YCSB's core workloads
 *       use one table, {@code usertable});
 *   <li>a record is stored as one value in {@link RecordCodec}'s encoding;
 *   <li>{@code read} returns the fields asked for (null: all), {@code NOT_FOUND} if the key is
 *       absent;
 *   <li>{@code update} merges the given fields into the stored record ({@code NOT_FOUND} if
 *       absent), {@code insert} replaces the record, {@code delete} removes it; the three hold
 *       the key's {@link KeyStripes} lock, so an update never loses a concurrent write;
 *   <li>{@code scan} returns the records of the first {@code recordcount} keys at or after the
 *       start key, in key order, each with the fields asked for.
 * </ul>
 *
 * <p>An engine exception becomes {@link Status#ERROR}; the first {@value #PRINTED_ERRORS} are
 * printed to stderr with their stack traces. YCSB makes one instance per client thread and calls
 * {@code init}, the operations and {@code cleanup} from that thread: an instance is confined to
 * it, while the store behind it is shared ({@link SharedStore}).
 */
abstract class RecordStoreClient extends DB {
  static final int PRINTED_ERRORS = 10;

  private static final AtomicInteger ERRORS = new AtomicInteger();

  private final SharedStore shared;
  // Set by init, cleared by cleanup; confined to the instance's client thread.
  private RecordStore store;

  RecordStoreClient(SharedStore shared) {
    this.shared = shared;
  }

  @Override
  public void init() throws DBException {
    if (store != null) {
      throw new DBException("init called twice");
    }
    store = shared.acquire(getProperties());
  }

  @Override
  public void cleanup() throws DBException {
    if (store != null) {
      store = null;
      shared.release();
    }
  }

  @Override
  public Status read(String table, String key, Set<String> fields,
      Map<String, ByteIterator> result) {
    try {
      byte[] record = store.get(key.getBytes(UTF_8));
      if (record == null) {
        return Status.NOT_FOUND;
      }
      RecordCodec.decode(record, fields, result);
      return Status.OK;
    } catch (RuntimeException ex) {
      return error("read", key, ex);
    }
  }

  @Override
  @SuppressWarnings("NonApiType") // YCSB's signature
  public Status scan(String table, String startkey, int recordcount, Set<String> fields,
      Vector<HashMap<String, ByteIterator>> result) {
    try {
      List<byte[]> records = store.scan(startkey.getBytes(UTF_8), recordcount);
      for (byte[] record : records) {
        HashMap<String, ByteIterator> values = new HashMap<>();
        RecordCodec.decode(record, fields, values);
        result.add(values);
      }
      return Status.OK;
    } catch (RuntimeException ex) {
      return error("scan", startkey, ex);
    }
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    byte[] k = key.getBytes(UTF_8);
    ReentrantLock lock = shared.stripes().lockFor(k);
    lock.lock();
    try {
      byte[] record = store.get(k);
      if (record == null) {
        return Status.NOT_FOUND;
      }
      store.put(k, RecordCodec.merge(record, values));
      return Status.OK;
    } catch (RuntimeException ex) {
      return error("update", key, ex);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    byte[] k = key.getBytes(UTF_8);
    ReentrantLock lock = shared.stripes().lockFor(k);
    lock.lock();
    try {
      store.put(k, RecordCodec.encode(values));
      return Status.OK;
    } catch (RuntimeException ex) {
      return error("insert", key, ex);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Status delete(String table, String key) {
    byte[] k = key.getBytes(UTF_8);
    ReentrantLock lock = shared.stripes().lockFor(k);
    lock.lock();
    try {
      store.delete(k);
      return Status.OK;
    } catch (RuntimeException ex) {
      return error("delete", key, ex);
    } finally {
      lock.unlock();
    }
  }

  private static Status error(String operation, String key, RuntimeException ex) {
    int n = ERRORS.incrementAndGet();
    if (n <= PRINTED_ERRORS) {
      System.err.println(operation + " of " + key + " failed"
          + (n == PRINTED_ERRORS ? " (later errors are counted, not printed)" : "") + ":");
      ex.printStackTrace();
    }
    return Status.ERROR;
  }
}
