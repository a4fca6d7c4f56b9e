package dev.strata.engine;

import dev.strata.ColumnFamilyHandle;
import dev.strata.StrataException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The live column families of a database, by id and by name: an immutable list published with
 * one volatile write, so that readers (the commit leader, the workers, {@code getProperty}) take
 * it lock-free and see each family set whole. Changed only by the opening thread and by creating
 * and dropping a family, which run in the commit leader role, one at a time; {@code this} guards
 * the changes (a leaf lock: no other lock is taken under it).
 */
final class Families {
  private volatile List<ColumnFamily> live = List.of();

  /** The default family (id 0), set once at open before the database reaches another thread. */
  private ColumnFamily defaultFamily;

  /** Every live family, the default first, then by id. */
  List<ColumnFamily> live() {
    return live;
  }

  ColumnFamily defaultFamily() {
    return defaultFamily;
  }

  /** The live family with id {@code id}, or null. */
  ColumnFamily byId(int id) {
    for (ColumnFamily f : live) {
      if (f.id == id) {
        return f;
      }
    }
    return null;
  }

  /** The live family named {@code name}, or null. */
  ColumnFamily byName(String name) {
    for (ColumnFamily f : live) {
      if (f.name.equals(name)) {
        return f;
      }
    }
    return null;
  }

  /** The largest id of a live family. */
  int maxLiveId() {
    List<ColumnFamily> l = live;
    return l.isEmpty() ? 0 : l.get(l.size() - 1).id;
  }

  synchronized void add(ColumnFamily f) {
    if (byName(f.name) != null || byId(f.id) != null) {
      throw new IllegalStateException("family " + f + " exists");
    }
    List<ColumnFamily> next = new ArrayList<>(live);
    next.add(f);
    next.sort((a, b) -> Integer.compare(a.id, b.id));
    if (f.id == 0) {
      defaultFamily = f;
    }
    live = Collections.unmodifiableList(next);
  }

  synchronized void remove(ColumnFamily f) {
    List<ColumnFamily> next = new ArrayList<>(live);
    next.remove(f);
    live = Collections.unmodifiableList(next);
  }

  /**
   * The live family of a handle a caller passed (null: the default family).
   *
   * @throws IllegalArgumentException if the handle is of another database
   * @throws StrataException if its family was dropped
   */
  ColumnFamily resolve(ColumnFamilyHandle handle, Object owner) {
    if (handle == null) {
      return defaultFamily;
    }
    if (!(handle instanceof ColumnFamily f) || f.owner != owner) {
      throw new IllegalArgumentException(
          "column family handle " + handle.name() + " belongs to another database");
    }
    f.checkLive();
    return f;
  }
}
