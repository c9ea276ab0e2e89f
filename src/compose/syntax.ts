/**
 * The short syntaxes of `ports` and `volumes` (compose-spec services.md#ports, #volumes),
 * turned into their long forms.
 */
import { isAbsolute, resolve } from 'node:path';
import type { PortConfig, VolumeMount } from './model.js';
import { ValueError, toBool, toBytes, toInt, toStr } from './units.js';

const fail = (msg: string): never => {
  throw new ValueError(msg);
};

function portRange(text: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return fail(`has an invalid ${what} port ${JSON.stringify(text)}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 0 || hi > 65535 || hi < lo) return fail(`has an invalid ${what} port range ${JSON.stringify(text)}`);
  return [lo, hi];
}

const PROTOCOLS = ['tcp', 'udp', 'sctp'];

/** `[[HOST_IP:]HOST[-RANGE]:]CONTAINER[-RANGE][/PROTOCOL]`; a range becomes one entry a port. */
export function parsePortShort(spec: string): PortConfig[] {
  let rest = spec.trim();
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    protocol = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
    if (!PROTOCOLS.includes(protocol)) fail(`has an unknown protocol ${JSON.stringify(protocol)} (tcp, udp or sctp)`);
  }
  let hostIp: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1 || rest[close + 1] !== ':') fail(`has an invalid IPv6 address in ${JSON.stringify(spec)}`);
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (parts.length > 3 || (hostIp !== undefined && parts.length > 2)) fail(`is not a port mapping: ${JSON.stringify(spec)}`);
  if (parts.length === 3) hostIp = parts.shift();
  const container = parts.pop() as string;
  const host = parts.pop();
  const [clo, chi] = portRange(container, 'container');
  const common = { mode: 'ingress' as const, ...(hostIp ? { host_ip: hostIp } : {}), protocol: protocol as PortConfig['protocol'] };
  if (host === undefined || host === '') {
    return Array.from({ length: chi - clo + 1 }, (_, i) => ({ ...common, target: clo + i }));
  }
  const [hlo, hhi] = portRange(host, 'published');
  if (clo === chi) return [{ ...common, target: clo, published: hlo === hhi ? String(hlo) : `${hlo}-${hhi}` }];
  if (hhi - hlo !== chi - clo) fail(`maps ${hhi - hlo + 1} published ports onto ${chi - clo + 1} container ports in ${JSON.stringify(spec)}`);
  return Array.from({ length: chi - clo + 1 }, (_, i) => ({ ...common, target: clo + i, published: String(hlo + i) }));
}

export function parsePortLong(v: Record<string, unknown>): PortConfig {
  if (v.target === undefined) fail('needs a "target" port');
  const target = toInt(v.target, 1);
  if (target > 65535) fail(`has an invalid target port ${target}`);
  const protocol = v.protocol === undefined ? 'tcp' : toStr(v.protocol).toLowerCase();
  if (!PROTOCOLS.includes(protocol)) fail(`has an unknown protocol ${JSON.stringify(protocol)} (tcp, udp or sctp)`);
  const mode = v.mode === undefined ? 'ingress' : toStr(v.mode);
  if (mode !== 'ingress' && mode !== 'host') fail(`has an unknown mode ${JSON.stringify(mode)} (ingress or host)`);
  const out: PortConfig = { mode: mode as PortConfig['mode'], target, protocol: protocol as PortConfig['protocol'] };
  if (v.host_ip !== undefined && v.host_ip !== null) out.host_ip = toStr(v.host_ip);
  if (v.published !== undefined && v.published !== null && v.published !== '') {
    const p = toStr(v.published);
    portRange(p, 'published');
    out.published = p;
  }
  if (v.app_protocol !== undefined) out.app_protocol = toStr(v.app_protocol);
  if (v.name !== undefined) out.name = toStr(v.name);
  return out;
}

/** Port entries with one of these equal are the same entry when files are merged (merge.md). */
export const portKey = (p: PortConfig): string => `${p.host_ip ?? ''}|${p.published ?? ''}|${p.target}|${p.protocol}`;

const PROPAGATION = ['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate'];
const CONSISTENCY = ['consistent', 'cached', 'delegated'];

function hostPath(src: string, dir: string, home: string | undefined): string {
  if (src === '~' || src.startsWith('~/')) {
    if (!home) fail(`uses "~" but HOME is not set`);
    return resolve(home as string, src.slice(2));
  }
  return isAbsolute(src) ? src : resolve(dir, src);
}

const isPathLike = (s: string) => s.startsWith('/') || s.startsWith('.') || s.startsWith('~');

/** `[SOURCE:]TARGET[:MODE,...]`: a path-like source is a bind mount, any other a named volume. */
export function parseVolumeShort(spec: string, dir: string, home: string | undefined): VolumeMount {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) fail(`is not a volume: ${JSON.stringify(spec)} (SOURCE:TARGET[:MODE])`);
  if (parts.length === 1) {
    const target = parts[0] as string;
    if (!target.startsWith('/')) fail(`needs an absolute container path, not ${JSON.stringify(target)}`);
    return { type: 'volume', target };
  }
  const [src, target, modeText] = parts as [string, string, string | undefined];
  if (!target.startsWith('/')) fail(`needs an absolute container path, not ${JSON.stringify(target)}`);
  const bind = isPathLike(src);
  const out: VolumeMount = bind ? { type: 'bind', source: hostPath(src, dir, home), target, bind: { create_host_path: true } } : { type: 'volume', source: src, target, volume: {} };
  for (const mode of modeText ? modeText.split(',') : []) {
    if (mode === 'ro') out.read_only = true;
    else if (mode === 'rw') out.read_only = false;
    else if (mode === 'z' || mode === 'Z') {
      if (!out.bind) fail(`sets ${mode} on a named volume`);
      (out.bind as NonNullable<VolumeMount['bind']>).selinux = mode;
    } else if (mode === 'nocopy') {
      if (!out.volume) fail('sets nocopy on a bind mount');
      (out.volume as NonNullable<VolumeMount['volume']>).nocopy = true;
    } else if (PROPAGATION.includes(mode)) {
      if (!out.bind) fail(`sets ${mode} on a named volume`);
      (out.bind as NonNullable<VolumeMount['bind']>).propagation = mode;
    } else if (CONSISTENCY.includes(mode)) out.consistency = mode;
    else fail(`has an unknown mode ${JSON.stringify(mode)} in ${JSON.stringify(spec)}`);
  }
  if (out.volume && Object.keys(out.volume).length === 0) delete out.volume;
  return out;
}

export function parseVolumeLong(v: Record<string, unknown>, dir: string, home: string | undefined): VolumeMount {
  const type = v.type === undefined ? 'volume' : toStr(v.type);
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') fail(`has type ${JSON.stringify(type)}; hull supports bind, volume and tmpfs`);
  if (v.target === undefined) fail('needs a "target"');
  const target = toStr(v.target);
  if (!target.startsWith('/')) fail(`needs an absolute container path, not ${JSON.stringify(target)}`);
  const out: VolumeMount = { type: type as VolumeMount['type'], target };
  const source = v.source === undefined || v.source === null || v.source === '' ? undefined : toStr(v.source);
  if (type === 'bind') {
    if (source === undefined) fail('is a bind mount without a "source"');
    out.source = hostPath(source as string, dir, home);
  } else if (type === 'volume' && source !== undefined) out.source = source;
  else if (type === 'tmpfs' && source !== undefined) fail('is a tmpfs mount with a "source"');
  if (v.read_only !== undefined) out.read_only = toBool(v.read_only);
  if (v.consistency !== undefined) out.consistency = toStr(v.consistency);
  const b = v.bind as Record<string, unknown> | undefined | null;
  if (b) {
    if (type !== 'bind') fail('has "bind" options on a mount that is not a bind mount');
    out.bind = {};
    if (b.propagation !== undefined) {
      const p = toStr(b.propagation);
      if (!PROPAGATION.includes(p)) fail(`has an unknown propagation ${JSON.stringify(p)}`);
      out.bind.propagation = p;
    }
    if (b.create_host_path !== undefined) out.bind.create_host_path = toBool(b.create_host_path);
    if (b.selinux !== undefined) {
      const s = toStr(b.selinux);
      if (s !== 'z' && s !== 'Z') fail(`has selinux ${JSON.stringify(s)} (z or Z)`);
      out.bind.selinux = s as 'z' | 'Z';
    }
  }
  const vol = v.volume as Record<string, unknown> | undefined | null;
  if (vol) {
    if (type !== 'volume') fail('has "volume" options on a mount that is not a volume');
    out.volume = {};
    if (vol.nocopy !== undefined) out.volume.nocopy = toBool(vol.nocopy);
    if (vol.subpath !== undefined) out.volume.subpath = toStr(vol.subpath);
  }
  const t = v.tmpfs as Record<string, unknown> | undefined | null;
  if (t) {
    if (type !== 'tmpfs') fail('has "tmpfs" options on a mount that is not a tmpfs');
    out.tmpfs = {};
    if (t.size !== undefined) out.tmpfs.size = toBytes(t.size);
    if (t.mode !== undefined) out.tmpfs.mode = toInt(t.mode, 0);
  }
  return out;
}
