package dev.strata.engine;

import java.io.IOException;
import java.nio.file.Path;
import org.jetbrains.kotlinx.lincheck.LinCheckerKt;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * The sticky error is linearizable: the first recorder wins, later ones learn they did not, and
 * every reader sees the winner's error. Lincheck's model checker explores the interleavings.
 *
 * <p>Failed on 161ccc5's check-then-set (a volatile read, then a write), which the model checker
 * interleaves as: both threads read no error, both set theirs, both report winning.
 */
@Param(name = "id", gen = IntGen.class, conf = "0:2")
public class DbStatusLincheckTest {
  private static final IOException[] ERRORS = {
    new IOException("0"), new IOException("1"), new IOException("2")
  };

  private final DbStatus status = new DbStatus(Path.of("/db"));

  @Operation
  public boolean record(@Param(name = "id") int id) {
    return status.recordError(ERRORS[id]);
  }

  @Operation
  public int error() {
    Throwable t = status.error();
    return t == null ? -1 : Integer.parseInt(t.getMessage());
  }

  @Test
  void modelChecking_isLinearizable() {
    LinCheckerKt.check(
        new ModelCheckingOptions()
            .iterations(20)
            .invocationsPerIteration(100)
            .threads(2)
            .actorsPerThread(2),
        DbStatusLincheckTest.class);
  }
}
