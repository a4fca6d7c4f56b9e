package dev.strata.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.internals.PrefixedSessionKeySchemas.KeyFirstSessionKeySchema;
import org.apache.kafka.streams.state.internals.PrefixedSessionKeySchemas.TimeFirstSessionKeySchema;
import org.apache.kafka.streams.state.internals.PrefixedWindowKeySchemas.KeyFirstWindowKeySchema;
import org.apache.kafka.streams.state.internals.PrefixedWindowKeySchemas.TimeFirstWindowKeySchema;
import org.apache.kafka.streams.state.internals.SegmentedBytesStore.KeySchema;
import org.apache.kafka.streams.state.internals.SessionKeySchema;
import org.apache.kafka.streams.state.internals.WindowKeySchema;

/**
 * What a {@link SegmentedStore} keeps in its segments, one of the four kinds of Kafka's segmented
 * RocksDB stores:
 *
 * <ul>
 *   <li>{@link #window()} and {@link #session()}: one entry per window or session, key first
 *       ({@code RocksDBWindowStore}, {@code RocksDBSessionStore});
 *   <li>{@link #timeOrderedWindow} and {@link #timeOrderedSession}: time first, so that a scan by
 *       time reads windows in time order (the stores Kafka gives aggregations that emit on window
 *       close, {@code RocksDBTimeOrderedWindowStore} and {@code RocksDBTimeOrderedSessionStore}),
 *       optionally with a key-first index for fetches by key.
 * </ul>
 *
 * The changelog always holds the key-first layout without prefix ({@link KeyLayout#WINDOW} or
 * {@link KeyLayout#SESSION}), whatever the store keeps. Immutable.
 */
final class SegmentLayout {
  /** The layout of the entries that hold the values. */
  final KeyLayout base;

  /** Kafka's key schema of {@link #base}, for range bounds. */
  final KeySchema baseSchema;

  /** The layout of the index entries (empty values), or null without an index. */
  final KeyLayout index;

  /** Kafka's key schema of {@link #index}; null without an index. */
  final KeySchema indexSchema;

  /** The layout of the changelog's keys. */
  final KeyLayout changelog;

  private SegmentLayout(
      KeyLayout base, KeySchema baseSchema, KeyLayout index, KeySchema indexSchema) {
    this.base = base;
    this.baseSchema = baseSchema;
    this.index = index;
    this.indexSchema = indexSchema;
    this.changelog = base.window ? KeyLayout.WINDOW : KeyLayout.SESSION;
  }

  static SegmentLayout window() {
    return new SegmentLayout(KeyLayout.WINDOW, new WindowKeySchema(), null, null);
  }

  static SegmentLayout session() {
    return new SegmentLayout(KeyLayout.SESSION, new SessionKeySchema(), null, null);
  }

  static SegmentLayout timeOrderedWindow(boolean withIndex) {
    return new SegmentLayout(
        KeyLayout.TIME_FIRST_WINDOW,
        new TimeFirstWindowKeySchema(),
        withIndex ? KeyLayout.KEY_FIRST_WINDOW : null,
        withIndex ? new KeyFirstWindowKeySchema() : null);
  }

  static SegmentLayout timeOrderedSession(boolean withIndex) {
    return new SegmentLayout(
        KeyLayout.TIME_FIRST_SESSION,
        new TimeFirstSessionKeySchema(),
        withIndex ? KeyLayout.KEY_FIRST_SESSION : null,
        withIndex ? new KeyFirstSessionKeySchema() : null);
  }

  boolean isWindow() {
    return base.window;
  }

  boolean hasIndex() {
    return index != null;
  }

  /**
   * Whether entries at exactly {@code streamTime - retention} are still live. Kafka's time-ordered
   * window store keeps them (so that a store whose retention equals the grace period still emits
   * the window that just closed); every other store drops them.
   */
  boolean keepsRetentionBoundary() {
    return base == KeyLayout.TIME_FIRST_WINDOW;
  }

  /** The store key of a changelog record's key. */
  byte[] baseKeyOfChangelog(byte[] changelogKey) {
    return base == changelog ? changelogKey : changelog.convert(changelogKey, base);
  }

  /** The index key of a store key; only with an index. */
  byte[] indexKey(byte[] baseKey) {
    return base.convert(baseKey, index);
  }

  /** The store key an index key points at; only with an index. */
  Bytes baseKeyOfIndex(Bytes indexKey) {
    return Bytes.wrap(index.convert(indexKey.get(), base));
  }
}
