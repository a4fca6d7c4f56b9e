package dev.strata.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

class RocksDbClientTest extends BindingContract {
  @Override
  RecordStoreClient newClient() {
    return new RocksDbClient();
  }

  @Override
  SharedStore shared() {
    return RocksDbClient.SHARED;
  }

  @Override
  String dirProperty() {
    return RocksDbClient.DIR_PROPERTY;
  }

  @Override
  byte[] readDirectly(Path dir, String key) throws RocksDBException {
    try (Options options = new Options(); RocksDB db = RocksDB.open(options, dir.toString())) {
      return db.get(key.getBytes(UTF_8));
    }
  }
}
