package dev.strata.kafka;

import java.io.File;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** A test context that keeps the restore and commit callbacks a store registers. */
final class CapturingContext implements StateStoreContext {
  private final StateStoreContext inner;
  StateRestoreCallback restoreCallback;
  CommitCallback commitCallback;

  CapturingContext(StateStoreContext inner) {
    this.inner = inner;
  }

  @Override
  public String applicationId() {
    return inner.applicationId();
  }

  @Override
  public TaskId taskId() {
    return inner.taskId();
  }

  @Override
  public Optional<RecordMetadata> recordMetadata() {
    return inner.recordMetadata();
  }

  @Override
  public Serde<?> keySerde() {
    return inner.keySerde();
  }

  @Override
  public Serde<?> valueSerde() {
    return inner.valueSerde();
  }

  @Override
  public File stateDir() {
    return inner.stateDir();
  }

  @Override
  public StreamsMetrics metrics() {
    return inner.metrics();
  }

  @Override
  public void register(StateStore store, StateRestoreCallback callback) {
    register(store, callback, () -> {});
  }

  @Override
  public void register(StateStore store, StateRestoreCallback callback, CommitCallback commit) {
    this.restoreCallback = callback;
    this.commitCallback = commit;
  }

  @Override
  public Map<String, Object> appConfigs() {
    return inner.appConfigs();
  }

  @Override
  public Map<String, Object> appConfigsWithPrefix(String prefix) {
    return inner.appConfigsWithPrefix(prefix);
  }
}
