/**
 * The network flags of `run`/`create`, checked before anything is created. Pure.
 *   --network none|host|bridge|NAME|container:NAME_OR_ID   --network-alias  --ip  --dns  --add-host
 */
import { HullError } from '../errors.js';
import { parseIp } from './subnet.js';
import type { HostEntry } from './sandbox.js';

export type NetworkMode = { kind: 'none' } | { kind: 'host' } | { kind: 'container'; ref: string } | { kind: 'network'; name: string };

export function parseNetworkMode(value: string): NetworkMode {
  if (value === 'none' || value === 'host') return { kind: value };
  if (value.startsWith('container:')) {
    const ref = value.slice('container:'.length);
    if (ref === '') throw new HullError('INVALID_ARGUMENT', `Cannot use --network "${value}": name a container after "container:"`);
    return { kind: 'container', ref };
  }
  if (value === 'default' || value === '') return { kind: 'network', name: 'bridge' };
  return { kind: 'network', name: value };
}

export function checkIpFlag(ip: string, flag = '--ip'): string {
  if (parseIp(ip) === undefined) throw new HullError('INVALID_ARGUMENT', `Cannot use ${flag} "${ip}": expected an IPv4 address`);
  return ip;
}

/** --add-host NAME:IP (docker also accepts NAME=IP). */
export function parseAddHost(flag: string): HostEntry {
  const m = /^([^:=]+)[:=](.+)$/.exec(flag);
  if (!m || parseIp(m[2] as string) === undefined) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use --add-host "${flag}": expected NAME:IP`, { hint: 'e.g. --add-host db.local:10.0.0.5' });
  }
  return { names: [m[1] as string], ip: m[2] as string };
}

/** resolv.conf for a container: --dns servers replace the host's nameservers, search/options kept. */
export function resolvConfContent(hostText: string, dns: string[]): string {
  const lines = hostText.split('\n').filter((l) => l.trim() !== '');
  const kept = lines.filter((l) => !/^\s*nameserver\s/.test(l));
  const servers = dns.length > 0 ? dns : lines.filter((l) => /^\s*nameserver\s/.test(l) && !/^\s*nameserver\s+(127\.|::1\b)/.test(l)).map((l) => l.trim().split(/\s+/)[1] as string);
  return [...kept, ...servers.map((s) => `nameserver ${s}`)].join('\n') + '\n';
}
