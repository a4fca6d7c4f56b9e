package dev.strata.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link DirectBuffers}: a freed buffer's memory leaves the JVM's direct pool at once, and the room
 * check refuses what would pass seven eighths of the direct-memory limit (by default the maximum
 * heap) instead of letting the allocation stall in a full collection.
 */
class DirectBuffersTest {
  @Test
  void free_releasesTheMemoryAtOnce() {
    assertThat(DirectBuffers.freesAtOnce()).isTrue();
    ByteBuffer b = ByteBuffer.allocateDirect(4 << 20);
    long before = direct().getTotalCapacity();
    DirectBuffers.free(b);
    assertThat(before - direct().getTotalCapacity()).isGreaterThanOrEqualTo(4L << 20);
    // Heap buffers are the collector's: nothing to release, no failure.
    DirectBuffers.free(ByteBuffer.allocate(16));
  }

  @Test
  void hasRoomFor_refusesWhatPassesSevenEighthsOfTheLimit() {
    long limit = Runtime.getRuntime().maxMemory();
    assertThat(DirectBuffers.hasRoomFor(1)).isTrue();
    assertThat(DirectBuffers.hasRoomFor(limit)).isFalse();
    assertThat(DirectBuffers.hasRoomFor(limit - limit / 8)).isFalse();
    // Holding buffers shrinks the room by as much.
    long room = limit - limit / 8 - direct().getTotalCapacity();
    ByteBuffer held = ByteBuffer.allocateDirect(8 << 20);
    try {
      assertThat(DirectBuffers.hasRoomFor(room - (4 << 20))).isFalse();
    } finally {
      DirectBuffers.free(held);
    }
  }

  private static BufferPoolMXBean direct() {
    for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (b.getName().equals("direct")) {
        return b;
      }
    }
    throw new AssertionError("no direct buffer pool");
  }
}
