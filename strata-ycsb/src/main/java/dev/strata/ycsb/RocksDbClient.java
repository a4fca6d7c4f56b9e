package dev.strata.ycsb;

/**
 * The YCSB binding of RocksDB (RocksJava): {@code -db dev.strata.ycsb.RocksDbClient -p
 * rocksdb.dir=DIR}, with {@code -p rocksdb.options=KEY=VALUE,...} to change {@link
 * RocksDbStore}'s settings. Runs exactly the code of {@link StrataClient} around the engine
 * ({@link RecordStoreClient}); every instance in a JVM shares one database ({@link SharedStore}).
 */
public final class RocksDbClient extends RecordStoreClient {
  static final String DIR_PROPERTY = "rocksdb.dir";
  static final String OPTIONS_PROPERTY = "rocksdb.options";

  static final SharedStore SHARED =
      new SharedStore(DIR_PROPERTY, OPTIONS_PROPERTY, RocksDbStore.OPTION_KEYS, RocksDbStore::open);

  /** Called by YCSB's {@code DBFactory}, once per client thread. */
  public RocksDbClient() {
    super(SHARED);
  }
}
