package dev.strata.bench;

/**
 * What the runner knows about the contents of one engine's database: whether every key of
 * {@code [0, num)} is present, and how many keys YCSB inserts added after them. Confined to the
 * thread running that engine.
 */
final class DataState {
  boolean loaded;
  long extraInserted;

  void emptied() {
    loaded = false;
    extraInserted = 0;
  }

  void filled() {
    loaded = true;
    extraInserted = 0;
  }
}
