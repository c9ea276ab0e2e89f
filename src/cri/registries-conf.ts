/**
 * registries.conf, as CRI-O and podman read it (containers-registries.conf(5), version 2), for the
 * one thing a node in a closed network needs: pull `registry.k8s.io/...` from a local mirror.
 *
 *   [[registry]]
 *   prefix = "registry.k8s.io"          # what references it applies to (default: location)
 *   location = "registry.k8s.io"        # where the prefix is rewritten to
 *   insecure = false                    # plain HTTP / unverified TLS allowed
 *   blocked = false                     # refuse pulls of it
 *   mirror-by-digest-only = false       # mirrors only for @sha256 references
 *   [[registry.mirror]]
 *   location = "mirror.local:5000/k8s"  # tried first, in order
 *   insecure = true
 *   pull-from-mirror = "all"            # all | digest-only | tag-only
 *
 * The longest matching prefix wins; `*.example.com` prefixes match any subdomain. Parsed with
 * smol-toml (a small, maintained TOML 1.0 parser) rather than by hand: the file is the user's.
 * `planPullSources` is pure: it returns the references to try, in order.
 */
import { parse as parseToml } from 'smol-toml';
import { HullError, errorMessage, showUntrusted } from '../errors.js';

export interface Mirror {
  location: string;
  insecure: boolean;
  pullFromMirror: 'all' | 'digest-only' | 'tag-only';
}

export interface RegistryEntry {
  prefix: string;
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Mirror[];
}

export interface RegistriesConf {
  registries: RegistryEntry[];
}

/** One place to pull from: the full reference there, and whether that host is insecure. */
export interface PullSource {
  reference: string;
  /** host[:port] of `reference`. */
  host: string;
  insecure: boolean;
  /** True for a mirror, false for the registry itself. */
  mirror: boolean;
}

function bad(file: string, why: string): HullError {
  return new HullError('INVALID_FORMAT', `Cannot read registries configuration "${showUntrusted(file)}": ${why}`, {
    hint: 'see containers-registries.conf(5): [[registry]] tables with prefix, location, insecure and [[registry.mirror]]',
  });
}

const str = (v: unknown, file: string, key: string): string => {
  if (typeof v !== 'string' || v === '') throw bad(file, `${key} must be a non-empty string`);
  return v.replace(/\/+$/, '');
};
const flag = (v: unknown, file: string, key: string): boolean => {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw bad(file, `${key} must be true or false`);
  return v;
};

/** Parses the text of a registries.conf (version 2 tables; v1 keys are ignored). Throws INVALID_FORMAT. */
export function parseRegistriesConf(text: string, file = 'registries.conf'): RegistriesConf {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw bad(file, showUntrusted(errorMessage(err).split('\n')[0] ?? ''));
  }
  const tables = doc.registry ?? [];
  if (!Array.isArray(tables)) throw bad(file, 'registry must be an array of tables ([[registry]])');
  const registries = tables.map((t: Record<string, unknown>, i): RegistryEntry => {
    const where = `registry #${i + 1}`;
    if (t.location === undefined && t.prefix === undefined) throw bad(file, `${where} has neither prefix nor location`);
    const prefix = str(t.prefix ?? t.location, file, `${where}: prefix`);
    const location = t.location === undefined ? prefix : str(t.location, file, `${where}: location`);
    if (prefix.startsWith('*.') && t.location !== undefined && t.location !== '') throw bad(file, `${where}: a wildcard prefix "${showUntrusted(prefix)}" cannot have a location`);
    const mirrorsIn = t.mirror ?? [];
    if (!Array.isArray(mirrorsIn)) throw bad(file, `${where}: mirror must be an array of tables ([[registry.mirror]])`);
    const mirrors = mirrorsIn.map((m: Record<string, unknown>, j): Mirror => {
      const pull = m['pull-from-mirror'] ?? 'all';
      if (pull !== 'all' && pull !== 'digest-only' && pull !== 'tag-only') throw bad(file, `${where}, mirror #${j + 1}: pull-from-mirror must be all, digest-only or tag-only`);
      return { location: str(m.location, file, `${where}, mirror #${j + 1}: location`), insecure: flag(m.insecure, file, 'insecure'), pullFromMirror: pull };
    });
    return { prefix, location, insecure: flag(t.insecure, file, 'insecure'), blocked: flag(t.blocked, file, 'blocked'), mirrorByDigestOnly: flag(t['mirror-by-digest-only'], file, 'mirror-by-digest-only'), mirrors };
  });
  return { registries };
}

function prefixMatches(prefix: string, name: string): boolean {
  if (prefix.startsWith('*.')) {
    const host = name.split('/')[0] ?? '';
    return host.endsWith(prefix.slice(1));
  }
  return name === prefix || name.startsWith(`${prefix}/`);
}

/** The entry for a repository name (domain/path): the longest matching prefix. */
export function findRegistryEntry(conf: RegistriesConf, name: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  for (const r of conf.registries) if (prefixMatches(r.prefix, name) && (!best || r.prefix.length > best.prefix.length)) best = r;
  return best;
}

const hostOf = (reference: string): string => reference.split('/')[0] ?? reference;

/**
 * Where to pull `name` (a fully qualified repository, `registry.k8s.io/pause`) with `suffix`
 * (`:3.9` or `@sha256:...`) from: the mirrors that apply, then the (possibly rewritten) location.
 * A blocked registry throws DENIED.
 */
export function planPullSources(conf: RegistriesConf, name: string, suffix: string): PullSource[] {
  const entry = findRegistryEntry(conf, name);
  if (!entry) return [{ reference: name + suffix, host: hostOf(name), insecure: false, mirror: false }];
  if (entry.blocked) throw new HullError('DENIED', `Cannot pull "${showUntrusted(name + suffix)}": registry "${showUntrusted(entry.prefix)}" is blocked in registries.conf`);
  // A wildcard prefix keeps the name; otherwise the prefix part is replaced by each location.
  const rest = entry.prefix.startsWith('*.') ? name : name.slice(entry.prefix.length);
  const at = (location: string) => (entry.prefix.startsWith('*.') ? name : location + rest);
  const byDigest = suffix.startsWith('@');
  const out: PullSource[] = [];
  if (!entry.mirrorByDigestOnly || byDigest) {
    for (const m of entry.mirrors) {
      if ((m.pullFromMirror === 'digest-only' && !byDigest) || (m.pullFromMirror === 'tag-only' && byDigest)) continue;
      const reference = m.location + rest + suffix;
      out.push({ reference, host: hostOf(reference), insecure: m.insecure, mirror: true });
    }
  }
  const reference = at(entry.location) + suffix;
  out.push({ reference, host: hostOf(reference), insecure: entry.insecure, mirror: false });
  return out;
}
