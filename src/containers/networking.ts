/**
 * A container's networks as records say them: the network fields of a new container (planNetwork,
 * pure) and `network connect`/`disconnect` (recorded for every later start, applied now to a
 * running container). The network service does the kernel's part.
 */
import { HullError } from '../errors.js';
import { checkMacAddress, parseNetworkMode } from '../network/flags.js';
import { bindingsFromExposed, checkBindings, toDockerBindings } from '../network/ports.js';
import type { ContainerNetworking, EndpointSettings } from '../network/service.js';
import type { ContainerStore } from './container-store.js';
import type { CreatePlan } from './create-check.js';
import type { ContainerRecord } from './record.js';

export interface NetworkingDeps {
  store: ContainerStore;
  network?: ContainerNetworking;
}

type NetworkFields = Pick<ContainerRecord['HostConfig'], 'NetworkMode' | 'PortBindings' | 'PublishAllPorts' | 'Dns' | 'DnsSearch' | 'DnsOptions' | 'ExtraHosts'> & { networks?: Record<string, EndpointSettings> };

/** --network and friends -> the record's fields; refuses combinations docker refuses. */
export function planNetwork(deps: NetworkingDeps, opts: CreatePlan, exposed: Record<string, object> | undefined): NetworkFields {
  const net = deps.network;
  const mode = parseNetworkMode(opts.network ?? (net ? 'bridge' : 'none'));
  const ports = [...opts.publish, ...(opts.publishAll ? bindingsFromExposed(exposed) : [])];
  checkBindings(ports);
  const extra = {
    ...(opts.dns.length ? { Dns: opts.dns } : {}),
    ...(opts.dnsSearch.length ? { DnsSearch: opts.dnsSearch } : {}),
    ...(opts.dnsOptions.length ? { DnsOptions: opts.dnsOptions } : {}),
    ...(opts.addHosts.length ? { ExtraHosts: opts.addHosts } : {}),
  };
  const refuse = (what: string) => new HullError('INVALID_ARGUMENT', `Cannot use ${what} with --network ${opts.network}`, { hint: 'they need a bridge network' });
  if (mode.kind !== 'network' || !net) {
    if (ports.length > 0 && mode.kind !== 'host') throw refuse('-p/-P');
    if (opts.networkAliases.length || opts.ip || opts.mac) throw refuse('--network-alias/--ip/--mac-address');
    if (mode.kind === 'container') return { NetworkMode: `container:${deps.store.get(mode.ref).Id}`, ...extra };
    return { NetworkMode: mode.kind === 'network' ? 'none' : mode.kind, ...extra };
  }
  const name = net.networkName(mode.name);
  if ((name === 'bridge' || name === 'slirp4netns' || name === 'pasta') && (opts.networkAliases.length || opts.ip)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use --network-alias or --ip on the ${name === 'bridge' ? 'default bridge' : name} network`, { hint: 'create a network ("hull network create NAME") and use --network NAME' });
  }
  const settings: EndpointSettings = { Aliases: opts.networkAliases, ...(opts.ip ? { IPAMConfig: { IPv4Address: opts.ip } } : {}), ...(opts.mac ? { MacAddress: opts.mac } : {}) };
  return { NetworkMode: name, PortBindings: toDockerBindings(ports), PublishAllPorts: opts.publishAll, ...extra, networks: { [name]: settings } };
}

function networkTarget(deps: NetworkingDeps, record: ContainerRecord, network: string, action: string) {
  const net = deps.network;
  if (!net) throw new HullError('UNSUPPORTED', `Cannot ${action} networks: networking is not set up`);
  const mode = parseNetworkMode(record.HostConfig.NetworkMode);
  // A container that was disconnected from its last network (an empty Networks map, unlike one
  // created with --network none) may be connected again, as docker allows: compose disconnects
  // and reconnects every container to set its aliases.
  const disconnected = mode.kind === 'none' && record.NetworkSettings !== undefined && Object.keys(record.NetworkSettings.Networks).length === 0;
  if (mode.kind === 'host' || mode.kind === 'container' || (mode.kind === 'none' && action === 'connect' && !disconnected)) throw new HullError('CONFLICT', `Cannot ${action} container "${record.Name}": it uses --network ${record.HostConfig.NetworkMode}`);
  return { name: net.networkName(network), net };
}

export async function connectNetwork(deps: NetworkingDeps, record: ContainerRecord, network: string, settings: EndpointSettings): Promise<void> {
  const { name, net } = networkTarget(deps, record, network, 'connect');
  if (settings.MacAddress) settings = { ...settings, MacAddress: checkMacAddress(settings.MacAddress) };
  if (record.NetworkSettings?.Networks[name]) throw new HullError('CONFLICT', `Cannot connect container "${record.Name}" to network "${name}": it is already connected`);
  if (record.State.Status === 'running') await net.connect(record.Id, name, settings);
  await deps.store.update(record.Id, (r) => {
    r.NetworkSettings = { Networks: { ...(r.NetworkSettings?.Networks ?? {}), [name]: settings } };
    if (r.HostConfig.NetworkMode === 'none') r.HostConfig.NetworkMode = name;
  });
  net.announce('connect', name, record.Id);
}

export async function disconnectNetwork(deps: NetworkingDeps, record: ContainerRecord, network: string): Promise<void> {
  const { name, net } = networkTarget(deps, record, network, 'disconnect');
  if (!record.NetworkSettings?.Networks[name]) throw new HullError('CONFLICT', `Cannot disconnect container "${record.Name}" from network "${name}": it is not connected`);
  if (record.State.Status === 'running') await net.disconnect(record.Id, name);
  await deps.store.update(record.Id, (r) => {
    const rest = Object.fromEntries(Object.entries(r.NetworkSettings?.Networks ?? {}).filter(([n]) => n !== name));
    r.NetworkSettings = { Networks: rest };
    if (r.HostConfig.NetworkMode === name) r.HostConfig.NetworkMode = Object.keys(rest)[0] ?? 'none';
  });
  net.announce('disconnect', name, record.Id);
}
