package dev.strata.version;

import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableHandle;
import dev.strata.sstable.TableProperties;
import dev.strata.sstable.TableReader;
import dev.strata.util.Bytes;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One table file as the levels know it: number, size, key range and sequence range, plus a
 * reference count that keeps the file on disk while anything uses it.
 *
 * <p>Reference protocol: each installed level that lists the file holds one reference, from
 * before it is installed until it is replaced and its last point lookup is done (point lookups pin
 * the installed level, not the file: {@code ConcurrentLevel}); an iterator or a pinned version
 * takes one per file while holding the level's read lock (so the count cannot be zero when it
 * does) and drops it when done. The holder that brings the count to zero hands the file to the
 * obsolete callback, which deletes it on a background thread. Thread-safe: immutable but for two atomics,
 * {@code refs} and {@code allowedReadSamples}, and the table cache's {@link TableCache.Slot}.
 */
public final class FileMetadata {
  /**
   * One read sample that had to look past this file is charged like compacting this many bytes
   * (LevelDB's {@code allowed_seeks}: a wasted seek costs about as much as compacting 16 KiB).
   */
  static final long BYTES_PER_READ_SAMPLE = 16 << 10;

  /** The fewest samples any file may take, so that small files are not compacted at once. */
  static final int MIN_READ_SAMPLES = 100;

  private final long number;
  private final long fileSize;
  private final InternalKey smallest;
  private final InternalKey largest;
  private final long smallestSequence;
  private final long largestSequence;
  private final long entryCount;

  /** Range tombstones in the table's range-deletion block; 0 for most tables. */
  private final long rangeTombstoneCount;

  /**
   * The sequence an ingested table's entries read with (its range tombstones the one below), or
   * 0 for a table the engine wrote; see {@code docs/design/ingestion.md}.
   */
  private final long globalSequence;

  /** References; see the class comment. Starts at 0 until a level adopts the file. */
  private final AtomicInteger refs = new AtomicInteger();

  /**
   * Read samples this file may still take before it is due for a read-triggered compaction; see
   * {@link #chargeReadSample()}. Not persisted: a reopened database starts the count afresh.
   */
  private final AtomicInteger allowedReadSamples;

  /** The reader the table cache last gave for this file; see {@link #acquireTable}. */
  private final TableCache.Slot tableSlot = new TableCache.Slot();

  /** Set once before the file is published to readers; read by the thread that drops it to zero. */
  private volatile Consumer<FileMetadata> onObsolete;

  public FileMetadata(
      long number,
      long fileSize,
      InternalKey smallest,
      InternalKey largest,
      long smallestSequence,
      long largestSequence,
      long entryCount) {
    this(
        number, fileSize, smallest, largest, smallestSequence, largestSequence, entryCount, 0, 0);
  }

  /**
   * As above for a table with {@code rangeTombstoneCount} range tombstones (its key range covers
   * theirs, see {@code docs/format/manifest.md}), ingested at {@code globalSequence} (0: none).
   */
  public FileMetadata(
      long number,
      long fileSize,
      InternalKey smallest,
      InternalKey largest,
      long smallestSequence,
      long largestSequence,
      long entryCount,
      long rangeTombstoneCount,
      long globalSequence) {
    this.globalSequence = globalSequence;
    this.rangeTombstoneCount = rangeTombstoneCount;
    this.number = number;
    this.fileSize = fileSize;
    this.smallest = smallest;
    this.largest = largest;
    this.smallestSequence = smallestSequence;
    this.largestSequence = largestSequence;
    this.entryCount = entryCount;
    long samples = Math.max(MIN_READ_SAMPLES, fileSize / BYTES_PER_READ_SAMPLE);
    this.allowedReadSamples = new AtomicInteger((int) Math.min(Integer.MAX_VALUE, samples));
  }

  /**
   * The metadata of a finished table: its key range covers its point entries and its range
   * tombstones, whose bounds carry the largest trailer (sorting before every entry of their user
   * key).
   */
  public static FileMetadata ofTable(
      long number, TableProperties props, FragmentedRangeTombstones pieces) {
    InternalKey[] range = keyRange(props, pieces);
    return new FileMetadata(
        number,
        props.fileSize(),
        range[0],
        range[1],
        props.smallestSequence(),
        props.largestSequence(),
        props.entryCount(),
        props.rangeTombstoneCount(),
        0);
  }

  /** The smallest and largest key of {@link #ofTable}: entries' and tombstones' bounds. */
  private static InternalKey[] keyRange(TableProperties props, FragmentedRangeTombstones pieces) {
    InternalKey smallest = props.isEmpty() ? null : InternalKey.decode(props.smallestKey());
    InternalKey largest = props.isEmpty() ? null : InternalKey.decode(props.largestKey());
    if (!pieces.isEmpty()) {
      long sentinel = Trailer.pack(Trailer.MAX_SEQUENCE, ValueKind.RANGE_DELETE);
      InternalKey start = new InternalKey(pieces.smallestKey(), sentinel);
      InternalKey end = new InternalKey(lastCoveredKey(pieces.largestEnd()), sentinel);
      smallest = smallest == null || start.compareTo(smallest) < 0 ? start : smallest;
      largest = largest == null || end.compareTo(largest) > 0 ? end : largest;
    }
    return new InternalKey[] {smallest, largest};
  }

  /**
   * The metadata of an external table ingested as number {@code number} at {@code
   * globalSequence}: its key range as {@link #ofTable} gives it, with its entries' trailers at the
   * global sequence, and its sequences those it reads with.
   */
  public static FileMetadata ofIngested(
      long number,
      TableProperties props,
      FragmentedRangeTombstones pieces,
      long globalSequence) {
    InternalKey[] range = keyRange(props, pieces);
    return new FileMetadata(
        number,
        props.fileSize(),
        atSequence(range[0], globalSequence),
        atSequence(range[1], globalSequence),
        pieces.isEmpty() ? globalSequence : globalSequence - 1,
        globalSequence,
        props.entryCount(),
        props.rangeTombstoneCount(),
        globalSequence);
  }

  /** {@code key} at {@code sequence}, unless it is a range tombstone bound (kept as it is). */
  private static InternalKey atSequence(InternalKey key, long sequence) {
    if (Trailer.kindCode(key.trailer()) == ValueKind.RANGE_DELETE.code()) {
      return key;
    }
    return new InternalKey(key.userKey(), Trailer.withSequence(key.trailer(), sequence));
  }

  /**
   * The user key to record as the largest a tombstone ending (exclusively) at {@code end} covers:
   * {@code end} without its last byte when that byte is 0x00 (exactly the last key covered, so a
   * file cut after key k, whose tombstones end at k + 0x00, ends at k), otherwise {@code end}
   * itself, one past what is covered: key ranges are inclusive, and the next file of a level
   * cannot start at {@code end} since a compaction that wrote it would have taken this one in.
   */
  public static byte[] lastCoveredKey(byte[] end) {
    if (end.length > 0 && end[end.length - 1] == 0) {
      return java.util.Arrays.copyOf(end, end.length - 1);
    }
    return end;
  }

  public long number() {
    return number;
  }

  public long fileSize() {
    return fileSize;
  }

  public InternalKey smallest() {
    return smallest;
  }

  public InternalKey largest() {
    return largest;
  }

  public byte[] smallestUserKey() {
    return smallest.userKey();
  }

  public byte[] largestUserKey() {
    return largest.userKey();
  }

  public long smallestSequence() {
    return smallestSequence;
  }

  public long largestSequence() {
    return largestSequence;
  }

  public long entryCount() {
    return entryCount;
  }

  /** Range tombstones in the table; readers open only tables with some to collect them. */
  public long rangeTombstoneCount() {
    return rangeTombstoneCount;
  }

  public boolean hasRangeTombstones() {
    return rangeTombstoneCount > 0;
  }

  /** The sequence an ingested table reads with, or 0 for a table the engine wrote. */
  public long globalSequence() {
    return globalSequence;
  }

  /**
   * A handle on this file's open reader from {@code tables}, the one this metadata remembers if
   * the cache still holds it (no lookup in the cache's map).
   *
   * @throws dev.strata.CorruptionException if the file is missing or fails a check on open
   * @throws IOException if reading fails
   * @throws IllegalStateException if the cache is closed
   */
  public TableHandle acquireTable(TableCache tables) throws IOException {
    return tables.acquire(number, fileSize, globalSequence, tableSlot);
  }

  /**
   * The open reader of this table that point lookups may use without a reference, or null; see
   * {@link TableCache#unreferencedReader}, whose requirements the caller meets (a pinned level).
   */
  public TableReader unreferencedReader(TableCache tables) {
    return tables.unreferencedReader(number, tableSlot);
  }

  /** Whether the user key range [begin, end] (null = unbounded) overlaps this file's. */
  public boolean overlaps(byte[] begin, byte[] end) {
    return (end == null || Bytes.compare(smallest.userKey(), end) <= 0)
        && (begin == null || Bytes.compare(largest.userKey(), begin) >= 0);
  }

  /** Whether {@code userKey} is within this file's user key range. */
  public boolean mayContainKey(byte[] userKey) {
    return Bytes.compare(userKey, smallest.userKey()) >= 0
        && Bytes.compare(userKey, largest.userKey()) <= 0;
  }

  /**
   * Charges one read sample that found this file and at least one older file overlapping the
   * sampled key: reads pay for each extra file, and a file that has cost readers enough is worth
   * compacting into the level below.
   *
   * @return whether the allowance is used up: true from the charge that uses it up on, so that a
   *     file that stays where it is (its compaction aborted, or another file was due first) is
   *     made due again by its next charge
   */
  public boolean chargeReadSample() {
    return allowedReadSamples.updateAndGet(n -> n > 0 ? n - 1 : 0) == 0;
  }

  /** Read samples left before the file is due; for tests. */
  public int allowedReadSamplesForTesting() {
    return allowedReadSamples.get();
  }

  void setOnObsolete(Consumer<FileMetadata> callback) {
    this.onObsolete = callback;
  }

  /** Takes a reference. Requires: the caller holds a reference or the owning level's lock. */
  public void ref() {
    int before = refs.getAndIncrement();
    assert before >= 0 : "ref of released file " + number;
  }

  /** Drops a reference; the last one hands the file to the obsolete callback. */
  public void unref() {
    int after = refs.decrementAndGet();
    assert after >= 0 : "unref below zero for file " + number;
    if (after == 0) {
      Consumer<FileMetadata> cb = onObsolete;
      if (cb != null) {
        cb.accept(this);
      }
    }
  }

  /** Current reference count; for tests and assertions. */
  public int refCountForTesting() {
    return refs.get();
  }

  @Override
  public String toString() {
    return "#"
        + number
        + "["
        + smallest
        + " .. "
        + largest
        + "] "
        + fileSize
        + "B"
        + (globalSequence == 0 ? "" : " ingested@" + globalSequence);
  }
}
