/**
 * Convergence, as data: from the project and what exists (containers found by their compose
 * labels, networks, volumes) to the steps `up` and `down` take. Pure; apply.ts runs the steps
 * through the engine. The rules are Compose v2's (docker/compose pkg/compose/convergence.go):
 * a container whose config-hash label differs from the service's hash is recreated, and so
 * are the containers of the services that depend on it; replicas above the scale are removed;
 * containers of services no longer in the file are orphans (removed with --remove-orphans).
 */
import { HullError } from '../errors.js';
import { planContainer, type PlannedContainer } from './create-request.js';
import { COMPOSE_VERSION, LABEL, configHash } from './labels.js';
import type { ComposeProject, DependsOn } from './model.js';
import { dependenciesOf, startOrder, withDependencies } from './order.js';
import { serviceImage } from './output.js';

export interface ObservedContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
}

export interface ObservedState {
  containers: ObservedContainer[];
  networks: string[];
  volumes: string[];
}

export interface UpOptions {
  /** Services named on the command line (default: all). */
  services?: readonly string[];
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  /** `--scale SERVICE=N`. */
  scale?: Readonly<Record<string, number>>;
}

export type ContainerStep =
  | { action: 'create'; container: PlannedContainer }
  | { action: 'recreate'; replaces: ObservedContainer; container: PlannedContainer; reason: 'config' | 'dependency' | 'forced' }
  | { action: 'start'; existing: ObservedContainer }
  | { action: 'keep'; existing: ObservedContainer }
  | { action: 'remove'; existing: ObservedContainer };

export interface ServiceStep {
  service: string;
  dependsOn: Record<string, DependsOn>;
  steps: ContainerStep[];
}

export interface NetworkStep {
  key: string;
  name: string;
  create: boolean;
  subnet?: string;
  gateway?: string;
  internal: boolean;
  labels: Record<string, string>;
}

export interface VolumeStep {
  key: string;
  name: string;
  create: boolean;
  labels: Record<string, string>;
}

export interface UpPlan {
  project: string;
  networks: NetworkStep[];
  volumes: VolumeStep[];
  /** In start order. */
  services: ServiceStep[];
  /** Containers of the project whose service is not in the model (or is disabled). */
  orphans: ObservedContainer[];
}

/** The project's own containers (not one-offs), by service. */
export function projectContainers(project: string, observed: readonly ObservedContainer[]): Map<string, ObservedContainer[]> {
  const out = new Map<string, ObservedContainer[]>();
  for (const c of observed) {
    if (c.labels[LABEL.project] !== project || c.labels[LABEL.oneoff] === 'True') continue;
    const svc = c.labels[LABEL.service] ?? '';
    out.set(svc, [...(out.get(svc) ?? []), c]);
  }
  for (const list of out.values()) list.sort((a, b) => number(a) - number(b));
  return out;
}

const number = (c: ObservedContainer) => Number(c.labels[LABEL.containerNumber] ?? 0);

function planNetworks(project: ComposeProject, observed: ObservedState): NetworkStep[] {
  const { model } = project;
  return Object.entries(model.networks ?? {}).map(([key, n]) => {
    const exists = observed.networks.includes(n.name);
    if (n.external) {
      if (!exists) throw new HullError('NOT_FOUND', `Cannot use network "${n.name}": it is declared external, but does not exist`, { hint: `create it first: hull network create ${n.name}` });
      return { key, name: n.name, create: false, internal: false, labels: {} };
    }
    if (n.driver !== undefined && n.driver !== 'bridge') throw new HullError('UNSUPPORTED', `Cannot create network "${n.name}": driver "${n.driver}" is not supported`, { hint: 'hull has bridge networks only' });
    const ipam = n.ipam?.config?.[0];
    if ((n.ipam?.config?.length ?? 0) > 1) throw new HullError('UNSUPPORTED', `Cannot create network "${n.name}": more than one ipam config`, { hint: 'give one subnet' });
    return {
      key,
      name: n.name,
      create: !exists,
      ...(ipam?.subnet ? { subnet: ipam.subnet } : {}),
      ...(ipam?.gateway ? { gateway: ipam.gateway } : {}),
      internal: n.internal ?? false,
      labels: { ...n.labels, [LABEL.project]: model.name, [LABEL.network]: key, [LABEL.version]: COMPOSE_VERSION },
    };
  });
}

function planVolumes(project: ComposeProject, observed: ObservedState): VolumeStep[] {
  const { model } = project;
  return Object.entries(model.volumes ?? {}).map(([key, v]) => {
    const exists = observed.volumes.includes(v.name);
    if (v.external) {
      if (!exists) throw new HullError('NOT_FOUND', `Cannot use volume "${v.name}": it is declared external, but does not exist`, { hint: `create it first: hull volume create ${v.name}` });
      return { key, name: v.name, create: false, labels: {} };
    }
    if ((v.driver !== undefined && v.driver !== 'local') || Object.keys(v.driver_opts ?? {}).length > 0) {
      throw new HullError('UNSUPPORTED', `Cannot create volume "${v.name}": volume drivers and driver_opts are not supported`, { hint: 'hull has local volumes only' });
    }
    return { key, name: v.name, create: !exists, labels: { ...v.labels, [LABEL.project]: model.name, [LABEL.volume]: key, [LABEL.version]: COMPOSE_VERSION } };
  });
}

export function planUp(project: ComposeProject, observed: ObservedState, opts: UpOptions = {}): UpPlan {
  const { model } = project;
  const order = startOrder(model);
  for (const s of opts.services ?? []) if (!model.services[s]) throw new HullError('NOT_FOUND', `Cannot start service "${s}": no such service in project "${model.name}"`, { hint: `services: ${order.join(', ')}` });
  for (const s of Object.keys(opts.scale ?? {})) if (!model.services[s]) throw new HullError('NOT_FOUND', `Cannot scale service "${s}": no such service in project "${model.name}"`);
  const selected = new Set(opts.services?.length ? (opts.noDeps ? opts.services : withDependencies(model, opts.services)) : order);
  const existing = projectContainers(model.name, observed.containers);
  const recreated = new Set<string>();
  const services: ServiceStep[] = [];
  for (const service of order) {
    if (!selected.has(service)) continue;
    const svc = model.services[service]!;
    const hash = configHash(svc);
    const replicas = opts.scale?.[service] ?? svc.deploy?.replicas ?? 1;
    const have = existing.get(service) ?? [];
    const dependencyRecreated = dependenciesOf(svc).some((d) => recreated.has(d));
    const steps: ContainerStep[] = [];
    const used = new Set<number>();
    for (const c of have) {
      const n = number(c);
      if (n < 1 || n > replicas || used.has(n)) {
        steps.push({ action: 'remove', existing: c });
        continue;
      }
      used.add(n);
      const changed = c.labels[LABEL.configHash] !== hash;
      const reason = opts.forceRecreate ? 'forced' : opts.noRecreate ? undefined : changed ? 'config' : dependencyRecreated ? 'dependency' : undefined;
      if (reason) steps.push({ action: 'recreate', replaces: c, container: planContainer(project, { service, number: n }), reason });
      else steps.push(c.running ? { action: 'keep', existing: c } : { action: 'start', existing: c });
    }
    for (let n = 1; used.size < replicas; n++) {
      if (used.has(n)) continue;
      used.add(n);
      steps.push({ action: 'create', container: planContainer(project, { service, number: n }) });
    }
    if (steps.some((s) => s.action === 'recreate')) recreated.add(service);
    services.push({ service, dependsOn: svc.depends_on ?? {}, steps });
  }
  const orphans = [...existing.entries()].filter(([svc]) => !model.services[svc]).flatMap(([, list]) => list);
  return { project: model.name, networks: planNetworks(project, observed), volumes: planVolumes(project, observed), services, orphans };
}

export interface DownPlan {
  /** Stop and remove, dependants first (reverse start order). */
  containers: ObservedContainer[];
  networks: string[];
  volumes: string[];
  /** `--rmi all`: every service's image; `--rmi local`: those without an `image:` (built ones). */
  images: string[];
}

/**
 * `down`: the project's containers (one-offs too; orphans only when asked), the networks the
 * model declares that are not external, and with `volumes` its named volumes.
 */
export function planDown(project: ComposeProject, observed: ObservedState, opts: { volumes?: boolean; removeOrphans?: boolean; rmi?: 'local' | 'all' } = {}): DownPlan {
  const { model } = project;
  const order = startOrder(model);
  const rank = (c: ObservedContainer) => {
    const i = order.indexOf(c.labels[LABEL.service] ?? '');
    return i === -1 ? order.length : i;
  };
  const mine = observed.containers.filter((c) => c.labels[LABEL.project] === model.name && (opts.removeOrphans || model.services[c.labels[LABEL.service] ?? ''] !== undefined));
  const containers = mine.sort((a, b) => rank(b) - rank(a) || number(b) - number(a));
  const networks = Object.values(model.networks ?? {}).filter((n) => !n.external && observed.networks.includes(n.name)).map((n) => n.name);
  const volumes = opts.volumes ? Object.values(model.volumes ?? {}).filter((v) => !v.external && observed.volumes.includes(v.name)).map((v) => v.name) : [];
  const images = opts.rmi ? [...new Set(Object.entries(model.services).filter(([, s]) => opts.rmi === 'all' || !s.image).map(([name]) => serviceImage(model, name)))] : [];
  return { containers, networks, volumes, images };
}
