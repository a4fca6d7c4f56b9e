import dev.strata.*;
import java.nio.file.Path;
public class OpenTime {
  public static void main(String[] a) throws Exception {
    long t0 = System.nanoTime();
    StrataDB db = StrataDB.open(Path.of(a[0]), Options.defaults());
    long t1 = System.nanoTime();
    System.out.printf("open %.3f s%n", (t1 - t0) / 1e9);
    System.exit(0);
  }
}
