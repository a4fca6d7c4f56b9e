package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.Event;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.RandomCompaction;
import dev.strata.testing.Seeds;
import dev.strata.util.Coding;
import dev.strata.version.VersionEdit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Checks the engine's durability rules on the recorded trace of file calls of random workloads
 * (writes, flushes, compactions, reopens):
 *
 * <ol>
 *   <li>a table is forced, and its directory entry too, before a manifest record names it;
 *   <li>a WAL's directory entry is forced before the WAL takes its first append;
 *   <li>CURRENT is only ever replaced by renaming a forced temporary file, and never written in
 *       place; the manifest it names was forced (with its directory) before the rename;
 *   <li>an old manifest is deleted only after a rename of CURRENT away from it was forced;
 *   <li>a WAL is deleted only after a forced manifest record moved the log number above it;
 *   <li>a table is deleted only after a forced manifest record deleted it, or if no record ever
 *       named it;
 *   <li>a WAL is forced only once every earlier WAL still on disk and not yet obsolete (at or
 *       above the log number of the last forced manifest record) was forced after its last
 *       append: recovery stops at an earlier log's torn tail, so a write made durable in a later
 *       log must not depend on an unforced earlier one (a log an open replayed is never forced;
 *       its memtable's flush makes it obsolete first);
 *   <li>a manifest record that a close forced WAL N at length L ({@code Options.reuseLogs}) follows
 *       a force of N after its last append, and N's length then is L: the next open appends to
 *       N without forcing it.
 * </ol>
 */
class DurabilityRulesTest {
  private static final Path DIR = Path.of("/db");

  @Test
  void randomWorkloads_followTheDurabilityRules() {
    long seed = Seeds.seed("DurabilityRulesTest");
    Random rnd = new Random(seed);
    for (int run = 0; run < 8; run++) {
      FaultInjectionFileSystem fs = new FaultInjectionFileSystem(rnd.nextLong());
      fs.setTracing(true);
      OpGenerator gen = new OpGenerator(rnd, 300, "v");
      for (int open = 0; open < 3; open++) {
        Options options =
            RandomCompaction.either(
                    Options.builder()
                        .fileSystem(fs)
                        .reuseLogs(rnd.nextBoolean())
                        .memtableSizeBytes(4096)
                        .blockSizeBytes(256)
                        .targetFileSizeBytes(2048)
                        .maxBytesForLevelBase(8192)
                        .level0CompactionTrigger(2),
                    rnd)
                .build();
        try (StrataDB db = StrataDB.open(DIR, options)) {
          for (int i = 0; i < 300; i++) {
            int r = rnd.nextInt(100);
            if (r == 0) {
              db.flush();
            } else if (r == 1) {
              db.compactRange(null, null);
            } else {
              OpGenerator.apply(db, gen.nextWrite(60),
                  rnd.nextInt(4) == 0 ? WriteOptions.SYNC : WriteOptions.DEFAULT);
            }
          }
        }
      }
      check(fs.trace(), "seed " + seed + " run " + run);
    }
  }

  private static String name(Path p) {
    return p.getFileName().toString();
  }

  private static long number(String name) {
    return Long.parseLong(name.substring(0, name.indexOf('.')));
  }

  static void check(List<Event> trace, String where) {
    Map<String, Integer> lastAppend = new HashMap<>();
    Map<String, Integer> lastSync = new HashMap<>();
    Map<String, Integer> created = new HashMap<>();
    // Each WAL's length after its last append.
    Map<String, Long> logLength = new HashMap<>();
    int lastDirSync = -1;
    Map<String, byte[]> tempContent = new HashMap<>();
    // Manifest records appended but not yet forced, per manifest.
    Map<String, List<VersionEdit>> pending = new HashMap<>();
    long durableLogNumber = 0;
    Set<Long> everNamed = new HashSet<>();
    Set<Long> durablyDeleted = new HashSet<>();
    String currentManifest = null;
    int currentRenamedAt = -1;
    for (int i = 0; i < trace.size(); i++) {
      Event e = trace.get(i);
      if (e.failed()) {
        continue;
      }
      String n = e.path() == null ? "" : name(e.path());
      String at = where + " event " + e;
      switch (e.op()) {
        case CREATE -> {
          assertThat(n).as("%s: CURRENT written in place", at).isNotEqualTo("CURRENT");
          created.put(n, i);
          lastAppend.remove(n);
          lastSync.remove(n);
        }
        case APPEND -> {
          if (n.endsWith(".log") && lastAppend.get(n) == null) {
            assertThat(lastDirSync).as("%s: WAL takes writes before its directory entry is forced",
                at).isGreaterThan(created.getOrDefault(n, -1));
          }
          lastAppend.put(n, i);
          if (n.endsWith(".log")) {
            logLength.put(n, e.offset() + e.length());
          }
          if (n.endsWith(".dbtmp")) {
            tempContent.put(n, e.data());
          }
          if (n.startsWith("MANIFEST-")) {
            VersionEdit edit = decode(e.data(), n);
            for (VersionEdit.Added a : edit.added()) {
              String t = String.format("%06d.sst", a.file().number());
              assertThat(lastSync.getOrDefault(t, -1))
                  .as("%s: manifest names %s before it is forced", at, t)
                  .isGreaterThan(lastAppend.getOrDefault(t, -1));
              assertThat(lastDirSync)
                  .as("%s: manifest names %s before its directory entry is forced", at, t)
                  .isGreaterThan(created.getOrDefault(t, -1));
              everNamed.add(a.file().number());
            }
            if (edit.closedLogNumber() >= 0) {
              String log = String.format("%06d.log", edit.closedLogNumber());
              assertThat(lastSync.getOrDefault(log, -1))
                  .as("%s: close records %s as forced before it is", at, log)
                  .isGreaterThan(lastAppend.getOrDefault(log, -1));
              assertThat(edit.closedLogLength())
                  .as("%s: close records the length of %s", at, log)
                  .isEqualTo(logLength.getOrDefault(log, 0L));
            }
            pending.computeIfAbsent(n, k -> new ArrayList<>()).add(edit);
          }
        }
        case SYNC -> {
          if (n.endsWith(".log")) {
            for (Map.Entry<String, Integer> other : lastAppend.entrySet()) {
              String m = other.getKey();
              // A log below the durable log number is obsolete (its writes are in tables a
              // forced manifest names) even while still on disk: recovery does not read it.
              if (m.endsWith(".log") && number(m) < number(n) && number(m) >= durableLogNumber) {
                assertThat(lastSync.getOrDefault(m, -1))
                    .as("%s: %s forced while the earlier %s has unforced appends", at, n, m)
                    .isGreaterThan(other.getValue());
              }
            }
          }
          lastSync.put(n, i);
          List<VersionEdit> done = pending.remove(n);
          if (done != null) {
            for (VersionEdit edit : done) {
              durableLogNumber = Math.max(durableLogNumber, edit.logNumber());
              edit.deleted().forEach(d -> durablyDeleted.add(d.number()));
              edit.added().forEach(a -> durablyDeleted.remove(a.file().number()));
            }
          }
        }
        case SYNC_DIRECTORY -> {
          lastDirSync = i;
          if (currentRenamedAt >= 0) {
            currentRenamedAt = -1;
          }
        }
        case RENAME -> {
          if (name(e.target()).equals("CURRENT")) {
            assertThat(lastSync.getOrDefault(n, -1))
                .as("%s: CURRENT renamed from an unforced temporary file", at)
                .isGreaterThan(lastAppend.getOrDefault(n, Integer.MAX_VALUE));
            String content = new String(tempContent.get(n), StandardCharsets.UTF_8).trim();
            assertThat(lastSync.getOrDefault(content, -1))
                .as("%s: CURRENT names unforced %s", at, content)
                .isGreaterThan(lastAppend.getOrDefault(content, Integer.MAX_VALUE));
            assertThat(lastDirSync)
                .as("%s: CURRENT names %s before its directory entry is forced", at, content)
                .isGreaterThan(created.getOrDefault(content, -1));
            currentManifest = content;
            currentRenamedAt = i;
          }
        }
        case DELETE -> {
          if (n.startsWith("MANIFEST-")) {
            assertThat(n).as("%s: the manifest CURRENT names was deleted", at)
                .isNotEqualTo(currentManifest);
            assertThat(currentRenamedAt)
                .as("%s: manifest deleted before the rename of CURRENT away from it is forced", at)
                .isEqualTo(-1);
          } else if (n.endsWith(".log")) {
            assertThat(number(n))
                .as("%s: WAL deleted before a forced manifest record moved past it", at)
                .isLessThan(durableLogNumber);
            lastAppend.remove(n);
          } else if (n.endsWith(".sst")) {
            long t = number(n);
            assertThat(!everNamed.contains(t) || durablyDeleted.contains(t))
                .as("%s: table deleted while a forced manifest may still name it", at)
                .isTrue();
          }
        }
        default -> {}
      }
    }
    System.out.printf("%s: %d events, %d tables named, %d deleted, log number %d%n",
        where, trace.size(), everNamed.size(), durablyDeleted.size(), durableLogNumber);
  }

  /** The version edit in one manifest append (one record: 13-byte header, then the payload). */
  private static VersionEdit decode(byte[] data, String file) {
    int length = Coding.getInt(data, 0);
    byte[] payload = java.util.Arrays.copyOfRange(data, 13, 13 + length);
    return VersionEdit.decode(payload, file, 0);
  }
}
