package dev.strata.engine;

import dev.strata.DBIterator;

/**
 * The iterator of a database opened with a time-to-live filter: returns each value without the
 * write time stored after it ({@code docs/format/ttl.md}). Confined to the iterator's thread, like
 * the iterator it wraps; closing closes that iterator.
 */
final class WriteTimeStrippingIterator implements DBIterator {
  private final DBIterator it;

  WriteTimeStrippingIterator(DBIterator it) {
    this.it = it;
  }

  @Override
  public void seekToFirst() {
    it.seekToFirst();
  }

  @Override
  public void seekToLast() {
    it.seekToLast();
  }

  @Override
  public void seek(byte[] target) {
    it.seek(target);
  }

  @Override
  public void seekForPrev(byte[] target) {
    it.seekForPrev(target);
  }

  @Override
  public boolean isValid() {
    return it.isValid();
  }

  @Override
  public byte[] key() {
    return it.key();
  }

  /**
   * @throws dev.strata.StrataException if the stored value is too short to carry a write time
   */
  @Override
  public byte[] value() {
    return WriteTimes.strip(it.value());
  }

  @Override
  public void next() {
    it.next();
  }

  @Override
  public void prev() {
    it.prev();
  }

  @Override
  public void close() {
    it.close();
  }
}
