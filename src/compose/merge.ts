/**
 * Merging compose files (compose-spec merge.md): mappings merge key by key, a later scalar
 * wins, sequences append — except `command`, `entrypoint` and `healthcheck.test`, which a
 * later file replaces, and the "unique resources" (ports by ip/target/published/protocol,
 * volumes, secrets and configs by target) where a later entry replaces the earlier one with the
 * same key. `!reset` removes what earlier files set; `!override` replaces it whole.
 * Both sides are in the long forms of normalize-service.ts, so keys compare directly.
 */
import type { PortConfig } from './model.js';
import { portKey } from './syntax.js';
import { OverrideTag, ResetTag } from './yaml-source.js';

type Raw = Record<string, unknown>;
const isMapping = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof ResetTag) && !(v instanceof OverrideTag);

const REPLACED = new Set(['command', 'entrypoint']);

/** The unique key of a sequence entry at `path` (its last element names the sequence). */
function uniqueKey(seq: string, parent: Kind): ((v: unknown) => string) | undefined {
  if (parent !== 'service') return undefined;
  switch (seq) {
    case 'ports':
      return (v) => portKey(v as PortConfig);
    case 'volumes':
      return (v) => (v as { target: string }).target;
    case 'secrets':
      return (v) => (v as { target?: string; source: string }).target ?? `/run/secrets/${(v as { source: string }).source}`;
    case 'configs':
      return (v) => (v as { target?: string; source: string }).target ?? `/${(v as { source: string }).source}`;
    case 'env_file':
      return (v) => (v as { path: string }).path;
    default:
      return undefined;
  }
}

function mergeSequences(a: unknown[], b: unknown[], key: ((v: unknown) => string) | undefined): unknown[] {
  const identity = key ?? ((v: unknown) => JSON.stringify(v));
  const out: unknown[] = [];
  const at = new Map<string, number>();
  for (const v of [...a, ...b]) {
    const k = identity(v);
    const i = at.get(k);
    if (i === undefined) {
      at.set(k, out.length);
      out.push(v);
    } else out[i] = v;
  }
  return out;
}

type Kind = 'root' | 'top' | 'services' | 'service' | 'healthcheck' | 'other';

/** What the mapping found at `key` inside a mapping of kind `parent` is. */
function kindOf(parent: Kind, key: string): Kind {
  if (parent === 'root') return 'top';
  if (parent === 'top' && key === 'services') return 'services';
  if (parent === 'services') return 'service';
  if (parent === 'service' && key === 'healthcheck') return 'healthcheck';
  return 'other';
}

/**
 * Merges `over` onto `base`, the values of `key` in a mapping of kind `parent` (only a
 * service's own sequences have unique keys). Returns undefined when `!reset` removes the key.
 */
export function mergeValues(base: unknown, over: unknown, key = '', parent: Kind = 'root'): unknown {
  if (over instanceof ResetTag) return undefined;
  if (over instanceof OverrideTag) return stripMarkers(over.value);
  if ((parent === 'service' && REPLACED.has(key)) || (parent === 'healthcheck' && key === 'test')) return stripMarkers(over);
  if (Array.isArray(base) && Array.isArray(over)) return mergeSequences(base, stripMarkers(over) as unknown[], uniqueKey(key, parent));
  if (isMapping(base) && isMapping(over)) {
    const self = kindOf(parent, key);
    const out: Raw = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const merged = k in out ? mergeValues(out[k], v, k, self) : stripMarkers(v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return stripMarkers(over);
}

/** A file's own markers mean nothing without an earlier file: `!reset` drops, `!override` unwraps. */
export function stripMarkers(v: unknown): unknown {
  if (v instanceof ResetTag) return undefined;
  if (v instanceof OverrideTag) return stripMarkers(v.value);
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof ResetTag)).map(stripMarkers);
  if (isMapping(v)) {
    const out: Raw = {};
    for (const [k, x] of Object.entries(v)) {
      const s = stripMarkers(x);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return v;
}

/** Merges whole files: `mergeFiles([a, b, c])` is c over b over a. */
export function mergeFiles(files: readonly Raw[]): Raw {
  let out: Raw = {};
  for (const f of files) out = mergeValues(out, f) as Raw;
  return out;
}
