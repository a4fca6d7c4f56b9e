package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.StrataException;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DbStatusTest {
  @Test
  void checkWritable_afterAnError_refusesWithItAsCause() {
    DbStatus status = new DbStatus(Path.of("/db"));
    IOException first = new IOException("disk gone");
    status.recordError(first);
    status.recordError(new IOException("later"));

    assertThatThrownBy(status::checkWritable)
        .isInstanceOf(StrataException.class)
        .hasCause(first);
  }
}
