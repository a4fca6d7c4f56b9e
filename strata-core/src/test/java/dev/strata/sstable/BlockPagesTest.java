package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The block cache's pages: numbered across chunks that fill one G1 region each, handed out and
 * freed without overlap, and bytes that come back as they were written whichever pages and chunks
 * hold them.
 */
class BlockPagesTest {
  private static final long MIB = 1 << 20;

  @Test
  void chunks_startAt64KiB_andDoubleToOneRegion_underG1_skippingHalfRegionSizes() {
    // 64 MiB under 4 MiB regions. A database that caches one block must not hold a region for
    // it (200 databases with their own caches would hold 800 MiB): 64 KiB first.
    BlockPages g1 = BlockPages.forCapacity(64 * MIB, 4 * MIB);
    assertThat(g1.totalPages()).isEqualTo((int) (64 * MIB / BlockPages.PAGE));
    int[] first = g1.allocate(BlockPages.PAGE);
    assertThat(g1.chunkBytesAllocated()).as("one block cached").isBetween(64L << 10, (64L << 10) + 64);
    g1.free(first);
    // Fill page by page and record each chunk's size as it is made.
    java.util.List<Long> sizes = chunkSizesWhileFilling(BlockPages.forCapacity(64 * MIB, 4 * MIB));
    // 64, 128, 256, 512 KiB, 1 MiB, then (4 MiB - 64) per chunk: a 2 MiB array would be
    // humongous and take a whole 4 MiB region, so the doubling jumps from 1 MiB to a region.
    assertThat(sizes.subList(0, 6))
        .containsExactly(64L << 10, 128L << 10, 256L << 10, 512L << 10, MIB, 4 * MIB - 512);
    assertThat(sizes.subList(5, sizes.size() - 1)).allMatch(b -> b == 4 * MIB - 512);
    assertThat(sizes.stream().mapToLong(Long::longValue).sum())
        .as("the chunks hold the capacity exactly")
        .isEqualTo(64 * MIB);
  }

  @Test
  void chunks_doubleToAMebibyte_withoutG1_andStopAtTheCapacity() {
    BlockPages plain = BlockPages.forCapacity(64 * MIB, 0);
    plain.allocate(1);
    assertThat(plain.chunkBytesAllocated()).isBetween(64L << 10, (64L << 10) + 64);
    java.util.List<Long> sizes = chunkSizesWhileFilling(BlockPages.forCapacity(64 * MIB, 0));
    assertThat(sizes.subList(0, 6))
        .containsExactly(64L << 10, 128L << 10, 256L << 10, 512L << 10, MIB, MIB);
    assertThat(sizes.stream().mapToLong(Long::longValue).sum()).isEqualTo(64 * MIB);

    BlockPages small = BlockPages.forCapacity(8 << 10, 4 * MIB);
    small.allocate(1);
    assertThat(small.chunkBytesAllocated()).as("a cache smaller than a chunk: its own size")
        .isBetween(8L << 10, (8L << 10) + 64);
    // 100 KiB: 64 KiB, then the remaining 36 KiB rather than 128.
    BlockPages odd = BlockPages.forCapacity(100 << 10, 4 * MIB);
    assertThat(chunkSizesWhileFilling(odd)).containsExactly(64L << 10, 36L << 10);
    assertThatThrownBy(() -> BlockPages.forCapacity(100, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Takes every page one at a time; returns the bytes of each chunk made, in order (headers aside). */
  private static java.util.List<Long> chunkSizesWhileFilling(BlockPages pages) {
    java.util.List<Long> sizes = new java.util.ArrayList<>();
    long before = pages.chunkPayloadBytes();
    while (pages.allocate(1) != null) {
      long now = pages.chunkPayloadBytes();
      if (now != before) {
        sizes.add(now - before);
        before = now;
      }
    }
    return sizes;
  }

  @Test
  void allocate_takesWhatTheLengthNeeds_andReturnsNullRatherThanOvercommit() {
    BlockPages pages = BlockPages.forCapacity(8 * BlockPages.PAGE, 0);
    assertThat(BlockPages.pagesFor(1)).isEqualTo(1);
    assertThat(BlockPages.pagesFor(BlockPages.PAGE)).isEqualTo(1);
    assertThat(BlockPages.pagesFor(BlockPages.PAGE + 1)).isEqualTo(2);
    int[] a = pages.allocate(3 * BlockPages.PAGE);
    int[] b = pages.allocate(5 * BlockPages.PAGE - 7);
    assertThat(a).hasSize(3);
    assertThat(b).hasSize(5);
    assertThat(pages.allocate(1)).as("all eight pages taken").isNull();
    assertThat(pages.allocate(9 * BlockPages.PAGE)).as("more than the pool").isNull();
    pages.free(a);
    assertThat(pages.allocate(4 * BlockPages.PAGE)).as("three free, four asked").isNull();
    assertThat(pages.pagesInUse()).as("a failed allocation takes nothing").isEqualTo(5);
    int[] c = pages.allocate(3 * BlockPages.PAGE);
    assertThat(c).containsExactlyInAnyOrder(a);
  }

  @Test
  void bytesWrittenToPages_readBackTheSame_acrossChunks() {
    // Chunks of 1 MiB (no G1), 2,048 pages each: blocks land in several chunks.
    BlockPages pages = BlockPages.forCapacity(4 * MIB, 0);
    Random rnd = new Random(TestSeed.forTest("BlockPagesTest.bytesWrittenToPages"));
    Set<Integer> used = new HashSet<>();
    java.util.List<int[]> allocations = new java.util.ArrayList<>();
    java.util.List<byte[]> contents = new java.util.ArrayList<>();
    for (int i = 0; i < 900; i++) {
      byte[] block = new byte[1 + rnd.nextInt(9000)];
      rnd.nextBytes(block);
      int[] p = pages.allocate(block.length);
      assertThat(p).isNotNull();
      for (int page : p) {
        assertThat(used.add(page)).as("page %d handed out twice", page).isTrue();
      }
      pages.write(p, block, block.length);
      allocations.add(p);
      contents.add(block);
      if (rnd.nextInt(3) == 0) {
        int victim = rnd.nextInt(allocations.size());
        int[] freed = allocations.remove(victim);
        contents.remove(victim);
        pages.free(freed);
        for (int page : freed) {
          used.remove(page);
        }
      }
    }
    assertThat(pages.chunkBytesAllocated()).as("several chunks").isGreaterThan(MIB);
    for (int i = 0; i < allocations.size(); i++) {
      byte[] back = new byte[contents.get(i).length + 10];
      pages.read(allocations.get(i), back, contents.get(i).length);
      assertThat(java.util.Arrays.copyOf(back, contents.get(i).length)).isEqualTo(contents.get(i));
    }
    assertThat(pages.pagesInUse()).isEqualTo(used.size());
  }
}
