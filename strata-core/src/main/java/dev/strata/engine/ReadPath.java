package dev.strata.engine;

import dev.strata.DBIterator;
import dev.strata.MergeOperator;
import dev.strata.PrefixExtractor;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataException;
import dev.strata.HistogramType;
import dev.strata.Ticker;
import dev.strata.compaction.CompactionStats;
import dev.strata.observe.SlowGetEvent;
import dev.strata.stats.StatsRecorder;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.RangeTombstone;
import dev.strata.key.Lookup;
import dev.strata.key.MergingIterator;
import dev.strata.sstable.PrefixBound;
import dev.strata.sstable.TableReader;
import dev.strata.version.VersionSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The read path: point lookups and iterators over the memtables, then the levels top down (LevelDB
 * {@code DBImpl::Get}, Pebble {@code get_iter.go}).
 *
 * <h2>Invariants</h2>
 *
 * A read at sequence {@code s} first reads {@code s}, then the memtable set: every write at or
 * below {@code s} is then in that set or already installed in a level. Levels are read top down,
 * each under its own read lock only while choosing files; {@code VersionSet} installs bottom
 * level first, so a version the read has not reached yet stays in a level it will still read.
 *
 * <h2>Concurrency</h2>
 *
 * Stateless but for references to the engine's pieces; thread-safe. Holds no lock across I/O:
 * shard and level read locks are taken one at a time, only to find and pin what to read.
 */
final class ReadPath {
  private final DbStatus status;
  private final WriteController writes;

  /** The column family this path reads; its memtables, levels and settings. */
  private final ColumnFamily family;

  private final VersionSet versions;
  private final SnapshotList snapshots;
  private final BackgroundJobs jobs;
  private final CompactionStats stats;
  private final Observability obs;
  private final StatsRecorder recorder;

  /** Combines merge operands on reads; null if the database has none. */
  private final MergeOperator mergeOperator;

  /** The database's prefix extractor, for prefix-bounded iterators; null if none. */
  private final PrefixExtractor prefixExtractor;

  /**
   * {@link ReadHook#NONE} but in tests; written by a test thread before it reads from that same
   * thread, so it needs no fence (other threads' reads may see either value, and run no hook).
   */
  private ReadHook hook = ReadHook.NONE;

  /** The database's guard of memtable reads; see {@link MemtableReaders}. */
  private final MemtableReaders memtableReaders;

  ReadPath(
      DbStatus status,
      WriteController writes,
      ColumnFamily family,
      SnapshotList snapshots,
      BackgroundJobs jobs,
      CompactionStats stats,
      Observability obs) {
    this.family = family;
    this.versions = family.versions;
    this.mergeOperator = family.options.mergeOperator();
    this.prefixExtractor = family.options.prefixExtractor();
    this.obs = obs;
    this.recorder = obs.recorder;
    this.status = status;
    this.writes = writes;
    this.snapshots = snapshots;
    this.jobs = jobs;
    this.stats = stats;
    this.memtableReaders = writes.memtableReaders;
  }

  void setHookForTesting(ReadHook hook) {
    this.hook = hook;
  }

  /**
   * See {@link dev.strata.StrataDB#get(byte[], ReadOptions)}.
   *
   * <p>A get without a snapshot reads at the visible sequence without registering it, which costs
   * nothing shared. Unregistered, it is exposed to one race: a newer version of its key written,
   * flushed and compacted together with the version it should see while it is between two level
   * reads drops that version (no snapshot separates them), and the get would find only the newer
   * one. Tables report that case ({@link Lookup#NEWER_ONLY}); the get then reads again at a fresh,
   * registered sequence, which no compaction can undercut. The answer is one that held during
   * the call. The retry happens only when a table holds the key above the read's sequence, i.e.
   * a write of that very key was flushed during the read.
   */
  byte[] get(byte[] key, ReadOptions ro) {
    // One get in StatsRecorder.LATENCY_SAMPLE is timed for the histogram; at that level, every get
    // while a JFR recording watches for slow ones. Below it nothing is timed and JFR not asked.
    long start = recorder.startSampledTimer();
    boolean sampled = start != 0;
    if (!sampled && recorder.timed() && SlowGetEvent.watched()) {
      start = System.nanoTime();
    }
    byte[] r = getUntimed(key, ro);
    if (r != null) {
      recorder.found(r.length);
    }
    if (start != 0) {
      long nanos = System.nanoTime() - start;
      if (sampled) {
        recorder.recordSampled(HistogramType.GET_NANOS, nanos);
      }
      if (nanos >= obs.slowGetNanos) {
        slowGet(key, nanos, r != null);
      }
    }
    return r;
  }

  /** Raises a JFR {@code dev.strata.SlowGet} event, if a recording enables it. */
  private void slowGet(byte[] key, long nanos, boolean found) {
    SlowGetEvent event = new SlowGetEvent();
    if (event.shouldCommit()) {
      event.db = obs.name;
      event.nanos = nanos;
      event.keyBytes = key.length;
      event.found = found;
      event.commit();
    }
  }

  private byte[] getUntimed(byte[] key, ReadOptions ro) {
    status.checkOpen();
    stats.gets.increment();
    Snapshot snapshot = ro.snapshot();
    if (snapshot != null) {
      long seq = snapshots.sequenceOf(snapshot);
      byte[] r = getAt(key, seq, false, ro);
      return Lookup.isMerge(r) ? mergedGet(key, seq, ro) : r;
    }
    // The sequence must be read before the memtable set: every write at or below it is then in
    // that set or already installed in a level (see the class invariants).
    byte[] r = getAt(key, writes.visibleSequence(), true, ro);
    if (!Lookup.isNewerOnly(r) && !Lookup.isMerge(r)) {
      return r;
    }
    long registered = snapshots.acquire(writes::visibleSequence);
    try {
      r = getAt(key, registered, false, ro);
      return Lookup.isMerge(r) ? mergedGet(key, registered, ro) : r;
    } finally {
      snapshots.release(registered);
    }
  }

  /**
   * The value of {@code key} at {@code seq}, null if absent or deleted, or, if {@code
   * unregistered}, possibly {@link Lookup#NEWER_ONLY} (see {@link #get}).
   */
  private byte[] getAt(byte[] key, long seq, boolean unregistered, ReadOptions ro) {
    hook.at(ReadHook.Step.GET_SEQUENCE_READ, -1);
    byte[] r = memtableGet(key, seq);
    if (r != null) {
      stats.memtableHits.increment();
      // Memtables return a copy of the value, which the caller may keep (or MERGE).
      return Lookup.isDeleted(r) ? null : r;
    }
    hook.at(ReadHook.Step.GET_MEMTABLES_READ, -1);
    long keyHash = TableReader.keyHash(key);
    try {
      for (int i = 0; i < VersionSet.NUM_LEVELS && r == null; i++) {
        r =
            versions
                .level(i)
                .get(key, keyHash, seq, ro.verifyChecksums(), ro.fillCache(), unregistered);
        if (r == null) {
          hook.at(ReadHook.Step.GET_LEVEL_READ, i);
        }
      }
    } catch (UncheckedIOException e) {
      throw readFailure(e.getCause());
    } catch (IllegalStateException e) {
      status.checkOpen();
      throw e;
    }
    // A table returns a fresh array (TableReader#get), which the caller may own (or MERGE).
    return r == null || Lookup.isDeleted(r) ? null : r;
  }

  /**
   * The value of {@code key} at the registered sequence {@code seq} when its newest version is a
   * merge operand: the operands and the version below them are collected in key order by an
   * iterator over the one key, which combines them as a scan does (see {@link UserKeyIterator}).
   */
  private byte[] mergedGet(byte[] key, long seq, ReadOptions ro) {
    recorder.increment(Ticker.MERGE_READS);
    byte[] upper = java.util.Arrays.copyOf(key, key.length + 1);
    ReadOptions one =
        ReadOptions.builder()
            .verifyChecksums(ro.verifyChecksums())
            .fillCache(ro.fillCache())
            .lowerBound(key)
            .upperBound(upper)
            .build();
    try (DBIterator it = openIterator(seq, one, () -> {})) {
      it.seek(key);
      return it.isValid() ? it.value() : null;
    }
  }

  /**
   * See {@link dev.strata.StrataDB#multiGet(List, ReadOptions)}. Every key is read at one sequence:
   * the options' snapshot, or one registered for the call (so that no compaction drops a version
   * it sees while the call runs). The memtables are consulted for every key, then each level for
   * the keys not yet found, in key order ({@link dev.strata.version.ConcurrentLevel#multiGet}).
   * Each key still consults memtables before level 0 and level i before level i + 1, which is
   * the order the class invariants make safe while flushes and compactions install.
   */
  List<byte[]> multiGet(List<byte[]> keyList, ReadOptions ro) {
    status.checkOpen();
    int n = keyList.size();
    byte[][] keys = new byte[n][];
    for (int i = 0; i < n; i++) {
      keys[i] = java.util.Objects.requireNonNull(keyList.get(i), "key must not be null");
    }
    stats.gets.add(n);
    byte[][] results = new byte[n][];
    if (n == 0) {
      return java.util.Arrays.asList(results);
    }
    Snapshot snapshot = ro.snapshot();
    long seq = snapshot != null ? snapshots.sequenceOf(snapshot) : snapshots.acquire(writes::visibleSequence);
    try {
      multiGetAt(keys, seq, ro, results);
      for (int i = 0; i < n; i++) {
        if (Lookup.isMerge(results[i])) {
          results[i] = mergedGet(keys[i], seq, ro);
        }
      }
    } finally {
      if (snapshot == null) {
        snapshots.release(seq);
      }
    }
    for (int i = 0; i < n; i++) {
      if (results[i] != null && Lookup.isDeleted(results[i])) {
        results[i] = null;
      }
    }
    return java.util.Arrays.asList(results);
  }

  private void multiGetAt(byte[][] keys, long seq, ReadOptions ro, byte[][] results) {
    int n = keys.length;
    boolean[] found = new boolean[n];
    int pending = 0;
    int stripe = memtableReaders.enter();
    try {
      MemtableSet m = family.mems;
      for (int i = 0; i < n; i++) {
        byte[] r = m.get(keys[i], seq);
        if (r != null) {
          stats.memtableHits.increment();
          results[i] = r;
          found[i] = true;
        } else {
          pending++;
        }
      }
    } finally {
      memtableReaders.exit(stripe);
    }
    if (pending == 0) {
      return;
    }
    int[] order = new int[pending];
    Integer[] boxed = new Integer[pending];
    for (int i = 0, k = 0; i < n; i++) {
      if (!found[i]) {
        boxed[k++] = i;
      }
    }
    java.util.Arrays.sort(boxed, (a, b) -> dev.strata.util.Bytes.compare(keys[a], keys[b]));
    long[] hashes = new long[n];
    for (int k = 0; k < pending; k++) {
      order[k] = boxed[k];
      hashes[order[k]] = TableReader.keyHash(keys[order[k]]);
    }
    try {
      for (int level = 0; level < VersionSet.NUM_LEVELS; level++) {
        versions
            .level(level)
            .multiGet(
                keys, hashes, order, pending, found, results, seq, ro.verifyChecksums(),
                ro.fillCache());
      }
    } catch (UncheckedIOException e) {
      throw readFailure(e.getCause());
    } catch (IllegalStateException e) {
      status.checkOpen();
      throw e;
    }
  }

  /**
   * See {@link dev.strata.StrataDB#keyMayExist(byte[], ReadOptions)}: the memtables at the read's
   * sequence, then the bloom filter of every table that could hold the key; no data block is read.
   */
  boolean keyMayExist(byte[] key, ReadOptions ro) {
    status.checkOpen();
    Snapshot snapshot = ro.snapshot();
    long seq = snapshot != null ? snapshots.sequenceOf(snapshot) : writes.visibleSequence();
    byte[] r = memtableGet(key, seq);
    if (r != null) {
      // The newest version the read sees is in a memtable: a value or merge operand, or a
      // deletion that hides every older version.
      return !Lookup.isDeleted(r);
    }
    long keyHash = TableReader.keyHash(key);
    try {
      for (int level = 0; level < VersionSet.NUM_LEVELS; level++) {
        if (versions.level(level).mayContain(key, keyHash)) {
          return true;
        }
      }
      return false;
    } catch (UncheckedIOException e) {
      throw readFailure(e.getCause());
    } catch (IllegalStateException e) {
      status.checkOpen();
      throw e;
    }
  }

  /**
   * The memtables' answer for {@code key} at {@code seq} (see {@link MemtableSet#get}), read as one
   * read of {@link MemtableReaders}: the set loaded and its memtables read inside it.
   */
  private byte[] memtableGet(byte[] key, long seq) {
    int stripe = memtableReaders.enter();
    try {
      MemtableSet m = family.mems;
      hook.at(ReadHook.Step.GET_MEMTABLES_LOADED, -1);
      return m.get(key, seq);
    } finally {
      memtableReaders.exit(stripe);
    }
  }

  private RuntimeException readFailure(IOException e) {
    status.checkOpen();
    return new StrataException("read failed in " + status.dir() + ": " + e.getMessage(), e);
  }

  private static void releaseAll(List<MemtablePin> pins) {
    for (MemtablePin p : pins) {
      p.release();
    }
  }

  /**
   * See {@link dev.strata.StrataDB#newIterator(ReadOptions)}. A prefix-bounded iterator shares one
   * {@link PrefixBound} with its table iterators, which skip a table's point entries when its
   * prefix filter rules the bound's prefix out. Range tombstones are gathered from every table
   * regardless (by {@code ConcurrentLevel.newIterator}), so a skipped table's range deletions
   * still hide keys of other tables.
   */
  DBIterator newIterator(ReadOptions ro) {
    status.checkOpen();
    PrefixBound prefix =
        ro.prefixSameAsStart() && prefixExtractor != null
            ? new PrefixBound(prefixExtractor)
            : null;
    long seq;
    Runnable release;
    Snapshot snapshot = ro.snapshot();
    if (snapshot != null) {
      seq = snapshots.sequenceOf(snapshot);
      release = () -> {};
    } else {
      long s = snapshots.acquire(writes::visibleSequence);
      seq = s;
      release = () -> snapshots.release(s);
    }
    return openIterator(seq, ro, release);
  }

  /**
   * An iterator at the registered sequence {@code seq} (the options' snapshot is not consulted);
   * {@code release} runs when it closes, or at once if opening fails.
   */
  private DBIterator openIterator(long seq, ReadOptions ro, Runnable release) {
    if (mergeOperator == null) {
      return openIteratorOnce(seq, ro, release);
    }
    // Merge operands must be counted once: the memtables and levels are pinned as one version,
    // never the memtable and the table its flush wrote, or a compaction's inputs and its outputs
    // (which may hold the inputs' operands folded). Installs mark only their pointer swaps, so a
    // retry waits for no I/O but a flush's log line.
    for (int spins = 0; ; spins++) {
      long quiet = versions.installsQuiet();
      if (quiet < 0) {
        if (spins % 64 == 63) {
          Thread.yield();
        } else {
          Thread.onSpinWait();
        }
        continue;
      }
      boolean[] kept = {false};
      DBIterator it;
      try {
        it = openIteratorOnce(seq, ro, () -> {
          if (kept[0]) {
            release.run();
          }
        });
      } catch (RuntimeException e) {
        release.run();
        throw e;
      }
      if (!versions.installsSince(quiet)) {
        kept[0] = true;
        return it;
      }
      it.close();
    }
  }

  /**
   * One attempt of {@link #openIterator}. A prefix-bounded iterator shares one {@link PrefixBound}
   * with its table iterators, which skip a table's point entries when its prefix filter rules the
   * bound's prefix out. Range tombstones are gathered from every table regardless (by {@code
   * ConcurrentLevel.newIterator}), so a skipped table's range deletions still hide keys of other
   * tables.
   */
  private DBIterator openIteratorOnce(long seq, ReadOptions ro, Runnable release) {
    PrefixBound prefix =
        ro.prefixSameAsStart() && prefixExtractor != null
            ? new PrefixBound(prefixExtractor)
            : null;
    List<InternalIterator> children = new ArrayList<>();
    List<MemtablePin> pins = List.of();
    List<RangeTombstone> rangeTombstones = new ArrayList<>();
    try {
      hook.at(ReadHook.Step.ITERATOR_SEQUENCE_READ, -1);
      // Retained for the memory figures and so that a flushed memtable's memory is not reused
      // while the iterator reads it; entered as a read until then, so that the flush that removes
      // a memtable this iterator found waits for the retain (MemtableReaders).
      int stripe = memtableReaders.enter();
      try {
        MemtableSet m = family.mems;
        hook.at(ReadHook.Step.ITERATOR_MEMTABLES_LOADED, -1);
        pins = m.pins();
        for (MemtablePin p : pins) {
          p.retain();
        }
      } finally {
        memtableReaders.exit(stripe);
      }
      for (MemtablePin p : pins) {
        children.add(p.memtable.newIterator());
        rangeTombstones.addAll(p.memtable.rangeTombstones().toTombstones());
      }
      hook.at(ReadHook.Step.ITERATOR_MEMTABLES_PINNED, -1);
      for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
        children.add(
            versions
                .level(i)
                .newIterator(ro.verifyChecksums(), ro.fillCache(), rangeTombstones, prefix));
        hook.at(ReadHook.Step.ITERATOR_LEVEL_PINNED, i);
      }
    } catch (UncheckedIOException e) {
      new MergingIterator(children).close();
      releaseAll(pins);
      release.run();
      throw readFailure(e.getCause());
    } catch (RuntimeException e) {
      new MergingIterator(children).close();
      releaseAll(pins);
      release.run();
      throw e;
    }
    // Range tombstones as the iterator's sequence sees them: the newest visible one per fragment.
    FragmentedRangeTombstones ranges =
        rangeTombstones.isEmpty()
            ? FragmentedRangeTombstones.EMPTY
            : FragmentedRangeTombstones.of(rangeTombstones).visibleAt(seq);
    List<MemtablePin> retained = pins;
    return new StatsIterator(recorder, new UserKeyIterator(
        status,
        key -> jobs.recordReadSample(family, key),
        new MergingIterator(children),
        seq,
        ranges,
        ro.lowerBound(),
        ro.upperBound(),
        mergeOperator,
        prefix,
        () -> {
          releaseAll(retained);
          release.run();
        }));
  }
}
