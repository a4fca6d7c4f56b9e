package dev.strata.ycsb;

import java.util.Locale;

/** An engine the suite can run: its YCSB binding and the properties that binding reads. */
enum Engine {
  STRATA("strata", "Strata", StrataClient.class, StrataClient.DIR_PROPERTY,
      StrataClient.OPTIONS_PROPERTY),
  ROCKSDB("rocksdb", "RocksDB", RocksDbClient.class, RocksDbClient.DIR_PROPERTY,
      RocksDbClient.OPTIONS_PROPERTY);

  /** The name on the command line and in file names. */
  final String id;
  /** The name in tables. */
  final String label;
  /** The class for YCSB's {@code -db}. */
  final String clientClass;
  final String dirProperty;
  final String optionsProperty;

  Engine(String id, String label, Class<?> client, String dirProperty, String optionsProperty) {
    this.id = id;
    this.label = label;
    this.clientClass = client.getName();
    this.dirProperty = dirProperty;
    this.optionsProperty = optionsProperty;
  }

  /**
   * The engine called {@code name} ({@code strata} or {@code rocksdb}, any case).
   *
   * @throws IllegalArgumentException for any other name
   */
  static Engine parse(String name) {
    for (Engine e : values()) {
      if (e.id.equals(name.strip().toLowerCase(Locale.ROOT))) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown engine '" + name + "': strata or rocksdb");
  }
}
