package dev.strata.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.version.ManifestContents;
import dev.strata.CorruptionException;
import dev.strata.Statistics;
import dev.strata.StrataDB;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.version.FileNames;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogReader;
import dev.strata.wal.WalFormat;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata stats}: the database's totals, not the counters since the open (which the
 * command's own open would make all zero). Per level, files and bytes ({@code
 * strata.num-files-at-level<N>}, {@code strata.level-bytes<N>}); keys, estimated from the live
 * tables' entry counts in the manifest plus the operations in the live WALs (an upper estimate:
 * every version and tombstone counts); and the directory listing: WAL files and bytes, the
 * manifest, other files, the total. {@code --json} adds the statistics, {@code --watch} prints
 * rates until interrupted ({@link StatsWatch}); with {@code --jmx} both read the running
 * database's MXBean instead of this command's own open.
 */
@Command(name = "stats", mixinStandardHelpOptions = true, description = "Print the database's totals: levels, estimated keys, WAL, manifest and directory sizes.")
final class StatsCommand extends DbCommands.ReadingBase {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--json", description = "Print one JSON object, with the statistics.")
  boolean json;

  @Option(
      names = "--watch",
      paramLabel = "SECONDS",
      description =
          "Print a row of rates every SECONDS until interrupted: writes/s, reads/s, bytes/s, stalls,"
              + " cache hit ratio, pending compaction. With --jmx, of the running database; without,"
              + " writes/s from the sequence and pending compaction from the files only.")
  double watch;

  @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N rows.")
  long count;

  @Option(
      names = "--jmx",
      paramLabel = "URL",
      description =
          "Read the running database's figures from its MXBean: a service:jmx:... URL, or 'local'"
              + " (this JVM).")
  String jmx;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "With --jmx: the database's JMX name (default: the directory's name).")
  String name;

  /** The totals, gathered once. */
  private static final class Totals {
    final int[] files = new int[VersionSet.NUM_LEVELS];
    final long[] bytes = new long[VersionSet.NUM_LEVELS];
    long tableBytes;
    long estimatedKeys;
    int walFiles;
    long walBytes;
    String manifest;
    long manifestBytes;
    int otherFiles;
    long otherBytes;
    long directoryBytes;
    long lastSequence;
    long memtableBytes;
    boolean compactionPending;
  }

  @Override
  int run(StrataDB d) throws Exception {
    if (watch > 0) {
      return watch();
    }
    Totals t = gather(d);
    if (json) {
      printJson(t, statistics(d), out());
    } else {
      printText(t, out());
    }
    return 0;
  }

  private String jmxName() {
    if (name != null) {
      return name;
    }
    Path file = db.toAbsolutePath().normalize().getFileName();
    return file == null ? db.toString() : file.toString();
  }

  private int watch() throws Exception {
    long interval = (long) (watch * 1e9);
    if (jmx != null) {
      try (JmxStatsSource source = new JmxStatsSource(jmx, jmxName())) {
        new StatsWatch(source, out(), interval, count).run();
      }
    } else {
      new StatsWatch(this::fileSample, out(), interval, count).run();
    }
    return 0;
  }

  /**
   * A sample from the files alone, for a database this command cannot reach through JMX: opens it
   * read-only and takes its last sequence (one per key written) and pending compaction.
   */
  private StatsSample fileSample() {
    try (StrataDB d = DbOpener.forReading(db, mergeOperator(), cf)) {
      return new StatsSample(
          System.nanoTime(),
          Map.of("strata.keys.written", Long.parseLong(d.getProperty("strata.last-sequence"))),
          d.getAggregatedLongProperty("strata.estimate-pending-compaction-bytes"),
          "?");
    }
  }

  /**
   * The statistics for {@code --json}: the running database's tickers with {@code --jmx}, else
   * those of this command's own open (counts since it opened: its own reads).
   */
  private ObjectNode statistics(StrataDB d) throws Exception {
    ObjectNode s = JSON.createObjectNode();
    ObjectNode tickers = s.putObject("tickers");
    if (jmx != null) {
      s.put("source", "jmx");
      try (JmxStatsSource source = new JmxStatsSource(jmx, jmxName())) {
        new TreeMap<>(source.tickers()).forEach(tickers::put);
      }
      return s;
    }
    s.put("source", "this-open");
    Statistics stats = d.getStatistics();
    stats.tickers().forEach((t, v) -> tickers.put(t.statName(), v));
    ObjectNode histograms = s.putObject("histograms");
    stats
        .histograms()
        .forEach(
            (h, v) -> {
              ObjectNode o = histograms.putObject(h.statName());
              o.put("count", v.count());
              o.put("sum", v.sum());
              o.put("mean", v.mean());
              o.put("p50", v.p50());
              o.put("p95", v.p95());
              o.put("p99", v.p99());
              o.put("p999", v.p999());
              o.put("max", v.max());
            });
    return s;
  }

  private Totals gather(StrataDB d) throws IOException {
    Totals t = new Totals();
    for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
      t.files[i] = Integer.parseInt(d.getProperty(family(d), "strata.num-files-at-level" + i));
      t.bytes[i] = Long.parseLong(d.getProperty(family(d), "strata.level-bytes" + i));
    }
    t.tableBytes = Long.parseLong(d.getProperty(family(d), "strata.total-sst-bytes"));
    t.lastSequence = Long.parseLong(d.getProperty(family(d), "strata.last-sequence"));
    t.memtableBytes = Long.parseLong(d.getProperty(family(d), "strata.memtable-bytes"));
    t.compactionPending = Boolean.parseBoolean(d.getProperty(family(d), "strata.compaction-pending"));
    FileSystem fs = FileSystem.nio();
    ManifestContents manifest = ManifestContents.read(fs, db, ManifestContents.readCurrent(fs, db));
    t.manifest = manifest.manifestName();
    t.estimatedKeys = manifest.tableEntries();
    for (String n : fs.list(db)) {
      long size;
      try {
        size = fs.size(FileNames.path(db, n));
      } catch (NoSuchFileException e) {
        continue; // deleted since the listing (an obsolete file)
      }
      t.directoryBytes += size;
      FileNames.Parsed p = FileNames.parse(n);
      switch (p.kind()) {
        case TABLE -> { }
        case LOG -> {
          t.walFiles++;
          t.walBytes += size;
          if (p.number() >= manifest.logNumber()) {
            t.estimatedKeys += walOperations(fs, n);
          }
        }
        case MANIFEST -> {
          if (n.equals(manifest.manifestName())) {
            t.manifestBytes = size;
          } else {
            t.otherFiles++;
            t.otherBytes += size;
          }
        }
        default -> {
          t.otherFiles++;
          t.otherBytes += size;
        }
      }
    }
    return t;
  }

  /** Operations in a live WAL (recovery replays them into the memtable). */
  private long walOperations(FileSystem fs, String name) throws IOException {
    long n = 0;
    try (ReadableFile f = fs.openRead(FileNames.path(db, name))) {
      LogReader r = new LogReader(f, name);
      byte[] rec;
      while ((rec = r.next()) != null) {
        n += rec.length >= WalFormat.BATCH_HEADER_SIZE ? WriteBatchCodec.count(rec) : 0;
      }
    } catch (CorruptionException e) {
      // The open succeeded, so the log is readable up to here; count what was read.
    }
    return n;
  }

  private void printText(Totals t, PrintWriter out) {
    out.println("database " + db);
    out.printf(Locale.ROOT, "%-6s %6s %14s%n", "level", "files", "bytes");
    int files = 0;
    for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
      out.printf(Locale.ROOT, "L%-5d %6d %14d%n", i, t.files[i], t.bytes[i]);
      files += t.files[i];
    }
    out.printf(Locale.ROOT, "%-6s %6d %14d%n", "total", files, t.tableBytes);
    out.println("keys (estimated): " + t.estimatedKeys
        + " (table entries plus logged operations; every version and tombstone counts)");
    out.println("WAL: " + t.walFiles + " files, " + t.walBytes + " bytes");
    out.println("manifest: " + t.manifest + ", " + t.manifestBytes + " bytes");
    out.println("other files: " + t.otherFiles + ", " + t.otherBytes + " bytes");
    out.println("directory: " + t.directoryBytes + " bytes");
    out.println("last sequence: " + t.lastSequence);
    out.println("memtable: " + t.memtableBytes + " bytes");
    out.println("compaction pending: " + (t.compactionPending ? "yes" : "no"));
  }

  private void printJson(Totals t, ObjectNode statistics, PrintWriter out) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("db", db.toString());
    for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
      o.put("num-files-at-level" + i, t.files[i]);
      o.put("level-bytes" + i, t.bytes[i]);
    }
    o.put("total-sst-bytes", t.tableBytes);
    o.put("estimated-keys", t.estimatedKeys);
    o.put("wal-files", t.walFiles);
    o.put("wal-bytes", t.walBytes);
    o.put("manifest", t.manifest);
    o.put("manifest-bytes", t.manifestBytes);
    o.put("other-files", t.otherFiles);
    o.put("other-bytes", t.otherBytes);
    o.put("directory-bytes", t.directoryBytes);
    o.put("last-sequence", t.lastSequence);
    o.put("memtable-bytes", t.memtableBytes);
    o.put("compaction-pending", t.compactionPending);
    o.set("statistics", statistics);
    out.println(JSON.writeValueAsString(o));
  }
}
