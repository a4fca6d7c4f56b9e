package dev.strata.bench.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.h2.mvstore.WriteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvStoreAdapterTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private MvStoreAdapter open(Map<String, String> common, Map<String, String> options)
      throws Exception {
    MvStoreAdapter db = new MvStoreAdapter();
    db.open(dir, EngineSettings.defaults().with(common), options);
    return db;
  }

  @Test
  void keyType_comparesUnsigned_shorterPrefixFirst() {
    MvStoreAdapter.UnsignedBytesType t = MvStoreAdapter.UnsignedBytesType.INSTANCE;

    assertThat(t.compare(new byte[] {0x7f}, new byte[] {(byte) 0x80})).isNegative();
    assertThat(t.compare(new byte[] {(byte) 0xff}, new byte[] {0x00})).isPositive();
    assertThat(t.compare(new byte[] {1}, new byte[] {1, 0})).isNegative();
    assertThat(t.compare(new byte[] {1, 2}, new byte[] {1, 2})).isZero();
    assertThat(t.compare(new byte[0], new byte[] {0})).isNegative();
  }

  @Test
  void keyType_writeThenRead_givesTheKeyBack() {
    MvStoreAdapter.UnsignedBytesType t = MvStoreAdapter.UnsignedBytesType.INSTANCE;
    byte[] key = new byte[300];
    key[0] = (byte) 0xff;
    key[299] = 7;
    WriteBuffer buf = new WriteBuffer();
    t.write(buf, key);
    t.write(buf, new byte[0]);

    java.nio.ByteBuffer in = buf.getBuffer().flip();
    assertThat(t.read(in)).isEqualTo(key);
    assertThat(t.read(in)).isEmpty();
    assertThat(in.hasRemaining()).isFalse();
  }

  @Test
  void configuration_mapsCompressionAndCache() throws Exception {
    try (MvStoreAdapter db = open(Map.of("cache-mb", "8"), Map.of())) {
      assertThat(db.configuration()).containsEntry("cache", "8 MiB page cache");
      assertThat(db.configuration().get("compression")).startsWith("LZF");
      assertThat(db.configuration().get("autocommit")).startsWith("background commit every 1000 ms");
      assertThat(db.configuration().get("memtable")).startsWith("n/a");
      assertThat(db.configuration().get("bloom")).startsWith("n/a");
    }
    try (MvStoreAdapter db = open(Map.of("compression", "zstd"), Map.of())) {
      assertThat(db.configuration().get("compression")).startsWith("Deflate");
    }
    try (MvStoreAdapter db = open(Map.of("compression", "none"), Map.of())) {
      assertThat(db.configuration().get("compression")).isEqualTo("none");
    }
    assertThat(dir.resolve(MvStoreAdapter.FILE_NAME)).isRegularFile();
  }

  @Test
  void autocommitDelay_isAnEngineOption_andChecked() throws Exception {
    try (MvStoreAdapter db = open(Map.of(), Map.of("autocommit-delay-ms", "50"))) {
      assertThat(db.configuration().get("autocommit")).startsWith("background commit every 50 ms");
    }
    assertThatThrownBy(() -> open(Map.of(), Map.of("autocommit-delay-ms", "0")))
        .hasMessageContaining("autocommit-delay-ms must be >= 1");
  }

  @Test
  void arrays_ofTheCaller_areNeverSharedWithTheMap() throws Exception {
    try (MvStoreAdapter db = open(Map.of(), Map.of())) {
      byte[] key = bytes("key");
      byte[] value = bytes("value");
      db.put(key, value);
      value[0] = 'X';
      key[0] = 'X';
      db.get(bytes("key"))[1] = 'X';

      assertThat(db.get(bytes("key"))).asString(UTF_8).isEqualTo("value");
      try (EngineCursor c = db.newCursor()) {
        c.seekToFirst();
        c.key()[0] = 'X';
        c.value()[0] = 'X';
        assertThat(c.key()).asString(UTF_8).isEqualTo("key");
        assertThat(c.value()).asString(UTF_8).isEqualTo("value");
      }
    }
  }

  @Test
  void cursor_keepsItsSnapshot_whileWritesGoOn() throws Exception {
    try (MvStoreAdapter db = open(Map.of(), Map.of())) {
      db.put(bytes("a"), bytes("1"));
      db.put(bytes("c"), bytes("3"));
      try (EngineCursor c = db.newCursor()) {
        c.seekToFirst();
        db.put(bytes("b"), bytes("2"));
        db.delete(bytes("c"));
        c.next();
        assertThat(c.key()).asString(UTF_8).isEqualTo("c");
      }
    }
  }

  @Test
  void statsText_reportsEntriesAndCache() throws Exception {
    try (MvStoreAdapter db = open(Map.of(), Map.of())) {
      db.put(bytes("k"), bytes("v"));
      assertThat(db.statsText()).hasValueSatisfying(s -> assertThat(s)
          .contains("entries 1;").contains("cache").contains("fill rate"));
    }
  }
}
