/**
 * IPv4 subnets as numbers: parsing, overlap, and choosing a free /24 for a new network. Pure; the
 * facts about the host (its routes and addresses, as `ip -j` prints them) come in as input.
 */
import { HullError } from '../errors.js';

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIp(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

const size = (c: Cidr) => 2 ** (32 - c.prefix);

/** "10.88.3.0/24" -> {base, prefix}; host bits must be zero (docker refuses them too). */
export function parseCidr(text: string, what = 'subnet'): Cidr {
  const [ip, prefixText = '32', extra] = text.split('/');
  const base = parseIp(ip ?? '');
  const prefix = Number(prefixText);
  if (base === undefined || extra !== undefined || !/^\d{1,2}$/.test(prefixText) || prefix > 32) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use ${what} "${text}": expected an IPv4 CIDR such as 10.90.0.0/24`);
  }
  if (base % size({ base, prefix }) !== 0) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use ${what} "${text}": host bits are set`, { hint: `use ${formatIp(base - (base % size({ base, prefix })))}/${prefix}` });
  }
  return { base, prefix };
}

export const formatCidr = (c: Cidr) => `${formatIp(c.base)}/${c.prefix}`;

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + size(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The first usable address: the gateway, as docker and podman choose it. */
export const gatewayOf = (c: Cidr) => formatIp(c.base + 1);

/** Reads `ip -j route` and `ip -j -4 addr` output into the networks the host already uses. */
export function hostNetworks(routesJson: string, addrsJson: string): Cidr[] {
  const out: Cidr[] = [];
  const add = (text: string | undefined, prefix?: number) => {
    if (!text || text === 'default') return;
    const [ip, p] = text.split('/');
    const n = parseIp(ip ?? '');
    if (n === undefined) return;
    const len = prefix ?? (p === undefined ? 32 : Number(p));
    if (len === 0) return;
    out.push({ base: n - (n % 2 ** (32 - len)), prefix: len });
  };
  for (const r of JSON.parse(routesJson || '[]') as Array<{ dst?: string }>) add(r.dst);
  for (const link of JSON.parse(addrsJson || '[]') as Array<{ addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }> }>) {
    for (const a of link.addr_info ?? []) if (a.family === 'inet' && a.local && !a.local.startsWith('127.')) add(a.local, a.prefixlen);
  }
  return out;
}

/**
 * The first /24 from 10.88.0.0 upward (10.88.0.0/24, 10.88.1.0/24, ... 10.127.255.0/24) that
 * overlaps nothing in `used`.
 */
export function planSubnet(used: Cidr[]): Cidr {
  const start = parseIp('10.88.0.0') as number;
  const end = parseIp('10.128.0.0') as number;
  for (let base = start; base < end; base += 256) {
    const c = { base, prefix: 24 };
    if (!used.some((u) => overlaps(u, c))) return c;
  }
  throw new HullError('LIMIT_EXCEEDED', 'Cannot choose a subnet for a new network: 10.88.0.0-10.127.255.255 is all in use', { hint: 'remove unused networks ("hull network prune") or give --subnet' });
}
