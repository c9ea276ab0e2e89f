/**
 * Mount requests -> the mounts of config.json, the volumes to populate, and inspect's `Mounts`.
 *
 * At create/start: `resolveMounts` checks bind sources (creating a missing one only for -v, as
 * docker does), creates named volumes on first use, turns the image's VOLUME entries not covered by
 * a request into anonymous volumes, and orders mounts parent-before-child. After the rootfs is
 * mounted, `populateVolume` copies the image's content at each volume's path into the volume when
 * the volume is still empty (docker's copy-up; `nocopy` skips it).
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { HullError, errnoCode, errorMessage } from '../errors.js';
import type { SpecMount } from '../oci/runtime-spec.js';
import { execSyncOrThrow } from '../sys/exec.js';
import { resolveInRoot } from '../sys/safe-path.js';
import type { MountRequest } from './mount-flags.js';
import type { VolumeEnsurer } from './volume-store.js';

/** One entry of `docker inspect`'s Mounts. */
export interface InspectMount {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ResolvedMounts {
  specMounts: SpecMount[];
  /** Volumes that take the image's content at `path` when empty: call populateVolume once the rootfs is mounted. */
  volumesToPopulate: Array<{ name: string; path: string; mountpoint: string }>;
  inspectMounts: InspectMount[];
  /** Names of the anonymous volumes created for this container (`run --rm` removes them, as docker does). */
  anonymousVolumes: string[];
}

export interface ResolveContext {
  volumes: VolumeEnsurer;
  /** The image config's Volumes keys (paths). */
  imageVolumes?: readonly string[];
}

const depth = (p: string) => p.split('/').filter(Boolean).length;

function checkBindSource(source: string, create: boolean): void {
  try {
    statSync(source);
    return;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw new HullError('INVALID_ARGUMENT', `Cannot mount "${source}": ${errorMessage(err)}`);
  }
  if (!create) {
    throw new HullError('NOT_FOUND', `Cannot mount "${source}": bind source path does not exist`, { hint: `create it first (mkdir -p ${source}), or use -v, which creates it` });
  }
  mkdirSync(source, { recursive: true, mode: 0o755 });
}

export async function resolveMounts(requests: readonly MountRequest[], ctx: ResolveContext): Promise<ResolvedMounts> {
  const targets = new Set<string>();
  for (const r of requests) {
    if (targets.has(r.target)) throw new HullError('INVALID_ARGUMENT', `Cannot mount "${r.target}": it is already the target of another mount`, { hint: 'give each mount its own target path' });
    targets.add(r.target);
  }
  // The image's VOLUME paths that no request covers become anonymous volumes.
  const implicit: MountRequest[] = [...new Set((ctx.imageVolumes ?? []).map((p) => posix.normalize(p).replace(/(.)\/$/, '$1')))]
    .filter((p) => p.startsWith('/') && p !== '/' && !targets.has(p))
    .map((target) => ({ type: 'volume', target, readonly: false, noCopy: false, mode: '' }));

  const out: ResolvedMounts = { specMounts: [], volumesToPopulate: [], inspectMounts: [], anonymousVolumes: [] };
  const entries: Array<{ spec: SpecMount; inspect: InspectMount }> = [];
  for (const r of [...requests, ...implicit]) {
    if (r.type === 'bind') {
      checkBindSource(r.source, r.createSource);
      const propagation = r.propagation ?? 'rprivate';
      entries.push({
        spec: { destination: r.target, type: 'bind', source: r.source, options: [r.recursive ? 'rbind' : 'bind', r.readonly ? 'ro' : 'rw', propagation] },
        inspect: { Type: 'bind', Source: r.source, Destination: r.target, Mode: r.mode, RW: !r.readonly, Propagation: propagation },
      });
    } else if (r.type === 'volume') {
      const { volume, created } = await ctx.volumes.ensure(r.name, r.labels ? { labels: r.labels } : {});
      if (r.name === undefined && created) out.anonymousVolumes.push(volume.Name);
      if (!r.noCopy) out.volumesToPopulate.push({ name: volume.Name, path: r.target, mountpoint: volume.Mountpoint });
      entries.push({
        spec: { destination: r.target, type: 'bind', source: volume.Mountpoint, options: ['rbind', r.readonly ? 'ro' : 'rw', 'rprivate'] },
        inspect: { Type: 'volume', Name: volume.Name, Source: volume.Mountpoint, Destination: r.target, Driver: 'local', Mode: r.mode, RW: !r.readonly, Propagation: '' },
      });
    } else {
      entries.push({
        spec: { destination: r.target, type: 'tmpfs', source: 'tmpfs', options: r.options },
        inspect: { Type: 'tmpfs', Source: '', Destination: r.target, Mode: '', RW: !r.options.includes('ro'), Propagation: '' },
      });
    }
  }
  // Parents before children (/data before /data/cache), else the child would be hidden; stable otherwise.
  const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => depth(a.e.spec.destination) - depth(b.e.spec.destination) || a.i - b.i);
  out.specMounts = ordered.map(({ e }) => e.spec);
  out.inspectMounts = ordered.map(({ e }) => e.inspect);
  return out;
}

/**
 * Copies the image's content at `containerPath` (inside `rootfs`) into `volumeDir` when the volume
 * is empty; the volume's root takes the directory's owner and mode. Returns whether it copied.
 * The path is resolved with resolveInRoot, so an image's symlinks cannot point the copy at host
 * files; `cp -a` copies symlinks as links and keeps owners, modes, times and xattrs.
 */
export function populateVolume(volumeDir: string, rootfs: string, containerPath: string): boolean {
  const source = resolveInRoot(rootfs, containerPath);
  const st = lstatSync(source, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return false;
  if (!existsSync(volumeDir) || readdirSync(volumeDir).length > 0) return false;
  execSyncOrThrow(['cp', '-a', '--', `${source}/.`, `${volumeDir}/`], `copy the image's ${containerPath} into its volume`);
  return true;
}
