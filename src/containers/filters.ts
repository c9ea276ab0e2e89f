/**
 * docker's `ps --filter` semantics, pure: values of the same key OR, different keys AND.
 * Supported keys: id, name (a regular expression, as docker: `name=^web$`), status, exited, label
 * (k or k=v), ancestor, network, volume (a volume name or a mount destination), health, publish,
 * expose, before, since (a container name or ID).
 */
import { HullError } from '../errors.js';
import type { ContainerRecord } from './record.js';

/** The keys `ps --filter` and the API's `filters` take. */
export const CONTAINER_FILTER_KEYS = ['id', 'name', 'status', 'exited', 'label', 'ancestor', 'network', 'volume', 'health', 'publish', 'expose', 'before', 'since'] as const;
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

export function parseFilters(flags: string[]): Array<[string, string]> {
  return flags.map((f) => {
    const eq = f.indexOf('=');
    const key = eq === -1 ? f : f.slice(0, eq);
    if (!(CONTAINER_FILTER_KEYS as readonly string[]).includes(key)) {
      throw new HullError('INVALID_ARGUMENT', `Cannot filter by "${key}": unknown filter`, { hint: `use one of ${CONTAINER_FILTER_KEYS.join(', ')}` });
    }
    const value = eq === -1 ? '' : f.slice(eq + 1);
    const bad = (why: string, hint: string) => new HullError('INVALID_ARGUMENT', `Cannot filter by "${f}": ${why}`, { hint });
    if (key === 'name') {
      try {
        new RegExp(value);
      } catch {
        throw bad('not a regular expression', 'e.g. name=^web$ or name=db');
      }
    }
    if (key === 'status' && !STATUSES.includes(value)) throw bad('unknown status', `use one of ${STATUSES.join(', ')}`);
    if (key === 'health' && !HEALTH.includes(value)) throw bad('unknown health status', `use one of ${HEALTH.join(', ')}`);
    return [key, value];
  });
}

/** The health status a filter sees: a record's State.Health (restart/health checks), or none. */
function healthOf(r: ContainerRecord): string {
  return (r.State as { Health?: { Status?: string } }).Health?.Status ?? 'none';
}

function portMatches(spec: string, ports: string[]): boolean {
  const [port = '', proto = 'tcp'] = spec.split('/');
  return ports.some((p) => p === `${port}/${proto}`);
}

function matchOne(r: ContainerRecord, key: string, value: string): boolean {
  switch (key) {
    case 'id':
      return r.Id.startsWith(value);
    case 'name':
      return new RegExp(value.replace(/^\^\//, '^')).test(r.Name) || new RegExp(value).test(`/${r.Name}`);
    case 'status':
      return r.State.Status === value;
    case 'exited':
      return r.State.Status === 'exited' && String(r.State.ExitCode) === value;
    case 'label': {
      const eq = value.indexOf('=');
      return eq === -1 ? value in r.Config.Labels : r.Config.Labels[value.slice(0, eq)] === value.slice(eq + 1);
    }
    case 'ancestor':
      return r.Config.Image === value || r.ImageId === value || r.ImageId.slice(7).startsWith(value);
    case 'network':
      return r.HostConfig.NetworkMode === value || Object.keys(r.NetworkSettings?.Networks ?? {}).includes(value);
    case 'volume':
      return (r.Mounts ?? []).some((m) => m.Name === value || m.Destination === value || m.Source === value);
    case 'health':
      return healthOf(r) === value;
    case 'publish':
      return portMatches(value, Object.entries(r.HostConfig.PortBindings ?? {}).flatMap(([k, list]) => [k, ...list.map((b) => `${b.HostPort}/${k.split('/')[1] ?? 'tcp'}`)]));
    case 'expose':
      return portMatches(value, Object.keys(r.Config.ExposedPorts ?? {}));
    default:
      return false;
  }
}

/**
 * `all` is every record, so that before/since can name a container: they keep the ones created
 * before or after it.
 */
export function matchContainer(r: ContainerRecord, filters: Array<[string, string]>, all: readonly ContainerRecord[] = []): boolean {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of filters) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  // docker: the values of one key OR, except labels, which must all match (compose selects its
  // containers with several labels at once: project=X and oneoff=False).
  const one = (k: string, v: string) => {
    if (k !== 'before' && k !== 'since') return matchOne(r, k, v);
    const ref = all.find((c) => c.Id === v || c.Name === v.replace(/^\//, '') || c.Id.startsWith(v));
    if (!ref) throw new HullError('NOT_FOUND', `Cannot filter by "${k}=${v}": no such container`);
    return k === 'before' ? r.Created < ref.Created : r.Created > ref.Created;
  };
  return [...byKey].every(([k, values]) => (k === 'label' ? values.every((v) => one(k, v)) : values.some((v) => one(k, v))));
}
