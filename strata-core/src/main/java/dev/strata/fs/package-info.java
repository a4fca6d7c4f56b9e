/**
 * The file-system service-provider interface: every file Strata reads or writes goes through a
 * {@link dev.strata.fs.FileSystem} given by {@code Options.Builder.fileSystem}. The default, {@link
 * dev.strata.fs.FileSystem#nio()}, is the local file system; another implementation may inject
 * faults for tests (Strata's own test-jar has one) or put files elsewhere.
 *
 * <p>An implementation must keep the contract stated on {@link dev.strata.fs.FileSystem}: appended
 * bytes are durable only after {@code sync}, directory entries only after {@code syncDirectory},
 * positional reads are thread-safe, and an interrupt of a caller never closes a file for others
 * (see {@code docs/design/interrupts.md}). {@link dev.strata.fs.CrashPoint} is a test seam that
 * production implementations ignore. This package is exported by the {@code dev.strata} module.
 */
package dev.strata.fs;
