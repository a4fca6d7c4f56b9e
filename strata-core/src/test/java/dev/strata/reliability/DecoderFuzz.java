package dev.strata.reliability;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableBuilder;
import dev.strata.sstable.TableOptions;
import dev.strata.sstable.TableReader;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.OpGenerator;
import dev.strata.util.Bytes;
import dev.strata.version.FileMetadata;
import dev.strata.version.VersionEdit;
import dev.strata.wal.LogReader;
import dev.strata.wal.LogWriter;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Child-process fuzzer for {@link DecoderFuzzTest}: {@code DecoderFuzz seed inputsPerDecoder}.
 * Feeds mutated valid inputs (bit flips, altered runs, huge length fields, truncation, appended
 * and inserted bytes, pure noise) to the WAL {@link LogReader} plus {@link WriteBatchCodec}, to
 * {@link WriteBatchCodec#decode} alone, to {@link TableReader} (open, full scan, gets) and to
 * {@link VersionEdit#decode}. Exits 0 if every input was decoded or rejected with a declared
 * exception ({@link CorruptionException}, or {@link IOException} where declared); otherwise prints
 * the input and the exception and exits 1. The parent runs it under a small heap and a time limit.
 */
public final class DecoderFuzz {
  private static final Path DIR = Path.of("/fuzz");

  private DecoderFuzz() {}

  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    int n = Integer.parseInt(args[1]);
    Random rnd = new Random(seed);
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(seed);
    fs.createDirectories(DIR);
    byte[] wal = validWal(fs, rnd);
    byte[] batch = validBatch(rnd);
    byte[] table = validTable(fs, rnd);
    byte[] edit = validEdit(rnd);
    int[] rejected = new int[4];
    for (int i = 0; i < n; i++) {
      rejected[0] += fuzz("wal", mutate(wal, rnd), in -> readWal(fs, in));
      rejected[1] += fuzz("batch", mutate(batch, rnd), in -> decodeBatch(in, "batch"));
      rejected[2] += fuzz("table", mutate(table, rnd), in -> readTable(fs, in, rnd));
      rejected[3] += fuzz("edit", mutate(edit, rnd), in -> VersionEdit.decode(in, "MANIFEST", 0));
    }
    System.out.printf(
        "FUZZ %d inputs per decoder; rejected wal %d, batch %d, table %d, edit %d%n",
        n, rejected[0], rejected[1], rejected[2], rejected[3]);
  }

  interface Decoder {
    void decode(byte[] input) throws IOException;
  }

  /** 1 if the input was rejected with a declared exception, 0 if decoded; exits on anything else. */
  private static int fuzz(String what, byte[] input, Decoder d) {
    try {
      d.decode(input);
      return 0;
    } catch (CorruptionException | IOException e) {
      return 1;
    } catch (Throwable t) {
      System.out.println("UNDECLARED " + what + " input " + Bytes.toHex(input, 4096));
      t.printStackTrace(System.out);
      System.out.flush();
      System.exit(1);
      return 0;
    }
  }

  static byte[] mutate(byte[] base, Random rnd) {
    byte[] out = base.clone();
    int kind = rnd.nextInt(8);
    switch (kind) {
      case 0 -> {
        for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
          int at = rnd.nextInt(out.length);
          out[at] ^= (byte) (1 << rnd.nextInt(8));
        }
      }
      case 1 -> {
        int at = rnd.nextInt(out.length);
        for (int i = at; i < Math.min(out.length, at + 1 + rnd.nextInt(32)); i++) {
          out[i] = (byte) rnd.nextInt(256);
        }
      }
      case 2 -> {
        int at = rnd.nextInt(Math.max(1, out.length - 4));
        int v = rnd.nextBoolean() ? 0x7FFFFFFF : rnd.nextBoolean() ? -1 : 0x40000001;
        for (int i = 0; i < 4 && at + i < out.length; i++) {
          out[at + i] = (byte) (v >>> (8 * i));
        }
      }
      case 3 -> out = Arrays.copyOf(out, rnd.nextInt(out.length));
      case 4 -> {
        out = Arrays.copyOf(out, out.length + 1 + rnd.nextInt(64));
        for (int i = base.length; i < out.length; i++) {
          out[i] = (byte) rnd.nextInt(256);
        }
      }
      case 5 -> {
        int at = rnd.nextInt(out.length);
        int len = 1 + rnd.nextInt(16);
        byte[] ins = new byte[len];
        rnd.nextBytes(ins);
        byte[] r = new byte[out.length + len];
        System.arraycopy(out, 0, r, 0, at);
        System.arraycopy(ins, 0, r, at, len);
        System.arraycopy(out, at, r, at + len, out.length - at);
        out = r;
      }
      case 6 -> {
        // A varint-heavy region: 0xFF runs make maximal varints.
        int at = rnd.nextInt(out.length);
        Arrays.fill(out, at, Math.min(out.length, at + 1 + rnd.nextInt(12)), (byte) 0xFF);
      }
      default -> rnd.nextBytes(out);
    }
    return out;
  }

  private static byte[] validBatch(Random rnd) {
    OpGenerator gen = new OpGenerator(rnd, 50, "f");
    var ops = gen.nextWrite(30);
    while (ops.size() < 3) {
      ops.addAll(gen.nextWrite(30));
    }
    int size = 12;
    for (var op : ops) {
      size += WriteBatchCodec.opSize(op.key(), op.isRangeDelete() ? op.rangeEnd() : op.value());
    }
    byte[] payload = new byte[size];
    int pos = 12;
    for (var op : ops) {
      pos =
          op.isRangeDelete()
              ? WriteBatchCodec.putOp(
                  payload, pos, dev.strata.key.ValueKind.RANGE_DELETE, op.key(), op.rangeEnd())
              : WriteBatchCodec.putOp(payload, pos, op.key(), op.value());
    }
    WriteBatchCodec.putHeader(payload, 0, 1 + rnd.nextInt(1000), ops.size());
    return payload;
  }

  private static void decodeBatch(byte[] payload, String name) {
    WriteBatchCodec.decode(payload, name, 0, (seq, kind, key, value) -> {});
  }

  private static byte[] validWal(FaultInjectionFileSystem fs, Random rnd) throws IOException {
    Path p = DIR.resolve("000001.log");
    try (LogWriter w = new LogWriter(fs.create(p), "000001.log")) {
      for (int i = 0; i < 8; i++) {
        byte[] b = validBatch(rnd);
        w.addRecord(b, 0, b.length);
      }
    }
    return fs.read(p);
  }

  private static void readWal(FaultInjectionFileSystem fs, byte[] input) throws IOException {
    Path p = DIR.resolve("000002.log");
    fs.overwrite(p, input);
    try (var file = fs.openRead(p)) {
      LogReader reader = new LogReader(file, "000002.log");
      byte[] record;
      while ((record = reader.next()) != null) {
        WriteBatchCodec.decode(record, "000002.log", reader.recordOffset(), (s, k, key, v) -> {});
      }
    }
  }

  private static byte[] validTable(FaultInjectionFileSystem fs, Random rnd) throws IOException {
    Path p = DIR.resolve("000003.sst");
    TableBuilder b =
        new TableBuilder(fs.create(p), "000003.sst",
            new TableOptions(128, 4, rnd.nextBoolean() ? Compression.LZ4 : Compression.NONE, 10));
    for (int i = 0; i < 60; i++) {
      b.add(OpGenerator.key(i), Trailer.pack(100 + i, ValueKind.VALUE),
          ("value-" + i + "-" + "z".repeat(i)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    b.finish();
    b.close();
    return fs.read(p);
  }

  private static void readTable(FaultInjectionFileSystem fs, byte[] input, Random rnd)
      throws IOException {
    Path p = DIR.resolve("000004.sst");
    fs.overwrite(p, input);
    try (TableReader r = TableReader.open(fs.openRead(p), "000004.sst", input.length,
        BlockCache.create(0))) {
      boolean verify = rnd.nextBoolean();
      try (InternalIterator it = r.newIterator(verify, false)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          it.userKey();
          it.value();
        }
        for (it.seekToLast(); it.isValid(); it.prev()) {
          it.value();
        }
      }
      for (int i = 0; i < 5; i++) {
        r.get(OpGenerator.key(rnd.nextInt(70)), Trailer.MAX_SEQUENCE, verify, false);
      }
    }
  }

  private static byte[] validEdit(Random rnd) {
    VersionEdit e = new VersionEdit().setLogNumber(12).setLastSequence(999).setNextFileNumber(40);
    e.deleteFile(1, 7);
    for (int i = 0; i < 3; i++) {
      e.addFile(i, new FileMetadata(20 + i, 4096 + i,
          new InternalKey(OpGenerator.key(i * 10), 5, ValueKind.VALUE),
          new InternalKey(OpGenerator.key(i * 10 + 9), 3, ValueKind.DELETE), 3, 5, 10));
    }
    return e.encode();
  }
}
