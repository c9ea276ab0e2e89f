/**
 * Attaching a container to its networks and detaching it, as one checklist each:
 *   attach: plan endpoints -> choose host ports (IPv4, and IPv6 for every-address ones) -> write
 *           state (intent) -> create netns -> CNI ADD per network -> IPv6 proxies (proxy.ts; in
 *           rootless mode the forwarders of rootless-ports.ts instead) ->
 *           under the lock: write state (result), hosts files (own and peers'), DNS (dns.ts)
 *           -> resolv.conf
 *   detach: stop proxies -> CNI DEL per endpoint (reverse) -> remove netns -> under the lock:
 *           drop state, peers' hosts files, DNS
 * Both are safe to repeat; detach of a container with no sandbox costs one failed stat. A
 * container start takes attach in two halves (beginSandbox): up to the namespace, then the rest
 * while the runtime creates the container.
 */
import { createServer } from 'node:net';
import type * as dgram from 'node:dgram';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { startPasta, stopPasta } from './pasta.js';
import type { NetPlace } from './rootless-netns.js';
import { withLock } from '../sys/lock.js';
import { cniAdd, cniDel, planConflist, type CniResult } from './cni.js';
import { readCniConf, withPortMappings } from './cni-conf.js';
import type { NetworkRecord } from './network-store.js';
import type { PortBinding } from './ports.js';
import { dnsNameservers, findAardvark, syncDns } from './dns.js';
import { hostHasIpv6, startProxies, stopProxies, type ProxyProcess } from './proxy.js';
import { forwarderDir, removeForwarderSockets, startRootlessForwarders } from './rootless-ports.js';
import type { RootlessNetworkCmd } from './rootless-network-cmd.js';
import { SLIRP_DNS, startSlirp4netns, stopSlirp4netns } from './slirp4netns.js';
import { openNetworkGate, type NetworkGate } from './network-gate.js';
import { resolvConfContent, type ResolvOptions } from './flags.js';
import { lazyBuiltin } from '../sys/lazy-builtin.js';
import { createNetns, listSandboxes, netnsPath, readSandbox, refreshHosts, removeNetns, removeSandboxState, sandboxDir, selfToken, writeInPlace, writeSandbox, type Endpoint, type HostEntry, type SandboxState } from './sandbox.js';

export interface AttachContext {
  runroot: string;
  cniPath: () => string;
  /** Rootless mode: the default network is pasta's (pasta.ts), not a bridge. */
  rootless?: boolean;
  /** Where user networks' programs run: the host's namespace, or rootless-netns.ts's. */
  place: () => Promise<NetPlace>;
  /** Rootless: what connects the default network (rootless-network-cmd.ts); pasta unless configured. */
  rootlessNetworkCmd?: () => RootlessNetworkCmd;
}

export interface EndpointRequest {
  network: NetworkRecord;
  aliases: string[];
  ip?: string;
  /** --mac-address: set by the tuning plugin after the bridge plugin made the interface. */
  mac?: string;
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
  /** The caller puts a network gate's hook in the runtime spec: pasta may finish while runc creates (network-gate.ts). */
  gate?: boolean;
}

/** A sandbox whose pasta is still starting behind a gate (network-gate.ts): `ready` settles when it is done. */
export interface PendingNetwork {
  gate: NetworkGate;
  ready: Promise<void>;
}

export const ipamDir = (runroot: string) => join(runroot, 'networks', 'ipam');
const dgramModule = lazyBuiltin<typeof dgram>('node:dgram');

const lockPath = (runroot: string) => join(sandboxDir(runroot), '.lock');

export function withSandboxLock<T>(runroot: string, fn: () => T | Promise<T>): Promise<T> {
  mkdirSync(sandboxDir(runroot), { recursive: true, mode: 0o700 });
  return withLock(lockPath(runroot), fn);
}

function listenOnce(port: number, protocol: PortBinding['protocol'], host: string, ipv6Only = false): Promise<number> {
  return new Promise((resolve, reject) => {
    if (protocol === 'udp') {
      const s = dgramModule().createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only });
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
async function choosePorts(runroot: string, name: string, ports: PortBinding[], rootless = false): Promise<PortBinding[]> {
  const taken = listSandboxes(runroot).flatMap((s) => s.endpoints.flatMap((e) => e.ports.map((p) => ({ ...p, owner: s.name }))));
  const out: PortBinding[] = [];
  for (const p of ports) {
    const clash = taken.find((t) => p.hostPort !== 0 && t.hostPort === p.hostPort && t.protocol === p.protocol && (t.hostIp === '' || p.hostIp === '' || t.hostIp === p.hostIp));
    let port: number;
    try {
      if (clash) throw new Error(`container "${clash.owner}" publishes it already`);
      port = await listen(p);
    } catch (err) {
      if (errnoCode(err) === 'EACCES' && rootless) {
        throw new HullError('PERMISSION_DENIED', `Cannot publish port ${p.hostIp || '0.0.0.0'}:${p.hostPort}/${p.protocol} for container "${name}": an ordinary user may not bind ports below ${unprivilegedPortStart()} on this host`, {
          hint: `publish a port >= ${unprivilegedPortStart()} (e.g. -p ${8000 + p.hostPort}:${p.containerPort}), or as root allow lower ones: sysctl net.ipv4.ip_unprivileged_port_start=${p.hostPort}`,
        });
      }
      throw new HullError('CONFLICT', `Cannot publish port ${p.hostIp || '0.0.0.0'}:${p.hostPort}/${p.protocol} for container "${name}": ${(err as Error).message}`, { hint: 'choose another host port, or -p CONTAINER_PORT for a free one' });
    }
    out.push({ ...p, hostPort: port });
  }
  return out;
}

/** The lowest port an ordinary user may bind (net.ipv4.ip_unprivileged_port_start). */
function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()) || 1024;
  } catch {
    return 1024;
  }
}

function resultFacts(result: CniResult): Pick<Endpoint, 'ip' | 'prefixLen' | 'gateway' | 'mac'> {
  const ip = result.ips?.find((i) => i.address.includes('.'));
  const iface = ip?.interface !== undefined ? result.interfaces?.[ip.interface] : result.interfaces?.find((i) => i.sandbox);
  const [addr, prefix] = (ip?.address ?? '').split('/');
  return { ...(addr ? { ip: addr, prefixLen: Number(prefix) } : {}), ...(ip?.gateway ? { gateway: ip.gateway } : {}), ...(iface?.mac ? { mac: iface.mac } : {}) };
}

/** CNI_ARGS of an endpoint on a host's CNI network: IP for host-local, MAC for the plugins that read it (others ignore it). */
function cniArgsOf(req: EndpointRequest): string | undefined {
  const args = [...(req.ip ? [`IP=${req.ip}`] : []), ...(req.mac ? [`MAC=${req.mac}`] : [])];
  return args.length > 0 ? `IgnoreUnknown=1;${args.join(';')}` : undefined;
}

/** The ports portmap publishes: none in rootless mode, where socat forwards them (rootless-ports.ts). */
const hostPorts = (ctx: AttachContext, ports: PortBinding[]) => (ctx.rootless ? [] : ports);

function planEndpoint(ctx: AttachContext, req: EndpointRequest, ifname: string, ports: PortBinding[]): Endpoint {
  if (req.mac && (req.network.Driver === 'slirp4netns' || req.network.Driver === 'pasta')) {
    throw new HullError('UNSUPPORTED', `Cannot use --mac-address on the rootless network "${req.network.Name}" (${req.network.Driver})`, { hint: 'use a network made with "hull network create"' });
  }
  if (req.network.Driver === 'slirp4netns' || (req.network.Driver === 'pasta' && req.network.Default && ctx.rootlessNetworkCmd?.() === 'slirp4netns')) {
    return { network: req.network.Name, networkId: req.network.Id, ifname, aliases: req.aliases, dns: false, conflist: { cniVersion: '1.0.0', name: req.network.Name, plugins: [] }, ports, slirp4netns: 'starting' };
  }
  if (req.network.Driver === 'pasta') {
    return { network: req.network.Name, networkId: req.network.Id, ifname, aliases: req.aliases, dns: false, conflist: { cniVersion: '1.0.0', name: req.network.Name, plugins: [] }, ports, pasta: 'starting' };
  }
  const cni = req.network.Cni;
  if (cni) {
    // The host's configuration, read now and kept for DEL (cni-conf.ts); no hull DNS on it.
    return { network: req.network.Name, networkId: req.network.Id, ifname, aliases: req.aliases, dns: false, conflist: withPortMappings(readCniConf(cni.ConfDir), hostPorts(ctx, ports)), cniPath: cni.BinDir, ...(cniArgsOf(req) ? { cniArgs: cniArgsOf(req) } : {}), ports };
  }
  return {
    network: req.network.Name,
    networkId: req.network.Id,
    ifname,
    aliases: req.aliases,
    dns: !req.network.Default,
    conflist: planConflist(req.network, { ipamDir: ipamDir(ctx.runroot), ports: hostPorts(ctx, ports), ...(req.mac ? { mac: req.mac } : {}) }),
    ...(req.ip ? { cniArgs: `IgnoreUnknown=1;IP=${req.ip}` } : {}),
    ports,
  };
}

async function addEndpoint(ctx: AttachContext, state: SandboxState, e: Endpoint): Promise<void> {
  if (e.slirp4netns) {
    mkdirSync(forwarderDir(ctx.runroot), { recursive: true, mode: 0o700 });
    const api = join(forwarderDir(ctx.runroot), `${state.id.slice(0, 12)}-slirp4netns.sock`);
    await startSlirp4netns(state.netns, e.ports, api, state.name, (p) => {
      e.slirp4netns = p;
      writeSandbox(ctx.runroot, state); // at once: a crash from here on still finds slirp4netns
    });
    return;
  }
  if (e.pasta) {
    e.pasta = await startPasta(state.netns, e.ports, `${state.netns}.pasta.pid`, state.name);
    writeSandbox(ctx.runroot, state); // at once: a crash from here on still finds pasta
    return;
  }
  const { prefix } = await ctx.place();
  const result = await cniAdd(e.conflist, { path: e.cniPath ?? ctx.cniPath(), containerId: state.id, netns: state.netns, ifname: e.ifname, prefix, ...(e.cniArgs ? { args: e.cniArgs } : {}) });
  Object.assign(e, { result }, resultFacts(result));
}

async function delEndpoint(ctx: AttachContext, state: SandboxState, e: Endpoint): Promise<void> {
  if (e.pasta) {
    if (e.pasta !== 'starting') stopPasta(e.pasta);
    return;
  }
  if (e.slirp4netns) {
    if (e.slirp4netns !== 'starting') stopSlirp4netns(e.slirp4netns);
    return;
  }
  const { prefix } = await ctx.place();
  await cniDel(e.conflist, { path: e.cniPath ?? ctx.cniPath(), containerId: state.id, netns: existsSync(state.netns) ? state.netns : '', ifname: e.ifname, prefix, ...(e.cniArgs ? { args: e.cniArgs } : {}) }, e.result);
}

/** The sandbox a request describes: ports chosen and the state recorded before anything is made, so a crash from here on is found and undone. */
async function planSandbox(ctx: AttachContext, req: SandboxRequest): Promise<SandboxState> {
  mkdirSync(req.bundleDir, { recursive: true });
  const ports = await choosePorts(ctx.runroot, req.name, req.ports, ctx.rootless);
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
  return state;
}

/**
 * The whole attach, done when it returns; with `gate`, a lone rootless pasta endpoint is set up
 * behind the gate instead (network-gate.ts): runc creates the container while pasta configures
 * its namespace, and the container's process waits at the gate until pasta is done.
 */
export async function attachSandbox(ctx: AttachContext, req: SandboxRequest): Promise<SandboxState & { pending?: PendingNetwork }> {
  const state = await planSandbox(ctx, req);
  const deferred = req.gate && state.endpoints.length === 1 && state.endpoints[0]?.pasta ? state.endpoints[0] : undefined;
  let pending: PendingNetwork | undefined;
  try {
    const [netns, opened] = await Promise.allSettled([createNetns(state.netns), deferred ? openNetworkGate(req.bundleDir) : Promise.resolve(undefined)]);
    const gate = opened.status === 'fulfilled' ? opened.value : undefined;
    if (netns.status === 'rejected' || opened.status === 'rejected') {
      gate?.close();
      throw netns.status === 'rejected' ? netns.reason : (opened as PromiseRejectedResult).reason;
    }
    if (deferred && gate) {
      const ready = addEndpoint(ctx, state, deferred).then(
        () => gate.release(true),
        (err: unknown) => {
          gate.release(false);
          throw err;
        },
      );
      ready.catch(() => {}); // the caller awaits it; unobserved until then
      pending = { gate, ready };
    } else {
      for (const e of state.endpoints) await addEndpoint(ctx, state, e);
    }
    await finishSandbox(ctx, state);
    return pending ? { ...state, pending } : state; // a copy: the sandbox file never holds the gate
  } catch (err) {
    if (pending) {
      await pending.ready.catch(() => {});
      pending.gate.close();
    }
    await detachSandbox(ctx, req.id).catch(() => {});
    throw err;
  }
}

/**
 * The first half of attach: ports chosen, state recorded, the namespace made and the /etc files
 * there (empty until connected: the runtime bind-mounts them when it creates the container).
 * `connected` is the rest, the endpoints' ADD and the hosts, DNS and resolv.conf that follow it:
 * a caller may create the container meanwhile, since nothing runs in it until it is started (and
 * must let `connected` settle before it starts or undoes the container). On a failure either half
 * detaches what it made; `connected` is marked handled, so an abandoned one never crashes hull.
 */
export async function beginSandbox(ctx: AttachContext, req: SandboxRequest): Promise<{ state: SandboxState; connected: Promise<SandboxState> }> {
  const state = await planSandbox(ctx, req);
  try {
    await createNetns(state.netns);
    for (const f of [state.hostsPath, join(req.bundleDir, 'resolv.conf')]) closeSync(openSync(f, 'a'));
  } catch (err) {
    await detachSandbox(ctx, req.id).catch(() => {});
    throw err;
  }
  const connected = (async () => {
    for (const e of state.endpoints) await addEndpoint(ctx, state, e);
    return finishSandbox(ctx, state);
  })().catch(async (err: unknown) => {
    await detachSandbox(ctx, req.id).catch(() => {});
    throw err;
  });
  connected.catch(() => {});
  return { state, connected };
}

/** After the endpoints are up: published ports' proxies (or rootless forwarders), the peers' hosts files and DNS, resolv.conf. */
async function finishSandbox(ctx: AttachContext, state: SandboxState): Promise<SandboxState> {
  for (const e of state.endpoints.filter((x) => x.ports.length > 0 && x.ip)) {
    const record = (p: ProxyProcess) => {
      (e.proxies ??= []).push(p);
      writeSandbox(ctx.runroot, state); // at once: a crash from here on still finds the proxy
    };
    if (ctx.rootless) await startRootlessForwarders(e.ports, e.ip as string, { runroot: ctx.runroot, id: state.id, name: state.name, enter: (await ctx.place()).prefix }, record);
    else await startProxies(e.ports, e.ip as string, record);
  }
  await withSandboxLock(ctx.runroot, async () => {
    writeSandbox(ctx.runroot, state);
    refreshHosts(ctx.runroot, new Set(state.endpoints.map((e) => e.network)), state);
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot), ctx.place);
  });
  writeSandboxResolvConf(state);
  return state;
}

/** resolv.conf for a sandbox: its user networks' DNS servers when aardvark-dns runs them (dns.ts). */
export function writeSandboxResolvConf(state: SandboxState): string {
  // slirp4netns's forwarder answers at 10.0.2.3 (the host's resolvers may be on its loopback).
  const slirp = state.endpoints.some((e) => e.slirp4netns) && !state.dns?.length ? [SLIRP_DNS] : [];
  const nameservers = [...(findAardvark() ? dnsNameservers(state.endpoints) : []), ...slirp];
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
    removeForwarderSockets(ctx.runroot, id);
  } catch (err) {
    first = err;
  }
  if (opts.unshared) await removeNetns(state.netns);
  for (const e of [...state.endpoints].reverse()) await delEndpoint(ctx, state, e).catch((err: unknown) => (first ??= err));
  if (!opts.unshared) await removeNetns(state.netns);
  await withSandboxLock(ctx.runroot, async () => {
    removeSandboxState(ctx.runroot, id);
    refreshHosts(ctx.runroot, new Set(state.endpoints.filter((e) => e.dns).map((e) => e.network)));
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot), ctx.place).catch((err: unknown) => (first ??= err));
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
  if (e.pasta || e.slirp4netns) throw new HullError('CONFLICT', `Cannot connect container "${state.name}" to network "${req.network.Name}" while it runs: its network is made when it starts`, { hint: 'stop it first, or run it with --network' });
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
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot), ctx.place);
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
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot), ctx.place);
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
    await syncDns(ctx.runroot, listSandboxes(ctx.runroot), ctx.place);
  });
}
