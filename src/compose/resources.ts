/**
 * The top-level `networks`, `volumes`, `secrets` and `configs` of one file, normalised like
 * services are (normalize-service.ts): long forms, absolute file paths, markers kept.
 */
import { isAbsolute, resolve } from 'node:path';
import { ValueError, toBool, toStr } from './units.js';
import { OverrideTag, ResetTag } from './yaml-source.js';

type Raw = Record<string, unknown>;

function kv(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = toStr(item);
      const eq = s.indexOf('=');
      out[eq === -1 ? s : s.slice(0, eq)] = eq === -1 ? '' : s.slice(eq + 1);
    }
  } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out[k] = x === null ? '' : toStr(x);
  return out;
}

/** `external: true`, or the legacy `external: {name: N}`. */
function external(o: Raw, out: Raw): void {
  if (o.external === undefined) return;
  if (o.external !== null && typeof o.external === 'object') {
    out.external = true;
    const n = (o.external as Raw).name;
    if (n !== undefined) out.name = toStr(n);
  } else out.external = toBool(o.external);
}

function network(o: Raw): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-') || k === 'external') continue;
    if (v instanceof ResetTag || v instanceof OverrideTag) out[k] = v;
    else if (k === 'labels' || k === 'driver_opts') out[k] = kv(v);
    else if (k === 'internal' || k === 'attachable' || k === 'enable_ipv6' || k === 'enable_ipv4') out[k] = toBool(v);
    else if (k === 'name' || k === 'driver') out[k] = toStr(v);
    else if (k === 'ipam') {
      const ipam = (v ?? {}) as Raw;
      const i: Raw = {};
      if (ipam.driver !== undefined) i.driver = toStr(ipam.driver);
      if (ipam.config !== undefined) i.config = ((ipam.config ?? []) as Raw[]).map((c) => Object.fromEntries(Object.entries(c).filter(([ck]) => !ck.startsWith('x-')).map(([ck, cv]) => [ck, ck === 'aux_addresses' ? kv(cv) : toStr(cv)])));
      if (ipam.options !== undefined) i.options = kv(ipam.options);
      out.ipam = i;
    } else out[k] = v;
  }
  external(o, out);
  return out;
}

function volume(o: Raw): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-') || k === 'external') continue;
    if (v instanceof ResetTag || v instanceof OverrideTag) out[k] = v;
    else if (k === 'labels' || k === 'driver_opts') out[k] = kv(v);
    else if (k === 'name' || k === 'driver') out[k] = toStr(v);
    else out[k] = v;
  }
  external(o, out);
  return out;
}

function fileObject(o: Raw, dir: string): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-') || k === 'external') continue;
    if (v instanceof ResetTag || v instanceof OverrideTag) out[k] = v;
    else if (k === 'file') out.file = isAbsolute(toStr(v)) ? toStr(v) : resolve(dir, toStr(v));
    else if (k === 'labels') out.labels = kv(v);
    else out[k] = typeof v === 'object' ? v : toStr(v);
  }
  external(o, out);
  return out;
}

export type ResourceKind = 'networks' | 'volumes' | 'secrets' | 'configs';
export const RESOURCE_KINDS: ResourceKind[] = ['networks', 'volumes', 'secrets', 'configs'];

/** Normalises one kind of top-level resource; `onError(name, message)` must throw with the location. */
export function normalizeResources(kind: ResourceKind, v: unknown, dir: string, onError: (name: string, message: string) => never): Raw {
  const out: Raw = {};
  for (const [name, def] of Object.entries((v ?? {}) as Raw)) {
    if (name.startsWith('x-')) continue;
    if (def instanceof ResetTag || def instanceof OverrideTag) {
      out[name] = def;
      continue;
    }
    const o = (def ?? {}) as Raw;
    try {
      out[name] = kind === 'networks' ? network(o) : kind === 'volumes' ? volume(o) : fileObject(o, dir);
    } catch (err) {
      if (err instanceof ValueError) onError(name, err.message);
      throw err;
    }
  }
  return out;
}
