package dev.strata.reliability;

import dev.strata.testing.ModelDb;
import dev.strata.testing.OpGenerator.WriteOp;
import dev.strata.util.Bytes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The writes issued since a known state, in order, and how many of them must survive a crash.
 * {@link #matchPrefix} finds which prefix a recovered database holds: recovery may keep any prefix
 * at least as long as the durable one, never a state with a hole or an invented value. Not
 * thread-safe.
 */
final class WriteLog {
  private final NavigableMap<byte[], byte[]> base;
  private final List<List<WriteOp>> writes = new ArrayList<>();
  private int durable;

  WriteLog(NavigableMap<byte[], byte[]> base) {
    this.base = base;
  }

  void add(List<WriteOp> ops) {
    writes.add(ops);
  }

  /** Everything written so far must survive (a SYNC write or a flush returned). */
  void markDurable() {
    durable = writes.size();
  }

  int size() {
    return writes.size();
  }

  int durable() {
    return durable;
  }

  /**
   * The length of the prefix of writes whose state equals {@code recovered}, at least {@link
   * #durable()}; or -1 if none does.
   */
  int matchPrefix(NavigableMap<byte[], byte[]> recovered) {
    ModelDb model = new ModelDb();
    base.forEach(model::put);
    for (int p = 0; p <= writes.size(); p++) {
      if (p > 0) {
        for (WriteOp op : writes.get(p - 1)) {
          op.applyTo(model);
        }
      }
      if (p >= durable && same(model.view(), recovered)) {
        return p;
      }
    }
    return -1;
  }

  /** The model state after the first {@code p} writes. */
  NavigableMap<byte[], byte[]> stateAfter(int p) {
    ModelDb model = new ModelDb();
    base.forEach(model::put);
    for (int i = 0; i < p; i++) {
      for (WriteOp op : writes.get(i)) {
        op.applyTo(model);
      }
    }
    return new TreeMap<>(model.view());
  }

  static boolean same(NavigableMap<byte[], byte[]> a, NavigableMap<byte[], byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    var ia = a.entrySet().iterator();
    var ib = b.entrySet().iterator();
    while (ia.hasNext()) {
      Map.Entry<byte[], byte[]> x = ia.next();
      Map.Entry<byte[], byte[]> y = ib.next();
      if (!Arrays.equals(x.getKey(), y.getKey()) || !Arrays.equals(x.getValue(), y.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** A short description of how {@code recovered} differs from the state after {@code p}. */
  String diff(NavigableMap<byte[], byte[]> recovered, int p) {
    NavigableMap<byte[], byte[]> want = stateAfter(p);
    StringBuilder b = new StringBuilder();
    TreeMap<byte[], Boolean> keys = new TreeMap<>(Bytes.COMPARATOR);
    want.keySet().forEach(k -> keys.put(k, true));
    recovered.keySet().forEach(k -> keys.put(k, true));
    int shown = 0;
    for (byte[] k : keys.keySet()) {
      byte[] w = want.get(k);
      byte[] r = recovered.get(k);
      if (!Arrays.equals(w, r) && shown++ < 8) {
        b.append(new String(k, java.nio.charset.StandardCharsets.UTF_8)).append(": want ")
            .append(w == null ? "none" : new String(w, java.nio.charset.StandardCharsets.UTF_8))
            .append(" got ")
            .append(r == null ? "none" : new String(r, java.nio.charset.StandardCharsets.UTF_8))
            .append("; ");
      }
    }
    return b.toString();
  }
}
