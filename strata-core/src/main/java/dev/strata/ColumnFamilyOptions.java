package dev.strata;

import java.util.Objects;

/**
 * The settings of one column family (see {@link StrataDB#createColumnFamily}): its memtable, table
 * format, merge operator, compaction filter, prefix extractor and level shapes. Everything else
 * (WAL, block cache, background work, file system) belongs to the database's {@link Options}.
 * Immutable and thread-safe; start from {@link #defaults()} or {@link #builder()}.
 *
 * <p>The default family takes its settings from the database's {@link Options}. A family's
 * settings are not stored on disk: an open names them for each family through {@link
 * Options.Builder#columnFamilyOptions(String, ColumnFamilyOptions)}, and a family it does not name
 * opens with {@link #defaults()}. A family written with a merge operator needs it again to read
 * its operands, as the default family does.
 */
public final class ColumnFamilyOptions {
  private static final ColumnFamilyOptions DEFAULTS = builder().build();

  /** The family's settings held as database options, so that both validate alike. */
  private final Options settings;

  private ColumnFamilyOptions(Options settings) {
    this.settings = settings;
  }

  public static ColumnFamilyOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder(Options.builder());
  }

  /** The family settings of {@code options}: what the default family runs with. */
  public static ColumnFamilyOptions of(Options options) {
    Objects.requireNonNull(options, "options");
    return new ColumnFamilyOptions(options);
  }

  public Builder toBuilder() {
    return new Builder(settings.toBuilder());
  }

  public MemtableKind memtable() {
    return settings.memtable();
  }

  public int memtableShards() {
    return settings.memtableShards();
  }

  public long memtableSizeBytes() {
    return settings.memtableSizeBytes();
  }

  public Compression compression() {
    return settings.compression();
  }

  public int blockSizeBytes() {
    return settings.blockSizeBytes();
  }

  public int bloomBitsPerKey() {
    return settings.bloomBitsPerKey();
  }

  public MergeOperator mergeOperator() {
    return settings.mergeOperator();
  }

  public CompactionFilter compactionFilter() {
    return settings.compactionFilter();
  }

  public PrefixExtractor prefixExtractor() {
    return settings.prefixExtractor();
  }

  public int level0CompactionTrigger() {
    return settings.level0CompactionTrigger();
  }

  public int level0SlowdownTrigger() {
    return settings.level0SlowdownTrigger();
  }

  public int level0StopTrigger() {
    return settings.level0StopTrigger();
  }

  public long targetFileSizeBytes() {
    return settings.targetFileSizeBytes();
  }

  public long maxBytesForLevelBase() {
    return settings.maxBytesForLevelBase();
  }

  /**
   * The database's {@code options} with this family's settings in place of theirs: what the
   * family's memtables, tables and compactions run with.
   */
  public Options applyTo(Options options) {
    return options.toBuilder()
        .memtable(memtable())
        .memtableShards(memtableShards())
        .memtableSizeBytes(memtableSizeBytes())
        .compression(compression())
        .blockSizeBytes(blockSizeBytes())
        .bloomBitsPerKey(bloomBitsPerKey())
        .mergeOperator(mergeOperator())
        .compactionFilter(compactionFilter())
        .prefixExtractor(prefixExtractor())
        .level0CompactionTrigger(level0CompactionTrigger())
        .level0SlowdownTrigger(level0SlowdownTrigger())
        .level0StopTrigger(level0StopTrigger())
        .targetFileSizeBytes(targetFileSizeBytes())
        .maxBytesForLevelBase(maxBytesForLevelBase())
        .build();
  }

  @Override
  public String toString() {
    return "ColumnFamilyOptions{memtable="
        + memtable()
        + ", memtableShards="
        + memtableShards()
        + ", memtableSizeBytes="
        + memtableSizeBytes()
        + ", compression="
        + compression()
        + ", blockSizeBytes="
        + blockSizeBytes()
        + ", bloomBitsPerKey="
        + bloomBitsPerKey()
        + ", mergeOperator="
        + (mergeOperator() == null ? null : mergeOperator().name())
        + ", compactionFilter="
        + (compactionFilter() == null ? null : compactionFilter().name())
        + ", prefixExtractor="
        + (prefixExtractor() == null ? null : prefixExtractor().name())
        + ", level0Triggers="
        + level0CompactionTrigger()
        + "/"
        + level0SlowdownTrigger()
        + "/"
        + level0StopTrigger()
        + "}";
  }

  /**
   * Builder of {@link ColumnFamilyOptions}; each setter validates as {@link Options.Builder}'s
   * setter of the same name does. Not thread-safe.
   */
  public static final class Builder {
    private final Options.Builder b;

    private Builder(Options.Builder b) {
      this.b = b;
    }

    public Builder memtable(MemtableKind kind) {
      b.memtable(kind);
      return this;
    }

    public Builder memtableShards(int shards) {
      b.memtableShards(shards);
      return this;
    }

    public Builder memtableSizeBytes(long bytes) {
      b.memtableSizeBytes(bytes);
      return this;
    }

    public Builder compression(Compression c) {
      b.compression(c);
      return this;
    }

    public Builder blockSizeBytes(int bytes) {
      b.blockSizeBytes(bytes);
      return this;
    }

    public Builder bloomBitsPerKey(int bits) {
      b.bloomBitsPerKey(bits);
      return this;
    }

    public Builder mergeOperator(MergeOperator operator) {
      b.mergeOperator(operator);
      return this;
    }

    public Builder compactionFilter(CompactionFilter filter) {
      b.compactionFilter(filter);
      return this;
    }

    public Builder prefixExtractor(PrefixExtractor extractor) {
      b.prefixExtractor(extractor);
      return this;
    }

    public Builder level0CompactionTrigger(int n) {
      b.level0CompactionTrigger(n);
      return this;
    }

    public Builder level0SlowdownTrigger(int n) {
      b.level0SlowdownTrigger(n);
      return this;
    }

    public Builder level0StopTrigger(int n) {
      b.level0StopTrigger(n);
      return this;
    }

    public Builder targetFileSizeBytes(long bytes) {
      b.targetFileSizeBytes(bytes);
      return this;
    }

    public Builder maxBytesForLevelBase(long bytes) {
      b.maxBytesForLevelBase(bytes);
      return this;
    }

    /** @throws IllegalArgumentException if the settings contradict each other */
    public ColumnFamilyOptions build() {
      return new ColumnFamilyOptions(b.build());
    }
  }
}
