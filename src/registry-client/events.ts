/**
 * Progress events of a pull or push. The core emits them; front ends render them (the CLI as
 * live lines or plain lines, the API as Docker's JSON progress, tests collect them in an array).
 *
 * Lifecycle of one blob in a pull:
 *   blob-exists                                  (already in the content store: nothing to fetch)
 *   | blob-start -> blob-progress* -> (blob-retry -> blob-progress*)* -> blob-done
 *   then, for layers: layer-unpacking -> layer-unpacked   (or layer-exists when the snapshot is there)
 * In a push: blob-exists (the registry has it) | blob-mounted | blob-start -> blob-progress* -> blob-done.
 */
import type { Digest } from '../oci/digest.js';

export type BlobRole = 'config' | 'layer' | 'manifest';

export type TransferEvent =
  /** The reference was resolved to a manifest digest (and a platform was chosen from an index). */
  | { type: 'resolved'; reference: string; digest: Digest; mediaType: string; platform?: string }
  /** The blobs this transfer will handle, in manifest order (layers, then the config). */
  | { type: 'plan'; blobs: Array<{ digest: Digest; size: number; role: BlobRole }> }
  | { type: 'blob-exists'; digest: Digest; size: number; role: BlobRole }
  | { type: 'blob-mounted'; digest: Digest; size: number; from: string }
  | { type: 'blob-start'; digest: Digest; size: number; role: BlobRole }
  /** `bytes` is the running total for this blob. */
  | { type: 'blob-progress'; digest: Digest; bytes: number; size: number }
  /** A transfer broke and is tried again; `offset` > 0 means it resumes with a Range request. */
  | { type: 'blob-retry'; digest: Digest; attempt: number; offset: number; reason: string }
  | { type: 'blob-done'; digest: Digest; size: number }
  | { type: 'layer-unpacking'; digest: Digest }
  | { type: 'layer-unpacked'; digest: Digest }
  | { type: 'layer-exists'; digest: Digest }
  /** A request is tried again after a 429/5xx or a dropped connection. */
  | { type: 'retry'; what: string; attempt: number; delayMs: number; reason: string }
  | { type: 'manifest-pushed'; reference: string; digest: Digest; size: number }
  | { type: 'done'; reference: string; digest: Digest; id?: Digest };

export type EventSink = (event: TransferEvent) => void;

export const ignoreEvents: EventSink = () => {};
