/**
 * Volume and network endpoints (Docker API v1.47 "Volume" and "Network" sections), translated to
 * the engine's volume store and network service. Request bodies are checked field by field: a
 * wrong type or an unknown driver is a 400 naming the field, before anything is created.
 */
import { HullError } from '../errors.js';
import { badParameter, field, orNoSuch, parseFilters, queryBool, quote, readJsonObject, sendJson, sendNoContent, type ApiRequest } from './http.js';

function stringMap(body: Record<string, unknown>, name: string): Record<string, string> | undefined {
  const v = field(body, name, 'object');
  if (v === undefined) return undefined;
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw badParameter(`Cannot read field "${name}" of the request body: the value of ${quote(k)} must be a string`);
  return v as Record<string, string>;
}

function labelMatch(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  return eq === -1 ? want in labels : labels[want.slice(0, eq)] === want.slice(eq + 1);
}

// ---- volumes ----

export function listVolumes({ res, query, engine }: ApiRequest): void {
  const filters = parseFilters(query, ['name', 'label', 'dangling', 'driver']);
  const used = new Set(engine.containers.list(true).flatMap((c) => (c.Mounts ?? []).flatMap((m) => (m.Type === 'volume' && m.Name ? [m.Name] : []))));
  const volumes = engine.volumes.list().filter((v) => {
    const names = filters.get('name');
    if (names && !names.some((n) => v.Name.includes(n))) return false;
    const labels = filters.get('label');
    if (labels && !labels.every((l) => labelMatch(v.Labels, l))) return false;
    const dangling = filters.get('dangling')?.[0];
    if (dangling !== undefined && ['true', '1'].includes(dangling) === used.has(v.Name)) return false;
    const drivers = filters.get('driver');
    if (drivers && !drivers.includes(v.Driver)) return false;
    return true;
  });
  sendJson(res, 200, { Volumes: volumes, Warnings: [] });
}

export async function createVolume({ req, res, engine }: ApiRequest): Promise<void> {
  const body = await readJsonObject(req);
  const name = field(body, 'Name', 'string');
  const driver = field(body, 'Driver', 'string') ?? 'local';
  if (driver !== 'local') throw badParameter(`Cannot create the volume: field "Driver" ${quote(driver)} is not supported (hull has the "local" driver only)`);
  const opts = stringMap(body, 'DriverOpts');
  if (opts && Object.keys(opts).length > 0) {
    throw new HullError('INVALID_ARGUMENT', `Cannot create the volume: field "DriverOpts" (${Object.keys(opts).map((k) => quote(k)).join(', ')}) is not supported yet`, {
      hint: 'create the volume without options; for a host directory, bind-mount it instead',
    });
  }
  const labels = stringMap(body, 'Labels');
  // docker answers an existing name with that volume (create is idempotent for `local`).
  const existing = name ? engine.volumes.find(name) : undefined;
  const volume = existing ?? (await engine.volumes.create(name || undefined, labels ? { labels } : {}));
  sendJson(res, 201, volume);
}

export async function inspectVolume({ res, params, engine }: ApiRequest): Promise<void> {
  const volume = await orNoSuch('volume', params.name as string, () => engine.volumes.get(params.name as string));
  sendJson(res, 200, volume);
}

export async function removeVolume({ res, params, query, engine }: ApiRequest): Promise<void> {
  const force = queryBool(query, 'force');
  await orNoSuch('volume', params.name as string, async () => {
    engine.volumes.get(params.name as string);
    await engine.volumes.remove(params.name as string, { force });
  });
  sendNoContent(res);
}

export async function pruneVolumes({ res, query, engine }: ApiRequest): Promise<void> {
  const filters = parseFilters(query, ['all', 'label']);
  if (filters.has('label')) throw badParameter('Cannot prune volumes: the "label" filter is not supported yet');
  const all = ['true', '1'].includes(filters.get('all')?.[0] ?? 'false');
  const result = await engine.volumes.prune({ all });
  sendJson(res, 200, { VolumesDeleted: result.removed, SpaceReclaimed: result.spaceReclaimed });
}

// ---- networks ----

/**
 * The engine's network view in dockerd's shape. Options lists only driver options a client set
 * (hull sets none): compose compares them with its file and would ask to recreate the network
 * over the bridge device name hull chose.
 */
function networkJson(engine: ApiRequest['engine'], n: Parameters<ApiRequest['engine']['networks']['inspectJson']>[0]): Record<string, unknown> {
  return { ...engine.networks.inspectJson(n), Options: {} };
}

export function listNetworks({ res, query, engine }: ApiRequest): void {
  const filters = parseFilters(query, ['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling']);
  const nets = engine.networks.list().filter((n) => {
    const names = filters.get('name');
    if (names && !names.some((x) => n.Name.includes(x))) return false;
    const ids = filters.get('id');
    if (ids && !ids.some((x) => n.Id.startsWith(x))) return false;
    const labels = filters.get('label');
    if (labels && !labels.every((l) => labelMatch(n.Labels ?? {}, l))) return false;
    const drivers = filters.get('driver');
    if (drivers && !drivers.includes(n.Driver)) return false;
    return true;
  });
  sendJson(res, 200, nets.map((n) => networkJson(engine, n)));
}

export async function inspectNetwork({ res, params, engine }: ApiRequest): Promise<void> {
  const net = await orNoSuch('network', params.id as string, () => engine.networks.get(params.id as string));
  sendJson(res, 200, networkJson(engine, net));
}

export async function createNetwork({ req, res, engine }: ApiRequest): Promise<void> {
  const body = await readJsonObject(req);
  const name = field(body, 'Name', 'string');
  if (!name) throw badParameter('Cannot create the network: field "Name" is required');
  const driver = field(body, 'Driver', 'string') ?? 'bridge';
  if (driver !== 'bridge') throw badParameter(`Cannot create network ${quote(name)}: field "Driver" ${quote(driver)} is not supported (hull creates bridge networks)`);
  const internal = field(body, 'Internal', 'boolean') ?? false;
  const labels = stringMap(body, 'Labels');
  const ipam = field(body, 'IPAM', 'object');
  let subnet: string | undefined;
  let gateway: string | undefined;
  if (ipam) {
    const config = ipam.Config;
    if (config !== undefined && config !== null && !Array.isArray(config)) throw badParameter('Cannot read field "IPAM.Config": expected a list');
    const first = (config as unknown[] | undefined)?.[0];
    if (first !== undefined) {
      if (first === null || typeof first !== 'object') throw badParameter('Cannot read field "IPAM.Config[0]": expected an object');
      subnet = field(first as Record<string, unknown>, 'Subnet', 'string');
      gateway = field(first as Record<string, unknown>, 'Gateway', 'string');
    }
    if (Array.isArray(config) && config.length > 1) throw badParameter('Cannot create the network: field "IPAM.Config" with more than one subnet is not supported');
  }
  if (field(body, 'CheckDuplicate', 'boolean') !== false && engine.networks.list().some((n) => n.Name === name)) {
    throw new HullError('CONFLICT', `network with name ${name} already exists`);
  }
  const net = await engine.networks.create(name, { internal, ...(subnet ? { subnet } : {}), ...(gateway ? { gateway } : {}), ...(labels ? { labels } : {}) });
  sendJson(res, 201, { Id: net.Id, Warning: '' });
}

export async function removeNetwork({ res, params, engine }: ApiRequest): Promise<void> {
  await orNoSuch('network', params.id as string, () => engine.networks.remove(params.id as string));
  sendNoContent(res);
}

export async function pruneNetworks({ res, query, engine }: ApiRequest): Promise<void> {
  parseFilters(query, ['until', 'label']);
  const removed = await engine.networks.prune();
  sendJson(res, 200, { NetworksDeleted: removed });
}

export async function connectNetwork({ req, res, params, engine }: ApiRequest): Promise<void> {
  const body = await readJsonObject(req);
  const container = field(body, 'Container', 'string');
  if (!container) throw badParameter('Cannot connect: field "Container" is required');
  const endpoint = field(body, 'EndpointConfig', 'object') ?? {};
  const aliases = endpoint.Aliases;
  if (aliases !== undefined && aliases !== null && (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string'))) throw badParameter('Cannot read field "EndpointConfig.Aliases": expected a list of strings');
  const ipam = endpoint.IPAMConfig as Record<string, unknown> | undefined | null;
  const ip = ipam ? field(ipam, 'IPv4Address', 'string') : undefined;
  const mac = field(endpoint, 'MacAddress', 'string');
  const net = await orNoSuch('network', params.id as string, () => engine.networks.get(params.id as string));
  await orNoSuch('container', container, () => engine.containers.inspect(container));
  await engine.containers.connectNetwork(container, net.Name, { ...(Array.isArray(aliases) ? { Aliases: aliases as string[] } : {}), ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}), ...(mac ? { MacAddress: mac } : {}) });
  res.writeHead(200);
  res.end();
}

export async function disconnectNetwork({ req, res, params, engine }: ApiRequest): Promise<void> {
  const body = await readJsonObject(req);
  const container = field(body, 'Container', 'string');
  if (!container) throw badParameter('Cannot disconnect: field "Container" is required');
  field(body, 'Force', 'boolean');
  const net = await orNoSuch('network', params.id as string, () => engine.networks.get(params.id as string));
  await orNoSuch('container', container, () => engine.containers.inspect(container));
  await engine.containers.disconnectNetwork(container, net.Name);
  res.writeHead(200);
  res.end();
}
