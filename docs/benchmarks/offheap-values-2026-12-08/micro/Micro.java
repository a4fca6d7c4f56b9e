import dev.strata.memtable.*;
import dev.strata.key.ValueKind;
import dev.strata.stats.LockWaits;
import java.util.SplittableRandom;

public class Micro {
  public static void main(String[] a) {
    int n = 55_000;
    byte[][] keys = new byte[n][];
    for (int i = 0; i < n; i++) keys[i] = String.format("user%019d", i * 7919L).getBytes();
    for (int round = 0; round < 6; round++) {
      for (boolean off : new boolean[] {false, true}) {
        ValueChunkPool pool = off ? new ValueChunkPool(64L << 20) : null;
        ShardedMemtable warm = new ShardedMemtable(16, 64L << 20, LockWaits.NONE, pool);
        for (int i = 0; i < 5000; i++) warm.add(i + 1, ValueKind.VALUE, keys[i], new byte[1100]);
        ShardedMemtable m = new ShardedMemtable(16, 64L << 20, LockWaits.NONE, pool);
        byte[] v = new byte[1100];
        for (int i = 0; i < n; i++) { v[0] = (byte) i; m.add(i + 1, ValueKind.VALUE, keys[i], v); }
        SplittableRandom r = new SplittableRandom(round);
        long sum = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < 3_000_000; i++) {
          byte[] got = m.get(keys[r.nextInt(n)], Long.MAX_VALUE >>> 8);
          sum += got[0];
        }
        long t1 = System.nanoTime();
        System.out.printf("round %d off-heap %-5s offHeapBytes %9d  %.1f ns/get (%d)%n", round, off, m.offHeapBytes(), (t1 - t0) / 3e6, sum);
      }
    }
  }
}
