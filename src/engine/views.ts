/**
 * Docker-shaped views of the engine's records, the same for every front door: inspect JSON, the
 * rows of `ps` and `images` with Docker's Status and Ports texts. What docker users and their
 * scripts (and Docker API clients) expect to find.
 */
import type { ContainerRecord } from '../containers/record.js';
import type { ImageDetails, ImageService } from '../images/image-service.js';
import { displayName } from '../images/image-store.js';
import { livePorts, networkSettingsJson } from '../network/inspect.js';
import { readSandbox } from '../network/sandbox.js';
import { fromDockerBindings, type PortBinding } from '../network/ports.js';
import { shortId } from '../oci/digest.js';
import { ZERO_TIME } from '../containers/record.js';
import { healthSuffix } from '../health/health-state.js';
import { HullError } from '../errors.js';

export { displayName } from '../images/image-store.js';
export { shortId } from '../oci/digest.js';
export { cpuPercent } from '../containers/stats.js';
export { formatPortLines } from '../network/ports.js';

export function containerJson(r: ContainerRecord, runroot: string): unknown {
  return {
    Id: r.Id,
    Created: r.Created,
    Path: r.Path,
    Args: r.Args,
    // Health is null without a check, as docker's nil pointer prints in templates ({{json .State.Health}}).
    State: { ...r.State, Health: r.State.Health ?? null, Running: r.State.Status === 'running' || r.State.Status === 'restarting', Paused: r.State.Status === 'paused', Restarting: r.State.Status === 'restarting', Dead: r.State.Status === 'dead' },
    Image: r.ImageId,
    ResolvConfPath: `${runroot}/containers/${r.Id}/resolv.conf`,
    HostnamePath: `${runroot}/containers/${r.Id}/hostname`,
    HostsPath: `${runroot}/containers/${r.Id}/hosts`,
    Name: `/${r.Name}`,
    RestartCount: r.RestartCount ?? 0,
    Driver: r.Driver,
    HostConfig: r.HostConfig,
    Mounts: r.Mounts ?? [],
    Config: r.Config,
    NetworkSettings: networkSettingsJson(r, readSandbox(runroot, r.Id)),
  };
}

export function imageJson(d: ImageDetails): unknown {
  const c = d.config;
  return {
    Id: d.record.id,
    RepoTags: d.record.names.map(displayName),
    RepoDigests: [...new Set([...(d.record.digests ?? []), ...d.record.names.map((n) => `${n.slice(0, n.lastIndexOf(':'))}@${d.record.manifest}`)])].map(displayName),
    Created: c.created ?? d.record.created,
    Author: c.author ?? '',
    Config: c.config ?? {},
    Architecture: c.architecture,
    Os: c.os,
    ...(c.variant ? { Variant: c.variant } : {}),
    Size: d.size,
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: d.record.created },
    Manifest: { Digest: d.record.manifest, MediaType: d.record.manifestMediaType },
    History: c.history ?? [],
  };
}

/** Docker's human sizes: decimal units, three significant digits (4.26MB). */
export function humanSizeDecimal(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))}${units[u]}`;
}

/** "2 minutes ago", "About an hour ago", as docker prints creation times. */
export function timeAgo(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 1) return 'Less than a second ago';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'} ago`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute ago';
  if (m < 60) return `${m} minutes ago`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour ago';
  if (h < 48) return `${h} hours ago`;
  const d = Math.round(s / 86400);
  if (d < 14) return `${d} days ago`;
  if (d < 60) return `${Math.round(d / 7)} weeks ago`;
  if (d < 730) return `${Math.round(d / 30)} months ago`;
  return `${Math.round(d / 365)} years ago`;
}

/** Docker's Status column: "Up 5 minutes", "Exited (0) 3 seconds ago", "Created". */
export function statusText(r: ContainerRecord, now = Date.now()): string {
  const s = r.State;
  switch (s.Status) {
    case 'running':
      return `Up ${timeAgo(s.StartedAt, now).replace(/ ago$/, '')}${healthSuffix(s.Health)}`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${timeAgo(s.FinishedAt, now)}`;
    case 'paused':
      return `Up ${timeAgo(s.StartedAt, now).replace(/ ago$/, '')} (Paused)`;
    case 'exited':
      return `Exited (${s.ExitCode}) ${timeAgo(s.FinishedAt === ZERO_TIME ? r.Created : s.FinishedAt, now)}`;
    default:
      return s.Status[0]?.toUpperCase() + s.Status.slice(1);
  }
}

/** Docker's Ports column: "0.0.0.0:8080->80/tcp, 53/udp" (published first, then exposed only). */
export function portsText(bindings: PortBinding[], exposed: Record<string, object> = {}): string {
  const published = bindings.map((b) => `${b.hostIp || '0.0.0.0'}:${b.hostPort}->${b.containerPort}/${b.protocol}`);
  const seen = new Set(bindings.map((b) => `${b.containerPort}/${b.protocol}`));
  const bare = Object.keys(exposed).map((k) => (k.includes('/') ? k : `${k}/tcp`)).filter((k) => !seen.has(k));
  return [...published, ...bare].join(', ');
}

/** A container's published ports: the live ones while it runs, else those asked for. */
export function containerPorts(r: ContainerRecord, runroot: string): PortBinding[] {
  const live = r.State.Status === 'running' || r.State.Status === 'paused' ? livePorts(readSandbox(runroot, r.Id)) : [];
  return live.length > 0 ? live : fromDockerBindings(r.HostConfig.PortBindings).filter((b) => b.hostPort !== 0);
}

/** One `ps` row, with the fields docker's templates know ({{.ID}}, {{.Status}}, {{.Ports}}...). */
export function psRow(r: ContainerRecord, runroot: string, noTrunc: boolean, size?: number): Record<string, unknown> {
  return {
    ID: noTrunc ? r.Id : r.Id.slice(0, 12),
    Image: r.Config.Image,
    ImageID: noTrunc ? r.ImageId : shortId(r.ImageId),
    Command: [r.Path, ...r.Args].join(' '),
    Created: r.Created,
    CreatedAt: r.Created,
    RunningFor: timeAgo(r.Created),
    State: r.State.Status,
    Status: statusText(r),
    ExitCode: r.State.ExitCode,
    Ports: portsText(containerPorts(r, runroot), r.Config.ExposedPorts),
    Names: r.Name,
    Labels: r.Config.Labels,
    Mounts: (r.Mounts ?? []).map((m) => (m as { Name?: string; Source?: string }).Name ?? (m as { Source?: string }).Source ?? '').join(','),
    Networks: Object.keys(r.NetworkSettings?.Networks ?? {}).join(',') || r.HostConfig.NetworkMode,
    LocalVolumes: String((r.Mounts ?? []).filter((m) => m.Type === 'volume').length),
    Size: size === undefined ? '0B' : humanSizeDecimal(size),
  };
}

export interface ImageRow {
  Repository: string;
  Tag: string;
  ID: string;
  Digest: string;
  CreatedAt: string;
  Size: number;
}

/** `images` filters, docker's keys: dangling, reference (a glob), label, before, since. */
export function parseImageFilters(flags: readonly string[]): Array<[string, string]> {
  return flags.map((f) => {
    const eq = f.indexOf('=');
    const key = eq === -1 ? f : f.slice(0, eq);
    const value = eq === -1 ? '' : f.slice(eq + 1);
    if (!['dangling', 'reference', 'label', 'before', 'since'].includes(key)) throw new HullError('INVALID_ARGUMENT', `Cannot filter images by "${key}": unknown filter`, { hint: 'use dangling, reference, label, before or since' });
    if (key === 'dangling' && !['true', 'false', '1', '0'].includes(value)) throw new HullError('INVALID_ARGUMENT', `Cannot filter images by "${f}": dangling is true or false`);
    return [key, value];
  });
}

/** docker's reference globs: `*` within a path component, `**` never needed, `?` one character. */
function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  const hasTag = pattern.lastIndexOf(':') > pattern.lastIndexOf('/');
  return re.test(name) || (!hasTag && re.test(name.slice(0, name.lastIndexOf(':'))));
}

/**
 * `images [REPOSITORY[:TAG]]` rows: one per name (repository and tag split as docker shows them),
 * or <none>:<none>, kept by the filters (same key: any; different keys: all).
 */
export function imageRows(images: ImageService, noTrunc: boolean, opts: { filters?: Array<[string, string]>; reference?: string } = {}): ImageRow[] {
  const records = images.list();
  const find = (ref: string) => {
    try {
      return images.get(ref);
    } catch {
      throw new HullError('NOT_FOUND', `Cannot filter images by "${ref}": no such image`);
    }
  };
  const byKey = new Map<string, string[]>();
  for (const [k, v] of opts.filters ?? []) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  const filters = opts.reference ? [...byKey, ['reference', [opts.reference]] as [string, string[]]] : [...byKey];
  return records.flatMap((record) => {
    const details = images.details(record);
    const id = noTrunc ? record.id : shortId(record.id);
    // An image pulled by digest has no tag: docker lists its repository with <none>.
    const untagged = (record.digests ?? []).map((rd) => `${displayName(rd.slice(0, rd.indexOf('@')) + ':x').slice(0, -2)}:<none>`);
    const names = record.names.length > 0 ? record.names.map(displayName) : untagged.length > 0 ? [...new Set(untagged)] : ['<none>:<none>'];
    const labels = details.config.config?.Labels ?? {};
    return names.flatMap((display) => {
      const keep = filters.every(([k, values]) => values.some((v) => {
        switch (k) {
          case 'dangling':
            return (record.names.length === 0 && (record.digests?.length ?? 0) === 0) === (v === 'true' || v === '1');
          case 'reference':
            return display !== '<none>:<none>' && globMatches(v, display);
          case 'label': {
            const eq = v.indexOf('=');
            return eq === -1 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1);
          }
          case 'before':
            return record.created < find(v).created;
          case 'since':
            return record.created > find(v).created;
          default:
            return false;
        }
      }));
      if (!keep) return [];
      const colon = display.lastIndexOf(':');
      return [{ Repository: display.slice(0, colon), Tag: display.slice(colon + 1), ID: id, Digest: record.manifest, CreatedAt: record.created, Size: details.size }];
    });
  });
}
