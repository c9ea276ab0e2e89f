/**
 * Attaching a container to its networks and detaching it, as one checklist each:
 *   attach: plan endpoints -> choose host ports (IPv4, and IPv6 for every-address ones) -> write
 *           state (intent) -> create netns -> CNI ADD per network -> IPv6 proxies (proxy.ts) ->
 *           under the lock: write state (result), hosts files (own and peers'), DNS (dns.ts)
 *           -> resolv.conf
 *   detach: stop proxies -> CNI DEL per endpoint (reverse) -> remove netns -> under the lock:
 *           drop state, peers' hosts files, DNS
 * Both are safe to repeat; detach of a container with no sandbox costs one failed stat.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HullError } from '../errors.js';
import { withLock } from '../sys/lock.js';
import { cniAdd, cniDel, planConflist, type CniResult } from './cni.js';
import type { NetworkRecord } from './network-store.js';
import type { PortBinding } from './ports.js';
import { dnsNameservers, findAardvark, syncDns } from './dns.js';
import { hostHasIpv6, startProxies, stopProxies } from './proxy.js';
import { resolvConfContent, type ResolvOptions } from './flags.js';
import { createNetns, listSandboxes, netnsPath, readSandbox, refreshHosts, removeNetns, removeSandboxState, sandboxDir, selfToken, writeInPlace, writeSandbox, type Endpoint, type HostEntry, type SandboxState } from './sandbox.js';

export interface AttachContext {
  runroot: string;
  cniPath: () => string;
}

export interface EndpointRequest {
  network: NetworkRecord;
  aliases: string[];
  ip?: string;
}

export interface SandboxRequest {
  id: string;
  name: string;
  hostname: string;
  bundleDir: string;
  endpoints: EndpointRequest[];
  ports: PortBinding[];
  extraHosts: HostEntry[];
  dns: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}

export const ipamDir = (runroot: string) => join(runroot, 'networks', 'ipam');
const lockPath = (runroot: string) => join(sandboxDir(runroot), '.lock');

export function withSandboxLock<T>(runroot: string, fn: () => T | Promise<T>): Promise<T> {
  mkdirSync(sandboxDir(runroot), { recursive: true, mode: 0o700 });
  return withLock(lockPath(runroot), fn);
}

function listenOnce(port: number, protocol: PortBinding['protocol'], host: string, ipv6Only = false): Promise<number> {
  return new Promise((resolve, reject) => {
    if (protocol === 'udp') {
      const s = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only });
      s.once('error', reject);
      s.bind(port, host, () => {
        const bound = s.address().port;
        s.close(() => resolve(bound));
      });
      return;
    }
    const s = createServer();
    s.once('error', reject);
    s.listen({ port, host, ipv6Only }, () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** A free host port for `p`; one published on every address must be free on IPv6 too (proxy.ts). */
async function listen(p: PortBinding): Promise<number> {
  const v6 = p.hostIp === '' && hostHasIpv6();
  for (let attempt = 0; ; attempt++) {
    const port = await listenOnce(p.hostPort, p.protocol, p.hostIp || '0.0.0.0');
    if (!v6) return port;
    try {
      return await listenOnce(port, p.protocol, '::', true);
    } catch (err) {
      if (p.hostPort !== 0 || attempt >= 10) throw err; // a random one: try another
    }
  }
}

/**
 * Random host ports for port 0; fixed ones must be free on the host and not published by another
 * container of this runroot (iptables DNAT would silently shadow one of them).
 */
async function choosePorts(runroot: string, name: string, ports: PortBinding[]): Promise<PortBinding[]> {
  const taken = listSandboxes(runroot).flatMap((s) => s.endpoints.flatMap((e) => e.ports.map((p) => ({ ...p, owner: s.name }))));
  const out: PortBinding[] = [];
  for (const p of ports) {
    const clash = taken.find((t) => p.hostPort !== 0 && t.hostPort === p.hostPort && t.protocol === p.protocol && (t.hostIp === '' || p.hostIp === '' || t.hostIp === p.hostIp));
    let port: number;
    try {
      if (clash) throw new Error(`container "${clash.owner}" publishes it already`);
      port = await listen(p);
    } catch (err) {
      throw new HullError('CONFLICT', `Cannot publish port ${p.hostIp || '0.0.0.0'}:${p.hostPort}/${p.protocol} for container "${name}": ${(err as Error).message}`, { hint: 'choose another host port, or -p CONTAINER_PORT for a free one' });
    }
    out.push({ ...p, hostPort: port });
  }
  return out;
}

function resultFacts(result: CniResult): Pick<Endpoint, 'ip' | 'prefixLen' | 'gateway' | 'mac'> {
  const ip = result.ips?.find((i) => i.address.includes('.'));
  const iface = ip?.interface !== undefined ? result.interfaces?.[ip.interface] : result.interfaces?.find((i) => i.sandbox);
  const [addr, prefix] = (ip?.address ?? '').split('/');
  return { ...(addr ? { ip: addr, prefixLen: Number(prefix) } : {}), ...(ip?.gateway ? { gateway: ip.gateway } : {}), ...(iface?.mac ? { mac: iface.mac } : {}) };
}

function planEndpoint(ctx: AttachContext, req: EndpointRequest, ifname: string, ports: PortBinding[]): Endpoint {
  return {
    network: req.network.Name,
    networkId: req.network.Id,
    ifname,
    aliases: req.aliases,
    dns: !req.network.Default,
    conflist: planConflist(req.network, { ipamDir: ipamDir(ctx.runroot), ports }),
    ...(req.ip ? { cniArgs: `IgnoreUnknown=1;IP=${req.ip}` } : {}),
    ports,
  };
}

async function addEndpoint(ctx: AttachContext, state: SandboxState, e: Endpoint): Promise<void> {
  const result = await cniAdd(e.conflist, { path: ctx.cniPath(), containerId: state.id, netns: state.netns, ifname: e.ifname, ...(e.cniArgs ? { args: e.cniArgs } : {}) });
  Object.assign(e, { result }, resultFacts(result));
}

async function delEndpoint(ctx: AttachContext, state: SandboxState, e: Endpoint): Promise<void> {
  await cniDel(e.conflist, { path: ctx.cniPath(), containerId: state.id, netns: existsSync(state.netns) ? state.netns : '', ifname: e.ifname, ...(e.cniArgs ? { args: e.cniArgs } : {}) }, e.result);
}

export async function attachSandbox(ctx: AttachContext, req: SandboxRequest): Promise<SandboxState> {
  mkdirSync(req.bundleDir, { recursive: true });
  const ports = await choosePorts(ctx.runroot, req.name, req.ports);
  const state: SandboxState = {
    version: 1,
    id: req.id,
    name: req.name,
    hostname: req.hostname,
    setupBy: selfToken(),
    netns: netnsPath(ctx.runroot, req.id),
    hostsPath: join(req.bundleDir, 'hosts'),
    extraHosts: req.extraHosts,
    dns: req.dns,
    ...(req.dnsSearch?.length ? { dnsSearch: req.dnsSearch } : {}),
    ...(req.dnsOptions?.length ? { dnsOptions: req.dnsOptions } : {}),
    // Published ports go to the first network, as docker does.
    endpoints: req.endpoints.map((r, i) => planEndpoint(ctx, r, `eth${i}`, i === 0 ? ports : [])),
  };
  writeSandbox(ctx.runroot, state);
  try {
    await createNetns(state.netns);
    for (const e of state.endpoints) await addEndpoint(ctx, state, e);
    for (const e of state.endpoints.filter((x) => x.ports.length > 0 && x.ip)) {
      await startProxies(e.ports, e.ip as string, (p) => {
        (e.proxies ??= []).push(p);
        writeSandbox(ctx.runroot, state); // at once: a crash from here on still finds the proxy
      });
    }
    await withSandboxLock(ctx.runroot, async () => {
      writeSandbox(ctx.runroot, state);
      refreshHosts(ctx.runroot, new Set(state.endpoints.map((e) => e.network)), state);
      await syncDns(ctx.runroot, listSandboxes(ctx.runroot));
    });
    writeSandboxResolvConf(state);
    return state;
  } catch (err) {
    await detachSandbox(ctx, req.id).catch(() => {});
    throw err;
  }
}

/** resolv.conf for a sandbox: its user networks' DNS servers when aardvark-dns runs them (dns.ts). */
export function writeSandboxResolvConf(state: SandboxState): string {
  const nameservers = findAardvark() ? dnsNameservers(state.endpoints) : [];
  return writeResolvConf(dirname(state.hostsPath), { dns: state.dns ?? [], ...(state.dnsSearch ? { search: state.dnsSearch } : {}), ...(state.dnsOptions ? { options: state.dnsOptions } : {}), nameservers });
}

export function writeResolvConf(bundleDir: string, opts: string[] | ResolvOptions): string {
  let host = '';
  try {
    host = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolver on the host
  }
  const path = join(bundleDir, 'resolv.conf');
  // In place too: a restarted container's old bind mount is gone, but `connect` may run while it lives.
  writeInPlace(path, resolvConfContent(host, opts));
  return path;
}

/**
 * Releases a container's namespace and endpoints. `unshared`: nothing else holds the namespace
 * (no container joined it), so it goes first, and the kernel destroys its veths in the
 * background as the namespace dies; the plugins' DEL, given no namespace (CNI allows it), then
 * only releases the lease and the host rules. Deleting a veth synchronously costs ~15 ms of
 * every networked container's exit. Otherwise the DELs remove the veths from the live namespace.
 */
export async function detachSandbox(ctx: AttachContext, id: string, opts: { unshared?: boolean } = {}): Promise<boolean> {
  const state = readSandbox(ctx.runroot, id);
  if (!state) return false;
  let first: unknown;
  try {
    stopProxies(state.endpoints.flatMap((e) => e.proxies ?? []));
  } catch (err) {
    first = err;
  }
  if (opts.unshared) await removeNetns(state.netns);
  for (const e of [...state.endpoints].reverse()) await delEndpoint(ctx, state, e).catch((err: unknown) => (first ??= err));
  if (!opts.unshared) await removeNetns(state.netns);
  await withSandboxLock(ctx.runroot, async () => {
    removeSandboxState(ctx.runroot, id);
    refreshHosts(ctx.runroot, new Set(state.endpoints.filter((e) => e.dns).map((e) => e.network)));
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot)).catch((err: unknown) => (first ??= err));
  });
  if (first !== undefined) throw first;
  return true;
}

/** `network connect` on a running container: one more endpoint in its existing namespace. */
export async function connectSandbox(ctx: AttachContext, id: string, req: EndpointRequest): Promise<SandboxState> {
  const state = readSandbox(ctx.runroot, id);
  if (!state) throw new HullError('CONFLICT', `Cannot connect container ${id.slice(0, 12)} to network "${req.network.Name}": it has no network namespace of its own`, { hint: 'containers with --network none, host or container: cannot join networks' });
  const used = new Set(state.endpoints.map((e) => e.ifname));
  let n = 0;
  while (used.has(`eth${n}`)) n++;
  const e = planEndpoint(ctx, req, `eth${n}`, []);
  await withSandboxLock(ctx.runroot, () => writeSandbox(ctx.runroot, { ...state, endpoints: [...state.endpoints, e] }));
  try {
    await addEndpoint(ctx, state, e);
  } catch (err) {
    await delEndpoint(ctx, state, e).catch(() => {});
    await withSandboxLock(ctx.runroot, () => writeSandbox(ctx.runroot, state));
    throw err;
  }
  return withSandboxLock(ctx.runroot, async () => {
    const now = readSandbox(ctx.runroot, id) ?? state;
    const updated = { ...now, endpoints: [...now.endpoints.filter((x) => x.network !== e.network), e] };
    writeSandbox(ctx.runroot, updated);
    refreshHosts(ctx.runroot, new Set([e.network]), updated);
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot));
    writeSandboxResolvConf(updated);
    return updated;
  });
}

export async function disconnectSandbox(ctx: AttachContext, id: string, network: string): Promise<void> {
  const state = readSandbox(ctx.runroot, id);
  const e = state?.endpoints.find((x) => x.network === network);
  if (!state || !e) return;
  stopProxies(e.proxies ?? []);
  await delEndpoint(ctx, state, e);
  await withSandboxLock(ctx.runroot, async () => {
    const now = readSandbox(ctx.runroot, id) ?? state;
    const updated = { ...now, endpoints: now.endpoints.filter((x) => x.network !== network) };
    writeSandbox(ctx.runroot, updated);
    refreshHosts(ctx.runroot, new Set([network]), updated);
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot));
    writeSandboxResolvConf(updated);
  });
}

/** `rename` of a running container: its name in peers' hosts files and in the DNS records. */
export async function renameSandbox(ctx: AttachContext, id: string, name: string): Promise<void> {
  await withSandboxLock(ctx.runroot, async () => {
    const now = readSandbox(ctx.runroot, id);
    if (!now || now.name === name) return;
    const updated = { ...now, name };
    writeSandbox(ctx.runroot, updated);
    refreshHosts(ctx.runroot, new Set(updated.endpoints.map((e) => e.network)), updated);
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot));
  });
}
