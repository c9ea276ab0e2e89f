/**
 * Garbage collection: plan (mark) then apply (sweep), as distribution's mark-and-sweep.
 *
 *   mark   for each repository: the manifests to keep (all, or with deleteUntagged only the
 *          tagged ones, their index children and their referrers, transitively), and every blob
 *          those manifests name (config, layers) plus the manifests' own bytes
 *   sweep  delete unkept manifest revisions, then every blob in blobs/ not marked, and the
 *          repository links that pointed at swept blobs
 *
 * Safe while serving (also from another replica on the same bucket), by a grace window instead
 * of a read-only mode: nothing whose modTime (refreshed by every blob commit and manifest put,
 * even of content already stored, see BlobStore) is newer than `start - graceMs` is swept, so
 * blobs of a push in progress (pushed, manifest not yet) and manifests pushed by digest before
 * their index survive. Each blob is re-checked just before its delete. The remaining windows: a
 * blob untouched for the whole grace period and re-pushed between that re-check and the delete,
 * or only mounted (a mount links without rewriting); the client's manifest PUT then fails with
 * MANIFEST_BLOB_UNKNOWN and a retry re-uploads the blob. Nothing corrupt is ever served.
 */
import type { Digest } from '../oci/digest.js';
import { parseManifestFacts } from './manifest-rules.js';
import { BLOBS_DIR, blobDataPath, layersDir, revisionLinkPath } from './paths.js';
import type { Registry } from './registry.js';

export interface GcOptions {
  dryRun: boolean;
  deleteUntagged: boolean;
  /** Anything changed within this window before the start is kept. */
  graceMs: number;
  now?: number;
}

export interface GcReport {
  dryRun: boolean;
  repositories: number;
  manifestsDeleted: { repository: string; digest: Digest }[];
  blobsDeleted: Digest[];
  bytesFreed: number;
  blobsKept: number;
}

interface GcPlan {
  manifests: { repository: string; digest: Digest }[];
  blobs: { digest: Digest; size: number }[];
  kept: number;
  repositories: number;
}

/** Which manifests of a repository stay: roots plus index children and referrers, to a fixpoint. */
async function keptManifests(registry: Registry, repo: string, opts: GcOptions, cutoff: number): Promise<Set<Digest>> {
  const revisions = await registry.manifests.revisions(repo);
  if (!opts.deleteUntagged) return new Set(revisions);
  const keep = new Set<Digest>();
  for (const tag of await registry.manifests.tags(repo)) {
    const d = await registry.manifests.resolveTag(repo, tag);
    if (d) keep.add(d);
  }
  const facts = new Map<Digest, { children: Digest[]; subject?: Digest }>();
  for (const d of revisions) {
    const info = await registry.driver.stat(revisionLinkPath(repo, d));
    if (info && info.modTime.getTime() > cutoff) keep.add(d);
    const bytes = await registry.blobs.getBytes(d);
    const mediaType = await registry.manifests.revisionType(repo, d);
    try {
      const f = bytes ? parseManifestFacts(bytes, mediaType) : undefined;
      if (f) facts.set(d, { children: f.manifests, ...(f.subject ? { subject: f.subject.digest } : {}) });
    } catch {
      keep.add(d); // unreadable: never delete what we cannot reason about
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [d, f] of facts) {
      const add = (x: Digest): void => {
        if (!keep.has(x)) {
          keep.add(x);
          changed = true;
        }
      };
      if (keep.has(d)) f.children.forEach(add);
      if (f.subject && keep.has(f.subject)) add(d);
    }
  }
  return keep;
}

export async function planGc(registry: Registry, opts: GcOptions): Promise<GcPlan> {
  const cutoff = (opts.now ?? Date.now()) - opts.graceMs;
  const marked = new Set<Digest>();
  const manifests: GcPlan['manifests'] = [];
  const repos = await registry.repositories();
  for (const repo of repos) {
    const keep = await keptManifests(registry, repo, opts, cutoff);
    for (const d of await registry.manifests.revisions(repo)) {
      if (!keep.has(d)) {
        manifests.push({ repository: repo, digest: d });
        continue;
      }
      marked.add(d);
      const bytes = await registry.blobs.getBytes(d);
      if (!bytes) continue;
      try {
        parseManifestFacts(bytes, await registry.manifests.revisionType(repo, d)).blobs.forEach((b) => marked.add(b));
      } catch {
        // Stored manifests were valid when pushed; an unparsable one keeps only itself.
      }
    }
  }
  const blobs: GcPlan['blobs'] = [];
  let kept = 0;
  for (const alg of await registry.driver.list(BLOBS_DIR)) {
    for (const prefix of await registry.driver.list(`${BLOBS_DIR}/${alg}`)) {
      for (const hex of await registry.driver.list(`${BLOBS_DIR}/${alg}/${prefix}`)) {
        const digest = `${alg}:${hex}` as Digest;
        const info = await registry.driver.stat(blobDataPath(digest));
        if (marked.has(digest) || !info || info.modTime.getTime() > cutoff) kept++;
        else blobs.push({ digest, size: info.size });
      }
    }
  }
  return { manifests, blobs, kept, repositories: repos.length };
}

export async function runGc(registry: Registry, opts: GcOptions): Promise<GcReport> {
  const cutoff = (opts.now ?? Date.now()) - opts.graceMs;
  const plan = await planGc(registry, opts);
  const report: GcReport = { dryRun: opts.dryRun, repositories: plan.repositories, manifestsDeleted: plan.manifests, blobsDeleted: [], bytesFreed: 0, blobsKept: plan.kept };
  if (opts.dryRun) {
    report.blobsDeleted = plan.blobs.map((b) => b.digest);
    report.bytesFreed = plan.blobs.reduce((n, b) => n + b.size, 0);
    return report;
  }
  for (const m of plan.manifests) {
    try {
      await registry.manifests.delete(m.repository, { kind: 'digest', digest: m.digest });
    } catch {
      // Deleted concurrently: nothing left to do.
    }
  }
  const swept = new Set<Digest>();
  for (const b of plan.blobs) {
    const info = await registry.driver.stat(blobDataPath(b.digest));
    if (!info || info.modTime.getTime() > cutoff) continue; // re-linked since the plan
    await registry.driver.delete(blobDataPath(b.digest));
    swept.add(b.digest);
    report.blobsDeleted.push(b.digest);
    report.bytesFreed += b.size;
  }
  if (swept.size > 0) await unlinkSwept(registry, swept);
  return report;
}

async function unlinkSwept(registry: Registry, swept: Set<Digest>): Promise<void> {
  for (const repo of await registry.repositories()) {
    for (const alg of await registry.driver.list(layersDir(repo))) {
      for (const hex of await registry.driver.list(`${layersDir(repo)}/${alg}`)) {
        const d = `${alg}:${hex}` as Digest;
        if (swept.has(d) && !(await registry.blobs.exists(d))) await registry.blobs.unlink(repo, d);
      }
    }
  }
}
