package dev.strata.cli;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.util.Bytes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The subcommands that work on a database directory. Each opens it, acts, and closes it. */
final class DbCommands {
  private DbCommands() {}

  /** A key or value as the user asked to see it: hex, or UTF-8 text. */
  static String render(byte[] b, boolean hex) {
    return hex ? Bytes.toHex(b, Integer.MAX_VALUE) : new String(b, StandardCharsets.UTF_8);
  }

  /** Options shared by every database subcommand. */
  abstract static class Base implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--db", required = true, paramLabel = "DIR", description = "Database directory.")
    Path db;

    @Option(names = "--hex", description = "Keys and values are hex, not UTF-8 text.")
    boolean hex;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    byte[] decode(String s) {
      return hex ? Bytes.fromHex(s) : s.getBytes(StandardCharsets.UTF_8);
    }

    String encode(byte[] b) {
      return render(b, hex);
    }

    /** Opens an existing database: a directory that is not one is an error, never created. */
    StrataDB open() {
      if (!Files.isDirectory(db)) {
        throw new IllegalArgumentException("no such directory: " + db);
      }
      return StrataDB.open(db, Options.builder().createIfMissing(false).build());
    }

    @Override
    public Integer call() throws Exception {
      try (StrataDB d = open()) {
        return run(d);
      }
    }

    abstract int run(StrataDB d) throws Exception;
  }

  @Command(name = "put", mixinStandardHelpOptions = true, description = "Set a key to a value.")
  static final class Put extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Option(names = "--create", description = "Create the database if it does not exist.")
    boolean create;

    @Override
    StrataDB open() {
      if (create) {
        return StrataDB.open(db, Options.defaults());
      }
      return super.open();
    }

    @Override
    int run(StrataDB d) {
      d.put(decode(key), decode(value), WriteOptions.SYNC);
      return 0;
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a key's value.")
  static final class Get extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    int run(StrataDB d) {
      byte[] v = d.get(decode(key));
      if (v == null) {
        spec.commandLine().getErr().println("strata: key not found: " + key);
        return 1;
      }
      out().println(encode(v));
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a key.")
  static final class Delete extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    int run(StrataDB d) {
      d.delete(decode(key), WriteOptions.SYNC);
      return 0;
    }
  }

  @Command(name = "scan", mixinStandardHelpOptions = true, description = "Print keys and values in order.")
  static final class Scan extends Base {
    @Option(names = "--from", description = "First key (inclusive).")
    String from;

    @Option(names = "--to", description = "End key (exclusive).")
    String to;

    @Option(names = "--limit", defaultValue = "-1", description = "At most this many entries.")
    long limit;

    @Option(names = "--reverse", description = "Scan from the end backwards.")
    boolean reverse;

    @Override
    int run(StrataDB d) {
      ReadOptions.Builder ro = ReadOptions.builder();
      if (from != null) {
        ro.lowerBound(decode(from));
      }
      if (to != null) {
        ro.upperBound(decode(to));
      }
      long n = 0;
      try (DBIterator it = d.newIterator(ro.build())) {
        if (reverse) {
          it.seekToLast();
        } else {
          it.seekToFirst();
        }
        while (it.isValid() && (limit < 0 || n < limit)) {
          out().println(encode(it.key()) + "\t" + encode(it.value()));
          n++;
          if (reverse) {
            it.prev();
          } else {
            it.next();
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true, description = "Print levels, files, memtable, cache and stall figures.")
  static final class Stats extends Base {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    int run(StrataDB d) {
      if (!json) {
        out().print(d.getProperty("strata.stats"));
        return 0;
      }
      StringBuilder sb = new StringBuilder("{");
      for (int i = 0; i < 7; i++) {
        sb.append("\"num-files-at-level").append(i).append("\":")
            .append(d.getProperty("strata.num-files-at-level" + i)).append(',');
        sb.append("\"level-bytes").append(i).append("\":")
            .append(d.getProperty("strata.level-bytes" + i)).append(',');
      }
      sb.append("\"memtable-bytes\":").append(d.getProperty("strata.memtable-bytes")).append(',');
      sb.append("\"total-sst-bytes\":").append(d.getProperty("strata.total-sst-bytes")).append(',');
      sb.append("\"stall-count\":").append(d.getProperty("strata.stall-count")).append(',');
      sb.append("\"compaction-pending\":").append(d.getProperty("strata.compaction-pending"));
      out().println(sb.append('}'));
      return 0;
    }
  }

  @Command(name = "compact", mixinStandardHelpOptions = true, description = "Compact the whole key range down to the bottom level.")
  static final class Compact extends Base {
    @Override
    int run(StrataDB d) {
      try (me.tongfei.progressbar.ProgressBar bar =
          new me.tongfei.progressbar.ProgressBarBuilder()
              .setTaskName("compact " + d.getProperty("strata.total-sst-bytes") + " bytes")
              .setInitialMax(-1)
              .continuousUpdate()
              .build()) {
        d.compactRange(null, null);
      }
      out().println("compacted; total table bytes " + d.getProperty("strata.total-sst-bytes"));
      return 0;
    }
  }

  @Command(name = "dump", mixinStandardHelpOptions = true, description = "Write every key and value as TSV (the input format of load).")
  static final class Dump extends Base {
    @Option(names = {"-o", "--output"}, description = "Output file (default stdout).")
    Path output;

    @Override
    int run(StrataDB d) throws IOException {
      PrintWriter w =
          output == null
              ? out()
              : new PrintWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8));
      try (DBIterator it = d.newIterator()) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          w.println(encode(it.key()) + "\t" + encode(it.value()));
        }
      } finally {
        w.flush();
        if (output != null) {
          w.close();
        }
      }
      return 0;
    }
  }

  @Command(name = "load", mixinStandardHelpOptions = true, description = "Load key-value lines (TSV or CSV) with batched writes.")
  static final class Load extends Base {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    StrataDB open() {
      return StrataDB.open(db, Options.defaults());
    }

    @Override
    int run(StrataDB d) throws IOException {
      long n = 0;
      WriteBatch batch = new WriteBatch();
      try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
          me.tongfei.progressbar.ProgressBar bar =
              new me.tongfei.progressbar.ProgressBarBuilder()
                  .setTaskName("load")
                  .setInitialMax(Files.size(file))
                  .setUnit(" KiB", 1024)
                  .showSpeed()
                  .build()) {
        String line;
        long lineNo = 0;
        while ((line = r.readLine()) != null) {
          lineNo++;
          bar.stepBy(line.length() + 1L);
          if (line.isEmpty()) {
            continue;
          }
          int sep = line.indexOf('\t');
          if (sep < 0) {
            sep = line.indexOf(',');
          }
          if (sep < 0) {
            throw new IllegalArgumentException(file + ":" + lineNo + ": no tab or comma separator");
          }
          batch.put(decode(line.substring(0, sep)), decode(line.substring(sep + 1)));
          n++;
          if (batch.count() >= 1000) {
            d.write(batch, WriteOptions.DEFAULT);
            batch.clear();
          }
        }
      }
      d.write(batch, WriteOptions.SYNC);
      out().println("loaded " + n + " entries");
      return 0;
    }
  }
}
