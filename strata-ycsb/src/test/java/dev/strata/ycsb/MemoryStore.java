package dev.strata.ycsb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** A {@link RecordStore} in a sorted map, for tests of what lies above the engines. */
final class MemoryStore implements RecordStore {
  private final ConcurrentSkipListMap<byte[], byte[]> map =
      new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
  // Written by close, read by the tests.
  volatile boolean closed;
  volatile RuntimeException failOnClose;

  @Override
  public byte[] get(byte[] key) {
    return map.get(key);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    map.put(key, value);
  }

  @Override
  public void delete(byte[] key) {
    map.remove(key);
  }

  @Override
  public List<byte[]> scan(byte[] start, int count) {
    List<byte[]> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : map.tailMap(start, true).entrySet()) {
      if (out.size() >= count) {
        break;
      }
      out.add(e.getValue());
    }
    return out;
  }

  @Override
  public String describe() {
    return "memory";
  }

  @Override
  public void close() {
    closed = true;
    if (failOnClose != null) {
      throw failOnClose;
    }
  }
}
