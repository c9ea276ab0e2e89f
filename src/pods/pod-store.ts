/**
 * PodStore: pod records on disk (layout in record.ts), one directory and lock each, names
 * reserved with O_EXCL files (sys/record-store.ts, which containers share).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RecordStore } from '../sys/record-store.js';
import type { PodRecord } from './record.js';

export class PodStore extends RecordStore<PodRecord> {
  constructor(root: string) {
    super(join(root, 'pods'), { noun: 'pod', file: 'pod.json', listHint: 'list pods with "hull pod ps"' });
  }

  /** The lock that keeps one pod operation (start, stop, rm) at a time. */
  opLock(id: string): string {
    // Beside the pod's directory, not in it: `remove` renames the directory away while holding it.
    mkdirSync(this.dir, { recursive: true });
    return join(this.dir, `${id}.op.lock`);
  }
}
