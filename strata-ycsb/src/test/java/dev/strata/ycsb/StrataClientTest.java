package dev.strata.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.strata.Options;
import dev.strata.StrataDB;
import java.nio.file.Path;

class StrataClientTest extends BindingContract {
  @Override
  RecordStoreClient newClient() {
    return new StrataClient();
  }

  @Override
  SharedStore shared() {
    return StrataClient.SHARED;
  }

  @Override
  String dirProperty() {
    return StrataClient.DIR_PROPERTY;
  }

  @Override
  byte[] readDirectly(Path dir, String key) {
    try (StrataDB db = StrataDB.open(dir, Options.defaults())) {
      return db.get(key.getBytes(UTF_8));
    }
  }
}
