package dev.strata;

import java.nio.file.Path;

/**
 * What {@link SstFileWriter#finish()} wrote. Keys are copies the caller may keep; a bound is null
 * when the file holds nothing of its kind.
 *
 * @param path the file
 * @param smallestKey the smallest key of a put, merge or delete, or null if there is none
 * @param largestKey the largest such key, or null
 * @param entryCount puts, merges and deletes
 * @param rangeDeletionStart the smallest begin of a range deletion, or null if there is none
 * @param rangeDeletionEnd the largest (exclusive) end of a range deletion, or null
 * @param rangeDeletionCount range deletions written (empty ones are skipped)
 * @param fileSize bytes in the file
 */
public record ExternalFileInfo(
    Path path,
    byte[] smallestKey,
    byte[] largestKey,
    long entryCount,
    byte[] rangeDeletionStart,
    byte[] rangeDeletionEnd,
    long rangeDeletionCount,
    long fileSize) {}
