package dev.strata.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Every read path of a database against a model of the same state: get, multiGet, keyMayExist,
 * full scans both ways, bounded scans both ways, seek and seekForPrev from random keys. For keys
 * {@code key(0) .. key(keySpace - 1)}, which must sort in index order.
 */
public final class ModelChecks {
  private static final java.util.HexFormat HEX = java.util.HexFormat.of();

  private ModelChecks() {}

  public static void checkAll(
      StrataDB db,
      NavigableMap<byte[], byte[]> model,
      ReadOptions ro,
      int keySpace,
      IntFunction<byte[]> key,
      String where) {
    checkAll(db, null, model, ro, keySpace, key, where);
  }

  /** As above, in column family {@code family} (null: the default family). */
  public static void checkAll(
      StrataDB db,
      dev.strata.ColumnFamilyHandle family,
      NavigableMap<byte[], byte[]> model,
      ReadOptions ro,
      int keySpace,
      IntFunction<byte[]> key,
      String where) {
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < keySpace; i++) {
      byte[] k = key.apply(i);
      keys.add(k);
      assertThat(db.get(family, k, ro)).as(where + " get " + i).isEqualTo(model.get(k));
      if (model.get(k) != null) {
        assertThat(db.keyMayExist(family, k, ro)).as(where + " keyMayExist " + i).isTrue();
      }
    }
    List<byte[]> got =
        family == null
            ? db.multiGet(keys, ro)
            : db.multiGet(java.util.Collections.nCopies(keys.size(), family), keys, ro);
    for (int i = 0; i < keySpace; i++) {
      assertThat(got.get(i)).as(where + " multiGet " + i).isEqualTo(model.get(keys.get(i)));
    }
    assertThat(scan(db, family, ro, true)).as(where + " forward scan").isEqualTo(render(model));
    assertThat(scan(db, family, ro, false))
        .as(where + " backward scan")
        .isEqualTo(reversed(render(model)));
    Random rnd = new Random(where.hashCode());
    for (int round = 0; round < 20; round++) {
      int a = rnd.nextInt(keySpace);
      int b = a + rnd.nextInt(keySpace - a + 1);
      ReadOptions bounded =
          ReadOptions.builder()
              .snapshot(ro.snapshot())
              .lowerBound(key.apply(a))
              .upperBound(key.apply(b))
              .build();
      List<String> expected = render(model.subMap(key.apply(a), true, key.apply(b), false));
      assertThat(scan(db, family, bounded, true)).as(where + " bounded [" + a + ", " + b + ")")
          .isEqualTo(expected);
      assertThat(scan(db, family, bounded, false))
          .as(where + " bounded backward [" + a + ", " + b + ")")
          .isEqualTo(reversed(expected));
      int s = rnd.nextInt(keySpace);
      try (DBIterator it = db.newIterator(family, ro)) {
        it.seek(key.apply(s));
        Map.Entry<byte[], byte[]> e = model.ceilingEntry(key.apply(s));
        assertThat(it.isValid()).as(where + " seek " + s).isEqualTo(e != null);
        if (e != null) {
          assertThat(it.key()).as(where + " seek " + s).isEqualTo(e.getKey());
          assertThat(it.value()).as(where + " seek " + s + " value").isEqualTo(e.getValue());
        }
        it.seekForPrev(key.apply(s));
        e = model.floorEntry(key.apply(s));
        assertThat(it.isValid()).as(where + " seekForPrev " + s).isEqualTo(e != null);
        if (e != null) {
          assertThat(it.key()).as(where + " seekForPrev " + s).isEqualTo(e.getKey());
          assertThat(it.value()).as(where + " seekForPrev " + s + " value")
              .isEqualTo(e.getValue());
        }
      }
    }
  }

  /** Every entry of a scan as "key=value" in hex, forward or backward. */
  public static List<String> scan(StrataDB db, ReadOptions ro, boolean forward) {
    return scan(db, null, ro, forward);
  }

  /** As above, in column family {@code family} (null: the default family). */
  public static List<String> scan(
      StrataDB db, dev.strata.ColumnFamilyHandle family, ReadOptions ro, boolean forward) {
    List<String> out = new ArrayList<>();
    try (DBIterator it = db.newIterator(family, ro)) {
      if (forward) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          out.add(entry(it.key(), it.value()));
        }
      } else {
        for (it.seekToLast(); it.isValid(); it.prev()) {
          out.add(entry(it.key(), it.value()));
        }
      }
    }
    return out;
  }

  /** The model's entries as {@link #scan} renders them. */
  public static List<String> render(Map<byte[], byte[]> m) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : m.entrySet()) {
      out.add(entry(e.getKey(), e.getValue()));
    }
    return out;
  }

  private static String entry(byte[] k, byte[] v) {
    return HEX.formatHex(k) + "=" + HEX.formatHex(v);
  }

  private static List<String> reversed(List<String> l) {
    List<String> r = new ArrayList<>(l);
    Collections.reverse(r);
    return r;
  }
}
