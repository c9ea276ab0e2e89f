/**
 * Garbage collection: mark, publish the sweep's intent, mark again, sweep — distribution's
 * mark-and-sweep made safe beside serving replicas without a read-only mode or a lock.
 *
 *   mark     for each repository, listed once: the manifests to keep (all, or with deleteUntagged
 *            the tagged ones, those written within the grace window and those unreadable, their
 *            index children and referrers, transitively) and every blob they name (config,
 *            layers, their own bytes). Candidates: the unkept manifests, and the blobs in blobs/
 *            neither marked nor written within the grace window.
 *   intent   the candidates are published under _gc/sweeps/ (gc-fence.ts).
 *   re-mark  every repository is listed again: a manifest that appeared since the mark, or a
 *            candidate whose revision was rewritten (re-pushed, tagged) or that a tag now names,
 *            is kept with everything it reaches. Anything a push referenced before this look is
 *            kept; a push that referenced a candidate after it sees the intent and re-checks.
 *   sweep    unkept manifests, then unmarked blobs, each re-checked (still there, still old) just
 *            before its delete; then repository links to swept blobs. Deletes stop at the intent's
 *            deadline (sweepBudgetMs), since writers wait for a targeting sweep at most that long.
 *
 * The grace window (gc.grace, measured on modTime, whole seconds on object stores) is the first
 * line: blobs of a push in progress (pushed, manifest not yet) are young and survive. The re-mark
 * and the fence cover what the grace window cannot: old content re-referenced during the run
 * (a blob skipped by the client because it exists, a mount, a tag moved onto an old manifest).
 */
import type { Digest } from '../oci/digest.js';
import { openSweep, pruneFence } from './gc-fence.js';
import { parseManifestFacts } from './manifest-rules.js';
import { BLOBS_DIR, blobDataPath, layersDir, revisionLinkPath } from './paths.js';
import type { Registry } from './registry.js';
import type { FileInfo } from './storage/driver.js';

export interface GcOptions {
  dryRun: boolean;
  deleteUntagged: boolean;
  /** Anything written within this window before the start is kept. */
  graceMs: number;
  now?: number;
  /** How long the sweep may delete for (default 5 min); a push waits for a sweep targeting it at most this long. */
  sweepBudgetMs?: number;
  /** Awaited between phases (tests use them to push at the worst moments). */
  hooks?: { afterMark?(): Promise<void>; beforeSweep?(): Promise<void> };
}

export interface GcReport {
  dryRun: boolean;
  repositories: number;
  manifestsDeleted: { repository: string; digest: Digest }[];
  blobsDeleted: Digest[];
  bytesFreed: number;
  blobsKept: number;
  /** The sweep reached its deadline; the next run continues. */
  incomplete: boolean;
}

interface Facts {
  blobs: Digest[];
  children: Digest[];
  subject?: Digest;
}

/** The marks of one run. */
class Marks {
  readonly blobs = new Set<Digest>();
  private readonly kept = new Map<string, Set<Digest>>();
  private readonly facts = new Map<string, Facts | null>();

  constructor(private readonly registry: Registry) {}

  keptIn(repo: string): Set<Digest> {
    let s = this.kept.get(repo);
    if (!s) this.kept.set(repo, (s = new Set()));
    return s;
  }

  /** A manifest's references; null when missing or unreadable. */
  async factsOf(repo: string, d: Digest): Promise<Facts | null> {
    const key = `${repo}@${d}`;
    if (!this.facts.has(key)) {
      const bytes = await this.registry.blobs.getBytes(d);
      let f: Facts | null = null;
      try {
        const parsed = bytes ? parseManifestFacts(bytes, await this.registry.manifests.revisionType(repo, d)) : undefined;
        if (parsed) f = { blobs: parsed.blobs, children: parsed.manifests, ...(parsed.subject ? { subject: parsed.subject.digest } : {}) };
      } catch {
        // Stored manifests were valid when pushed; an unparsable one keeps only itself.
      }
      this.facts.set(key, f);
    }
    return this.facts.get(key)!;
  }

  /** Keeps a manifest, its bytes, the blobs it names and its index children. */
  async keep(repo: string, d: Digest): Promise<void> {
    const kept = this.keptIn(repo);
    if (kept.has(d)) return;
    kept.add(d);
    this.blobs.add(d);
    const f = await this.factsOf(repo, d);
    if (!f) return;
    f.blobs.forEach((b) => this.blobs.add(b));
    for (const c of f.children) await this.keep(repo, c);
  }

  /** Keeps the referrers of kept manifests (a signature lives as long as its subject), to a fixpoint. */
  async keepReferrers(repo: string, revisions: Digest[]): Promise<void> {
    for (let changed = true; changed; ) {
      changed = false;
      for (const d of revisions) {
        if (this.keptIn(repo).has(d)) continue;
        const subject = (await this.factsOf(repo, d))?.subject;
        if (subject && this.keptIn(repo).has(subject)) {
          await this.keep(repo, d);
          changed = true;
        }
      }
    }
  }
}

interface GcPlan {
  marks: Marks;
  /** Revisions each repository had at the mark. */
  seen: Map<string, Set<Digest>>;
  manifests: { repository: string; digest: Digest }[];
  blobs: { digest: Digest; size: number }[];
  kept: number;
  repositories: number;
}

/** Written within the grace window. Object stores keep whole seconds, so the cutoff's second counts as young. */
function isYoung(info: FileInfo, cutoff: number): boolean {
  return info.modTime.getTime() >= Math.floor(cutoff / 1000) * 1000;
}

async function planGc(registry: Registry, opts: GcOptions, cutoff: number): Promise<GcPlan> {
  const marks = new Marks(registry);
  const seen = new Map<string, Set<Digest>>();
  const manifests: GcPlan['manifests'] = [];
  const repos = await registry.repositories();
  for (const repo of repos) {
    const revisions = await registry.manifests.revisions(repo);
    seen.set(repo, new Set(revisions));
    for (const d of revisions) {
      if (!opts.deleteUntagged) await marks.keep(repo, d);
      else {
        const info = await registry.driver.stat(revisionLinkPath(repo, d));
        if (!info || isYoung(info, cutoff) || (await marks.factsOf(repo, d)) === null) await marks.keep(repo, d);
      }
    }
    if (opts.deleteUntagged) {
      for (const tag of await registry.manifests.tags(repo)) {
        const d = await registry.manifests.resolveTag(repo, tag);
        if (d) await marks.keep(repo, d);
      }
      await marks.keepReferrers(repo, revisions);
    }
    for (const d of revisions) if (!marks.keptIn(repo).has(d)) manifests.push({ repository: repo, digest: d });
  }
  const blobs: GcPlan['blobs'] = [];
  let kept = 0;
  for (const alg of await registry.driver.list(BLOBS_DIR)) {
    for (const prefix of await registry.driver.list(`${BLOBS_DIR}/${alg}`)) {
      for (const hex of await registry.driver.list(`${BLOBS_DIR}/${alg}/${prefix}`)) {
        const digest = `${alg}:${hex}` as Digest;
        if (marks.blobs.has(digest)) {
          kept++;
          continue;
        }
        const info = await registry.driver.stat(blobDataPath(digest));
        if (!info || isYoung(info, cutoff)) kept++;
        else blobs.push({ digest, size: info.size });
      }
    }
  }
  return { marks, seen, manifests, blobs, kept, repositories: repos.length };
}

/** The second look, after the intent is published: keeps whatever was referenced since the mark. */
async function remark(registry: Registry, plan: GcPlan, cutoff: number): Promise<void> {
  const { marks } = plan;
  for (const repo of await registry.repositories()) {
    const seen = plan.seen.get(repo) ?? new Set<Digest>();
    const revisions = await registry.manifests.revisions(repo);
    for (const d of revisions) if (!seen.has(d)) await marks.keep(repo, d);
    const candidates = plan.manifests.filter((m) => m.repository === repo).map((m) => m.digest);
    if (candidates.length === 0) continue;
    for (const d of candidates) {
      const info = await registry.driver.stat(revisionLinkPath(repo, d));
      if (info && isYoung(info, cutoff)) await marks.keep(repo, d);
    }
    for (const tag of await registry.manifests.tags(repo)) {
      const d = await registry.manifests.resolveTag(repo, tag);
      if (d && candidates.includes(d)) await marks.keep(repo, d);
    }
    await marks.keepReferrers(repo, revisions);
  }
  plan.manifests = plan.manifests.filter((m) => !marks.keptIn(m.repository).has(m.digest));
  plan.blobs = plan.blobs.filter((b) => !marks.blobs.has(b.digest));
}

export async function runGc(registry: Registry, opts: GcOptions): Promise<GcReport> {
  const cutoff = (opts.now ?? Date.now()) - opts.graceMs;
  if (!opts.dryRun) await pruneFence(registry.driver);
  const plan = await planGc(registry, opts, cutoff);
  const report: GcReport = { dryRun: opts.dryRun, repositories: plan.repositories, manifestsDeleted: [], blobsDeleted: [], bytesFreed: 0, blobsKept: plan.kept, incomplete: false };
  if (opts.dryRun) {
    report.manifestsDeleted = plan.manifests;
    report.blobsDeleted = plan.blobs.map((b) => b.digest);
    report.bytesFreed = plan.blobs.reduce((n, b) => n + b.size, 0);
    return report;
  }
  await opts.hooks?.afterMark?.();
  if (plan.manifests.length === 0 && plan.blobs.length === 0) return report;
  const budget = opts.sweepBudgetMs ?? 5 * 60_000;
  const expires = Date.now() + budget;
  // Stop deleting well before the deadline writers trust (clock skew between replicas, a slow delete).
  const stopAt = expires - Math.min(30_000, budget / 4);
  const sweep = await openSweep(registry.driver, { blobs: plan.blobs.map((b) => b.digest), manifests: plan.manifests.map((m) => `${m.repository}@${m.digest}`) }, expires);
  const swept = new Set<Digest>();
  const candidateBlobs = plan.blobs.length;
  try {
    await remark(registry, plan, cutoff);
    await opts.hooks?.beforeSweep?.();
    for (const m of plan.manifests) {
      if (Date.now() >= stopAt) {
        report.incomplete = true;
        break;
      }
      const info = await registry.driver.stat(revisionLinkPath(m.repository, m.digest));
      if (!info || isYoung(info, cutoff)) continue; // re-pushed since the re-mark
      try {
        await registry.manifests.delete(m.repository, { kind: 'digest', digest: m.digest });
        report.manifestsDeleted.push(m);
      } catch {
        // Deleted concurrently: nothing left to do.
      }
    }
    for (const b of plan.blobs) {
      if (Date.now() >= stopAt) {
        report.incomplete = true;
        break;
      }
      const info = await registry.driver.stat(blobDataPath(b.digest));
      if (!info || isYoung(info, cutoff)) continue; // re-uploaded since the mark
      await registry.driver.delete(blobDataPath(b.digest));
      swept.add(b.digest);
      report.blobsDeleted.push(b.digest);
      report.bytesFreed += b.size;
    }
    // Inside the intent's window: a push that linked a swept blob again meanwhile re-checks its links.
    if (swept.size > 0) await unlinkSwept(registry, swept, stopAt);
  } finally {
    await sweep.close();
  }
  report.blobsKept = plan.kept + candidateBlobs - report.blobsDeleted.length;
  return report;
}

/** Removes repository links to swept blobs (dangling links are harmless, so the deadline may cut it short). */
async function unlinkSwept(registry: Registry, swept: Set<Digest>, stopAt: number): Promise<void> {
  for (const repo of await registry.repositories()) {
    for (const alg of await registry.driver.list(layersDir(repo))) {
      for (const hex of await registry.driver.list(`${layersDir(repo)}/${alg}`)) {
        if (Date.now() >= stopAt) return;
        const d = `${alg}:${hex}` as Digest;
        if (swept.has(d) && !(await registry.blobs.exists(d))) await registry.blobs.unlink(repo, d);
      }
    }
  }
}
