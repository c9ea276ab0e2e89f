/**
 * Published ports: `-p [hostIP:][hostPort:]containerPort[/proto]` with ranges, `-P` from the image's
 * EXPOSE, docker's PortBindings shape for the record, and the lines `hull port` prints. Pure.
 * A host port of 0 means "choose a free one when the container starts".
 */
import { HullError } from '../errors.js';
import { parseIp } from './subnet.js';

export type Protocol = 'tcp' | 'udp';

export interface PortBinding {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

/** docker's HostConfig.PortBindings: {"80/tcp": [{HostIp: "", HostPort: "8080"}]}. */
export type DockerPortBindings = Record<string, Array<{ HostIp: string; HostPort: string }>>;

function bad(flag: string, why: string): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot publish "${flag}": ${why}`, { hint: 'use -p [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], e.g. -p 8080:80 or -p 127.0.0.1:8000-8001:80-81' });
}

function parseRange(text: string, flag: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw bad(flag, `"${text}" is not a port or a range`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || hi < lo) throw bad(flag, `"${text}" is outside 1-65535 or reversed`);
  return [lo, hi];
}

export function parsePublishFlag(flag: string): PortBinding[] {
  const slash = flag.lastIndexOf('/');
  const proto = slash === -1 ? 'tcp' : flag.slice(slash + 1);
  if (proto !== 'tcp' && proto !== 'udp') throw bad(flag, `protocol "${proto}" is not tcp or udp`);
  const parts = (slash === -1 ? flag : flag.slice(0, slash)).split(':');
  if (parts.length > 3) throw bad(flag, 'IPv6 host addresses are not supported');
  const [containerText, hostPortText = '', hostIp = ''] = [...parts].reverse() as [string, string?, string?];
  if (hostIp !== '' && parseIp(hostIp) === undefined) throw bad(flag, `"${hostIp}" is not an IPv4 address`);
  const [cLo, cHi] = parseRange(containerText, flag);
  const count = cHi - cLo + 1;
  let hostPorts: number[];
  if (hostPortText === '') hostPorts = Array.from({ length: count }, () => 0);
  else {
    const [hLo, hHi] = parseRange(hostPortText, flag);
    if (hHi - hLo + 1 !== count) throw bad(flag, 'the host and container ranges differ in length');
    hostPorts = Array.from({ length: count }, (_, i) => hLo + i);
  }
  return hostPorts.map((hostPort, i) => ({ hostIp, hostPort, containerPort: cLo + i, protocol: proto }));
}

/** -P: every port the image EXPOSEs ("80/tcp", "53/udp", "8080"), on a random host port. */
export function bindingsFromExposed(exposed: Record<string, unknown> | undefined): PortBinding[] {
  return Object.keys(exposed ?? {}).flatMap((key) => {
    const [port, proto = 'tcp'] = key.split('/');
    if (proto !== 'tcp' && proto !== 'udp') return [];
    const [lo, hi] = parseRange(port ?? '', key);
    return Array.from({ length: hi - lo + 1 }, (_, i) => ({ hostIp: '', hostPort: 0, containerPort: lo + i, protocol: proto as Protocol }));
  });
}

/** Refuses one host port published twice on overlapping addresses ("" means every address). */
export function checkBindings(bindings: PortBinding[]): void {
  const fixed = bindings.filter((b) => b.hostPort !== 0);
  fixed.forEach((a, i) => {
    const b = fixed.slice(i + 1).find((o) => o.hostPort === a.hostPort && o.protocol === a.protocol && (o.hostIp === '' || a.hostIp === '' || o.hostIp === a.hostIp));
    if (b) throw new HullError('CONFLICT', `Cannot publish host port ${a.hostPort}/${a.protocol} twice`, { hint: `container ports ${a.containerPort} and ${b.containerPort} both ask for it` });
  });
}

export function toDockerBindings(bindings: PortBinding[]): DockerPortBindings {
  const out: DockerPortBindings = {};
  for (const b of bindings) (out[`${b.containerPort}/${b.protocol}`] ??= []).push({ HostIp: b.hostIp, HostPort: b.hostPort === 0 ? '' : String(b.hostPort) });
  return out;
}

export function fromDockerBindings(d: DockerPortBindings | undefined): PortBinding[] {
  return Object.entries(d ?? {}).flatMap(([key, list]) => {
    const [port, proto = 'tcp'] = key.split('/');
    return list.map((h) => ({ hostIp: h.HostIp, hostPort: h.HostPort === '' ? 0 : Number(h.HostPort), containerPort: Number(port), protocol: proto as Protocol }));
  });
}

/** `hull port` lines: "80/tcp -> 0.0.0.0:8080", optionally only for one "PORT[/PROTO]". */
export function formatPortLines(bindings: PortBinding[], only?: string): string[] {
  const [p, proto] = only === undefined ? [] : only.split('/');
  return bindings
    .filter((b) => only === undefined || (b.containerPort === Number(p) && (proto === undefined || b.protocol === proto)))
    .map((b) => (only === undefined ? `${b.containerPort}/${b.protocol} -> ` : '') + `${b.hostIp || '0.0.0.0'}:${b.hostPort}`);
}
