/**
 * What a front door asks for when it creates a pod (`hull pod create`, kube play, the CRI's
 * RunPodSandbox), and checkPodCreate: the pure check of the pod's own fields. The network fields
 * (ports, DNS, sysctls, aliases) go to the infra container, whose create request gets every check
 * a container's gets (containers/create-check.ts).
 */
import { HullError, showUntrusted } from '../errors.js';
import type { DockerPortBindings } from '../network/ports.js';
import { checkResources } from '../runtime/resources.js';
import { checkCgroupParent } from '../containers/create-check.js';
import type { PodResources, SharedNamespace } from './record.js';

export interface PodCreateOptions {
  /** Default: a generated name. */
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Default: the pod's name (podman's). */
  hostname?: string;
  /** bridge (default) | NETWORK | none | host. */
  network?: string;
  networkAliases?: string[];
  ip?: string;
  /** Published ports at the pod level, Docker's shape: {"80/tcp": [{HostIp: "", HostPort: "8080"}]}. */
  portBindings?: DockerPortBindings;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** NAME:IP entries for /etc/hosts. */
  addHosts?: string[];
  /** Namespaces members share (podman's --share); default net, ipc, uts. "cgroup" is accepted: always shared. */
  share?: string[];
  resources?: PodResources;
  sysctls?: Record<string, string>;
  shmSize?: number;
  /**
   * An image for the infra container (already in the store: doors pull it first with
   * Engine.ensureImage); default hull's built-in one, made from the host's catatonit.
   */
  infraImage?: string;
  /** The infra's command with infraImage (default: the image's). */
  infraCommand?: string[];
  /** The cgroupfs parent under which the pod's cgroup is made; default /hull. */
  cgroupParent?: string;
}

/** A checked create: the pod's own fields, parsed. */
export interface PodPlan {
  name?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  hostname?: string;
  share: SharedNamespace[];
  resources: PodResources;
  cgroupParent: string;
}

export const DEFAULT_SHARE: SharedNamespace[] = ['net', 'ipc', 'uts'];
const NAMESPACES: readonly string[] = ['net', 'ipc', 'uts', 'pid'];
const POD_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}))*$/;

const bad = (what: string, hint?: string) => new HullError('INVALID_ARGUMENT', `Cannot create pod: ${what}`, hint ? { hint } : {});

function checkStringMap(m: Record<string, string> | undefined, what: string): Record<string, string> {
  for (const [k, v] of Object.entries(m ?? {})) {
    if (k === '' || typeof v !== 'string') throw bad(`${what} "${showUntrusted(k)}" needs a string value`);
  }
  return { ...(m ?? {}) };
}

/** The --share list: names, or "+name" to add to the default (podman's). */
export function parseShare(list: readonly string[] | undefined): SharedNamespace[] {
  if (list === undefined) return [...DEFAULT_SHARE];
  const words = list.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const adding = words.length > 0 && words.every((w) => w.startsWith('+'));
  const out = new Set<SharedNamespace>(adding ? DEFAULT_SHARE : []);
  for (const raw of words) {
    const w = raw.replace(/^\+/, '');
    if (w === 'cgroup') continue;
    if (!NAMESPACES.includes(w)) throw bad(`--share "${showUntrusted(raw)}" is not a namespace`, 'share some of net, ipc, uts, pid (cgroup always is)');
    out.add(w as SharedNamespace);
  }
  return [...out];
}

/** Pure: the pod's own fields checked and parsed. Throws INVALID_ARGUMENT naming the field. */
export function checkPodCreate(o: PodCreateOptions): PodPlan {
  if (o.name !== undefined && o.name !== '' && (!POD_NAME.test(o.name) || o.name.length > 253)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot create pod "${showUntrusted(o.name)}": invalid name`, { hint: 'names start with a letter or digit and contain only letters, digits, _, . and -' });
  }
  if (o.hostname !== undefined && o.hostname !== '' && (!HOSTNAME.test(o.hostname) || o.hostname.length > 253)) throw bad(`--hostname "${showUntrusted(o.hostname)}" is not a host name`);
  const share = parseShare(o.share);
  const r = o.resources ?? {};
  checkResources({
    ulimits: [],
    ...(r.Memory ? { memory: r.Memory } : {}),
    ...(r.MemorySwap ? { memorySwap: r.MemorySwap } : {}),
    ...(r.NanoCpus ? { cpus: r.NanoCpus / 1e9 } : {}),
    ...(r.CpuShares !== undefined ? { cpuShares: r.CpuShares } : {}),
  });
  for (const k of ['Memory', 'MemorySwap', 'NanoCpus', 'CpuShares', 'PidsLimit'] as const) {
    const v = r[k];
    if (v !== undefined && (!Number.isInteger(v) || (v < 0 && !(k === 'MemorySwap' && v === -1)))) throw bad(`the ${k} limit must be a whole number of 0 or more`);
  }
  if (r.CpusetCpus !== undefined && r.CpusetCpus !== '' && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(r.CpusetCpus)) throw bad(`--cpuset-cpus "${showUntrusted(r.CpusetCpus)}" is not a list such as 0-2,4`);
  const resources = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== 0 && v !== '')) as PodResources;
  if (o.infraCommand !== undefined && o.infraImage === undefined) throw bad('--infra-command needs --infra-image', 'the built-in infra runs catatonit');
  return {
    ...(o.name ? { name: o.name } : {}),
    labels: checkStringMap(o.labels, 'label'),
    annotations: checkStringMap(o.annotations, 'annotation'),
    ...(o.hostname ? { hostname: o.hostname } : {}),
    share,
    resources,
    cgroupParent: checkCgroupParent(o.cgroupParent ?? '/hull'),
  };
}
