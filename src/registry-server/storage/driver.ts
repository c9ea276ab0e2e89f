/**
 * StorageDriver: the registry's only view of where bytes live (after distribution's
 * registry/storage/driver). Paths are '/'-separated and relative to the driver's root; paths.ts
 * builds them. Lifecycle of a blob upload through a driver:
 *
 *   writer(p, {append:true})  -> FileWriter   open (or reopen, to resume) an upload file
 *   w.writable() ... pipeline  -> bytes land   may be called once per writer
 *   w.commit()                 -> fsync+close  the bytes are durable, still invisible
 *   move(p, blobPath)          -> atomic       now visible to readers; never half-written
 *   (or w.cancel()            -> close+delete)
 *
 * Small files (links, manifests) go through putContent, which is atomic (temp, fsync, rename).
 * Every method that reads a missing path resolves to undefined or throws NOT_FOUND as documented,
 * so callers can map it to the spec's *_UNKNOWN codes.
 */
import type { Readable, Writable } from 'node:stream';

export interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly isDir: boolean;
  readonly modTime: Date;
  /** Last change of the inode (a rename or utimes updates it); GC uses it as "last linked". */
  readonly changeTime: Date;
}

export interface BlobReader {
  readonly size: number;
  /** A stream of bytes [start, end] inclusive; the reader owns the open file until the stream ends. */
  stream(start?: number, end?: number): Readable;
  /** Closes the file when no stream was taken. */
  close(): Promise<void>;
}

export interface FileWriter {
  /** Bytes in the file when the writer was opened (the resume offset). */
  readonly startSize: number;
  /** A writable for the appended bytes; ends when the stream ends. Call at most once. */
  writable(): Writable;
  /** fsyncs (when the driver is configured to) and closes; the file stays where it is. */
  commit(): Promise<void>;
  /** Closes without syncing; the bytes already written stay (used to resume after an error). */
  close(): Promise<void>;
  /** Closes and deletes the file. */
  cancel(): Promise<void>;
}

export interface StorageDriver {
  /** The whole content of a small file; undefined when it does not exist. */
  getContent(path: string): Promise<Buffer | undefined>;
  /**
   * Writes a small file atomically: temp, fsync, rename. Creates parent directories.
   * `durable: false` writes in place without fsync, for files whose existence is all that
   * matters (a crash leaves them absent or present, possibly empty, never misleading).
   */
  putContent(path: string, data: string | Uint8Array, options?: { durable?: boolean }): Promise<void>;
  /** Opens a file for reading at any offset; undefined when it does not exist. */
  reader(path: string): Promise<BlobReader | undefined>;
  /** Opens a file for appending (creating it and its parents) or truncating. */
  writer(path: string, options: { append: boolean }): Promise<FileWriter>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** Names (not paths) of the entries of a directory, sorted; [] when it does not exist. */
  list(path: string): Promise<string[]>;
  /** Renames atomically, replacing dst; creates dst's parents. */
  move(src: string, dst: string): Promise<void>;
  /** Removes a file or a directory tree; a missing path is not an error. */
  delete(path: string): Promise<void>;
  /** Sets a file's times to now, so changeTime marks a fresh use (see gc.ts). */
  touch(path: string): Promise<void>;
  /** Cuts a file back to `size` bytes (an upload chunk that broke its declared range). */
  truncate(path: string, size: number): Promise<void>;
}
