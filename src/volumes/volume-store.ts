/**
 * VolumeStore: named and anonymous volumes of the "local" driver, docker's layout and JSON.
 *
 *   <root>/volumes/
 *     .lock                      taken for every create / remove / prune (any number of hull processes)
 *     <name>/volume.json         version 1: {Name, Driver, Mountpoint, CreatedAt, Labels, Options, Scope}
 *     <name>/_data/              the volume's content, bind-mounted into containers
 *     .trash-<name>-<rand>/      a volume being removed: renamed away first, so a kill -9 never leaves
 *                                a half-deleted volume that still lists; swept by the next prune
 *
 * Lifecycle: `ensure` (create on first use, idempotent) -> mounted by containers -> `remove`, which
 * refuses while `inUse(name)` says a container still uses it -> or `prune`, which removes the unused
 * ones (anonymous only, unless `all`, as docker 23+ does). A directory without volume.json is a
 * create killed half-way: `ensure` completes it, `list` skips it.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from '../sys/random.js';
import { HullError, errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { withLock } from '../sys/lock.js';
import { randomId } from '../sys/ids.js';
import { replaceVolumeFiles, type VolumeFile } from './volume-files.js';

export const VOLUME_FORMAT_VERSION = 1;
/** docker marks anonymous volumes with this label; prune removes only those unless told `all`. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A volume as `hull volume inspect` shows it (docker's shape). */
export interface Volume {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: 'local';
}

export interface VolumeCreateOptions {
  labels?: Record<string, string>;
  /** Anonymous: a 64-hex name and the anonymous label. */
  anonymous?: boolean;
}

/** The one thing mount resolution needs from the store. */
export interface VolumeEnsurer {
  ensure(name: string | undefined, opts?: VolumeCreateOptions): Promise<{ volume: Volume; created: boolean }>;
}

/** Pure: docker's rule for local volume names. */
export function checkVolumeName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use volume name "${name}": it may contain only [a-zA-Z0-9][a-zA-Z0-9_.-] (at least 2 characters, starting with a letter or digit)`, {
      hint: 'to mount a host directory instead, give its absolute path',
    });
  }
  return name;
}

export type VolumeEventSink = (action: 'create' | 'destroy', name: string, attributes: Record<string, string>) => void;

export class VolumeStore implements VolumeEnsurer {
  readonly dir: string;

  /**
   * `emit` records docker's volume events (create, destroy) in the engine's event log; a callback,
   * as events/ sits beside volumes/ in the layers.
   */
  constructor(root: string, private readonly inUse: (name: string) => boolean = () => false, private readonly emit: VolumeEventSink = () => {}) {
    this.dir = join(root, 'volumes');
  }

  private lock<T>(fn: () => T | Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return withLock(join(this.dir, '.lock'), fn);
  }

  private read(name: string): Volume | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, name, 'volume.json'), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    const { version, ...volume } = JSON.parse(text) as Volume & { version: number };
    if (version !== VOLUME_FORMAT_VERSION) throw new HullError('UNSUPPORTED', `Cannot read volume "${name}": format version ${version}, this hull reads ${VOLUME_FORMAT_VERSION}`);
    return volume;
  }

  /** Creates the volume unless it exists (docker: creating an existing volume returns it). */
  private ensureLocked(name: string | undefined, opts: VolumeCreateOptions): Promise<{ volume: Volume; created: boolean }> {
    const anonymous = name === undefined || opts.anonymous === true;
    const volumeName = name === undefined ? randomId() : checkVolumeName(name);
    return this.lock(() => {
      const existing = this.read(volumeName);
      if (existing) return { volume: existing, created: false };
      const mountpoint = join(this.dir, volumeName, '_data');
      mkdirSync(mountpoint, { recursive: true, mode: 0o755 });
      const volume: Volume = {
        Name: volumeName,
        Driver: 'local',
        Mountpoint: mountpoint,
        CreatedAt: new Date().toISOString(),
        Labels: { ...(opts.labels ?? {}), ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) },
        Options: {},
        Scope: 'local',
      };
      writeJsonAtomic(join(this.dir, volumeName, 'volume.json'), { version: VOLUME_FORMAT_VERSION, ...volume });
      return { volume, created: true };
    });
  }

  async create(name?: string, opts: VolumeCreateOptions = {}): Promise<Volume> {
    return (await this.ensure(name, opts)).volume;
  }

  /** Creates the volume unless it exists; a new one is recorded as docker's `create` event. */
  async ensure(name: string | undefined, opts: VolumeCreateOptions = {}): Promise<{ volume: Volume; created: boolean }> {
    const result = await this.ensureLocked(name, opts);
    if (result.created) this.emit('create', result.volume.Name, { driver: result.volume.Driver });
    return result;
  }

  find(name: string): Volume | undefined {
    return NAME_RE.test(name) ? this.read(name) : undefined;
  }

  get(name: string): Volume {
    const volume = this.find(name);
    if (!volume) throw new HullError('NOT_FOUND', `Cannot find volume "${name}": no such volume`, { hint: 'see "hull volume ls"' });
    return volume;
  }

  list(): Volume[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    return names.filter((n) => NAME_RE.test(n)).flatMap((n) => this.read(n) ?? []).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)); // code-point order, as docker lists
  }

  /** Removes a volume unless a container uses it; with `force`, a missing volume is not an error (docker's rm -f). */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<Volume | undefined> {
    const trash = await this.lock(() => {
      const volume = this.find(name);
      if (!volume) {
        if (opts.force) return undefined;
        throw new HullError('NOT_FOUND', `Cannot remove volume "${name}": no such volume`, { hint: 'see "hull volume ls"' });
      }
      if (this.inUse(name)) {
        throw new HullError('CONFLICT', `Cannot remove volume "${name}": it is in use by a container`, { hint: 'remove the container first ("hull rm"), then the volume' });
      }
      const to = join(this.dir, `.trash-${name}-${randomBytes(4).toString('hex')}`);
      renameSync(join(this.dir, name), to);
      return { volume, to };
    });
    if (!trash) return undefined;
    rmSync(trash.to, { recursive: true, force: true });
    this.emit('destroy', trash.volume.Name, { driver: trash.volume.Driver });
    return trash.volume;
  }

  /** Removes unused volumes: anonymous ones, or all with `all`. Returns their names and the bytes freed. */
  async prune(opts: { all?: boolean } = {}): Promise<{ removed: string[]; spaceReclaimed: number }> {
    const doomed = await this.lock(() => {
      const out: Array<{ name: string; to: string; size: number }> = [];
      for (const v of this.list()) {
        if (this.inUse(v.Name) || (!opts.all && !(ANONYMOUS_LABEL in v.Labels))) continue;
        const to = join(this.dir, `.trash-${v.Name}-${randomBytes(4).toString('hex')}`);
        const size = diskUsage(v.Mountpoint);
        renameSync(join(this.dir, v.Name), to);
        out.push({ name: v.Name, to, size });
      }
      // Left by a remove killed between its rename and its rm.
      for (const n of readdirSync(this.dir)) if (n.startsWith('.trash-')) out.push({ name: '', to: join(this.dir, n), size: 0 });
      return out;
    });
    for (const d of doomed) rmSync(d.to, { recursive: true, force: true });
    const removed = doomed.filter((d) => d.name !== '');
    for (const d of removed) this.emit('destroy', d.name, { driver: 'local' });
    return { removed: removed.map((d) => d.name), spaceReclaimed: removed.reduce((s, d) => s + d.size, 0) };
  }

  /** Replaces the volume's content with `files` (kube play's ConfigMap and Secret volumes). */
  async replaceFiles(name: string, files: readonly VolumeFile[], owner?: { uid: number; gid: number }): Promise<void> {
    await this.lock(() => {
      this.get(name);
      replaceVolumeFiles(join(this.dir, name), name, files, owner);
    });
  }

  /** Bytes used by a volume's content. */
  size(name: string): number {
    return diskUsage(this.get(name).Mountpoint);
  }
}

/** Apparent size of the files under `dir` (symlinks not followed; hard links counted once). */
export function diskUsage(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        if (st.nlink > 1 && seen.has(key)) continue;
        seen.add(key);
        total += st.size;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return total;
}
