/**
 * Leases: what every operation that writes blobs or layers before it records an image holds (pull,
 * load, import, commit, build, unpacking for a new container), so that a concurrent GC (`hull image
 * prune`, `hull rmi`) never collects the blobs and layers it is about to record as an image.
 *
 *   <root>/leases/                          layout version 1
 *     gc.lock                               held by GC for plan + delete, and while a lease changes
 *     <pid>-<starttime>-<rand>.json         { "version": 1, "operation": "load", "created": <ms>,
 *                                             "digests": [...], "chainIDs": [...] | null }
 *     <pid>-<starttime>-<rand>.d/           scratch space of that operation (a load's staged archive)
 *
 * A lease is live while its process (pid + start time, as in sys/lock.ts) is. GC treats as roots:
 * every digest and chainID a live lease lists, every blob newer than the oldest live lease, and,
 * while a lease with `chainIDs: null` (it cannot say which layers it will create) is live, every
 * layer. A lease of a process killed with -9 is dead: GC removes it and its scratch directory.
 * Leases are created and extended under gc.lock, so a GC either finished before the operation
 * relied on anything, or sees the lease.
 *
 * Enforced in one place, the types: a blob is written only through FsContentStore.writer(lease), a
 * layer only through Snapshotter.prepareLayer(parent, lease), an image recorded only through
 * ImageStore.add(..., lease), and a Lease is the only WriteLease there is. Each checks that the
 * lease is still held. Taking a lease also reclaims what dead processes left in the temp areas.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from '../sys/random.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { processStartTime, withLock } from '../sys/lock.js';
import { HullError } from '../errors.js';
import { FsContentStore, type WriteLease } from '../content/store.js';
import { reclaimSnapshotTemp } from '../snapshots/temp.js';

export interface LeaseFile {
  version: 1;
  operation: string;
  created: number;
  digests: string[];
  /** null: the holder cannot enumerate the layers it creates (GC then keeps every layer). */
  chainIDs: string[] | null;
}

export interface LiveLease extends LeaseFile {
  id: string;
}

export function leasesDir(root: string): string {
  return join(root, 'leases');
}

export function gcLockPath(root: string): string {
  return join(leasesDir(root), 'gc.lock');
}

/** Whether the process that owns lease `id` ("<pid>-<starttime>-<rand>") still runs. */
function ownerAlive(id: string): boolean {
  const [pid, start] = id.split('-');
  if (pid === undefined || !/^\d+$/.test(pid)) return false;
  return processStartTime(Number(pid)) === start;
}

export class Lease implements WriteLease {
  private doc: LeaseFile;
  private released = false;

  private constructor(
    private readonly root: string,
    readonly id: string,
    operation: string,
  ) {
    this.doc = { version: 1, operation, created: Date.now(), digests: [], chainIDs: [] };
  }

  /** Takes a lease; `enumerates: false` for operations that cannot list their layers up front. */
  static async acquire(root: string, operation: string, opts: { enumerates?: boolean } = {}): Promise<Lease> {
    const dir = leasesDir(root);
    mkdirSync(dir, { recursive: true });
    const id = `${process.pid}-${processStartTime(process.pid) ?? 0}-${randomBytes(4).toString('hex')}`;
    const lease = new Lease(root, id, operation);
    if (opts.enumerates === false) lease.doc.chainIDs = null;
    await withLock(gcLockPath(root), () => {
      liveLeases(root); // removes the leases (and scratch) of killed processes
      reclaimLeftovers(root);
      lease.doc.created = Date.now();
      // Not fsynced: a lease protects a running operation from a running GC, both of which read
      // the page cache; after a crash its owner is dead and liveLeases removes it by name alone.
      writeJsonAtomic(lease.path, lease.doc, { ephemeral: true });
    });
    return lease;
  }

  private get path(): string {
    return join(leasesDir(this.root), `${this.id}.json`);
  }

  /** A private directory for the operation's scratch files, removed with the lease. */
  scratchDir(): string {
    const d = join(leasesDir(this.root), `${this.id}.d`);
    mkdirSync(d, { recursive: true });
    return d;
  }

  assertHeld(action: string): void {
    if (this.released) throw new HullError('INTERNAL', `Cannot ${action} for "${this.doc.operation}": its lease was released`, { hint: 'a bug in hull: the write would not be protected from GC' });
  }

  get operation(): string {
    return this.doc.operation;
  }

  /** Adds roots before the operation relies on them. */
  async hold(digests: readonly string[], chainIDs: readonly string[] = []): Promise<void> {
    await withLock(gcLockPath(this.root), () => {
      this.doc.digests = [...new Set([...this.doc.digests, ...digests])];
      if (this.doc.chainIDs !== null) this.doc.chainIDs = [...new Set([...this.doc.chainIDs, ...chainIDs])];
      writeJsonAtomic(this.path, this.doc, { ephemeral: true });
    });
  }

  release(): void {
    this.released = true;
    rmSync(join(leasesDir(this.root), `${this.id}.d`), { recursive: true, force: true });
    rmSync(this.path, { force: true });
  }
}

/** Runs `fn` under a fresh lease, released however `fn` ends. */
export async function withLease<T>(root: string, operation: string, opts: { enumerates?: boolean }, fn: (lease: Lease) => Promise<T>): Promise<T> {
  const lease = await Lease.acquire(root, operation, opts);
  try {
    return await fn(lease);
  } finally {
    lease.release();
  }
}

/** Live leases; dead ones (and their scratch directories) are removed on the way. Call under gc.lock. */
export function liveLeases(root: string): LiveLease[] {
  const dir = leasesDir(root);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const live: LiveLease[] = [];
  for (const name of names) {
    const m = /^(\d+-\d+-[a-f0-9]+)\.(json|d)$/.exec(name);
    if (!m?.[1]) continue;
    const id = m[1];
    if (!ownerAlive(id)) {
      rmSync(join(dir, name), { recursive: true, force: true });
      continue;
    }
    if (m[2] !== 'json') continue;
    try {
      live.push({ ...(JSON.parse(readFileSync(join(dir, name), 'utf8')) as LeaseFile), id });
    } catch {
      // being replaced right now: its holder is alive, so be conservative
      live.push({ version: 1, operation: 'unknown', created: 0, digests: [], chainIDs: null, id });
    }
  }
  return live;
}

/** What dead processes left in the temp areas: half-written blobs, half-applied or half-deleted layers. Call under gc.lock. */
export function reclaimLeftovers(root: string): void {
  reclaimSnapshotTemp(root);
  new FsContentStore(root).reclaimIngests();
}

/** Every lease file and scratch directory, with whether its process lives; changes nothing (for `hull system check`). */
export function listLeaseEntries(root: string): Array<{ name: string; path: string; alive: boolean }> {
  let names: string[];
  try {
    names = readdirSync(leasesDir(root));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const id = /^(\d+-\d+-[a-f0-9]+)\.(json|d)$/.exec(name)?.[1];
    return id ? [{ name, path: join(leasesDir(root), name), alive: ownerAlive(id) }] : [];
  });
}
