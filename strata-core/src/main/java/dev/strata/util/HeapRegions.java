package dev.strata.util;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * The G1 collector's heap region size, read once from the JVM's HotSpot diagnostic bean. An array
 * larger than half a region is "humongous": G1 allocates it straight into regions of its own in the
 * old generation and never copies it, which the memtable uses for its slabs ({@code
 * memtable.SlabChunks}) and the block cache for its pages ({@code sstable.BlockPages}). Stateless
 * after its first use.
 *
 * <p>The bean is asked for directly ({@link ManagementFactory#getPlatformMXBean(Class)}, about 30
 * ms in a fresh JVM), not through the platform MBean server, whose first use builds the server
 * and registers every bean of the JVM (about 150 ms): the first open of a process reads this.
 */
public final class HeapRegions {
  private static final long G1_REGION_BYTES = detect();

  private HeapRegions() {}

  /**
   * G1's region size in bytes; 0 when the collector is not G1 or the JVM does not say (a JVM
   * without the HotSpot diagnostic bean).
   */
  public static long g1RegionBytes() {
    return G1_REGION_BYTES;
  }

  private static long detect() {
    try {
      HotSpotDiagnosticMXBean bean =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (bean == null || !Boolean.parseBoolean(bean.getVMOption("UseG1GC").getValue())) {
        return 0;
      }
      return Long.parseLong(bean.getVMOption("G1HeapRegionSize").getValue());
    } catch (RuntimeException | LinkageError e) {
      return 0;
    }
  }
}
