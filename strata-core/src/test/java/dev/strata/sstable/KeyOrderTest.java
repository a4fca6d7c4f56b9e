package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class KeyOrderTest {
  /** The in-place comparison inside blocks must be the engine's internal-key order. */
  @Property(tries = 2000)
  void compare_anyKeys_agreesWithInternalKey(
      @ForAll @Size(max = 4) byte[] userA,
      @ForAll @LongRange(max = (1L << 40)) long seqA,
      @ForAll boolean deleteA,
      @ForAll @Size(max = 4) byte[] userB,
      @ForAll @LongRange(max = (1L << 40)) long seqB,
      @ForAll boolean deleteB) {
    long ta = Trailer.pack(seqA, deleteA ? ValueKind.DELETE : ValueKind.VALUE);
    long tb = Trailer.pack(seqB, deleteB ? ValueKind.DELETE : ValueKind.VALUE);
    byte[] a = InternalKey.encode(userA, ta);
    byte[] b = InternalKey.encode(userB, tb);
    int expected = Integer.signum(InternalKey.compare(userA, ta, userB, tb));
    assertThat(Integer.signum(KeyOrder.compare(a, 0, a.length, b, 0, b.length)))
        .isEqualTo(expected);
    assertThat(Integer.signum(KeyOrder.compare(a, 0, a.length, userB, tb))).isEqualTo(expected);
  }
}
