/**
 * NetworkService: networks (create, ls, inspect, rm, prune) and the network side of a container's
 * life (attach before its bundle is written, detach at cleanup and rm, connect/disconnect while it
 * runs, reconcile after a crash). Containers reach it through the narrow ContainerNetworking
 * interface; it never reads container records, only the fields handed to it.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, isHullError } from '../errors.js';
import { execCapture } from '../sys/exec.js';
import { randomId } from '../sys/ids.js';
import { withLock } from '../sys/lock.js';
import { findCniPath } from './cni.js';
import { checkMacAddress, parseAddHost, parseNetworkMode, type ResolvOptions } from './flags.js';
import { applyNetworkOnHost, bridgeExists, ensureLockDir, removeNetworkFromHost } from './host-rules.js';
import type { HostPaths } from '../sys/host-paths.js';
import { orphanedNetworks } from './bridge-owners.js';
import { HOST_PLACE, ensureRootlessNetns, type NetPlace } from './rootless-netns.js';
import { DEFAULT_NETWORK, NetworkStore, checkNetworkName, type NetworkRecord } from './network-store.js';
import type { RootlessNetworkCmd } from './rootless-network-cmd.js';
import type { SpecHook } from './network-gate.js';
import { fromDockerBindings, type DockerPortBindings } from './ports.js';
import { attachSandbox, beginSandbox, connectSandbox, detachSandbox, disconnectSandbox, ipamDir, renameSandbox, withSandboxLock, writeResolvConf, type AttachContext } from './attach.js';
import { dnsNeedsSync, isDnsName, stopOrphanedAardvarks, syncDns } from './dns.js';
import { hostsContent, listSandboxes, readSandbox, tokenAlive, writeInPlace, type SandboxState } from './sandbox.js';
import { contains, formatCidr, gatewayOf, hostNetworks, overlaps, parseCidr, parseIp, planSubnet } from './subnet.js';

/** podman's rootless network modes, built in (created on first use) in rootless mode. */
const isRootlessMode = (name: string): name is RootlessNetworkCmd => name === 'pasta' || name === 'slirp4netns';

/** Docker's EndpointSettings, the part a user chooses (--network-alias, --ip, --mac-address). */
export interface EndpointSettings {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string };
  MacAddress?: string;
}

/** The endpoint request of a network's settings. */
const endpointOf = (s: EndpointSettings) => ({ aliases: s.Aliases ?? [], ...(s.IPAMConfig?.IPv4Address ? { ip: s.IPAMConfig.IPv4Address } : {}), ...(s.MacAddress ? { mac: checkMacAddress(s.MacAddress) } : {}) });

/** What the network layer needs of a container record (ContainerRecord fits it). */
export interface ContainerNetworkView {
  Id: string;
  Name: string;
  Config: { Hostname: string };
  HostConfig: { NetworkMode: string; PortBindings?: DockerPortBindings; Dns?: string[]; DnsSearch?: string[]; DnsOptions?: string[]; ExtraHosts?: string[] };
  NetworkSettings?: { Networks: Record<string, EndpointSettings> };
}

export interface NetworkAttachment {
  /** Join this namespace; undefined with hostNetwork false = a fresh loopback-only one (runc's). */
  netnsPath?: string;
  /** --network host: no network namespace at all. */
  hostNetwork: boolean;
  /** /etc files the network layer wrote (or shares); the bundle writes the others. */
  etc: { hosts?: string; resolvConf?: string };
  /**
   * Asked for with `gate`: the network is still being set up (rootless pasta). The runtime spec
   * must carry `hook` as a createRuntime hook; `ready` settles when the set-up is done (its error
   * is the start's); `close` once runc is past its hooks or the start failed (network-gate.ts).
   */
  pending?: { hook: SpecHook; ready: Promise<void>; close(): void };
  /**
   * With `connectLater` (as root): the endpoints being connected (CNI ADD, hosts, DNS) while the
   * caller creates the container; it must settle before the container starts or is undone.
   */
  connected?: Promise<unknown>;
}

/** How an attach may overlap the runtime's create (ContainerNetworking.attach). */
export interface AttachOptions {
  connectLater?: boolean;
  gate?: boolean;
}

/** For --network container:X: the running container whose namespace and /etc files are shared. */
export interface JoinTarget {
  /** The namespace to join: a pinned file (a pod infra's, being started) or its init's. */
  netns?: string;
  pid?: number;
  bundleDir: string;
}

/** The part of NetworkService that containers use. */
export interface ContainerNetworking {
  /** The network's name, from a name or id prefix; "bridge" resolves before it exists. */
  networkName(nameOrId: string): string;
  /**
   * Two ways to set up beside the runtime's create instead of before it. `connectLater` (root's
   * bridges and CNI): resolve once the namespace exists, with the endpoints' set-up in
   * `connected`, for a caller that starts only after it settles. `gate` (rootless pasta, also
   * for `runc run`, which creates and starts at once): the container's process waits at a hook.
   */
  attach(c: ContainerNetworkView, bundleDir: string, join?: JoinTarget, opts?: AttachOptions): Promise<NetworkAttachment>;
  /** `unshared`: no other container joined its namespace (see detachSandbox). */
  detach(id: string, opts?: { unshared?: boolean }): Promise<void>;
  connect(id: string, network: string, settings: EndpointSettings): Promise<void>;
  disconnect(id: string, network: string): Promise<void>;
  reconcile(isAlive: (id: string) => boolean): Promise<string[]>;
  /** A running container's new name, in its peers' hosts files and the network's DNS records. */
  rename(id: string, newName: string): Promise<void>;
  /** The network state of a container that has one (addresses, ports), else undefined. */
  sandbox(id: string): SandboxState | undefined;
  /** Docker's `network connect`/`disconnect` event, for a container joined to or parted from a network (running or not). */
  announce(action: 'connect' | 'disconnect', network: string, containerId: string): void;
}

export interface CreateNetworkOptions {
  /** A network of the host's CNI configuration (Kubernetes' /etc/cni/net.d and /opt/cni/bin). */
  cni?: { confDir: string; binDir: string };
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  labels?: Record<string, string>;
}

export interface NetworkDeps {
  root: string;
  runroot: string;
  /** Names of containers whose records refer to a network (rm refuses while there are any). */
  containersUsing: (network: string) => string[];
  /** Host-wide lock and bridge owner files (sys/host-paths.ts). */
  hostPaths: HostPaths;
  /** The default network's bridge name when it is not hull-<id> (the default store's is hull0). */
  defaultBridge?: string;
  /** Rootless mode: the default network is pasta's (pasta.ts). */
  rootless?: boolean;
  /** Rootless: what connects the default network (rootless-network-cmd.ts); read when first needed. */
  rootlessNetworkCmd?: () => RootlessNetworkCmd;
  /** Records docker's network events (create, destroy) in the engine's event log. */
  emit?: (action: 'create' | 'destroy' | 'connect' | 'disconnect', id: string, attributes: Record<string, string>) => void;
}

/** Bridges and rules of networks whose store was deleted without removing them (under the host-wide lock). */
async function removeOrphanedNetworks(ownersDir: string, place: () => Promise<NetPlace>): Promise<void> {
  await stopOrphanedAardvarks(); // their sockets would hold port 53 of gateways about to be reused
  for (const net of orphanedNetworks(ownersDir)) await removeNetworkFromHost(net, ownersDir, await place());
}

export class NetworkService implements ContainerNetworking {
  readonly store: NetworkStore;
  private readonly ctx: AttachContext;

  constructor(private readonly deps: NetworkDeps) {
    this.store = new NetworkStore(deps.root);
    let cni: string | undefined;
    this.ctx = { runroot: deps.runroot, cniPath: () => (cni ??= findCniPath()), place: () => this.place(), ...(deps.rootless ? { rootless: true } : {}), ...(deps.rootlessNetworkCmd ? { rootlessNetworkCmd: deps.rootlessNetworkCmd } : {}) };
  }

  /** Where bridges live: the host's namespace, or (rootless) the user's networks namespace. */
  private place(): Promise<NetPlace> {
    return this.deps.rootless ? ensureRootlessNetns(this.deps.runroot) : Promise.resolve(HOST_PLACE);
  }

  list(): NetworkRecord[] {
    return this.store.list();
  }

  get(nameOrId: string): NetworkRecord {
    return this.store.get(nameOrId);
  }

  networkName(nameOrId: string): string {
    if (nameOrId === DEFAULT_NETWORK) return DEFAULT_NETWORK;
    if (isRootlessMode(nameOrId) && !this.store.has(nameOrId)) return this.builtinMode(nameOrId);
    return this.store.get(nameOrId).Name;
  }

  /** `--network slirp4netns|pasta`: podman's rootless modes, records made on first use (rootless only). */
  private builtinMode(name: RootlessNetworkCmd): RootlessNetworkCmd {
    if (!this.deps.rootless) throw new HullError('UNSUPPORTED', `Cannot use --network ${name}: hull uses ${name} only in rootless mode`, { hint: 'as root, use the default bridge network or a network of "hull network create"' });
    return name;
  }

  /** Host-wide lock (bridges, subnets and iptables are shared by every --root), then this root's. */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    ensureLockDir(this.deps.hostPaths.networkLock);
    this.store.ensureDir();
    return withLock(this.deps.hostPaths.networkLock, () => withLock(this.store.lockPath, fn));
  }

  async create(name: string, opts: CreateNetworkOptions = {}): Promise<NetworkRecord> {
    checkNetworkName(name);
    if (this.deps.rootless && name === DEFAULT_NETWORK) return this.createBuiltin(DEFAULT_NETWORK, 'pasta');
    if (this.deps.rootless && isRootlessMode(name)) return this.createBuiltin(name, name);
    return this.locked(async () => {
      if (this.store.has(name)) throw new HullError('CONFLICT', `Cannot create network "${name}": it already exists`, { hint: 'choose another name, or "hull network rm" it first' });
      if (opts.cni) {
        // Nothing on the host to make: the plugins of the configuration do it per sandbox.
        const record: NetworkRecord = { version: 1, Name: name, Id: randomId(), Created: new Date().toISOString(), Driver: 'cni', Scope: 'local', Bridge: '', Subnet: '', Gateway: '', Internal: false, Labels: opts.labels ?? {}, Default: false, Cni: { ConfDir: opts.cni.confDir, BinDir: opts.cni.binDir } };
        this.store.write(record);
        return record;
      }
      const place = await this.place();
      await removeOrphanedNetworks(this.deps.hostPaths.bridgeOwners, async () => place); // before choosing a subnet: theirs become free
      const used = [...(await this.hostNetworks(place)), ...this.store.list().filter((n) => n.Driver === 'bridge').map((n) => parseCidr(n.Subnet))];
      const subnet = opts.subnet !== undefined ? parseCidr(opts.subnet) : planSubnet(used);
      const clash = opts.subnet !== undefined ? used.find((u) => overlaps(u, subnet)) : undefined;
      if (clash) throw new HullError('CONFLICT', `Cannot create network "${name}": subnet ${formatCidr(subnet)} overlaps ${formatCidr(clash)}, already in use on this host`, { hint: 'choose another --subnet, or leave it out to have one chosen' });
      const gateway = opts.gateway ?? gatewayOf(subnet);
      const gw = parseIp(gateway);
      if (gw === undefined || !contains(subnet, gw) || gw === subnet.base) throw new HullError('INVALID_ARGUMENT', `Cannot use gateway "${gateway}": it is not a host address of ${formatCidr(subnet)}`);
      const id = randomId();
      const isDefault = name === DEFAULT_NETWORK;
      const record: NetworkRecord = {
        version: 1,
        Name: name,
        Id: id,
        Created: new Date().toISOString(),
        Driver: 'bridge',
        Scope: 'local',
        // Bridge names are host-global: only the default store's default network is "hull0".
        Bridge: isDefault && this.deps.defaultBridge ? this.deps.defaultBridge : `hull-${id.slice(0, 10)}`,
        Subnet: formatCidr(subnet),
        Gateway: gateway,
        Internal: opts.internal ?? false,
        Labels: opts.labels ?? {},
        Default: isDefault,
      };
      // Record first: a crash before the bridge exists is repaired by the next attach (ensure).
      this.store.write(record);
      try {
        await applyNetworkOnHost(record, this.store.pathOf(name), this.deps.hostPaths.bridgeOwners, place);
      } catch (err) {
        await removeNetworkFromHost(record, this.deps.hostPaths.bridgeOwners, place).catch(() => {});
        this.store.remove(name);
        throw err;
      }
      this.deps.emit?.('create', record.Id, { name: record.Name, type: record.Driver });
      return record;
    });
  }

  /** Rootless: the default network (and slirp4netns, pasta) is a record only; each container gets its own process. */
  private createBuiltin(name: string, driver: 'pasta' | 'slirp4netns'): Promise<NetworkRecord> {
    this.store.ensureDir();
    return withLock(this.store.lockPath, () => {
      if (this.store.has(name)) return this.store.get(name);
      const record: NetworkRecord = {
        version: 1, Name: name, Id: randomId(), Created: new Date().toISOString(), Driver: driver, Scope: 'local',
        Bridge: '', Subnet: '', Gateway: '', Internal: false, Labels: {}, Default: name === DEFAULT_NETWORK,
      };
      this.store.write(record);
      return record;
    });
  }

  private async hostNetworks(place: NetPlace) {
    const [routes, addrs] = await Promise.all([execCapture([...place.prefix, 'ip', '-j', 'route']), execCapture([...place.prefix, 'ip', '-j', '-4', 'addr'])]);
    return hostNetworks(routes.stdout, addrs.stdout);
  }

  /** The network, created on first use if it is the default one, with its bridge on the host. */
  async ensure(name: string): Promise<NetworkRecord> {
    let net = this.store.find(name);
    if (!net && (name === DEFAULT_NETWORK || (isRootlessMode(name) && this.builtinMode(name)))) {
      net = await this.create(name).catch((err: unknown) => {
        if (isHullError(err, 'CONFLICT') && this.store.has(name)) return this.store.get(name); // created meanwhile
        throw err;
      });
    }
    if (!net) throw new HullError('NOT_FOUND', `Cannot find network "${name}": no such network`, { hint: `create it first ("hull network create ${name}")` });
    const place = net.Driver === 'bridge' ? await this.place() : HOST_PLACE;
    if (net.Driver === 'bridge' && !bridgeExists(net.Bridge, place)) {
      const n = net;
      await this.locked(() => applyNetworkOnHost(n, this.store.pathOf(n.Name), this.deps.hostPaths.bridgeOwners, place)); // after a reboot: bridges and rules are gone
    }
    return net;
  }

  async remove(nameOrId: string): Promise<NetworkRecord> {
    const net = this.store.get(nameOrId);
    const users = this.deps.containersUsing(net.Name);
    if (users.length > 0) {
      throw new HullError('CONFLICT', `Cannot remove network "${net.Name}": containers ${users.join(', ')} use it`, { hint: `remove them, or "hull network disconnect ${net.Name} CONTAINER"` });
    }
    return this.locked(async () => {
      if (net.Driver === 'bridge') await removeNetworkFromHost(net, this.deps.hostPaths.bridgeOwners, await this.place());
      rmSync(join(ipamDir(this.deps.runroot), net.Name), { recursive: true, force: true });
      this.store.remove(net.Name);
      this.deps.emit?.('destroy', net.Id, { name: net.Name, type: net.Driver });
      return net;
    });
  }

  /** Removes user networks no container refers to (the default network stays). */
  async prune(): Promise<string[]> {
    await this.locked(() => removeOrphanedNetworks(this.deps.hostPaths.bridgeOwners, () => this.place()));
    const removed: string[] = [];
    for (const n of this.store.list()) {
      if (n.Default || this.deps.containersUsing(n.Name).length > 0) continue;
      await this.remove(n.Name);
      removed.push(n.Name);
    }
    return removed;
  }

  async attach(c: ContainerNetworkView, bundleDir: string, join?: JoinTarget, opts: AttachOptions = {}): Promise<NetworkAttachment> {
    const mode = parseNetworkMode(c.HostConfig.NetworkMode);
    const extraHosts = (c.HostConfig.ExtraHosts ?? []).map(parseAddHost);
    const dns = c.HostConfig.Dns ?? [];
    const resolv: ResolvOptions = { dns, ...(c.HostConfig.DnsSearch?.length ? { search: c.HostConfig.DnsSearch } : {}), ...(c.HostConfig.DnsOptions?.length ? { options: c.HostConfig.DnsOptions } : {}) };
    const custom = dns.length > 0 || resolv.search !== undefined || resolv.options !== undefined;
    switch (mode.kind) {
      case 'none': {
        // Exactly as before networking existed, unless --add-host or --dns ask for /etc files.
        if (extraHosts.length === 0 && !custom) return { hostNetwork: false, etc: {} };
        return { hostNetwork: false, etc: this.writeLocalEtc(c, bundleDir, extraHosts, resolv) };
      }
      case 'host': {
        mkdirSync(bundleDir, { recursive: true });
        const hosts = `${bundleDir}/hosts`;
        copyFileSync('/etc/hosts', hosts);
        if (extraHosts.length > 0) writeInPlace(hosts, readFileSync(hosts, 'utf8') + extraHosts.map((h) => `${h.ip}\t${h.names.join(' ')}\n`).join(''));
        return { hostNetwork: true, etc: { hosts, resolvConf: custom ? writeResolvConf(bundleDir, resolv) : copyTo('/etc/resolv.conf', `${bundleDir}/resolv.conf`) } };
      }
      case 'container': {
        if (!join) throw new HullError('INTERNAL', `Cannot join the network of "${mode.ref}": no running container given`);
        return { netnsPath: join.netns ?? `/proc/${join.pid}/ns/net`, hostNetwork: false, etc: { hosts: `${join.bundleDir}/hosts`, resolvConf: `${join.bundleDir}/resolv.conf` } };
      }
      case 'network': {
        const settings = c.NetworkSettings?.Networks ?? {};
        const names = [mode.name, ...Object.keys(settings).filter((n) => n !== mode.name)];
        const endpoints = [];
        for (const name of names) {
          const s = settings[name] ?? {};
          for (const a of s.Aliases ?? []) checkAlias(a);
          endpoints.push({ network: await this.ensure(name), ...endpointOf(s) });
        }
        const req = { id: c.Id, name: c.Name, hostname: c.Config.Hostname, bundleDir, endpoints, ports: fromDockerBindings(c.HostConfig.PortBindings), extraHosts, dns, ...(resolv.search ? { dnsSearch: resolv.search } : {}), ...(resolv.options ? { dnsOptions: resolv.options } : {}) };
        const etc = (state: SandboxState) => ({ hosts: state.hostsPath, resolvConf: `${bundleDir}/resolv.conf` });
        if (opts.connectLater && !this.deps.rootless) {
          const { state, connected } = await beginSandbox(this.ctx, req);
          return { netnsPath: state.netns, hostNetwork: false, etc: etc(state), connected };
        }
        const state = await attachSandbox(this.ctx, { ...req, ...(opts.gate ? { gate: true } : {}) });
        const pending = state.pending ? { hook: state.pending.gate.hook, ready: state.pending.ready, close: () => state.pending?.gate.close() } : undefined;
        return { netnsPath: state.netns, hostNetwork: false, etc: etc(state), ...(pending ? { pending } : {}) };
      }
    }
  }

  private writeLocalEtc(c: ContainerNetworkView, bundleDir: string, extraHosts: SandboxState['extraHosts'], resolv: ResolvOptions): NetworkAttachment['etc'] {
    mkdirSync(bundleDir, { recursive: true });
    const self: SandboxState = { version: 1, id: c.Id, name: c.Name, hostname: c.Config.Hostname, setupBy: '', netns: '', hostsPath: `${bundleDir}/hosts`, extraHosts, endpoints: [] };
    writeInPlace(self.hostsPath, hostsContent(self, []));
    return { hosts: self.hostsPath, resolvConf: writeResolvConf(bundleDir, resolv) };
  }

  async detach(id: string, opts: { unshared?: boolean } = {}): Promise<void> {
    await detachSandbox(this.ctx, id, opts);
  }

  /** docker network inspect's shape, with the containers attached right now. */
  inspectJson(net: NetworkRecord): Record<string, unknown> {
    const containers: Record<string, unknown> = {};
    for (const s of listSandboxes(this.deps.runroot)) {
      const e = s.endpoints.find((x) => x.network === net.Name);
      if (e) containers[s.id] = { Name: s.name, EndpointID: '', MacAddress: e.mac ?? '', IPv4Address: e.ip ? `${e.ip}/${e.prefixLen}` : '', IPv6Address: '' };
    }
    return {
      Name: net.Name,
      Id: net.Id,
      Created: net.Created,
      Scope: net.Scope,
      Driver: net.Driver,
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: net.Subnet, Gateway: net.Gateway }] },
      Internal: net.Internal,
      Attachable: false,
      Containers: containers,
      Options: { 'com.docker.network.bridge.name': net.Bridge },
      Labels: net.Labels,
    };
  }

  /** Live endpoints of a running container (undefined when it has no sandbox). */
  sandbox(id: string): SandboxState | undefined {
    return readSandbox(this.deps.runroot, id);
  }

  async connect(id: string, network: string, settings: EndpointSettings): Promise<void> {
    for (const a of settings.Aliases ?? []) checkAlias(a);
    const net = await this.ensure(network);
    await connectSandbox(this.ctx, id, { network: net, ...endpointOf(settings) });
  }

  async disconnect(id: string, network: string): Promise<void> {
    await disconnectSandbox(this.ctx, id, network);
  }

  announce(action: 'connect' | 'disconnect', network: string, containerId: string): void {
    let net: NetworkRecord;
    try {
      net = this.get(network);
    } catch {
      return; // the default network before its first use: nothing to name
    }
    this.deps.emit?.(action, net.Id, { container: containerId, name: net.Name, type: net.Driver });
  }

  /**
   * Releases the sandboxes of containers that no longer run and whose setting-up hull process is
   * gone (a kill -9 anywhere in run, start or cleanup): CNI DEL (lease, veth, DNAT), netns, state.
   * Costs one readdir when nothing leaked.
   */
  async reconcile(isAlive: (id: string) => boolean): Promise<string[]> {
    const released: string[] = [];
    for (const s of listSandboxes(this.deps.runroot)) {
      if (isAlive(s.id) || tokenAlive(s.setupBy)) continue;
      await detachSandbox(this.ctx, s.id).catch(() => {});
      released.push(s.id);
    }
    // aardvark-dns killed, or left running by a kill -9 between its last file and its stop.
    if (dnsNeedsSync(this.deps.runroot)) await withSandboxLock(this.deps.runroot, () => syncDns(this.deps.runroot, listSandboxes(this.deps.runroot), () => this.place())).catch(() => {});
    return released;
  }

  async rename(id: string, newName: string): Promise<void> {
    await renameSandbox(this.ctx, id, newName);
  }
}

/** A --network-alias goes into hosts files and DNS records: a DNS name, nothing else. */
export function checkAlias(alias: string): string {
  if (!isDnsName(alias)) throw new HullError('INVALID_ARGUMENT', `Cannot use network alias ${JSON.stringify(alias)}: it is not a DNS name`, { hint: 'use letters, digits, "-", "_" and "." (e.g. --network-alias db)' });
  return alias;
}

function copyTo(src: string, dst: string): string {
  if (existsSync(src)) copyFileSync(src, dst);
  else writeInPlace(dst, '');
  return dst;
}
