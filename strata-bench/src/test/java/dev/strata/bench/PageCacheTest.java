package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drops through a file of the test's own (never the real {@code /proc/sys/vm/drop_caches}): a
 * writable file stands for a machine where drops work, a directory or a missing path for one
 * where they fail. Tests may run as root, so an unwritable path is a directory, not a read-only
 * file.
 */
class PageCacheTest {
  @TempDir Path tmp;

  @Test
  void drop_writableFile_writesThreeAfterFsyncingTheEnginesFiles() throws Exception {
    Path file = Files.writeString(tmp.resolve("drop_caches"), "");
    Path engineDir = Files.createDirectories(tmp.resolve("db/strata"));
    Files.writeString(engineDir.resolve("000001.log"), "unsynced");
    Files.createDirectories(engineDir.resolve("lost"));
    Files.writeString(engineDir.resolve("lost/x"), "y");

    PageCache.Drop d = new PageCache(file).drop(engineDir);

    assertThat(d.state()).isEqualTo(CacheState.DROPPED);
    assertThat(d.reason()).isEmpty();
    assertThat(Files.readString(file)).isEqualTo("3\n");
  }

  @Test
  void drop_engineWithoutDirectory_stillDrops() throws Exception {
    Path file = Files.writeString(tmp.resolve("drop_caches"), "");

    PageCache.Drop d = new PageCache(file).drop(tmp.resolve("never-created"));

    assertThat(d.state()).isEqualTo(CacheState.DROPPED);
  }

  @Test
  void drop_unwritablePath_failsWithReason() {
    PageCache.Drop d = new PageCache(tmp).drop(tmp.resolve("none"));

    assertThat(d.state()).isEqualTo(CacheState.NOT_DROPPED);
    assertThat(d.reason()).hasValueSatisfying(r ->
        assertThat(r).startsWith("cannot write " + tmp).contains("directory"));
  }

  @Test
  void drop_missingFile_saysItDoesNotExist() {
    Path missing = tmp.resolve("proc/sys/vm/drop_caches");

    PageCache.Drop d = new PageCache(missing).probe();

    assertThat(d.state()).isEqualTo(CacheState.NOT_DROPPED);
    assertThat(d.reason()).hasValue(missing + " does not exist (not Linux?)");
    assertThat(missing).doesNotExist();
  }

  @Test
  void firstReport_eachReasonOnce() {
    PageCache cache = new PageCache(tmp);

    assertThat(cache.firstReport("no permission")).isTrue();
    assertThat(cache.firstReport("no permission")).isFalse();
    assertThat(cache.firstReport("read-only")).isTrue();
  }

  @Test
  void combine_droppedOnlyIfEveryRunWas() {
    assertThat(CacheState.combine(CacheState.DROPPED, CacheState.DROPPED))
        .isEqualTo(CacheState.DROPPED);
    assertThat(CacheState.combine(CacheState.DROPPED, CacheState.NOT_DROPPED))
        .isEqualTo(CacheState.NOT_DROPPED);
    assertThat(CacheState.combine(CacheState.WARM, CacheState.WARM)).isEqualTo(CacheState.WARM);
    assertThat(CacheState.parse(null)).isEqualTo(CacheState.WARM);
    assertThat(CacheState.parse("not dropped")).isEqualTo(CacheState.NOT_DROPPED);
  }
}
