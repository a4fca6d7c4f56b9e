package dev.strata.reliability;

import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.memtable.ShardedMemtable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.jetbrains.kotlinx.lincheck.LinCheckerKt;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck on the sharded memtable alone, behind a thin wrapper that assigns sequence numbers the
 * way the commit pipeline does: a writer allocates its sequences from a counter, inserts without
 * a lock, then publishes the visible sequence in allocation order; readers read at the visible
 * sequence. Operations: put, get, delete, a two-key batch and a bounded scan over four keys, in
 * stress mode and in model-checking mode.
 *
 * <p>The model checker cannot step into byte-array view VarHandles (it stops with "Unsupported
 * VarHandle type"), which {@code Coding} uses to read and write the arena's fixed-width fields.
 * {@code Coding} is therefore ignored there: each call is one untracked step. Every arena access
 * that changes bytes happens under a shard's write lock, whose acquisitions and releases the
 * checker still interleaves; the bytes read without a lock never change once written.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:3")
@Param(name = "value", gen = IntGen.class, conf = "0:9")
public class MemtableLincheckTest {
  private static final boolean SOAK = Boolean.getBoolean("strata.soak");

  private final ShardedMemtable mem = new ShardedMemtable(2, 1 << 20);
  private final AtomicLong allocated = new AtomicLong();
  private final AtomicLong visible = new AtomicLong();

  /** Allocates {@code n} sequences, runs the inserts, publishes in allocation order. */
  private void write(int n, java.util.function.LongConsumer inserts) {
    long first = allocated.getAndAdd(n) + 1;
    inserts.accept(first);
    while (visible.get() != first - 1) {
      Thread.onSpinWait();
    }
    visible.set(first + n - 1);
  }

  private static byte[] key(int k) {
    return ("k" + k).getBytes(StandardCharsets.UTF_8);
  }

  @Operation
  public void put(@Param(name = "key") int k, @Param(name = "value") int v) {
    write(1, s -> mem.add(s, ValueKind.VALUE, key(k), new byte[] {(byte) v}));
  }

  @Operation
  public void delete(@Param(name = "key") int k) {
    write(1, s -> mem.add(s, ValueKind.DELETE, key(k), null));
  }

  /** Two ops under consecutive sequences, as a batch is assigned them. */
  @Operation
  public void batch(@Param(name = "key") int k, @Param(name = "value") int v) {
    write(2, first -> {
      mem.add(first, ValueKind.VALUE, key(k), new byte[] {(byte) v});
      mem.add(first + 1, ValueKind.DELETE, key((k + 1) % 4), null);
    });
  }

  @Operation
  public int get(@Param(name = "key") int k) {
    byte[] r = mem.get(key(k), visible.get());
    return r == null || Lookup.isDeleted(r) ? -1 : r[0];
  }

  /** Live keys in [k, k + 2), newest version of each, as "key=value" pairs. */
  @Operation
  public String scan(@Param(name = "key") int k) {
    StringBuilder out = new StringBuilder();
    long snapshot = visible.get();
    byte[] upper = key(k + 2);
    try (InternalIterator it = mem.newIterator()) {
      byte[] last = null;
      for (it.seek(key(k), Trailer.seekTrailer(snapshot)); it.isValid(); it.next()) {
        byte[] uk = it.userKey();
        if (Arrays.compare(uk, upper) >= 0) {
          break;
        }
        if (Trailer.sequence(it.trailer()) > snapshot
            || last != null && Arrays.equals(last, uk)) {
          continue;
        }
        last = uk;
        if ((it.trailer() & 0xFF) == ValueKind.VALUE.code()) {
          out.append(new String(uk, StandardCharsets.UTF_8)).append('=').append(it.value()[0])
              .append(' ');
        }
      }
    }
    return out.toString();
  }

  @Test
  void stress_isLinearizable() {
    LinCheckerKt.check(
        new StressOptions().iterations(SOAK ? 100 : 20).invocationsPerIteration(300).threads(3)
            .actorsPerThread(3),
        MemtableLincheckTest.class);
  }

  @Test
  void modelChecking_isLinearizable() {
    LinCheckerKt.check(
        new ModelCheckingOptions()
            .addGuarantee(
                ManagedStrategyGuaranteeKt.forClasses("dev.strata.util.Coding").allMethods().ignore())
            .iterations(SOAK ? 30 : 2).invocationsPerIteration(SOAK ? 300 : 60)
            .threads(3)
            .actorsPerThread(3),
        MemtableLincheckTest.class);
  }
}
