/**
 * A container's network sandbox on the host: its namespace, the state needed to undo it after any
 * crash, and its /etc/hosts, kept current as peers come and go.
 *
 *   <runroot>/netns/<id>         the network namespace: an nsfs bind mount (unshare --net=FILE)
 *   <runroot>/netns/<id>.json    SandboxState, version 1; written before the first CNI ADD, so a
 *                                kill -9 at any point leaves enough to DEL everything
 *   <runroot>/netns/.lock        serialises state writes and hosts rewrites of one runroot
 *   <runroot>/networks/ipam/     host-local's dataDir: <network>/<ip> holds the container id
 *
 * Name resolution is by hosts file (and by DNS, dns.ts): on every attach/detach/connect/disconnect,
 * the hosts file of every container on the affected user networks is rewritten in place (write, then truncate: the
 * file is bind-mounted, and a rename would leave the container looking at the old inode).
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { execCapture, execOrThrow } from '../sys/exec.js';
import { which } from '../sys/which.js';
import { processStartTime } from '../sys/lock.js';
import type { CniConfList, CniResult } from './cni.js';
import type { PortBinding } from './ports.js';
import type { ProxyProcess } from './proxy.js';
import type { PastaProcess } from './pasta.js';
import type { Slirp4netnsProcess } from './slirp4netns.js';

export interface HostEntry {
  names: string[];
  ip: string;
}

export interface Endpoint {
  network: string;
  networkId: string;
  ifname: string;
  aliases: string[];
  /** User networks resolve container names; the default bridge does not (docker's rule). */
  dns: boolean;
  conflist: CniConfList;
  /** The plugin directories, for a network of the host's CNI configuration (else hull's). */
  cniPath?: string;
  cniArgs?: string;
  result?: CniResult;
  ip?: string;
  prefixLen?: number;
  gateway?: string;
  mac?: string;
  ports: PortBinding[];
  /** IPv6 userland proxies of the published ports (proxy.ts). */
  proxies?: ProxyProcess[];
  /** Rootless default network: the pasta process connecting the namespace (pasta.ts); no CNI. */
  pasta?: PastaProcess | 'starting';
  /** Rootless, --network slirp4netns: its process and API socket (slirp4netns.ts); no CNI. */
  slirp4netns?: Slirp4netnsProcess | 'starting';
}

export interface SandboxState {
  version: 1;
  id: string;
  name: string;
  hostname: string;
  /** "pid starttime" of the hull process that set it up: alive means "not leaked yet". */
  setupBy: string;
  netns: string;
  hostsPath: string;
  extraHosts: HostEntry[];
  endpoints: Endpoint[];
  /** --dns: the resolv.conf nameservers, or on user networks the DNS server's upstreams for it. */
  dns?: string[];
  /** --dns-search and --dns-option (resolv.conf search and options lines). */
  dnsSearch?: string[];
  dnsOptions?: string[];
}

export const selfToken = () => `${process.pid} ${processStartTime(process.pid) ?? 0}`;

export function tokenAlive(token: string): boolean {
  const [pid, start] = token.split(' ');
  return pid !== undefined && /^\d+$/.test(pid) && processStartTime(Number(pid)) === start;
}

export function sandboxDir(runroot: string): string {
  return join(runroot, 'netns');
}

export const statePath = (runroot: string, id: string) => join(sandboxDir(runroot), `${id}.json`);
export const netnsPath = (runroot: string, id: string) => join(sandboxDir(runroot), id);

export function readSandbox(runroot: string, id: string): SandboxState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(runroot, id), 'utf8')) as SandboxState;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Every sandbox of this runroot; cheap when there are none (one failed readdir). */
export function listSandboxes(runroot: string): SandboxState[] {
  let names: string[];
  try {
    names = readdirSync(sandboxDir(runroot));
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.json')).flatMap((n) => readSandbox(runroot, n.slice(0, -5)) ?? []);
}

export function writeSandbox(runroot: string, state: SandboxState): void {
  mkdirSync(sandboxDir(runroot), { recursive: true, mode: 0o700 });
  // Not fsynced, like host-local's own lease files beside it: both describe live namespaces, and
  // a power loss takes the namespaces and veths with it (readSandbox skips a torn state).
  writeJsonAtomic(statePath(runroot, state.id), state, { ephemeral: true });
}

export function removeSandboxState(runroot: string, id: string): void {
  rmSync(statePath(runroot, id), { force: true });
}

/** A persistent network namespace at `path`, bind-mounted there by unshare(1). */
export async function createNetns(path: string): Promise<void> {
  closeSync(openSync(path, 'w', 0o600));
  // unshare execs ip inside the new namespace: loopback comes up without another process.
  await execOrThrow(['unshare', `--net=${path}`, which('ip') ?? 'ip', 'link', 'set', 'lo', 'up'], 'create a network namespace');
}

export async function removeNetns(path: string): Promise<void> {
  await execCapture(['umount', path]);
  rmSync(path, { force: true });
}

/** /etc/hosts for one container: itself, --add-host entries, then its peers on user networks. */
export function hostsContent(self: SandboxState, all: SandboxState[]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  const seen = new Set<string>(['localhost']);
  const add = (ip: string, names: string[]) => {
    const fresh = [...new Set(names)].filter((n) => n !== '' && !seen.has(n));
    if (fresh.length === 0) return;
    for (const n of fresh) seen.add(n);
    lines.push(`${ip}\t${fresh.join(' ')}`);
  };
  const own = self.endpoints.find((e) => e.ip);
  add(own?.ip ?? '127.0.1.1', [self.hostname, ...(own?.dns ? [self.name, ...self.endpoints.flatMap((e) => e.aliases)] : [])]);
  for (const h of self.extraHosts) lines.push(`${h.ip}\t${h.names.join(' ')}`);
  for (const e of self.endpoints.filter((x) => x.dns)) {
    for (const peer of all) {
      if (peer.id === self.id) continue;
      const pe = peer.endpoints.find((x) => x.network === e.network && x.ip);
      if (pe?.ip) add(pe.ip, [peer.name, ...pe.aliases, peer.id.slice(0, 12)]);
    }
  }
  return lines.join('\n') + '\n';
}

/** Rewrites a bind-mounted file without replacing its inode: write from the start, then truncate. */
export function writeInPlace(path: string, content: string): void {
  const fd = openSync(path, 'a+');
  closeSync(fd);
  const data = Buffer.from(content);
  const w = openSync(path, 'r+');
  try {
    writeSync(w, data, 0, data.length, 0);
    ftruncateSync(w, data.length);
  } finally {
    closeSync(w);
  }
}

/**
 * Rewrites the hosts file of `self` (if given) and of every container sharing a name-resolving
 * network in `networks`. Call under the runroot's sandbox lock.
 */
export function refreshHosts(runroot: string, networks: Set<string>, self?: SandboxState): void {
  const all = listSandboxes(runroot);
  if (self && !all.some((s) => s.id === self.id)) all.push(self);
  for (const s of all) {
    const affected = s.id === self?.id || s.endpoints.some((e) => e.dns && networks.has(e.network));
    if (!affected) continue;
    try {
      writeInPlace(s.hostsPath, hostsContent(s, all));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err; // its bundle is gone: being removed right now
    }
  }
}
