package dev.strata.reliability;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.testing.FaultInjectionFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jetbrains.kotlinx.lincheck.LinCheckerKt;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck on the whole database over the in-memory file system, with memtables small enough that
 * flushes run during the scenarios: put, get, delete, a two-key batch, a three-key multiGet and a
 * bounded scan over four keys, in stress mode. {@link DbModelCheckingTest} runs the same operations under the model
 * checker, and {@link MemtableLincheckTest} checks the memtable alone in both modes.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:3")
@Param(name = "value", gen = IntGen.class, conf = "0:9")
public class DbLincheckTest {
  /** Background work of every instance; daemon threads, shared so instances cost no threads. */
  private static final ExecutorService BACKGROUND =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "lincheck-background");
            t.setDaemon(true);
            return t;
          });

  private final StrataDB db =
      StrataDB.open(
          Path.of("/db"),
          Options.builder()
              .fileSystem(new FaultInjectionFileSystem(0))
              .backgroundExecutor(BACKGROUND)
              .memtableSizeBytes(1024)
              .memtableShards(2)
              .blockCacheBytes(1 << 16)
              .build());

  private static byte[] key(int k) {
    return ("k" + k).getBytes(StandardCharsets.UTF_8);
  }

  @Operation
  public void put(@Param(name = "key") int k, @Param(name = "value") int v) {
    db.put(key(k), new byte[] {(byte) v});
  }

  @Operation
  public void delete(@Param(name = "key") int k) {
    db.delete(key(k));
  }

  /** Deletes keys k to k + 1 (the end is exclusive: k + 2 is kept). */
  @Operation
  public void deleteRange(@Param(name = "key") int k) {
    db.deleteRange(key(k), key(k + 2));
  }

  @Operation
  public void batch(@Param(name = "key") int k, @Param(name = "value") int v) {
    WriteBatch b = new WriteBatch();
    b.put(key(k), new byte[] {(byte) v});
    b.delete(key((k + 1) % 4));
    db.write(b, dev.strata.WriteOptions.DEFAULT);
  }

  @Operation
  public int get(@Param(name = "key") int k) {
    byte[] r = db.get(key(k));
    return r == null ? -1 : r[0];
  }

  /**
   * Three keys in one multiGet, two of them the pair a {@link #batch} writes together: the
   * sequential specification sees a batch whole or not at all, so must the multiGet.
   */
  @Operation
  public String multiGet(@Param(name = "key") int k) {
    List<byte[]> values = db.multiGet(List.of(key(k), key((k + 1) % 4), key((k + 3) % 4)));
    StringBuilder out = new StringBuilder();
    for (byte[] v : values) {
      out.append(v == null ? -1 : v[0]).append(' ');
    }
    return out.toString();
  }

  @Operation
  public String scan(@Param(name = "key") int k) {
    StringBuilder out = new StringBuilder();
    ReadOptions ro = ReadOptions.builder().lowerBound(key(k)).upperBound(key(k + 2)).build();
    try (DBIterator it = db.newIterator(ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.append(new String(it.key(), StandardCharsets.UTF_8)).append('=')
            .append(it.value()[0]).append(' ');
      }
    }
    return out.toString();
  }

  @Test
  void stress_isLinearizable() {
    LinCheckerKt.check(
        new StressOptions()
            .iterations(Boolean.getBoolean("strata.soak") ? 100 : 15)
            .invocationsPerIteration(200)
            .threads(3)
            .actorsPerThread(3),
        DbLincheckTest.class);
  }
}
