package dev.strata.ycsb;

/**
 * The YCSB binding of Strata: {@code -db dev.strata.ycsb.StrataClient -p strata.dir=DIR}, with
 * {@code -p strata.options=KEY=VALUE,...} to change {@link StrataStore}'s settings. Every
 * instance in a JVM shares one database (see {@link RecordStoreClient} for the semantics and
 * {@link SharedStore} for its lifetime).
 */
public final class StrataClient extends RecordStoreClient {
  static final String DIR_PROPERTY = "strata.dir";
  static final String OPTIONS_PROPERTY = "strata.options";

  static final SharedStore SHARED =
      new SharedStore(DIR_PROPERTY, OPTIONS_PROPERTY, StrataStore.OPTION_KEYS, StrataStore::open);

  /** Called by YCSB's {@code DBFactory}, once per client thread. */
  public StrataClient() {
    super(SHARED);
  }
}
