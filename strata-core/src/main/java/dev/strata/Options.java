package dev.strata;

import dev.strata.fs.FileSystem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

/**
 * How a database is opened and tuned. Immutable and thread-safe; build with {@link #builder()} or
 * take {@link #defaults()}. {@link #toBuilder()} copies an instance for a variant.
 *
 * <p>Defaults mirror RocksDB's where both engines have the setting: 64 MiB memtable, 4 KiB blocks,
 * 10 bloom bits per key, 64 MiB block cache, LZ4, level-0 triggers 4 / 20 / 36, level size
 * multiplier 10, 64 MiB target file size.
 */
public final class Options {
  private static final Options DEFAULTS = builder().build();

  private final boolean createIfMissing;
  private final boolean errorIfExists;
  private final MemtableKind memtable;
  private final int memtableShards;
  private final long memtableSizeBytes;
  private final int maxImmutableMemtables;
  private final long maxTotalWalBytes;
  private final Duration writeStallTimeout;
  private final boolean backgroundCompaction;
  private final boolean readTriggeredCompaction;
  private final ExecutorService backgroundExecutor;
  private final WalRecoveryMode walRecoveryMode;
  private final boolean reuseLogs;
  private final boolean flushOnClose;
  private final boolean memtableValuesOffHeap;
  private final int blockSizeBytes;
  private final int blockRestartInterval;
  private final Compression compression;
  private final int bloomBitsPerKey;
  private final PrefixExtractor prefixExtractor;
  private final long blockCacheBytes;

  /** Whether {@link Builder#blockCacheBytes} was called: a cache of the database's own. */
  private final boolean ownBlockCache;

  private final Cache blockCache;
  private final WriteBufferManager writeBufferManager;
  private final int maxOpenFiles;
  private final boolean mmapReads;
  private final boolean infoLog;
  private final long infoLogMaxBytes;
  private final int infoLogFilesToKeep;
  private final int level0CompactionTrigger;
  private final int level0SlowdownTrigger;
  private final int level0StopTrigger;
  private final int levelSizeMultiplier;
  private final long maxBytesForLevelBase;
  private final long targetFileSizeBytes;
  private final FileSystem fileSystem;
  private final String name;
  private final StatisticsLevel statisticsLevel;
  private final List<EventListener> listeners;
  private final Duration statsDumpPeriod;
  private final long backgroundIoBytesPerSecond;
  private final boolean jmx;
  private final Duration slowGetThreshold;
  private final MergeOperator mergeOperator;
  private final CompactionFilter compactionFilter;
  private final java.util.Map<String, ColumnFamilyOptions> columnFamilyOptions;

  private Options(Builder b) {
    this.createIfMissing = b.createIfMissing;
    this.errorIfExists = b.errorIfExists;
    this.memtable = b.memtable;
    this.memtableShards = b.memtableShards;
    this.memtableSizeBytes = b.memtableSizeBytes;
    this.maxImmutableMemtables = b.maxImmutableMemtables;
    this.maxTotalWalBytes = b.maxTotalWalBytes;
    this.writeStallTimeout = b.writeStallTimeout;
    this.backgroundCompaction = b.backgroundCompaction;
    this.readTriggeredCompaction = b.readTriggeredCompaction;
    this.backgroundExecutor = b.backgroundExecutor;
    this.walRecoveryMode = b.walRecoveryMode;
    this.reuseLogs = b.reuseLogs;
    this.flushOnClose = b.flushOnClose;
    this.memtableValuesOffHeap = b.memtableValuesOffHeap;
    this.blockSizeBytes = b.blockSizeBytes;
    this.blockRestartInterval = b.blockRestartInterval;
    this.compression = b.compression;
    this.bloomBitsPerKey = b.bloomBitsPerKey;
    this.prefixExtractor = b.prefixExtractor;
    this.blockCacheBytes = b.blockCacheBytes;
    this.ownBlockCache = b.ownBlockCache;
    this.blockCache = b.blockCache;
    this.writeBufferManager = b.writeBufferManager;
    this.maxOpenFiles = b.maxOpenFiles;
    this.mmapReads = b.mmapReads;
    this.infoLog = b.infoLog;
    this.infoLogMaxBytes = b.infoLogMaxBytes;
    this.infoLogFilesToKeep = b.infoLogFilesToKeep;
    this.level0CompactionTrigger = b.level0CompactionTrigger;
    this.level0SlowdownTrigger = b.level0SlowdownTrigger;
    this.level0StopTrigger = b.level0StopTrigger;
    this.levelSizeMultiplier = b.levelSizeMultiplier;
    this.maxBytesForLevelBase = b.maxBytesForLevelBase;
    this.targetFileSizeBytes = b.targetFileSizeBytes;
    this.fileSystem = b.fileSystem;
    this.name = b.name;
    this.statisticsLevel = b.statisticsLevel;
    this.listeners = List.copyOf(b.listeners);
    this.statsDumpPeriod = b.statsDumpPeriod;
    this.backgroundIoBytesPerSecond = b.backgroundIoBytesPerSecond;
    this.jmx = b.jmx;
    this.slowGetThreshold = b.slowGetThreshold;
    this.mergeOperator = b.mergeOperator;
    this.compactionFilter = b.compactionFilter;
    this.columnFamilyOptions = java.util.Map.copyOf(b.columnFamilyOptions);
  }

  public static Options defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public boolean createIfMissing() {
    return createIfMissing;
  }

  public boolean errorIfExists() {
    return errorIfExists;
  }

  public MemtableKind memtable() {
    return memtable;
  }

  public int memtableShards() {
    return memtableShards;
  }

  public long memtableSizeBytes() {
    return memtableSizeBytes;
  }

  public int maxImmutableMemtables() {
    return maxImmutableMemtables;
  }

  /**
   * The bound on the bytes of the live WALs with more than one column family, or 0 (the default):
   * derived from the live families' memtables; see {@link Builder#maxTotalWalBytes}.
   */
  public long maxTotalWalBytes() {
    return maxTotalWalBytes;
  }

  /**
   * How long a stalled write waits before it fails with {@link WriteStallException}, or null (the
   * default): a stalled write waits until background work makes room, the database closes or
   * fails.
   */
  public Duration writeStallTimeout() {
    return writeStallTimeout;
  }

  public boolean backgroundCompaction() {
    return backgroundCompaction;
  }

  public boolean readTriggeredCompaction() {
    return readTriggeredCompaction;
  }

  /** The shared executor for background work, or null if the database owns its threads. */
  public ExecutorService backgroundExecutor() {
    return backgroundExecutor;
  }

  public WalRecoveryMode walRecoveryMode() {
    return walRecoveryMode;
  }

  /** See {@link Builder#reuseLogs}. */
  public boolean reuseLogs() {
    return reuseLogs;
  }

  /** See {@link Builder#flushOnClose}. */
  public boolean flushOnClose() {
    return flushOnClose;
  }

  /** See {@link Builder#memtableValuesOffHeap}. */
  public boolean memtableValuesOffHeap() {
    return memtableValuesOffHeap;
  }

  public int blockSizeBytes() {
    return blockSizeBytes;
  }

  public int blockRestartInterval() {
    return blockRestartInterval;
  }

  public Compression compression() {
    return compression;
  }

  public int bloomBitsPerKey() {
    return bloomBitsPerKey;
  }

  /** The prefix extractor of tables' prefix filters and prefix-bounded iterators, or null. */
  public PrefixExtractor prefixExtractor() {
    return prefixExtractor;
  }

  /**
   * The capacity of the database's own block cache, if {@link Builder#blockCacheBytes} set one;
   * otherwise that of the JVM's default cache, which every database that names neither a size
   * nor a {@link Cache} shares: an eighth of the maximum heap, at most 64 MiB.
   */
  public long blockCacheBytes() {
    return ownBlockCache || blockCache != null
        ? blockCacheBytes
        : DefaultCache.process().capacityBytes();
  }

  /**
   * The block cache shared with other databases through {@link Builder#blockCache}, or null: the
   * database then has one of its own ({@link Builder#blockCacheBytes}) or the JVM's default.
   */
  public Cache blockCache() {
    return blockCache;
  }

  /**
   * Whether the database's block cache may hold other databases' blocks: a {@link Cache} given to
   * {@link Builder#blockCache}, or the JVM's default cache (neither it nor {@link
   * Builder#blockCacheBytes} set). Its usage and hit ratio are then the whole cache's.
   */
  public boolean blockCacheShared() {
    return blockCache != null || !ownBlockCache;
  }

  /** Whether the database uses the JVM's default cache: neither a size nor a cache was given. */
  boolean defaultBlockCache() {
    return blockCache == null && !ownBlockCache;
  }

  /**
   * The memtable budget shared with other databases that {@link Builder#writeBufferManager} set,
   * or null: the database then shares {@link WriteBufferManager#processDefault()}.
   */
  public WriteBufferManager writeBufferManager() {
    return writeBufferManager;
  }

  public int maxOpenFiles() {
    return maxOpenFiles;
  }

  /** Whether table files are memory-mapped for reads (see {@link Builder#mmapReads}). */
  public boolean mmapReads() {
    return mmapReads;
  }

  /** Whether the database keeps its own {@code LOG} file in its directory. */
  public boolean infoLog() {
    return infoLog;
  }

  public long infoLogMaxBytes() {
    return infoLogMaxBytes;
  }

  public int infoLogFilesToKeep() {
    return infoLogFilesToKeep;
  }

  public int level0CompactionTrigger() {
    return level0CompactionTrigger;
  }

  public int level0SlowdownTrigger() {
    return level0SlowdownTrigger;
  }

  public int level0StopTrigger() {
    return level0StopTrigger;
  }

  public int levelSizeMultiplier() {
    return levelSizeMultiplier;
  }

  public long maxBytesForLevelBase() {
    return maxBytesForLevelBase;
  }

  public long targetFileSizeBytes() {
    return targetFileSizeBytes;
  }

  public FileSystem fileSystem() {
    return fileSystem;
  }

  /**
   * The database's name in JMX, Micrometer tags, JFR events and listener callbacks, or null (the
   * default): the directory's file name.
   */
  public String name() {
    return name;
  }

  /** How much {@link Statistics} the database keeps (default {@link StatisticsLevel#ALL}). */
  public StatisticsLevel statisticsLevel() {
    return statisticsLevel;
  }

  /** The event listeners, in the order they are called; empty by default. */
  public List<EventListener> listeners() {
    return listeners;
  }

  /**
   * How often {@code strata.stats} and the statistics are written to the {@code LOG} file and
   * SLF4J (default 10 minutes); {@link Duration#ZERO} never.
   */
  public Duration statsDumpPeriod() {
    return statsDumpPeriod;
  }

  /** The cap on flush and compaction writes in bytes per second; 0 (the default) for none. */
  public long backgroundIoBytesPerSecond() {
    return backgroundIoBytesPerSecond;
  }

  /** Whether the database registers its MXBean with the platform MBean server (default true). */
  public boolean jmx() {
    return jmx;
  }

  /** A get at least this slow raises a {@code dev.strata.SlowGet} JFR event (default 10 ms). */
  public Duration slowGetThreshold() {
    return slowGetThreshold;
  }

  /** The merge operator, or null if {@link StrataDB#merge} is refused. */
  public MergeOperator mergeOperator() {
    return mergeOperator;
  }

  /** The compaction filter, or null (the default): compactions keep every value. */
  /** The settings an open gives column family {@code name}, or null if none were named. */
  public ColumnFamilyOptions columnFamilyOptions(String name) {
    return columnFamilyOptions.get(name);
  }

  public CompactionFilter compactionFilter() {
    return compactionFilter;
  }

  @Override
  public String toString() {
    return "Options{memtable="
        + memtable
        + ", memtableShards="
        + memtableShards
        + ", memtableSizeBytes="
        + memtableSizeBytes
        + ", maxImmutableMemtables="
        + maxImmutableMemtables
        + ", maxTotalWalBytes="
        + (maxTotalWalBytes == 0 ? "derived" : maxTotalWalBytes)
        + ", backgroundCompaction="
        + backgroundCompaction
        + ", readTriggeredCompaction="
        + readTriggeredCompaction
        + ", reuseLogs="
        + reuseLogs
        + ", flushOnClose="
        + flushOnClose
        + ", memtableValuesOffHeap="
        + memtableValuesOffHeap
        + ", sharedExecutor="
        + (backgroundExecutor != null)
        + ", blockSizeBytes="
        + blockSizeBytes
        + ", compression="
        + compression
        + ", bloomBitsPerKey="
        + bloomBitsPerKey
        + (prefixExtractor == null ? "" : ", prefixExtractor=" + prefixExtractor.name())
        + (compactionFilter == null ? "" : ", compactionFilter=" + compactionFilter.name())
        + ", blockCacheBytes="
        + (blockCache != null ? blockCache.capacityBytes() : blockCacheBytes())
        + (defaultBlockCache() ? " (the JVM's default cache)" : "")
        + ", maxOpenFiles="
        + maxOpenFiles
        + ", mmapReads="
        + mmapReads
        + ", infoLog="
        + infoLog
        + ", level0Triggers="
        + level0CompactionTrigger
        + "/"
        + level0SlowdownTrigger
        + "/"
        + level0StopTrigger
        + ", levelSizeMultiplier="
        + levelSizeMultiplier
        + ", targetFileSizeBytes="
        + targetFileSizeBytes
        + ", statisticsLevel="
        + statisticsLevel
        + ", listeners="
        + listeners.size()
        + ", statsDumpPeriod="
        + statsDumpPeriod
        + ", backgroundIoBytesPerSecond="
        + backgroundIoBytesPerSecond
        + (mergeOperator == null ? "" : ", mergeOperator=" + mergeOperator.name())
        + (prefixExtractor == null ? "" : ", prefixExtractor=" + prefixExtractor.name())
        + (compactionFilter == null ? "" : ", compactionFilter=" + compactionFilter.name())
        + "}";
  }

  /**
   * Builder of {@link Options}. Not thread-safe. Each setter validates its argument at once and
   * throws {@link IllegalArgumentException} (or {@link NullPointerException}) naming it; {@link
   * #build()} checks the relations between settings.
   */
  public static final class Builder {
    private boolean createIfMissing = true;
    private boolean errorIfExists = false;
    private MemtableKind memtable = MemtableKind.SHARDED;
    private int memtableShards = 16;
    private long memtableSizeBytes = 64L << 20;
    private int maxImmutableMemtables = 2;
    private long maxTotalWalBytes;
    private Duration writeStallTimeout;
    private boolean backgroundCompaction = true;
    private boolean readTriggeredCompaction = true;
    private ExecutorService backgroundExecutor;
    private WalRecoveryMode walRecoveryMode = WalRecoveryMode.TOLERATE_CORRUPTED_TAIL_RECORDS;
    private boolean reuseLogs = false;
    private boolean flushOnClose = true;
    private boolean memtableValuesOffHeap = true;
    private int blockSizeBytes = 4096;
    private int blockRestartInterval = 16;
    private Compression compression = Compression.LZ4;
    private int bloomBitsPerKey = 10;
    private PrefixExtractor prefixExtractor;
    private long blockCacheBytes = 64L << 20;
    private boolean ownBlockCache;
    private Cache blockCache;
    private WriteBufferManager writeBufferManager;
    private int maxOpenFiles = 1000;
    private boolean mmapReads = false;
    private boolean infoLog = true;
    private long infoLogMaxBytes = 16L << 20;
    private int infoLogFilesToKeep = 5;
    private int level0CompactionTrigger = 4;
    private int level0SlowdownTrigger = 20;
    private int level0StopTrigger = 36;
    private int levelSizeMultiplier = 10;
    private long maxBytesForLevelBase = 256L << 20;
    private long targetFileSizeBytes = 64L << 20;
    private FileSystem fileSystem = FileSystem.nio();
    private String name;
    private StatisticsLevel statisticsLevel = StatisticsLevel.ALL;
    private final List<EventListener> listeners = new ArrayList<>();
    private Duration statsDumpPeriod = Duration.ofMinutes(10);
    private long backgroundIoBytesPerSecond;
    private boolean jmx = true;
    private Duration slowGetThreshold = Duration.ofMillis(10);
    private MergeOperator mergeOperator;
    private CompactionFilter compactionFilter;
    private final java.util.Map<String, ColumnFamilyOptions> columnFamilyOptions =
        new java.util.HashMap<>();

    private Builder() {}

    private Builder(Options o) {
      createIfMissing = o.createIfMissing;
      errorIfExists = o.errorIfExists;
      memtable = o.memtable;
      memtableShards = o.memtableShards;
      memtableSizeBytes = o.memtableSizeBytes;
      maxImmutableMemtables = o.maxImmutableMemtables;
      maxTotalWalBytes = o.maxTotalWalBytes;
      writeStallTimeout = o.writeStallTimeout;
      backgroundCompaction = o.backgroundCompaction;
      readTriggeredCompaction = o.readTriggeredCompaction;
      backgroundExecutor = o.backgroundExecutor;
      walRecoveryMode = o.walRecoveryMode;
      reuseLogs = o.reuseLogs;
      flushOnClose = o.flushOnClose;
      memtableValuesOffHeap = o.memtableValuesOffHeap;
      blockSizeBytes = o.blockSizeBytes;
      blockRestartInterval = o.blockRestartInterval;
      compression = o.compression;
      bloomBitsPerKey = o.bloomBitsPerKey;
      prefixExtractor = o.prefixExtractor;
      blockCacheBytes = o.blockCacheBytes;
      ownBlockCache = o.ownBlockCache;
      blockCache = o.blockCache;
      writeBufferManager = o.writeBufferManager;
      maxOpenFiles = o.maxOpenFiles;
      mmapReads = o.mmapReads;
      infoLog = o.infoLog;
      infoLogMaxBytes = o.infoLogMaxBytes;
      infoLogFilesToKeep = o.infoLogFilesToKeep;
      level0CompactionTrigger = o.level0CompactionTrigger;
      level0SlowdownTrigger = o.level0SlowdownTrigger;
      level0StopTrigger = o.level0StopTrigger;
      levelSizeMultiplier = o.levelSizeMultiplier;
      maxBytesForLevelBase = o.maxBytesForLevelBase;
      targetFileSizeBytes = o.targetFileSizeBytes;
      fileSystem = o.fileSystem;
      name = o.name;
      statisticsLevel = o.statisticsLevel;
      listeners.addAll(o.listeners);
      statsDumpPeriod = o.statsDumpPeriod;
      backgroundIoBytesPerSecond = o.backgroundIoBytesPerSecond;
      jmx = o.jmx;
      slowGetThreshold = o.slowGetThreshold;
      mergeOperator = o.mergeOperator;
      compactionFilter = o.compactionFilter;
      columnFamilyOptions.putAll(o.columnFamilyOptions);
    }

    /**
     * The settings an open gives the existing column family {@code name} (other than the default,
     * whose settings are these options'); a family not named here opens with {@link
     * ColumnFamilyOptions#defaults()}. Naming a family that does not exist does nothing.
     */
    public Builder columnFamilyOptions(String name, ColumnFamilyOptions options) {
      Objects.requireNonNull(name, "column family name");
      Objects.requireNonNull(options, "column family options");
      if (name.equals(ColumnFamilyHandle.DEFAULT_NAME)) {
        throw new IllegalArgumentException(
            "the default column family takes its settings from Options itself");
      }
      columnFamilyOptions.put(name, options);
      return this;
    }

    /** Create the directory and an empty database if none exists (default true). */
    public Builder createIfMissing(boolean v) {
      createIfMissing = v;
      return this;
    }

    /** Fail to open if a database already exists (default false). */
    public Builder errorIfExists(boolean v) {
      errorIfExists = v;
      return this;
    }

    public Builder memtable(MemtableKind kind) {
      memtable = Objects.requireNonNull(kind, "memtable");
      return this;
    }

    /** Number of memtable shards: a power of two from 1 to 1024 (default 16). */
    public Builder memtableShards(int shards) {
      if (shards < 1 || shards > 1024 || Integer.bitCount(shards) != 1) {
        throw new IllegalArgumentException(
            "memtableShards must be a power of two from 1 to 1024, got " + shards);
      }
      memtableShards = shards;
      return this;
    }

    /** Memtable size at which it becomes immutable: 1 KiB to 1 GiB (default 64 MiB). */
    public Builder memtableSizeBytes(long bytes) {
      if (bytes < 1024 || bytes > (1L << 30)) {
        throw new IllegalArgumentException(
            "memtableSizeBytes must be from 1 KiB to 1 GiB, got " + bytes);
      }
      memtableSizeBytes = bytes;
      return this;
    }

    /** Immutable memtables that may wait for flush before writes stall: 1 to 64 (default 2). */
    public Builder maxImmutableMemtables(int n) {
      if (n < 1 || n > 64) {
        throw new IllegalArgumentException("maxImmutableMemtables must be from 1 to 64, got " + n);
      }
      maxImmutableMemtables = n;
      return this;
    }

    /**
     * Bounds the bytes of the live WALs (the active one and those retired but not yet deleted)
     * when the database has more than one column family, as RocksDB's {@code max_total_wal_size}
     * does. The families share the WAL, and a family's unflushed writes keep their WAL and every
     * later one: a family written rarely would otherwise keep every WAL the others write until its
     * memtable fills. Once the live WALs pass the bound, the next write seals the active memtable
     * of each family whose writes are in the oldest live WAL, so that their flushes let it go (the
     * listener's {@code MemtableInfo.reason} is {@code wal-bound}). With one family the bound does
     * nothing: its own switches and flushes already free its WALs.
     *
     * <p>0 (the default) derives the bound from the live families: 4 x the memory their memtables
     * may hold, the sum of each family's {@code memtableSizeBytes} x (1 + {@link
     * #maxImmutableMemtables}); 1.5 GiB for two families of 64 MiB memtables. RocksDB derives its
     * default the same way (4 x the sum of {@code write_buffer_size} x {@code
     * max_write_buffer_number}). The bound stays above the WALs a family whose flushes lag behind
     * may legitimately need (its immutable memtables' and its active one's), so that it forces
     * flushes only of families that hold a few old writes, not during an ordinary burst.
     *
     * @param bytes 0 to derive the bound, or the bound in bytes
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Builder maxTotalWalBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException(
            "maxTotalWalBytes must be >= 0 (0 derives it), got " + bytes);
      }
      maxTotalWalBytes = bytes;
      return this;
    }

    /**
     * Opt-in: how long a stalled write may wait before it fails with {@link WriteStallException};
     * null (the default) waits as long as it takes. A healthy database never fails a write for
     * being slow unless asked to: a caller that prefers to fail at once says so per write with
     * {@link WriteOptions.Builder#noSlowdown}.
     */
    public Builder writeStallTimeout(Duration timeout) {
      if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        throw new IllegalArgumentException("writeStallTimeout must be positive, got " + timeout);
      }
      writeStallTimeout = timeout;
      return this;
    }

    /**
     * Run compactions on a background thread (default true). When false no compaction thread
     * exists and {@link StrataDB#compactRange} compacts in the caller's thread: a bulk load that
     * compacts once at the end. Level 0 then grows without a slowdown or a stop (the level-0
     * slowdown and stop triggers apply only with background compaction on); only the
     * immutable-memtable limit holds writes back while a flush catches up.
     */
    public Builder backgroundCompaction(boolean v) {
      backgroundCompaction = v;
      return this;
    }

    /**
     * Whether iterators' read samples may ask for compactions (default true). Iterators sample
     * about one key per 4096 entries they pass; a file that the samples often find in front of
     * older files holding the same keys is compacted into the level below when no level needs
     * compacting for its size. This tidies a tree that writes left with overlapping files, which
     * every scan and seek would otherwise merge, at the cost of compaction writes that size
     * triggers alone would not make. Takes effect only with background compaction on.
     */
    public Builder readTriggeredCompaction(boolean v) {
      readTriggeredCompaction = v;
      return this;
    }

    /**
     * An executor shared by several databases for their flushes and compactions, so that many
     * databases in one JVM do not each own threads. The caller owns and shuts it down after
     * closing the databases that use it. Null (the default): each database owns its threads.
     */
    public Builder backgroundExecutor(ExecutorService executor) {
      backgroundExecutor = executor;
      return this;
    }

    /**
     * Whether a writable open may keep what it replayed from the last WAL in memory and go on
     * appending to that WAL (default false), instead of writing the replayed writes to a level-0
     * table and starting a fresh WAL. (With it off, an open of a database of one column family
     * leaves that table to the flush worker and returns before it is written; sync writes wait
     * for it, {@code docs/format/wal.md}.) With it on, a close forces the WAL and records its number
     * and length in the manifest, unless a WAL or manifest write or force failed in that process.
     * The next open keeps the log only when that record names it at its present length, it ends
     * with a whole record and no family's writes in it filled a memtable; the writes of the WALs
     * before it (a close with a memtable waiting for its flush leaves two) are written to level 0
     * as before. After a crash, a failed force or with false, the open flushes everything: nothing
     * else tells which of the log's bytes are on disk (after a failed fsync, Linux may show pages
     * it never wrote). The kept memtables stay the families' active ones and are flushed when
     * full, as if the database had never closed.
     *
     * <p>The cost: until the kept memtable fills and is flushed, scans merge its 16 shards, which
     * is slower per entry than reading a table (sequential reads of a database reopened right
     * after a fill: about 5.0M against 7.5M entries per second, {@code docs/benchmarks.md}).
     * Point reads are not slower.
     *
     * <p>This spares the table write (a 64 MiB memtable: about 0.2 s, in the open itself with
     * several families) and the level-0 file each open would add: a database opened and closed
     * often (a job per run, a test per database) no longer feeds level-0 compactions with small
     * tables.
     */
    public Builder reuseLogs(boolean v) {
      reuseLogs = v;
      return this;
    }

    /**
     * Whether {@link StrataDB#close()} of a writable database first flushes every column family's
     * memtables to level 0 (default true), so that the next open has no WAL to replay and nothing
     * to flush. With false, a close leaves the memtables' writes in their WALs (they are durable
     * there as they were before the close) and the next open replays them and writes them to a
     * level-0 table in the background, beside the reads that follow it.
     *
     * <p>The cost moves from the next open, and the work that follows it, to the close: a full
     * 64 MiB memtable takes about half a second to flush. A flush that fails or is interrupted
     * does not stop the close and loses nothing: it is logged, and the writes stay in the WAL for
     * the next open. Ignored with {@link #reuseLogs} on, which keeps the memtable in its log
     * instead, and by a read-only open or a database stopped by a background error.
     */
    public Builder flushOnClose(boolean v) {
      flushOnClose = v;
      return this;
    }

    /**
     * Whether the sharded memtable keeps its values in direct memory rather than on the Java heap
     * (default true). Keys and the memtable's structure stay on the heap. With 1 KB values a
     * memtable is nearly all values, and with the JVM's default heap two or three 64 MiB memtables
     * on the heap made G1 collect often and grow the heap to 1.4 times the memory RocksDB's process
     * used in YCSB's load ({@code docs/benchmarks.md}, item 43).
     *
     * <p>Applies to values of 256 bytes and more (with shorter ones the keys and nodes are half of
     * a memtable, and moving the values gained nothing) in memtables of at least 4 MiB, after
     * their first MiB of values unless the database filled such a memtable before. The direct
     * memory comes in chunks of 1 MiB that a database keeps for its next memtables (at most one
     * memtable's worth beyond those live) until it closes; it counts against {@code
     * -XX:MaxDirectMemorySize}, which by default equals the maximum heap. When no direct memory can
     * be had, values go on the heap instead: nothing fails. {@link StrataDB#memoryUsage} and {@code
     * strata.stats} report the chunks.
     */
    public Builder memtableValuesOffHeap(boolean v) {
      memtableValuesOffHeap = v;
      return this;
    }

    public Builder walRecoveryMode(WalRecoveryMode mode) {
      walRecoveryMode = Objects.requireNonNull(mode, "walRecoveryMode");
      return this;
    }

    /** Target uncompressed size of a table data block: 64 B to 4 MiB (default 4 KiB). */
    public Builder blockSizeBytes(int bytes) {
      if (bytes < 64 || bytes > (4 << 20)) {
        throw new IllegalArgumentException("blockSizeBytes must be from 64 B to 4 MiB, got " + bytes);
      }
      blockSizeBytes = bytes;
      return this;
    }

    /** Keys between restart points in a block: 1 to 1024 (default 16). */
    public Builder blockRestartInterval(int n) {
      if (n < 1 || n > 1024) {
        throw new IllegalArgumentException("blockRestartInterval must be from 1 to 1024, got " + n);
      }
      blockRestartInterval = n;
      return this;
    }

    public Builder compression(Compression c) {
      compression = Objects.requireNonNull(c, "compression");
      return this;
    }

    /** Bloom filter bits per key, 0 (no filter) to 40 (default 10, about 1% false positives). */
    public Builder bloomBitsPerKey(int bits) {
      if (bits < 0 || bits > 40) {
        throw new IllegalArgumentException("bloomBitsPerKey must be from 0 to 40, got " + bits);
      }
      bloomBitsPerKey = bits;
      return this;
    }

    /**
     * Adds the prefix of every in-domain key to tables' bloom filters, besides the key itself, and
     * lets iterators with {@link ReadOptions.Builder#prefixSameAsStart} skip tables whose filter
     * rules their prefix out (default null: none). Tables record the extractor's {@link
     * PrefixExtractor#name() name}; a table written with another extractor, or none, is never
     * skipped, so the extractor may change between opens. Point lookups still probe whole keys.
     *
     * @throws IllegalArgumentException if the name is empty or longer than 255 bytes of UTF-8
     */
    public Builder prefixExtractor(PrefixExtractor extractor) {
      if (extractor != null) {
        String name = Objects.requireNonNull(extractor.name(), "prefix extractor name");
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes < 1 || bytes > 255) {
          throw new IllegalArgumentException(
              "a prefix extractor's name must have 1 to 255 bytes, got " + bytes);
        }
      }
      prefixExtractor = extractor;
      return this;
    }

    /**
     * A block cache of the database's own of {@code bytes}, 0 to disable. By default (neither this
     * nor {@link #blockCache} set) the database shares the JVM's default cache with every other
     * database opened so: an eighth of the maximum heap, at most 64 MiB, made when the first of
     * them opens and let go when the last closes. So many databases, or one in a small heap,
     * keep one bounded cache; a database given a size here has that much to itself.
     */
    public Builder blockCacheBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("blockCacheBytes must be >= 0, got " + bytes);
      }
      blockCacheBytes = bytes;
      ownBlockCache = true;
      return this;
    }

    /** A block cache shared with other databases; overrides {@link #blockCacheBytes(long)}. */
    public Builder blockCache(Cache cache) {
      blockCache = cache;
      return this;
    }

    /**
     * A memtable budget shared with other databases: past it, the database with the largest
     * active memtable switches it for flush; see {@link WriteBufferManager}. By default a database
     * shares {@link WriteBufferManager#processDefault()}, a quarter of the JVM's maximum heap, with
     * every other database opened without one; give a manager of a larger budget to have more.
     */
    public Builder writeBufferManager(WriteBufferManager manager) {
      writeBufferManager = manager;
      return this;
    }

    /** Table files kept open at once: 16 or more (default 1000). */
    /**
     * Keep a human-readable {@code LOG} file in the database directory (default true), as RocksDB
     * does: open and recovery, flushes, compactions, long stalls, errors and close, whatever
     * logging the application set up (every event also goes to SLF4J). A read-only open writes
     * none.
     */
    public Builder infoLog(boolean v) {
      infoLog = v;
      return this;
    }

    /** Size at which {@code LOG} becomes {@code LOG.old.<n>} and a new one starts (default 16 MiB). */
    public Builder infoLogMaxBytes(long bytes) {
      if (bytes < 4096) {
        throw new IllegalArgumentException("infoLogMaxBytes must be >= 4 KiB, got " + bytes);
      }
      infoLogMaxBytes = bytes;
      return this;
    }

    /** Old {@code LOG.old.<n>} files kept, 0 to 1000 (default 5). */
    public Builder infoLogFilesToKeep(int n) {
      if (n < 0 || n > 1000) {
        throw new IllegalArgumentException("infoLogFilesToKeep must be from 0 to 1000, got " + n);
      }
      infoLogFilesToKeep = n;
      return this;
    }

    public Builder maxOpenFiles(int n) {
      if (n < 16) {
        throw new IllegalArgumentException("maxOpenFiles must be >= 16, got " + n);
      }
      maxOpenFiles = n;
      return this;
    }

    /**
     * Memory-maps each open table file (default off): a block read that misses the block cache
     * copies from the mapping instead of making a system call. That pays once every page of a
     * table is mapped: 3x the reads per second of a channel in a long-running process
     * ({@code PositionalReadBenchmark}). Each page's first touch in a process is a page fault,
     * though, and in a fresh process over tables larger than the block cache (YCSB's workloads C
     * and B, each phase a new JVM) mapped reads were slower: 174k reads/s against 195k through the
     * channel. Mapped pages of the page cache count in the
     * process's resident set (as shared, file-backed pages the kernel can drop at will), so RSS
     * grows with the tables read; turn this off to keep RSS to the heap and to read tables with
     * a system call per block instead. Tables of 2 GiB or more, and {@link #fileSystem} implementations
     * other than the default, are always read through their channel. See {@code
     * docs/benchmarks.md} for the figures.
     */
    public Builder mmapReads(boolean v) {
      mmapReads = v;
      return this;
    }

    public Builder level0CompactionTrigger(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("level0CompactionTrigger must be >= 1, got " + n);
      }
      level0CompactionTrigger = n;
      return this;
    }

    public Builder level0SlowdownTrigger(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("level0SlowdownTrigger must be >= 1, got " + n);
      }
      level0SlowdownTrigger = n;
      return this;
    }

    public Builder level0StopTrigger(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("level0StopTrigger must be >= 1, got " + n);
      }
      level0StopTrigger = n;
      return this;
    }

    /** Size ratio between adjacent levels: 2 to 100 (default 10). */
    public Builder levelSizeMultiplier(int n) {
      if (n < 2 || n > 100) {
        throw new IllegalArgumentException("levelSizeMultiplier must be from 2 to 100, got " + n);
      }
      levelSizeMultiplier = n;
      return this;
    }

    /** Lower bound of the first non-empty level's target under dynamic sizing (default 256 MiB). */
    public Builder maxBytesForLevelBase(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxBytesForLevelBase must be >= 1 KiB, got " + bytes);
      }
      maxBytesForLevelBase = bytes;
      return this;
    }

    /** Size at which compaction splits its output files: 1 KiB or more (default 64 MiB). */
    public Builder targetFileSizeBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("targetFileSizeBytes must be >= 1 KiB, got " + bytes);
      }
      targetFileSizeBytes = bytes;
      return this;
    }

    /** The file system; tests pass a fault-injecting one. Default: the platform's. */
    public Builder fileSystem(FileSystem fs) {
      fileSystem = Objects.requireNonNull(fs, "fileSystem");
      return this;
    }

    /**
     * The database's name in JMX ({@code dev.strata:type=StrataDB,name=<name>}), Micrometer tags,
     * JFR events and listener callbacks; null (the default) takes the directory's file name. Two
     * open databases of one name in a JVM get distinct JMX names (the second gets {@code -2}).
     */
    public Builder name(String name) {
      if (name != null && name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * How much {@link Statistics} to keep (default {@link StatisticsLevel#ALL}); {@link
     * StatisticsLevel#TICKERS_ONLY} drops the histograms and their clock reads.
     */
    public Builder statisticsLevel(StatisticsLevel level) {
      statisticsLevel = Objects.requireNonNull(level, "statisticsLevel");
      return this;
    }

    /**
     * The operator that combines merge operands ({@link StrataDB#merge}); default none, and then
     * merges are refused. See {@link MergeOperators} for the built-ins.
     */
    public Builder mergeOperator(MergeOperator operator) {
      mergeOperator = operator;
      return this;
    }

    /**
     * The filter compactions offer values to, to keep, remove or change them (default null: none).
     * See {@link CompactionFilter} for what is offered and when, and {@link CompactionFilters#ttl}
     * for expiry, which also makes the database stamp each value with its write time.
     */
    public Builder compactionFilter(CompactionFilter filter) {
      compactionFilter = filter;
      return this;
    }

    /** Adds an event listener; several may be added and are called in that order. */
    public Builder listener(EventListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * How often to write {@code strata.stats} and the statistics to the {@code LOG} file and SLF4J
     * (default 10 minutes); {@link Duration#ZERO} turns the dump off.
     */
    public Builder statsDumpPeriod(Duration period) {
      Objects.requireNonNull(period, "statsDumpPeriod");
      if (period.isNegative()) {
        throw new IllegalArgumentException("statsDumpPeriod must not be negative, got " + period);
      }
      statsDumpPeriod = period;
      return this;
    }

    /**
     * Caps the bytes flushes and compactions write per second, together (RocksDB's rate limiter):
     * background writes then compete less with reads and the WAL for the disk. 0 (the default)
     * for no cap. A cap below the write rate makes writes stall while flushes catch up.
     */
    public Builder backgroundIoBytesPerSecond(long bytesPerSecond) {
      if (bytesPerSecond < 0) {
        throw new IllegalArgumentException(
            "backgroundIoBytesPerSecond must be >= 0, got " + bytesPerSecond);
      }
      backgroundIoBytesPerSecond = bytesPerSecond;
      return this;
    }

    /** Register the database's MXBean with the platform MBean server (default true). */
    public Builder jmx(boolean v) {
      jmx = v;
      return this;
    }

    /** A get at least this slow raises a {@code dev.strata.SlowGet} JFR event (default 10 ms). */
    public Builder slowGetThreshold(Duration threshold) {
      Objects.requireNonNull(threshold, "slowGetThreshold");
      if (threshold.isNegative()) {
        throw new IllegalArgumentException("slowGetThreshold must not be negative");
      }
      slowGetThreshold = threshold;
      return this;
    }

    /**
     * @throws IllegalArgumentException if the level-0 triggers are not in rising order, or if both
     *     a merge operator and a time-to-live filter ({@link CompactionFilters#ttl}) are set: merge
     *     operands would carry no write time
     */
    public Options build() {
      if (!(level0CompactionTrigger <= level0SlowdownTrigger
          && level0SlowdownTrigger <= level0StopTrigger)) {
        throw new IllegalArgumentException(
            "level-0 triggers must satisfy compaction <= slowdown <= stop, got "
                + level0CompactionTrigger
                + " / "
                + level0SlowdownTrigger
                + " / "
                + level0StopTrigger);
      }
      if (mergeOperator != null && compactionFilter instanceof CompactionFilters.Ttl) {
        throw new IllegalArgumentException(
            "a time-to-live compaction filter cannot be combined with a merge operator");
      }
      return new Options(this);
    }
  }
}
