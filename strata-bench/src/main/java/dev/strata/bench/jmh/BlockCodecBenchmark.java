package dev.strata.bench.jmh;

import dev.strata.Compression;
import dev.strata.bench.keys.ValueGenerator;
import dev.strata.fs.FileSystem;
import dev.strata.fs.WritableFile;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableBuilder;
import dev.strata.sstable.TableOptions;
import dev.strata.sstable.TableReader;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * LZ4 block decompression and compression on Strata's own data blocks: the codec the read path
 * pays on every block-cache miss, and the flush and compaction threads on every block written.
 *
 * <p>Setup writes a real table with {@link TableBuilder} (4 KiB blocks, no compression) and takes
 * its data blocks as they lie in the file, so the entries, shared-prefix keys and restart arrays
 * are Strata's. Values are either the runner's ({@code half}: compressible to half) or YCSB's
 * ({@code ycsb}: ten fields of 100 random printable bytes with their names, as {@code
 * CoreWorkload} writes them). Each call handles the next block, round robin.
 *
 * <p>Codecs: {@code lz4java-safe}, lz4-java's pure-Java safe decompressor, what Strata used first;
 * {@code aircompressor}, airlift's pure-Java LZ4 ({@code io.airlift:aircompressor}), which reads
 * and writes through {@code sun.misc.Unsafe} with explicit bounds checks.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class BlockCodecBenchmark {
  /** The blocks, compressed by each codec; shared read-only by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Blocks {
    @Param({"half-100", "half-1024", "ycsb"})
    public String values;

    byte[][] raw;
    byte[][] lz4;
    int[] lz4Length;
    int totalRaw;
    int totalLz4;

    @Setup
    public void setup() throws IOException {
      raw = tableBlocks(values);
      LZ4Compressor c = LZ4Factory.safeInstance().fastCompressor();
      lz4 = new byte[raw.length][];
      lz4Length = new int[raw.length];
      for (int i = 0; i < raw.length; i++) {
        lz4[i] = new byte[c.maxCompressedLength(raw[i].length)];
        lz4Length[i] = c.compress(raw[i], 0, raw[i].length, lz4[i], 0, lz4[i].length);
        totalRaw += raw[i].length;
        totalLz4 += lz4Length[i];
        byte[] back = new byte[raw[i].length];
        new Lz4Decompressor().decompress(lz4[i], 0, lz4Length[i], back, 0, back.length);
        if (!java.util.Arrays.equals(back, raw[i])) {
          throw new IllegalStateException("codecs disagree on block " + i);
        }
      }
      System.out.printf(
          "%n%d blocks, %d raw bytes, lz4 ratio %.2f%n",
          raw.length, totalRaw, (double) totalLz4 / totalRaw);
    }
  }

  /** Each thread's position in the block list and its output buffer. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
    byte[] out = new byte[1 << 20];

    int advance(int count) {
      int i = next;
      next = i + 1 == count ? 0 : i + 1;
      return i;
    }
  }

  private static final LZ4SafeDecompressor LZ4JAVA_SAFE =
      LZ4Factory.safeInstance().safeDecompressor();
  private static final LZ4Compressor LZ4JAVA_COMPRESSOR = LZ4Factory.safeInstance().fastCompressor();
  private static final Lz4Decompressor AIR_DECOMPRESSOR = new Lz4Decompressor();
  private static final Lz4Compressor AIR_COMPRESSOR = new Lz4Compressor();

  @Benchmark
  public int decompressLz4javaSafe(Blocks b, Cursor c) {
    int i = c.advance(b.raw.length);
    byte[] dst = new byte[b.raw[i].length];
    return LZ4JAVA_SAFE.decompress(b.lz4[i], 0, b.lz4Length[i], dst, 0, dst.length);
  }

  @Benchmark
  public int decompressAircompressor(Blocks b, Cursor c) {
    int i = c.advance(b.raw.length);
    byte[] dst = new byte[b.raw[i].length];
    return AIR_DECOMPRESSOR.decompress(b.lz4[i], 0, b.lz4Length[i], dst, 0, dst.length);
  }

  @Benchmark
  public int compressLz4java(Blocks b, Cursor c) {
    int i = c.advance(b.raw.length);
    return LZ4JAVA_COMPRESSOR.compress(b.raw[i], 0, b.raw[i].length, c.out, 0, c.out.length);
  }

  @Benchmark
  public int compressAircompressor(Blocks b, Cursor c) {
    int i = c.advance(b.raw.length);
    return AIR_COMPRESSOR.compress(b.raw[i], 0, b.raw[i].length, c.out, 0, c.out.length);
  }

  /** The data blocks of a 16 MiB table of {@code values}, uncompressed, as stored. */
  static byte[][] tableBlocks(String values) throws IOException {
    Path dir = Files.createTempDirectory("strata-codec-bench");
    Path file = dir.resolve("000001.sst");
    FileSystem fs = FileSystem.nio();
    SplittableRandom rnd = new SplittableRandom(301);
    ValueGenerator half =
        values.startsWith("half-") ? new ValueGenerator(Integer.parseInt(values.substring(5)), 301)
            : null;
    try {
      long size;
      try (WritableFile out = fs.create(file);
          TableBuilder tb =
              new TableBuilder(
                  out, file.toString(), new TableOptions(4096, 16, Compression.NONE, 10))) {
        for (int k = 0; tb.estimatedFileSize() < (16 << 20); k++) {
          byte[] key =
              half != null
                  ? String.format("%016d", k).getBytes(StandardCharsets.US_ASCII)
                  : ("user" + (1_000_000_000_000L + k)).getBytes(StandardCharsets.US_ASCII);
          byte[] value = half != null ? half.next() : ycsbRecord(rnd);
          tb.add(key, ((long) (k + 1) << 8) | 1, value);
        }
        size = tb.finish().fileSize();
        out.sync();
      }
      List<byte[]> blocks = new ArrayList<>();
      byte[] bytes = Files.readAllBytes(file);
      try (TableReader r =
          TableReader.open(fs.openRead(file), file.toString(), size, BlockCache.create(0))) {
        for (TableReader.IndexEntry e : r.indexEntries()) {
          blocks.add(java.util.Arrays.copyOfRange(bytes, (int) e.offset(), (int) e.offset() + e.size()));
        }
      }
      return blocks.toArray(new byte[0][]);
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  /** Ten fields {@code field0..field9} of 100 random printable bytes, name and value prefixed. */
  private static byte[] ycsbRecord(SplittableRandom rnd) {
    byte[] out = new byte[10 * (4 + 6 + 4 + 100)];
    int p = 0;
    for (int f = 0; f < 10; f++) {
      byte[] name = ("field" + f).getBytes(StandardCharsets.US_ASCII);
      p = putInt(out, p, name.length);
      System.arraycopy(name, 0, out, p, name.length);
      p += name.length;
      p = putInt(out, p, 100);
      for (int i = 0; i < 100; i++) {
        out[p++] = (byte) (' ' + rnd.nextInt(95));
      }
    }
    return java.util.Arrays.copyOf(out, p);
  }

  private static int putInt(byte[] b, int p, int v) {
    b[p] = (byte) (v >>> 24);
    b[p + 1] = (byte) (v >>> 16);
    b[p + 2] = (byte) (v >>> 8);
    b[p + 3] = (byte) v;
    return p + 4;
  }
}
