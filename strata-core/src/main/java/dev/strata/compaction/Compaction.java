package dev.strata.compaction;

import dev.strata.version.FileMetadata;
import java.util.List;

/**
 * One planned compaction: input files of a level and of the level below it, the output level,
 * the files two levels down (to bound each output's overlap with them), and whether it is a
 * trivial move (one file that can change level by a manifest edit alone). Immutable.
 */
public record Compaction(
    int level,
    int outputLevel,
    List<FileMetadata> inputs,
    List<FileMetadata> outputLevelInputs,
    List<FileMetadata> grandparents,
    double score,
    boolean manual) {

  public boolean isTrivialMove() {
    return !manual
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
