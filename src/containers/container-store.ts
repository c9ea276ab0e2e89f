/**
 * ContainerStore: container records on disk (layout in record.ts), one directory and lock each,
 * names reserved with O_EXCL files (sys/record-store.ts, which pods share).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RecordStore } from '../sys/record-store.js';
import type { ContainerRecord } from './record.js';

export class ContainerStore extends RecordStore<ContainerRecord> {
  constructor(root: string) {
    super(join(root, 'containers'), { noun: 'container', file: 'container.json', listHint: 'list containers with "hull ps -a"' });
    mkdirSync(join(this.dir, 'names'), { recursive: true }); // listings read the directory without checking for it
  }
}
