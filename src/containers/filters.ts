/**
 * docker's `ps --filter` semantics, pure: values of the same key OR, different keys AND.
 * Supported keys: id, name (substring, as docker), status, exited, label (k or k=v), ancestor.
 */
import { HullError } from '../errors.js';
import type { ContainerRecord } from './record.js';

const KEYS = ['id', 'name', 'status', 'exited', 'label', 'ancestor'] as const;

export function parseFilters(flags: string[]): Array<[string, string]> {
  return flags.map((f) => {
    const eq = f.indexOf('=');
    const key = eq === -1 ? f : f.slice(0, eq);
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new HullError('INVALID_ARGUMENT', `Cannot filter by "${key}": unknown filter`, { hint: `use one of ${KEYS.join(', ')}` });
    }
    return [key, eq === -1 ? '' : f.slice(eq + 1)];
  });
}

function matchOne(r: ContainerRecord, key: string, value: string): boolean {
  switch (key) {
    case 'id':
      return r.Id.startsWith(value);
    case 'name':
      return r.Name.includes(value.replace(/^\//, ''));
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
    default:
      return false;
  }
}

export function matchContainer(r: ContainerRecord, filters: Array<[string, string]>): boolean {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of filters) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  // docker: the values of one key OR, except labels, which must all match (compose selects its
  // containers with several labels at once: project=X and oneoff=False).
  return [...byKey].every(([k, values]) => (k === 'label' ? values.every((v) => matchOne(r, k, v)) : values.some((v) => matchOne(r, k, v))));
}
