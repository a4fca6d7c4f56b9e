package dev.strata.engine;

import dev.strata.Options;
import dev.strata.StrataDB;
import java.nio.file.Path;

/** In progress: the coordinator. */
public final class DbImpl {
  private DbImpl() {}

  public static StrataDB open(Path dir, Options options) {
    throw new UnsupportedOperationException("in progress");
  }
}
