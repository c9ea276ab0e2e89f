/**
 * One service of one file, after interpolation, turned into the long forms of `model.ts`:
 * lists of KEY=VALUE become mappings, short ports/volumes/depends_on/secrets their long form,
 * relative paths absolute against the file's own directory (so a service extended from
 * another file keeps its paths). Done per file, before merging, so that the merge rules
 * (merge.md: unique keys such as a volume's target) compare like with like.
 * `!reset` and `!override` markers pass through for the merge.
 */
import { isAbsolute, resolve } from 'node:path';
import { parsePortLong, parsePortShort, parseVolumeLong, parseVolumeShort } from './syntax.js';
import { ValueError, splitShellWords, toBool, toBytes, toDuration, toInt, toStr } from './units.js';
import { OverrideTag, ResetTag } from './yaml-source.js';

export interface NormalizeContext {
  /** Directory relative paths resolve against: the file's own, or the project directory. */
  dir: string;
  home: string | undefined;
}

type Raw = Record<string, unknown>;
type KeyFn = (v: unknown, ctx: NormalizeContext) => unknown;

/** Applies `fn` below a marker: `!override` values are normalised, `!reset` left for the merge. */
function marked(v: unknown, fn: (v: unknown) => unknown): unknown {
  if (v instanceof ResetTag) return v;
  if (v instanceof OverrideTag) return new OverrideTag(fn(v.value));
  return fn(v);
}

const fail = (msg: string): never => {
  throw new ValueError(msg);
};

const str: KeyFn = (v) => toStr(v);
const bool: KeyFn = (v) => toBool(v);
const int: KeyFn = (v) => toInt(v, 0);
const bytes: KeyFn = (v) => toBytes(v);
const duration: KeyFn = (v) => toDuration(v);
const list: KeyFn = (v) => (v === null ? [] : Array.isArray(v) ? v.map((x) => marked(x, toStr)) : [toStr(v)]);
const words: KeyFn = (v) => (v === null ? null : Array.isArray(v) ? v.map(toStr) : splitShellWords(toStr(v)));

/** `KEY=VALUE` lists and mappings alike become a mapping; `nullAs` is what a bare KEY means. */
function keyValues(v: unknown, nullAs: null | ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (v === null || v === undefined) return out;
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = toStr(item);
      const eq = s.indexOf('=');
      if (eq === 0) fail(`has an entry without a name: ${JSON.stringify(s)}`);
      if (eq === -1) out[s] = nullAs;
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  for (const [k, x] of Object.entries(v as Raw)) out[k] = x instanceof ResetTag ? x : x === null ? nullAs : toStr(x);
  return out;
}
const env: KeyFn = (v) => keyValues(v, null);
const labels: KeyFn = (v) => keyValues(v, '');

const path = (p: string, ctx: NormalizeContext) => (isAbsolute(p) ? p : resolve(ctx.dir, p));

function envFiles(v: unknown, ctx: NormalizeContext): unknown {
  const items = v === null ? [] : Array.isArray(v) ? v : [v];
  return items.map((item) => {
    if (item !== null && typeof item === 'object') {
      const o = item as Raw;
      if (o.path === undefined) fail('has an entry without a "path"');
      return { path: path(toStr(o.path), ctx), required: o.required === undefined ? true : toBool(o.required) };
    }
    return { path: path(toStr(item), ctx), required: true };
  });
}

function ports(v: unknown): unknown {
  if (v === null) return [];
  return (v as unknown[]).flatMap((p) => (p !== null && typeof p === 'object' ? [parsePortLong(p as Raw)] : parsePortShort(toStr(p))));
}

function volumes(v: unknown, ctx: NormalizeContext): unknown {
  if (v === null) return [];
  return (v as unknown[]).map((m) => (m !== null && typeof m === 'object' ? parseVolumeLong(m as Raw, ctx.dir, ctx.home) : parseVolumeShort(toStr(m), ctx.dir, ctx.home)));
}

function networks(v: unknown): unknown {
  const out: Record<string, unknown> = {};
  if (v === null) return out;
  if (Array.isArray(v)) {
    for (const n of v) out[toStr(n)] = null;
    return out;
  }
  for (const [name, c] of Object.entries(v as Raw)) {
    if (c === null || c === undefined || typeof c !== 'object') {
      out[name] = null;
      continue;
    }
    const o = c as Raw;
    const n: Raw = {};
    if (o.aliases !== undefined) n.aliases = list(o.aliases, { dir: '', home: undefined });
    if (o.ipv4_address !== undefined) n.ipv4_address = toStr(o.ipv4_address);
    if (o.ipv6_address !== undefined) n.ipv6_address = toStr(o.ipv6_address);
    if (o.priority !== undefined) n.priority = toInt(o.priority);
    for (const k of Object.keys(o)) if (!(k in n) && !k.startsWith('x-')) n[k] = o[k];
    out[name] = n;
  }
  return out;
}

const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];

function dependsOn(v: unknown): unknown {
  const out: Record<string, unknown> = {};
  if (v === null) return out;
  if (Array.isArray(v)) {
    for (const s of v) out[toStr(s)] = { condition: 'service_started', required: true, restart: false };
    return out;
  }
  for (const [name, c] of Object.entries(v as Raw)) {
    const o = (c ?? {}) as Raw;
    const condition = o.condition === undefined ? 'service_started' : toStr(o.condition);
    if (!CONDITIONS.includes(condition)) fail(`has an unknown condition ${JSON.stringify(condition)} for ${JSON.stringify(name)} (${CONDITIONS.join(', ')})`);
    out[name] = { condition, required: o.required === undefined ? true : toBool(o.required), restart: o.restart === undefined ? false : toBool(o.restart) };
  }
  return out;
}

function healthcheck(v: unknown): unknown {
  const o = (v ?? {}) as Raw;
  const out: Raw = {};
  for (const [k, x] of Object.entries(o)) {
    if (k.startsWith('x-')) continue;
    if (x instanceof ResetTag || x instanceof OverrideTag) out[k] = x;
    else if (k === 'test') out.test = typeof x === 'string' ? (x === '' ? [] : ['CMD-SHELL', x]) : (x as unknown[]).map(toStr);
    else if (k === 'retries') out.retries = toInt(x, 0);
    else if (k === 'disable') out.disable = toBool(x);
    else out[k] = toDuration(x);
  }
  const test = out.test as string[] | undefined;
  if (test && test.length > 0 && !['NONE', 'CMD', 'CMD-SHELL'].includes(test[0] as string)) fail('test must start with "CMD", "CMD-SHELL" or "NONE" when given as a list');
  return out;
}

function build(v: unknown, ctx: NormalizeContext): unknown {
  const isRemote = (c: string) => /^[a-z]+:\/\//.test(c) || c.startsWith('git@');
  const context = (c: string) => (isRemote(c) ? c : path(c, ctx));
  if (typeof v === 'string') return { context: context(v) };
  const o = (v ?? {}) as Raw;
  const out: Raw = { context: context(o.context === undefined ? '.' : toStr(o.context)) };
  for (const [k, x] of Object.entries(o)) {
    if (k === 'context' || k.startsWith('x-')) continue;
    if (x instanceof ResetTag || x instanceof OverrideTag) out[k] = x;
    else if (k === 'args') out.args = env(x, ctx);
    else if (k === 'labels') out.labels = labels(x, ctx);
    else if (k === 'no_cache' || k === 'pull' || k === 'privileged') out[k] = toBool(x);
    else if (k === 'dockerfile' || k === 'dockerfile_inline' || k === 'target' || k === 'network') out[k] = toStr(x);
    else if (k === 'shm_size') out[k] = toBytes(x);
    else out[k] = x;
  }
  return out;
}

function deploy(v: unknown): unknown {
  const o = (v ?? {}) as Raw;
  const out: Raw = {};
  for (const [k, x] of Object.entries(o)) {
    if (k === 'replicas') out.replicas = toInt(x, 0);
    else if (k === 'resources' && x && typeof x === 'object') {
      const r: Raw = {};
      for (const [kind, lim] of Object.entries(x as Raw)) {
        if (!lim || typeof lim !== 'object') continue;
        const l: Raw = {};
        for (const [name, val] of Object.entries(lim as Raw)) {
          if (name === 'cpus') l.cpus = String(Number(toStr(val)));
          else if (name === 'memory') l.memory = toBytes(val);
          else if (name === 'pids') l.pids = toInt(val);
          else l[name] = val;
        }
        if (l.cpus === 'NaN') fail(`resources.${kind}.cpus must be a number`);
        r[kind] = l;
      }
      out.resources = r;
    } else if (k === 'labels') out.labels = labels(x, { dir: '', home: undefined });
    else out[k] = x;
  }
  return out;
}

function ulimits(v: unknown): unknown {
  const out: Raw = {};
  for (const [name, x] of Object.entries((v ?? {}) as Raw)) {
    if (x instanceof ResetTag) out[name] = x;
    else if (x !== null && typeof x === 'object') {
      const o = x as Raw;
      const soft = toInt(o.soft);
      const hard = toInt(o.hard);
      if (soft > hard) fail(`${name}: the soft limit ${soft} is above the hard limit ${hard}`);
      out[name] = { soft, hard };
    } else {
      const n = toInt(x);
      out[name] = { soft: n, hard: n };
    }
  }
  return out;
}

function extraHosts(v: unknown): unknown {
  if (v === null) return [];
  if (Array.isArray(v)) {
    return v.map((h) => {
      const s = toStr(h);
      // Compose accepts HOST=IP and HOST:IP; an IPv6 address has colons, so "=" is tried first.
      const eq = s.indexOf('=');
      const at = eq !== -1 ? eq : s.indexOf(':');
      if (at <= 0) fail(`has ${JSON.stringify(s)}, not HOST:IP`);
      return `${s.slice(0, at)}:${s.slice(at + 1)}`;
    });
  }
  return Object.entries(v as Raw).flatMap(([host, ip]) => (Array.isArray(ip) ? ip : [ip]).map((i) => `${host}:${toStr(i)}`));
}

function fileRefs(v: unknown): unknown {
  if (v === null) return [];
  return (v as unknown[]).map((r) => {
    if (r === null || typeof r !== 'object') return { source: toStr(r) };
    const o = r as Raw;
    if (o.source === undefined) fail('has an entry without a "source"');
    const out: Raw = { source: toStr(o.source) };
    if (o.target !== undefined) out.target = toStr(o.target);
    if (o.uid !== undefined) out.uid = toStr(o.uid);
    if (o.gid !== undefined) out.gid = toStr(o.gid);
    if (o.mode !== undefined) out.mode = toInt(o.mode, 0);
    return out;
  });
}

function extendsRef(v: unknown, ctx: NormalizeContext): unknown {
  if (typeof v === 'string') return { service: v };
  const o = v as Raw;
  if (o.service === undefined) fail('needs a "service"');
  return o.file === undefined ? { service: toStr(o.service) } : { service: toStr(o.service), file: path(toStr(o.file), ctx) };
}

const KEYS: Record<string, KeyFn> = {
  image: str, build, command: words, entrypoint: words, environment: env, env_file: envFiles, ports, expose: list, volumes, tmpfs: list,
  networks, network_mode: str, depends_on: dependsOn, healthcheck, restart: str, deploy, scale: int, user: str, working_dir: str, hostname: str,
  domainname: str, init: bool, read_only: bool, cap_add: list, cap_drop: list, security_opt: list, privileged: bool, ulimits, sysctls: labels,
  extra_hosts: extraHosts, dns: list, dns_search: list, dns_opt: list, labels, annotations: labels, stop_signal: str, stop_grace_period: duration,
  tty: bool, stdin_open: bool, shm_size: bytes, secrets: fileRefs, configs: fileRefs, container_name: str, pull_policy: str, profiles: list,
  mem_limit: bytes, mem_reservation: bytes, memswap_limit: bytes, cpus: (v) => String(Number(toStr(v))), pids_limit: (v) => toInt(v), platform: str,
  extends: extendsRef, ipc: str, pid: str, group_add: list, links: list, external_links: list, oom_score_adj: (v) => toInt(v), runtime: str,
  cgroup_parent: str, cpuset: str, userns_mode: str, uts: str, mac_address: str, volumes_from: list, devices: (v) => v, logging: (v) => v,
};

/** Normalises one service; `onError(key, message)` must throw with the key's location. */
export function normalizeService(raw: Raw, ctx: NormalizeContext, onError: (key: string, message: string) => never): Raw {
  const out: Raw = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('x-')) continue;
    const fn = KEYS[key];
    try {
      out[key] = fn ? marked(value, (v) => fn(v, ctx)) : value;
    } catch (err) {
      if (err instanceof ValueError) onError(key, err.message);
      throw err;
    }
  }
  return out;
}
