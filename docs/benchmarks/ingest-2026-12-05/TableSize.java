import dev.strata.*;
import dev.strata.bench.keys.ValueGenerator;
import java.nio.file.*;
public class TableSize { public static void main(String[] a) throws Exception {
  int n = 1_000_000;
  Path s = Path.of("/tmp/ts-strata.sst"), r = Path.of("/tmp/ts-rocks.sst");
  ValueGenerator g = new ValueGenerator(100, 301);
  byte[][] vals = new byte[n][]; for (int i=0;i<n;i++) vals[i]=g.next();
  try (SstFileWriter w = new SstFileWriter(Options.defaults())) { w.open(s); for (int i=0;i<n;i++) w.put(k(i), vals[i]); w.finish(); }
  org.rocksdb.RocksDB.loadLibrary();
  try (org.rocksdb.Options o = new org.rocksdb.Options().setCompressionType(org.rocksdb.CompressionType.LZ4_COMPRESSION)
        .setTableFormatConfig(new org.rocksdb.BlockBasedTableConfig().setBlockSize(4096).setFilterPolicy(new org.rocksdb.BloomFilter(10)));
       org.rocksdb.EnvOptions e = new org.rocksdb.EnvOptions(); org.rocksdb.SstFileWriter w = new org.rocksdb.SstFileWriter(e, o)) {
    w.open(r.toString()); for (int i=0;i<n;i++) w.put(k(i), vals[i]); w.finish(); }
  System.out.println("strata " + Files.size(s) + " rocksdb " + Files.size(r));
}
static byte[] k(long i){ byte[] k=new byte[16]; for(int j=15;j>=0;j--){k[j]=(byte)('0'+i%10); i/=10;} return k; } }
