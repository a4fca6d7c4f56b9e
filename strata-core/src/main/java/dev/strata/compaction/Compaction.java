package dev.strata.compaction;

import dev.strata.version.FileMetadata;
import java.util.List;

/**
 * One planned compaction: input files of a level and of the level below it, the output level,
 * the files two levels down (to bound each output's overlap with them), why it runs, and whether
 * it is a trivial move (one file that can change level by a manifest edit alone). Immutable.
 */
public record Compaction(
    int level,
    int outputLevel,
    List<FileMetadata> inputs,
    List<FileMetadata> outputLevelInputs,
    List<FileMetadata> grandparents,
    double score,
    Reason reason) {

  /** What asked for a compaction. */
  public enum Reason {
    /** A level's score reached 1: too many level-0 files, or a level above its target size. */
    SIZE,
    /** Read samples charged a file enough that compacting it is cheaper than reading past it. */
    READS,
    /** {@code compactRange}. */
    MANUAL
  }

  public boolean isTrivialMove() {
    return reason != Reason.MANUAL
        && inputs.size() == 1
        && outputLevelInputs.isEmpty()
        && level != outputLevel;
  }

  public long inputBytes() {
    long n = 0;
    for (FileMetadata f : inputs) {
      n += f.fileSize();
    }
    for (FileMetadata f : outputLevelInputs) {
      n += f.fileSize();
    }
    return n;
  }
}
