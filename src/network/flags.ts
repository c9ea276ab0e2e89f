/**
 * The network flags of `run`/`create`, checked before anything is created. Pure.
 *   --network none|host|bridge|NAME|container:NAME_OR_ID|slirp4netns|pasta (the last two rootless)   --network-alias  --ip  --dns  --add-host
 */
import { isIP } from 'node:net';
import { HullError, showUntrusted } from '../errors.js';
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
  // podman's rootless modes take options after a colon; hull's take none (docs/rootless.md).
  const colon = /^(slirp4netns|pasta):(.*)$/.exec(value);
  if (colon) {
    throw new HullError('UNSUPPORTED', `Cannot use --network "${showUntrusted(value)}": hull takes no ${colon[1]} options`, { hint: `use --network ${colon[1]} (published ports go through ${colon[1] === 'slirp4netns' ? "slirp4netns's own port handler" : 'pasta'})` });
  }
  return { kind: 'network', name: value };
}

export function checkIpFlag(ip: string, flag = '--ip'): string {
  if (parseIp(ip) === undefined) throw new HullError('INVALID_ARGUMENT', `Cannot use ${flag} "${ip}": expected an IPv4 address`);
  return ip;
}

/** --mac-address: six hex octets; a multicast address (low bit of the first octet set) is refused, as docker does. */
export function checkMacAddress(mac: string): string {
  const m = /^([0-9a-f]{2})(?:[:-][0-9a-f]{2}){5}$/i.exec(mac);
  if (!m) throw new HullError('INVALID_ARGUMENT', `Cannot use --mac-address "${mac}": expected six hex octets such as 02:42:ac:11:00:02`);
  if (parseInt(m[1] as string, 16) & 1) throw new HullError('INVALID_ARGUMENT', `Cannot use --mac-address "${mac}": it is a multicast address`, { hint: 'make the first octet even, e.g. 02:…' });
  return mac.toLowerCase().replace(/-/g, ':');
}

/** --add-host NAME:IP (docker also accepts NAME=IP). */
export function parseAddHost(flag: string): HostEntry {
  const m = /^([^:=]+)[:=](.+)$/.exec(flag);
  if (!m || parseIp(m[2] as string) === undefined) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use --add-host "${flag}": expected NAME:IP`, { hint: 'e.g. --add-host db.local:10.0.0.5' });
  }
  return { names: [m[1] as string], ip: m[2] as string };
}

/** What a container's resolv.conf says besides the host's: docker's --dns, --dns-search, --dns-option. */
export interface ResolvOptions {
  /** --dns: replace the host's nameservers (unless `nameservers` is given: then they are upstreams). */
  dns?: string[];
  /** --dns-search: replace the host's search domains; ["."] means none (docker's rule). */
  search?: string[];
  /** --dns-option: replace the host's options line (e.g. ndots:2, timeout:1, edns0). */
  options?: string[];
  /** The nameservers to write, overriding both: the network's DNS server (user networks). */
  nameservers?: string[];
}

/** --dns-search DOMAIN: a domain name (or "." for none); checked before anything is created. */
export function checkDnsSearch(domain: string): string {
  if (domain !== '.' && !/^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?$/.test(domain)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use --dns-search ${JSON.stringify(domain)}: expected a domain name`, { hint: 'e.g. --dns-search example.com, or --dns-search . for none' });
  }
  return domain;
}

/** --dns-option OPT: one resolv.conf option word (ndots:N, timeout:N, attempts:N, edns0, rotate, ...). */
export function checkDnsOption(option: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_:.-]*$/.test(option)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use --dns-option ${JSON.stringify(option)}: expected one resolv.conf option such as ndots:2`, { hint: 'see resolv.conf(5), "options"' });
  }
  return option;
}

/** --dns IP: an IPv4 or IPv6 address. */
export function checkDnsServer(server: string): string {
  if (isIP(server) === 0) throw new HullError('INVALID_ARGUMENT', `Cannot use --dns ${JSON.stringify(server)}: expected an IP address`, { hint: 'e.g. --dns 192.0.2.53' });
  return server;
}

/**
 * resolv.conf for a container, from the host's: nameservers are `nameservers`, else --dns, else
 * the host's minus loopback ones (unreachable from a network namespace); search and options lines
 * are the host's unless --dns-search/--dns-option replace them. Pure; see resolv.conf(5).
 */
export function resolvConfContent(hostText: string, dnsOrOpts: string[] | ResolvOptions): string {
  const o: ResolvOptions = Array.isArray(dnsOrOpts) ? { dns: dnsOrOpts } : dnsOrOpts;
  const lines = hostText.split('\n').filter((l) => l.trim() !== '');
  const is = (l: string, word: string) => new RegExp(`^\\s*${word}\\s`).test(l);
  const hostServers = lines.filter((l) => is(l, 'nameserver') && !/^\s*nameserver\s+(127\.|::1\b)/.test(l)).map((l) => l.trim().split(/\s+/)[1] as string);
  const servers = o.nameservers?.length ? o.nameservers : o.dns?.length ? o.dns : hostServers;
  const search = o.search?.length ? o.search : undefined;
  const options = o.options?.length ? o.options : undefined;
  const kept = lines.filter((l) => !is(l, 'nameserver') && !(search && (is(l, 'search') || is(l, 'domain'))) && !(options && is(l, 'options')));
  const searchLine = search && !(search.length === 1 && search[0] === '.') ? [`search ${search.filter((d) => d !== '.').join(' ')}`] : [];
  const optionsLine = options ? [`options ${options.join(' ')}`] : [];
  return [...kept, ...searchLine, ...optionsLine, ...servers.map((s) => `nameserver ${s}`)].join('\n') + '\n';
}
