/**
 * Where blobs came from, so that a push can ask the registry for a cross-repository mount instead
 * of uploading (containerd keeps the same facts as "distribution.source" labels, docker as
 * v2metadata). Only a hint: a mount that fails falls back to an upload.
 *
 *   <root>/registry-sources.json     version 1, replaced atomically under <root>/registry-sources.lock
 *   { "version": 1, "sources": { "<digest>": ["localhost:5000/team/app", ...] } }
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { withLock } from '../sys/lock.js';
import type { Digest } from '../oci/digest.js';

/** Repositories remembered per blob; the oldest are forgotten first. */
const MAX_SOURCES_PER_BLOB = 8;

interface SourcesFile {
  version: 1;
  sources: Record<string, string[]>;
}

export class BlobSourceStore {
  private readonly path: string;
  private readonly lockPath: string;

  constructor(root: string) {
    this.path = join(root, 'registry-sources.json');
    this.lockPath = join(root, 'registry-sources.lock');
  }

  private read(): SourcesFile {
    try {
      const doc = JSON.parse(readFileSync(this.path, 'utf8')) as SourcesFile;
      return doc.version === 1 && typeof doc.sources === 'object' ? doc : { version: 1, sources: {} };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) return { version: 1, sources: {} };
      throw err;
    }
  }

  /** Records that `digests` are in `repository` (host/path); forgets blobs `exists` says are gone. */
  async add(digests: readonly Digest[], repository: string, exists: (d: Digest) => boolean): Promise<void> {
    await withLock(this.lockPath, () => {
      const doc = this.read();
      for (const d of Object.keys(doc.sources)) if (!exists(d as Digest)) delete doc.sources[d];
      for (const d of digests) {
        const list = (doc.sources[d] ?? []).filter((r) => r !== repository);
        list.push(repository);
        doc.sources[d] = list.slice(-MAX_SOURCES_PER_BLOB);
      }
      writeJsonAtomic(this.path, doc);
    });
  }

  /** Repository paths on `host` known to hold `digest`, most recent first. */
  find(digest: Digest, host: string): string[] {
    return (this.read().sources[digest] ?? [])
      .filter((r) => r.startsWith(`${host}/`))
      .map((r) => r.slice(host.length + 1))
      .reverse();
  }
}
