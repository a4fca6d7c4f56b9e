package dev.strata.util;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/**
 * The G1 collector's heap region size, read once from the JVM's HotSpot diagnostic bean (through
 * the platform MBean server, so that no module beyond {@code java.management} is needed). An array
 * larger than half a region is "humongous": G1 allocates it straight into regions of its own in the
 * old generation and never copies it, which the memtable uses for its slabs ({@code
 * memtable.SlabChunks}). Stateless after its first use.
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
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      ObjectName name = new ObjectName("com.sun.management:type=HotSpotDiagnostic");
      if (!Boolean.parseBoolean(option(server, name, "UseG1GC"))) {
        return 0;
      }
      return Long.parseLong(option(server, name, "G1HeapRegionSize"));
    } catch (JMException | RuntimeException e) {
      return 0;
    }
  }

  private static String option(MBeanServer server, ObjectName name, String option)
      throws JMException {
    Object d =
        server.invoke(
            name, "getVMOption", new Object[] {option}, new String[] {String.class.getName()});
    return (String) ((CompositeData) d).get("value");
  }
}
