package dev.strata.engine;

import dev.strata.MergeOperator;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.memtable.Memtable;
import dev.strata.sstable.TableReader;
import dev.strata.version.VersionSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * The point lookup of a key whose newest visible version is a merge operand (RocksDB's {@code
 * MergeContext} in {@code DBImpl::GetImpl}, Pebble's {@code getIter} with a merge): it collects the
 * key's operands newest first from the memtables, then from the tables a get consults level by
 * level (their bloom filters and point lookups first, their iterators only where the key has
 * operands), down to the first full value, deletion or covering range tombstone, and calls the
 * merge operator once.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>Sources are read newest first: the active memtable, the immutable ones newest first, then
 *       levels 0 to 6 (level 0 newest file first). By the level order (see {@code
 *       ConcurrentLevel}) every version of the key in a source is newer than every version below
 *       it, so the operands arrive newest first and the first value or deletion ends the chain.
 *   <li>A source's own range tombstones (an ingested table's read one below its entries) hide its
 *       versions at or below their sequence and, as for a get, everything below the source: a
 *       tombstone covering the key ends the chain after that source.
 *   <li>Every operand counts once. The memtables and levels are read as one version: the lookup
 *       starts when no install is in progress and is read again if one began meanwhile ({@link
 *       VersionSet#installsQuiet}, as an iterator over merge operands does). Without that, a read
 *       could see a memtable and the table its flush wrote, or a compaction's input and an output
 *       that folded the same operands, and count operands twice, or miss those folded into an
 *       output it reached after leaving the input.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * Stateless but for references to the engine's pieces; thread-safe. Each lookup's operands live in
 * its own {@link Chain}. No lock is held across I/O: shard and level read locks are taken one at a
 * time by the memtables' and levels' own lookups.
 *
 * <h2>Failure</h2>
 *
 * A table read that fails raises {@code UncheckedIOException} (the read path reports it). A
 * missing, throwing or null-returning operator raises {@code StrataException} from {@link
 * Merging#fullMerge}; nothing is written, so nothing is corrupted.
 */
final class MergeLookup {
  private final Supplier<MemtableSet> memtables;
  private final VersionSet versions;

  /** Null if the database has none: a key with operands then fails to read (see Merging). */
  private final MergeOperator operator;

  MergeLookup(Supplier<MemtableSet> memtables, VersionSet versions, MergeOperator operator) {
    this.memtables = memtables;
    this.versions = versions;
    this.operator = operator;
  }

  /**
   * The value of {@code key} at {@code seq}: its operands merged onto the value below them, the
   * newest value if it has no operands on top, or null if absent or deleted.
   *
   * <p>Requires: {@code seq} is registered (a snapshot, or one acquired for the call), so that no
   * compaction drops a version the lookup sees; no lock held. May block on I/O, and spins while an
   * install swaps its pointers.
   *
   * @throws dev.strata.StrataException if the key has operands and the operator is missing,
   *     throws or returns null
   * @throws java.io.UncheckedIOException if reading a table fails
   */
  byte[] get(byte[] key, long seq, boolean verifyChecksums, boolean fillCache, ReadHook hook) {
    Chain chain = new Chain(key, seq, verifyChecksums, fillCache);
    for (int spins = 0; ; spins++) {
      long quiet = versions.installsQuiet();
      if (quiet < 0) {
        // An install is swapping pointers (no I/O): wait it out as openIterator does.
        if (spins % 64 == 63) {
          Thread.yield();
        } else {
          Thread.onSpinWait();
        }
        continue;
      }
      chain.clear();
      // The memtable set is read after the install count: an install that completes in between
      // is then either in both or in neither.
      collect(chain, memtables.get(), hook);
      if (!versions.installsSince(quiet)) {
        return chain.result(operator);
      }
    }
  }

  private void collect(Chain chain, MemtableSet m, ReadHook hook) {
    chain.fromMemtable(m.active);
    for (int i = 0; i < m.immutables.size() && !chain.done; i++) {
      chain.fromMemtable(m.immutables.get(i).memtable());
    }
    if (chain.done) {
      return;
    }
    hook.at(ReadHook.Step.MERGE_MEMTABLES_READ, -1);
    for (int level = 0; level < VersionSet.NUM_LEVELS && !chain.done; level++) {
      versions.level(level).forEachTableForKey(chain.key, chain::fromTable);
      if (!chain.done) {
        hook.at(ReadHook.Step.MERGE_LEVEL_READ, level);
      }
    }
  }

  /** One lookup's key and what it has collected. Confined to the reading thread. */
  private static final class Chain {
    final byte[] key;
    final long seq;
    final long keyHash;
    final boolean verifyChecksums;
    final boolean fillCache;

    /** Operands newest first. */
    final List<byte[]> operands = new ArrayList<>();

    /** The value below the operands, or null (none yet, a deletion, or nothing). */
    byte[] base;

    /** Whether a value, deletion or covering range tombstone ended the chain. */
    boolean done;

    /** Sequence of the last version taken, to skip one a newer source already gave. */
    long last;

    Chain(byte[] key, long seq, boolean verifyChecksums, boolean fillCache) {
      this.key = key;
      this.seq = seq;
      this.keyHash = TableReader.keyHash(key);
      this.verifyChecksums = verifyChecksums;
      this.fillCache = fillCache;
    }

    void clear() {
      operands.clear();
      base = null;
      done = false;
      last = Long.MAX_VALUE;
    }

    /**
     * Takes the memtable's versions. Its get tells first (one seek) whether it holds anything the
     * read sees: only a memtable whose newest visible version is an operand is walked.
     */
    void fromMemtable(Memtable memtable) {
      byte[] r = memtable.get(key, seq);
      if (r == null) {
        return;
      }
      if (!Lookup.isMerge(r)) {
        end(r);
        return;
      }
      long covering = memtable.rangeTombstones().coveringSequence(key, seq);
      try (InternalIterator it = memtable.newIteratorForKey(key)) {
        walk(it, covering);
      }
    }

    /**
     * Takes the table's versions, as {@link #fromMemtable}: its point lookup (bloom filter,
     * index, one block) tells first, and only a table holding operands the read sees is walked.
     *
     * @return whether older tables are still needed
     */
    boolean fromTable(TableReader table) {
      byte[] r = table.get(key, keyHash, seq, verifyChecksums, fillCache, false);
      if (r == null) {
        return true;
      }
      if (!Lookup.isMerge(r)) {
        end(r);
        return false;
      }
      long covering = table.rangeTombstones().coveringSequence(key, seq);
      try (InternalIterator it = table.newIterator(verifyChecksums, fillCache)) {
        walk(it, covering);
      }
      return !done;
    }

    /** The source's newest visible version is a value or a deletion ({@link Lookup#DELETED}). */
    private void end(byte[] r) {
      base = Lookup.isDeleted(r) ? null : r;
      done = true;
    }

    /**
     * Takes the versions of {@code key} at or below {@code seq} that {@code it} holds, newest
     * first, down to a value or a deletion; {@code covering} is the sequence of the source's
     * newest visible range tombstone over the key, or -1.
     */
    private void walk(InternalIterator it, long covering) {
      it.seek(key, Trailer.seekTrailer(seq));
      for (; it.isValid() && Arrays.equals(it.userKey(), key); it.next()) {
        long trailer = it.trailer();
        long s = Trailer.sequence(trailer);
        if (s > seq || s >= last) {
          // Above the read (an ingested table's seek lands on its one version), or a version a
          // newer source already gave.
          continue;
        }
        last = s;
        if (s <= covering || Trailer.isDelete(trailer)) {
          done = true;
          return;
        }
        if (!Trailer.isMerge(trailer)) {
          base = it.value();
          done = true;
          return;
        }
        operands.add(it.value());
      }
      if (covering >= 0) {
        // The tombstone is older than the operands above it but newer than every version below
        // this source (the level order), as a get assumes.
        done = true;
      }
    }

    /** The merged value: one call of the operator, with the operands oldest first. */
    byte[] result(MergeOperator operator) {
      if (operands.isEmpty()) {
        return base;
      }
      List<byte[]> oldestFirst = new ArrayList<>(operands);
      Collections.reverse(oldestFirst);
      return Merging.fullMerge(operator, key, base, oldestFirst);
    }
  }
}
