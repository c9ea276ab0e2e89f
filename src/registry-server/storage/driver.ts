/**
 * StorageDriver: the registry's only view of where bytes live (after distribution's
 * registry/storage/driver). Paths are '/'-separated and relative to the driver's root; paths.ts
 * builds them; no component starts with '.' (drivers may keep their own state under such names).
 *
 * The contract holds for a local filesystem and for an object store (S3), so it promises nothing
 * only POSIX gives: no inode change times, no in-place truncate, no atomic rename. What it does
 * promise, and storage/conformance.ts checks for every driver:
 *
 *   writer(p)            -> FileWriter   append to p (created empty if missing); resumable from
 *                                        any process: the size lives in storage, not in memory
 *   w.writable() ...     -> bytes land   invisible to stat/reader until commit
 *   w.commit()           -> appended     p is its old bytes + the new ones (durable by default)
 *   (or w.cancel()       -> discarded    p is exactly as it was before the writer)
 *   move(p, blobPath)    -> dst appears whole: a reader sees the old dst or the complete new one,
 *                                        never a partial one; src is gone afterwards
 *
 * putContent is atomic the same way (whole or absent). modTime is the time of the last write
 * (putContent, commit, or a move's arrival); GC's grace window is measured on it.
 */
import type { Readable, Writable } from 'node:stream';

export interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly isDir: boolean;
  /** Last write of the file (or its arrival by move); second precision on object stores. */
  readonly modTime: Date;
}

export interface BlobReader {
  readonly size: number;
  /** A stream of bytes [start, end] inclusive, with backpressure; it owns its resources until it ends. */
  stream(start?: number, end?: number): Readable;
  /** Frees resources when no stream was taken. */
  close(): Promise<void>;
}

export interface FileWriter {
  /** Bytes in the file when the writer was opened (the resume offset). */
  readonly startSize: number;
  /** A writable for the appended bytes; ends when the stream ends. Call at most once. */
  writable(): Writable;
  /**
   * Makes the appended bytes part of the file. `durable: false` skips the fsync of drivers that
   * have one (an intermediate chunk; the last one is committed durable). After a failed pipeline
   * it keeps the bytes the writable had accepted, so a client can resume from the reported size.
   */
  commit(options?: { durable?: boolean }): Promise<void>;
  /** Discards everything appended through this writer; the file is as it was when opened. */
  cancel(): Promise<void>;
}

export interface StorageDriver {
  /** A name for logs and metrics ("filesystem", "s3"). */
  readonly kind: string;
  /** The whole content of a small file; undefined when it does not exist. */
  getContent(path: string): Promise<Buffer | undefined>;
  /**
   * Writes a small file atomically (whole or absent), replacing any file there; creates parents.
   * `durable: false` allows skipping an fsync for files whose existence is all that matters.
   */
  putContent(path: string, data: string | Uint8Array, options?: { durable?: boolean }): Promise<void>;
  /** Opens a file for reading at any offset; undefined when it does not exist. */
  reader(path: string): Promise<BlobReader | undefined>;
  /** Opens a file for appending, creating it (and its parents) when missing. */
  writer(path: string): Promise<FileWriter>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** Names (not paths) of the entries of a directory, sorted; [] when it does not exist. */
  list(path: string): Promise<string[]>;
  /** Moves src to dst, replacing dst; dst is never seen partially written; creates dst's parents. */
  move(src: string, dst: string): Promise<void>;
  /** Removes a file or a directory tree; a missing path is not an error. */
  delete(path: string): Promise<void>;
  /**
   * Optional: a time-limited URL a client may GET the file from directly (S3 presigned URL);
   * undefined when the driver cannot or is not configured to redirect.
   */
  redirectUrl?(path: string): Promise<string | undefined>;
}
