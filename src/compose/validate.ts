/**
 * The shape check each file gets before interpolation, as Compose v2 validates each file against
 * the compose-spec JSON schema (compose-spec schema/compose-spec.json). It checks which keys
 * exist and whether each holds a mapping, a sequence or a scalar; values stay strings until
 * after interpolation, where `typed.ts` checks them. Every error names the key, file and line.
 * `x-` keys are extensions and are not checked (compose-spec extension.md).
 */
import { HullError } from '../errors.js';
import { OverrideTag, ResetTag, lineIn, pathText, quote, type Path, type SourceFile } from './yaml-source.js';

/** s: scalar; list: sequence of scalars; strlist: scalar or list; kv: mapping or list; map: any mapping; any: anything. */
type Kind = 's' | 'list' | 'strlist' | 'kv' | 'map' | 'any' | Shape | { listOf: Kind } | { mapOf: Kind } | { or: Kind[] };
interface Shape {
  keys: Record<string, Kind>;
}

const shape = (keys: Record<string, Kind>): Shape => ({ keys });
const s = 's' as const;

const ULIMIT: Kind = { or: [s, shape({ soft: s, hard: s })] };
const RESOURCES = shape({ cpus: s, memory: s, pids: s, devices: 'any', generic_resources: 'any' });

const SERVICE = shape({
  annotations: 'kv', attach: s, blkio_config: 'any', cap_add: 'list', cap_drop: 'list', cgroup: s, cgroup_parent: s,
  command: 'strlist', configs: { listOf: { or: [s, shape({ source: s, target: s, uid: s, gid: s, mode: s })] } },
  container_name: s, cpu_count: s, cpu_percent: s, cpu_shares: s, cpu_quota: s, cpu_period: s, cpu_rt_period: s, cpu_rt_runtime: s,
  cpus: s, cpuset: s, credential_spec: 'any', depends_on: { or: ['list', { mapOf: shape({ condition: s, restart: s, required: s }) }] },
  deploy: shape({
    mode: s, replicas: s, labels: 'kv', endpoint_mode: s, placement: 'any', update_config: 'any', rollback_config: 'any', restart_policy: 'any',
    resources: shape({ limits: RESOURCES, reservations: RESOURCES }),
  }),
  develop: 'any', device_cgroup_rules: 'list', devices: { listOf: 'any' }, dns: 'strlist', dns_opt: 'list', dns_search: 'strlist', domainname: s,
  entrypoint: 'strlist', env_file: { or: [s, { listOf: { or: [s, shape({ path: s, required: s, format: s })] } }] }, environment: 'kv',
  expose: 'list', extends: { or: [s, shape({ service: s, file: s })] }, external_links: 'list', extra_hosts: 'kv', gpus: 'any', group_add: 'list',
  healthcheck: shape({ disable: s, interval: s, retries: s, test: 'strlist', timeout: s, start_period: s, start_interval: s }),
  hostname: s, image: s, init: s, ipc: s, isolation: s, label_file: 'strlist', labels: 'kv', links: 'list', logging: shape({ driver: s, options: 'map' }),
  mac_address: s, mem_limit: s, mem_reservation: s, mem_swappiness: s, memswap_limit: s, models: 'any', network_mode: s,
  networks: { or: ['list', { mapOf: { or: [s, shape({ aliases: 'list', ipv4_address: s, ipv6_address: s, link_local_ips: 'list', mac_address: s, driver_opts: 'map', priority: s, gw_priority: s, interface_name: s })] } }] },
  oom_kill_disable: s, oom_score_adj: s, pid: s, pids_limit: s, platform: s,
  ports: { listOf: { or: [s, shape({ name: s, mode: s, host_ip: s, target: s, published: s, protocol: s, app_protocol: s })] } },
  post_start: 'any', pre_stop: 'any', privileged: s, profiles: 'list', provider: 'any', pull_policy: s, pull_refresh_after: s, read_only: s, restart: s, runtime: s, scale: s,
  secrets: { listOf: { or: [s, shape({ source: s, target: s, uid: s, gid: s, mode: s })] } }, security_opt: 'list', shm_size: s, stdin_open: s,
  stop_grace_period: s, stop_signal: s, storage_opt: 'map', sysctls: 'kv', tmpfs: 'strlist', tty: s, ulimits: { mapOf: ULIMIT }, use_api_socket: s, user: s,
  userns_mode: s, uts: s, volumes: {
    listOf: {
      or: [
        s,
        shape({
          type: s, source: s, target: s, read_only: s, consistency: s,
          bind: shape({ propagation: s, create_host_path: s, recursive: s, selinux: s }),
          volume: shape({ nocopy: s, subpath: s, labels: 'kv' }), tmpfs: shape({ size: s, mode: s }), image: shape({ subpath: s }),
        }),
      ],
    },
  },
  volumes_from: 'list', working_dir: s,
  build: {
    or: [
      s,
      shape({
        context: s, dockerfile: s, dockerfile_inline: s, args: 'kv', ssh: 'kv', labels: 'kv', cache_from: 'list', cache_to: 'list', no_cache: s,
        additional_contexts: 'kv', network: s, pull: s, target: s, shm_size: s, extra_hosts: 'kv', isolation: s, privileged: s, secrets: 'any',
        tags: 'list', ulimits: { mapOf: ULIMIT }, platforms: 'list', entitlements: 'list', provenance: s, sbom: s,
      }),
    ],
  },
});

const NETWORK = shape({
  name: s, driver: s, driver_opts: 'map', attachable: s, enable_ipv4: s, enable_ipv6: s, external: { or: [s, shape({ name: s })] }, internal: s, labels: 'kv',
  ipam: shape({ driver: s, config: { listOf: shape({ subnet: s, ip_range: s, gateway: s, aux_addresses: 'map' }) }, options: 'map' }),
});
const VOLUME = shape({ name: s, driver: s, driver_opts: 'map', external: { or: [s, shape({ name: s })] }, labels: 'kv' });
const FILE_OBJECT = shape({ name: s, file: s, environment: s, content: s, external: { or: [s, shape({ name: s })] }, labels: 'kv', driver: s, driver_opts: 'map', template_driver: s });

const TOP = shape({
  version: s, name: s,
  include: { listOf: { or: [s, shape({ path: 'strlist', project_directory: s, env_file: 'strlist' })] } },
  services: { mapOf: SERVICE }, networks: { mapOf: { or: [s, NETWORK] } }, volumes: { mapOf: { or: [s, VOLUME] } },
  secrets: { mapOf: FILE_OBJECT }, configs: { mapOf: FILE_OBJECT }, models: 'any',
});

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof ResetTag) && !(v instanceof OverrideTag);
const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

function describe(kind: Kind): string {
  if (kind === 's') return 'a single value';
  if (kind === 'list') return 'a list';
  if (kind === 'strlist') return 'a string or a list';
  if (kind === 'kv') return 'a mapping or a list of KEY=VALUE';
  if (kind === 'map') return 'a mapping';
  if (kind === 'any') return 'anything';
  if ('keys' in kind || 'mapOf' in kind) return 'a mapping';
  if ('listOf' in kind) return 'a list';
  return kind.or.map(describe).join(' or ');
}

/** Returns the problem with `value` at `path`, or undefined when it fits `kind`. */
function check(value: unknown, kind: Kind, path: (string | number)[]): { path: Path; problem: string } | undefined {
  if (value instanceof ResetTag) return undefined;
  if (value instanceof OverrideTag) return check(value.value, kind, path);
  // A null value stands for "empty" in most places (`volumes:` with nothing under it).
  if (value === null) return undefined;
  if (kind === 'any') return undefined;
  if (kind === 's') return isScalar(value) ? undefined : { path, problem: `must be ${describe(kind)}, not ${Array.isArray(value) ? 'a list' : 'a mapping'}` };
  if (kind === 'list' || kind === 'strlist') {
    if (kind === 'strlist' && isScalar(value)) return undefined;
    if (!Array.isArray(value)) return { path, problem: `must be ${describe(kind)}` };
    const i = value.findIndex((v) => !isScalar(v));
    return i === -1 ? undefined : { path: [...path, i], problem: 'must be a single value' };
  }
  if (kind === 'kv') {
    if (Array.isArray(value)) {
      const i = value.findIndex((v) => !isScalar(v));
      return i === -1 ? undefined : { path: [...path, i], problem: 'must be a KEY=VALUE string' };
    }
    if (!isMapping(value)) return { path, problem: `must be ${describe(kind)}` };
    for (const [k, v] of Object.entries(value)) if (!isScalar(v) && !(v instanceof ResetTag)) return { path: [...path, k], problem: 'must be a single value' };
    return undefined;
  }
  if (kind === 'map') return isMapping(value) ? undefined : { path, problem: 'must be a mapping' };
  if ('or' in kind) {
    const results = kind.or.map((k) => check(value, k, path));
    if (results.some((r) => r === undefined)) return undefined;
    // Report the deepest problem: it is the one closest to what the author meant.
    const deepest = results.reduce((a, b) => ((b?.path.length ?? 0) > (a?.path.length ?? 0) ? b : a));
    return deepest && deepest.path.length > path.length ? deepest : { path, problem: `must be ${describe(kind)}` };
  }
  if ('listOf' in kind) {
    if (!Array.isArray(value)) return { path, problem: 'must be a list' };
    for (let i = 0; i < value.length; i++) {
      const r = check(value[i], kind.listOf, [...path, i]);
      if (r) return r;
    }
    return undefined;
  }
  if (!isMapping(value)) return { path, problem: 'must be a mapping' };
  if ('mapOf' in kind) {
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('x-')) continue;
      const r = check(v, kind.mapOf, [...path, k]);
      if (r) return r;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('x-')) continue;
    const sub = kind.keys[k];
    if (sub === undefined) return { path: [...path, k], problem: `is not a compose key${suggest(k, Object.keys(kind.keys))}` };
    const r = check(v, sub, [...path, k]);
    if (r) return r;
  }
  return undefined;
}

function suggest(k: string, known: string[]): string {
  const near = known.find((c) => distance(c, k) <= 2);
  return near ? ` (did you mean ${quote(near)}?)` : '';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  return (d[a.length] as number[])[b.length] as number;
}

/** Throws INVALID_FORMAT naming file, line and key when `file` does not have the compose shape. */
export function validateComposeFile(file: SourceFile, shortName: (p: string) => string): void {
  if (file.value === null) return; // an empty file is an empty project part
  if (!isMapping(file.value)) throw new HullError('INVALID_FORMAT', `Cannot load compose file ${quote(shortName(file.path))}: the top level must be a mapping`, { hint: 'a compose file starts with keys such as "services:"' });
  const r = check(file.value, TOP, []);
  if (!r) return;
  const line = lineIn(file, r.path);
  throw new HullError('INVALID_FORMAT', `Cannot load compose file ${quote(shortName(file.path))}: ${line ? `line ${line}: ` : ''}${pathText(r.path)} ${r.problem}`, {
    hint: 'see the Compose Specification for the keys and their forms',
  });
}
