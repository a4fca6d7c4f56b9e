package dev.strata.testing;

import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import dev.strata.util.Bytes;

/**
 * A seeded generator of writes over a small key space, so that overwrites, deletes of live keys
 * and batches touching one key twice are common. Values carry a unique serial number so that a
 * value recovered from the wrong write is detected. Keys are drawn uniformly unless a {@link
 * KeyDistribution} is given; the uniform default draws exactly as this class always did, so a
 * seed replays the same run. Not thread-safe; one per thread.
 */
public final class OpGenerator {
  /**
   * One operation of a write: a put, a delete when {@code value} is null, or a range deletion of
   * [{@code key}, {@code rangeEnd}) when {@code rangeEnd} is not null.
   */
  public record WriteOp(
      byte[] key, byte[] value, byte[] rangeEnd, boolean merge, boolean counter) {
    public WriteOp(byte[] key, byte[] value) {
      this(key, value, null, false, false);
    }

    public WriteOp(byte[] key, byte[] value, byte[] rangeEnd) {
      this(key, value, rangeEnd, false, false);
    }

    /** A merge operand, for {@link #MERGE_OPERATOR}. */
    public static WriteOp merge(byte[] key, byte[] operand) {
      return new WriteOp(key, operand, null, true, false);
    }

    /** A merge operand adding an 8-byte counter, for {@code MergeOperators.uint64Add()}. */
    public static WriteOp mergeCounter(byte[] key, byte[] operand) {
      return new WriteOp(key, operand, null, true, true);
    }

    public static WriteOp deleteRange(byte[] begin, byte[] end) {
      return new WriteOp(begin, null, end);
    }

    public boolean isRangeDelete() {
      return rangeEnd != null;
    }

    /** Applies the operation to a model. */
    public void applyTo(ModelDb model) {
      if (merge && counter) {
        model.addUint64(key, value);
      } else if (merge) {
        model.appendMerge(key, value, (byte) ',');
      } else if (rangeEnd != null) {
        model.deleteRange(key, rangeEnd);
      } else if (value == null) {
        model.delete(key);
      } else {
        model.put(key, value);
      }
    }

    /** Adds the operation to a batch. */
    public void addTo(WriteBatch b) {
      if (merge) {
        b.merge(key, value);
      } else if (rangeEnd != null) {
        b.deleteRange(key, rangeEnd);
      } else if (value == null) {
        b.delete(key);
      } else {
        b.put(key, value);
      }
    }
  }

  /** The operator databases must be opened with when the generator writes merges. */
  public static final dev.strata.MergeOperator MERGE_OPERATOR =
      dev.strata.MergeOperators.stringAppend((byte) ',');

  private final Random rnd;
  private final KeyDistribution.Source keys;
  private boolean merges;
  private boolean counters;
  private boolean marked;
  private final String tag;
  private long serial;

  public OpGenerator(Random rnd, int keySpace, String tag) {
    this(rnd, keySpace, tag, KeyDistribution.UNIFORM);
  }

  public OpGenerator(Random rnd, int keySpace, String tag, KeyDistribution distribution) {
    this.rnd = rnd;
    this.keys = distribution.source(rnd, keySpace);
    this.tag = tag;
  }

  /**
   * Makes one single write in 20 and one batch op in 10 a merge operand (from the puts' share):
   * the databases must be opened with {@link #MERGE_OPERATOR}.
   */
  public OpGenerator withMerges() {
    merges = true;
    return this;
  }

  /**
   * Makes every value an 8-byte counter (its serial number, shifted, plus a random low byte) and
   * every merge an addition: the databases must be opened with {@link #mergeOperator()}.
   */
  public OpGenerator withCounters() {
    counters = true;
    return this;
  }

  /**
   * Marks one put in three on {@linkplain #isFilterKey filter keys} for the {@link MarkedValues}
   * compaction filter, and turns merges on those keys into puts, so that no operand ever folds
   * onto a value the filter may remove or change (see {@link MarkedValues}). Values on other keys
   * are never marked.
   */
  public OpGenerator withMarkedValues() {
    marked = true;
    return this;
  }

  /** One key in four: the only keys that hold marked values, and never merge operands. */
  public static boolean isFilterKey(byte[] key) {
    return (java.util.Arrays.hashCode(key) & 3) == 0;
  }

  /** The merge operator the databases must be opened with. */
  public dev.strata.MergeOperator mergeOperator() {
    return counters ? dev.strata.MergeOperators.uint64Add() : MERGE_OPERATOR;
  }

  public Random random() {
    return rnd;
  }

  /** The source of this generator's keys: its distribution, key names and uniform draws. */
  public KeyDistribution.Source keys() {
    return keys;
  }

  /** The next key, drawn from the generator's distribution. */
  public byte[] key() {
    return keys.next();
  }

  public static byte[] key(int i) {
    return String.format("k%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A value naming its serial number, with random padding of 0 to {@code maxPad} bytes; with
   * {@link #withCounters}, the 8-byte counter of its serial number.
   */
  public byte[] value(int maxPad) {
    if (counters) {
      return dev.strata.MergeOperators.uint64(((serial++) << 8) | rnd.nextInt(256));
    }
    String s = tag + "-" + (serial++) + "-";
    int pad = maxPad <= 0 ? 0 : rnd.nextInt(maxPad + 1);
    StringBuilder b = new StringBuilder(s.length() + pad).append(s);
    for (int i = 0; i < pad; i++) {
      b.append((char) ('a' + (i + serial) % 26));
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One write: a single put (70%), a single delete (13%), a single range deletion (2%) or a batch
   * of 2 to 8 ops (15%; one op in 20 a range deletion).
   */
  public List<WriteOp> nextWrite(int maxPad) {
    int r = rnd.nextInt(100);
    List<WriteOp> ops = new ArrayList<>();
    if (r < 70) {
      ops.add(merges && rnd.nextInt(14) == 0 ? merge(maxPad) : put(key(), maxPad));
    } else if (r < 83) {
      ops.add(new WriteOp(key(), null));
    } else if (r < 85) {
      ops.add(rangeDelete());
    } else {
      int n = 2 + rnd.nextInt(7);
      for (int i = 0; i < n; i++) {
        if (merges && rnd.nextInt(10) == 0) {
          ops.add(merge(maxPad));
          continue;
        }
        if (rnd.nextInt(20) == 0) {
          ops.add(rangeDelete());
          continue;
        }
        byte[] k = key();
        ops.add(rnd.nextInt(4) == 0 ? new WriteOp(k, null) : put(k, maxPad));
      }
    }
    return ops;
  }

  /**
   * The contents of one external file, in the order {@link #writeFile} writes it and ingestion
   * applies it: a range deletion (one file in three), then 1 to 12 distinct keys in ascending
   * order, each a put, a delete or (with merges) a merge operand.
   */
  public List<WriteOp> nextIngestion(int maxPad) {
    List<WriteOp> ops = new ArrayList<>();
    if (rnd.nextInt(3) == 0) {
      ops.add(rangeDelete());
    }
    TreeMap<byte[], Boolean> keys = new TreeMap<>(Bytes.COMPARATOR);
    for (int n = 1 + rnd.nextInt(12); n > 0; n--) {
      keys.put(key(), Boolean.TRUE);
    }
    for (byte[] k : keys.keySet()) {
      int r = rnd.nextInt(10);
      byte[] v = value(maxPad);
      ops.add(
          merges && r == 0
              ? (counters ? WriteOp.mergeCounter(k, v) : WriteOp.merge(k, v))
              : r < 3 ? new WriteOp(k, null) : new WriteOp(k, v));
    }
    return ops;
  }

  /** Writes {@code ops} (as {@link #nextIngestion} orders them) to an external file. */
  public static void writeFile(dev.strata.SstFileWriter w, java.nio.file.Path path, List<WriteOp> ops) {
    w.open(path);
    for (WriteOp op : ops) {
      if (op.merge()) {
        w.merge(op.key(), op.value());
      } else if (op.isRangeDelete()) {
        w.deleteRange(op.key(), op.rangeEnd());
      } else if (op.value() == null) {
        w.delete(op.key());
      } else {
        w.put(op.key(), op.value());
      }
    }
    w.finish();
  }

  /** A put of a drawn key; marked one time in three on a filter key ({@link #withMarkedValues}). */
  private WriteOp put(byte[] k, int maxPad) {
    byte[] v = value(maxPad);
    if (marked && isFilterKey(k)) {
      int mark = rnd.nextInt(6);
      if (mark < 2) {
        v = MarkedValues.mark(v, mark == 0 ? MarkedValues.REMOVE : MarkedValues.CHANGE);
      }
    }
    return new WriteOp(k, v);
  }

  /** A merge operand on a drawn key; a put instead on a filter key ({@link #withMarkedValues}). */
  private WriteOp merge(int maxPad) {
    byte[] k = key();
    byte[] v = value(maxPad);
    if (marked && isFilterKey(k)) {
      return new WriteOp(k, v);
    }
    return counters ? WriteOp.mergeCounter(k, v) : WriteOp.merge(k, v);
  }

  /** A range deletion between two keys of the distribution (narrow when keys cluster). */
  private WriteOp rangeDelete() {
    byte[] a = key();
    byte[] b = key();
    return Bytes.compare(a, b) <= 0 ? WriteOp.deleteRange(a, b) : WriteOp.deleteRange(b, a);
  }

  /** Applies one write to a database (a batch when it has several ops). */
  public static void apply(StrataDB db, List<WriteOp> ops, WriteOptions wo) {
    if (ops.size() == 1 && ops.get(0).merge()) {
      db.merge(ops.get(0).key(), ops.get(0).value(), wo);
      return;
    }
    if (ops.size() == 1 && !ops.get(0).isRangeDelete()) {
      WriteOp op = ops.get(0);
      if (op.value() == null) {
        db.delete(op.key(), wo);
      } else {
        db.put(op.key(), op.value(), wo);
      }
      return;
    }
    WriteBatch b = new WriteBatch();
    for (WriteOp op : ops) {
      op.addTo(b);
    }
    db.write(b, wo);
  }

  /** Applies one write to the model. */
  public static void apply(ModelDb model, List<WriteOp> ops) {
    for (WriteOp op : ops) {
      op.applyTo(model);
    }
  }

  /** Every live key and value of a database, read with a forward iterator. */
  public static NavigableMap<byte[], byte[]> contents(StrataDB db) {
    TreeMap<byte[], byte[]> out = new TreeMap<>(Bytes.COMPARATOR);
    try (var it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(it.key(), it.value());
      }
    }
    return out;
  }
}
