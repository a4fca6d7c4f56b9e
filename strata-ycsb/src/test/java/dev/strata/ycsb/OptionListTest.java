package dev.strata.ycsb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionListTest {
  private static final Set<String> KEYS = Set.of("cache-mb", "bloom-bits", "compression", "mmap");

  @Test
  void parse_list_givesValuesAndDefaults() {
    OptionList o = OptionList.parse(" cache-mb=128 , compression=none", KEYS);

    assertThat(o.mibValue("cache-mb", 1)).isEqualTo(128L << 20);
    assertThat(o.get("compression", "lz4")).isEqualTo("none");
    assertThat(o.intValue("bloom-bits", 10)).isEqualTo(10);
  }

  @Test
  void parse_nullOrBlank_isEmpty() {
    assertThat(OptionList.parse(null, KEYS).intValue("bloom-bits", 3)).isEqualTo(3);
    assertThat(OptionList.parse("  ", KEYS).get("compression", "lz4")).isEqualTo("lz4");
  }

  @Test
  void parse_unknownKeyOrNoEquals_refusedNamingTheKnownKeys() {
    assertThatThrownBy(() -> OptionList.parse("cache=1", KEYS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cache-mb");
    assertThatThrownBy(() -> OptionList.parse("cache-mb", KEYS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KEY=VALUE");
    assertThatThrownBy(() -> OptionList.parse("cache-mb=1,cache-mb=2", KEYS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
  }

  @Test
  void intValue_notANumber_refused() {
    OptionList o = OptionList.parse("bloom-bits=ten", KEYS);

    assertThatThrownBy(() -> o.intValue("bloom-bits", 0)).hasMessageContaining("ten");
  }

  @Test
  void booleanValue_trueFalseOrDefault() {
    assertThat(OptionList.parse("mmap=true", KEYS).booleanValue("mmap", false)).isTrue();
    assertThat(OptionList.parse("mmap=FALSE", KEYS).booleanValue("mmap", true)).isFalse();
    assertThat(OptionList.parse("", KEYS).booleanValue("mmap", true)).isTrue();
  }

  @Test
  void booleanValue_anythingElse_refusedNotReadAsFalse() {
    OptionList o = OptionList.parse("mmap=yes", KEYS);

    assertThatThrownBy(() -> o.booleanValue("mmap", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mmap")
        .hasMessageContaining("yes");
  }
}
