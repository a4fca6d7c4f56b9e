/**
 * Strata, a pure-Java embeddable LSM-tree key-value store. The API is {@code dev.strata} ({@link
 * dev.strata.StrataDB} and its options, batches, snapshots, iterators and exceptions); {@code
 * dev.strata.fs} is the file-system service-provider interface through which every file access
 * goes ({@link dev.strata.fs.FileSystem}, for tests that inject faults or for other storage).
 * Every other package is internal.
 */
module dev.strata {
  requires com.github.benmanes.caffeine;
  requires aircompressor;
  requires org.slf4j;
  requires java.management;
  requires jdk.management;
  requires jdk.jfr;
  requires static com.github.luben.zstd_jni;
  requires static com.google.errorprone.annotations;

  exports dev.strata;
  exports dev.strata.fs;
}
