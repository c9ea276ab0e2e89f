/**
 * `run`/`create` flags -> the engine's ContainerCreateRequest (Docker's ContainerCreate body).
 * Only translation lives here: the CLI reads what belongs to its own process (env files, `-e KEY`
 * from its environment, relative paths against its working directory) and parses syntax; the
 * engine checks every value (containers/create-check.ts), as it does for the API.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HullError } from '../errors.js';
import { bool, list, str, type OptionValues } from './args.js';
import type { Command } from './command.js';
import type { ContainerCreateRequest, CreateConfig, CreateHostConfig } from '../engine/requests.js';
import { parseHealthFlags, parseHealthOnFailure, parseRestartPolicy } from '../engine/flags.js';
import { parseDevice, parseEnvFile, parseKeyValues, parseMount, parsePublish, parseSize, parseUlimit, resolveEnvArgs } from '../engine/flags.js';

/** The flags of `run` and `create`, docker's names. */
export const CREATE_OPTIONS: Command['options'] = [
  { name: 'name', type: 'string', valueName: 'NAME', description: 'assign a name to the container' },
  { name: 'env', short: 'e', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'set an environment variable (KEY alone copies it from this shell)' },
  { name: 'env-file', type: 'string', multiple: true, valueName: 'FILE', description: 'read environment variables from a file' },
  { name: 'workdir', short: 'w', type: 'string', valueName: 'DIR', description: 'working directory inside the container' },
  { name: 'user', short: 'u', type: 'string', valueName: 'USER[:GROUP]', description: 'user name or uid, and optionally group name or gid' },
  { name: 'entrypoint', type: 'string', valueName: 'CMD', description: "overwrite the image's ENTRYPOINT (clears its CMD)" },
  { name: 'hostname', short: 'h', type: 'string', valueName: 'NAME', description: 'container host name (default: the short container ID)' },
  { name: 'label', short: 'l', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'set a label on the container' },
  { name: 'read-only', type: 'boolean', description: "mount the container's root filesystem read-only" },
  { name: 'stop-signal', type: 'string', valueName: 'SIGNAL', description: 'signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' },
  { name: 'stop-timeout', type: 'string', valueName: 'SECONDS', description: 'seconds to wait for the stop signal before SIGKILL (default 10)' },
  { name: 'log-opt', type: 'string', multiple: true, valueName: 'max-size=SIZE', description: 'log options: max-size (default 100m; the log is truncated past it)' },
  { name: 'volume', short: 'v', type: 'string', multiple: true, valueName: '[SRC:]DST[:OPTS]', description: 'bind mount a host path, or mount a named volume (created on first use, filled from the image)' },
  { name: 'mount', type: 'string', multiple: true, valueName: 'type=bind|volume|tmpfs,...', description: 'attach a filesystem mount' },
  { name: 'tmpfs', type: 'string', multiple: true, valueName: 'DST[:OPTS]', description: 'mount a tmpfs' },
  { name: 'memory', short: 'm', type: 'string', valueName: 'SIZE', description: 'memory limit (e.g. 256m)' },
  { name: 'memory-swap', type: 'string', valueName: 'SIZE', description: 'memory plus swap limit (-1: unlimited swap)' },
  { name: 'cpus', type: 'string', valueName: 'N', description: 'number of CPUs (fractional: 1.5)' },
  { name: 'cpu-shares', short: 'c', type: 'string', valueName: 'N', description: 'relative CPU weight' },
  { name: 'blkio-weight', type: 'string', valueName: 'N', description: 'relative block I/O weight, 10 to 1000 (needs the BFQ or CFQ I/O scheduler)' },
  { name: 'pids-limit', type: 'string', valueName: 'N', description: 'maximum number of processes (default 2048; -1 unlimited)' },
  { name: 'shm-size', type: 'string', valueName: 'SIZE', description: 'size of /dev/shm (default 64m)' },
  { name: 'ulimit', type: 'string', multiple: true, valueName: 'NAME=SOFT[:HARD]', description: 'resource limit, at most the host\'s hard limit' },
  { name: 'cap-add', type: 'string', multiple: true, valueName: 'CAP', description: 'add a Linux capability (or ALL)' },
  { name: 'cap-drop', type: 'string', multiple: true, valueName: 'CAP', description: 'drop a Linux capability (or ALL)' },
  { name: 'privileged', type: 'boolean', description: 'give all capabilities and devices, lift seccomp and masked paths' },
  { name: 'security-opt', type: 'string', multiple: true, valueName: 'OPT', description: 'no-new-privileges, seccomp=unconfined|FILE, apparmor=PROFILE' },
  { name: 'device', type: 'string', multiple: true, valueName: 'HOST[:CONTAINER][:rwm]', description: 'add a host device' },
  { name: 'init', type: 'boolean', description: 'run an init (catatonit) as PID 1 that reaps zombies and forwards signals' },
  { name: 'network', type: 'string', valueName: 'MODE', description: 'bridge (default), none, host, container:NAME, or a network from "hull network create"' },
  { name: 'network-alias', type: 'string', multiple: true, valueName: 'ALIAS', description: 'another name for the container on a user network' },
  { name: 'ip', type: 'string', valueName: 'IPV4', description: 'fixed address on a user network' },
  { name: 'publish', short: 'p', type: 'string', multiple: true, valueName: '[IP:][HOST_PORT:]PORT[/PROTO]', description: 'publish container ports on the host (ranges: 8000-8001:80-81)' },
  { name: 'publish-all', short: 'P', type: 'boolean', description: "publish the image's EXPOSEd ports on random host ports" },
  { name: 'dns', type: 'string', multiple: true, valueName: 'IP', description: 'nameserver for the container (replaces the host\'s)' },
  { name: 'dns-search', type: 'string', multiple: true, valueName: 'DOMAIN', description: 'search domain for the container (. for none)' },
  { name: 'dns-option', type: 'string', multiple: true, valueName: 'OPTION', description: 'resolver option for the container (e.g. ndots:2)' },
  { name: 'pid', type: 'string', valueName: 'MODE', description: 'pid namespace: host, or container:NAME to share another container\'s' },
  { name: 'pod', type: 'string', valueName: 'POD', description: 'join a pod: share its network, IPC and host name, sit in its cgroup (hull pod create); new:NAME makes it, with this -p and --network' },
  { name: 'init-ctr', type: 'string', valueName: 'always|once', description: 'with --pod: an init container, run to completion before the others at each pod start (once: removed after it succeeded)' },
  { name: 'uts', type: 'string', valueName: 'MODE', description: 'UTS namespace (host name): private (default), host, or container:NAME' },
  { name: 'cgroup-parent', type: 'string', valueName: 'PATH', description: 'cgroup under which the container\'s cgroup is made (default /hull)' },
  { name: 'ipc', type: 'string', valueName: 'MODE', description: 'IPC namespace: private (default), shareable, host, or container:NAME' },
  { name: 'sysctl', type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'a namespaced kernel parameter (net.*, kernel.shm*/msg*/sem, fs.mqueue.*)' },
  { name: 'oom-score-adj', type: 'string', valueName: 'N', description: 'OOM killer preference, -1000 to 1000 (never below hull\'s own: see docs/security.md)' },
  { name: 'group-add', type: 'string', multiple: true, valueName: 'GROUP', description: 'an additional group (name from the image, or gid)' },
  { name: 'cpuset-cpus', type: 'string', valueName: 'LIST', description: 'CPUs the container may use (0-3, 0,1)' },
  { name: 'cpuset-mems', type: 'string', valueName: 'LIST', description: 'memory nodes the container may use' },
  { name: 'memory-reservation', type: 'string', valueName: 'SIZE', description: 'soft memory limit' },
  { name: 'oom-kill-disable', type: 'boolean', description: 'do not OOM-kill the container (needs --memory)' },
  { name: 'expose', type: 'string', multiple: true, valueName: 'PORT[/PROTO]', description: 'expose a port (or range) without publishing it' },
  { name: 'link', type: 'string', multiple: true, valueName: 'NAME[:ALIAS]', description: 'legacy link: ALIAS names container NAME in /etc/hosts' },
  { name: 'log-driver', type: 'string', valueName: 'DRIVER', description: 'json-file or k8s-file (the same log, kept by conmon), or none' },
  { name: 'userns', type: 'string', valueName: 'MODE', description: 'user namespace: host (the only mode as root; see rootless mode)' },
  { name: 'mac-address', type: 'string', valueName: 'MAC', description: 'the MAC address of the container\'s interface (bridge networks)' },
  { name: 'gpus', type: 'string', valueName: 'GPUS', description: 'not supported: hull has no GPU support' },
  { name: 'platform', type: 'string', valueName: 'OS/ARCH[/VARIANT]', description: 'the platform to pull when the image is missing' },
  { name: 'volumes-from', type: 'string', multiple: true, valueName: 'CONTAINER[:ro|rw]', description: 'mount the volumes and binds of another container' },
  { name: 'cidfile', type: 'string', valueName: 'FILE', description: 'write the container ID to FILE (which must not exist)' },
  { name: 'add-host', type: 'string', multiple: true, valueName: 'NAME:IP', description: 'add a line to /etc/hosts' },
  { name: 'restart', type: 'string', valueName: 'POLICY', description: 'restart policy: no (default), always, unless-stopped, on-failure[:MAX]' },
  { name: 'health-cmd', type: 'string', valueName: 'COMMAND', description: 'command (run by /bin/sh in the container) that checks its health' },
  { name: 'health-interval', type: 'string', valueName: 'DURATION', description: 'time between checks (default 30s)' },
  { name: 'health-timeout', type: 'string', valueName: 'DURATION', description: 'a check running longer is killed and fails (default 30s)' },
  { name: 'health-retries', type: 'string', valueName: 'N', description: 'failures in a row that make it unhealthy (default 3)' },
  { name: 'health-start-period', type: 'string', valueName: 'DURATION', description: 'time to start up, when failures do not count (default 0s)' },
  { name: 'health-start-interval', type: 'string', valueName: 'DURATION', description: 'time between checks during the start period (default 5s)' },
  { name: 'health-on-failure', type: 'string', valueName: 'ACTION', description: 'once unhealthy: none (default), kill, restart or stop' },
  { name: 'no-healthcheck', type: 'boolean', description: "disable the image's HEALTHCHECK" },
];

/** --health-* -> Docker's Healthcheck (nanoseconds), --restart -> HostConfig.RestartPolicy. */
function healthAndRestart(o: OptionValues): { config: Pick<CreateConfig, 'Healthcheck' | 'HealthcheckOnFailureAction'>; host: Pick<CreateHostConfig, 'RestartPolicy'> } {
  const healthcheck = parseHealthFlags({
    cmd: str(o, 'health-cmd'),
    interval: str(o, 'health-interval'),
    timeout: str(o, 'health-timeout'),
    retries: str(o, 'health-retries'),
    startPeriod: str(o, 'health-start-period'),
    startInterval: str(o, 'health-start-interval'),
    noHealthcheck: bool(o, 'no-healthcheck'),
  });
  const onFailure = str(o, 'health-on-failure');
  const restart = str(o, 'restart');
  return {
    config: { ...(healthcheck ? { Healthcheck: healthcheck } : {}), ...(onFailure !== undefined ? { HealthcheckOnFailureAction: parseHealthOnFailure(onFailure) } : {}) },
    host: restart !== undefined ? { RestartPolicy: parseRestartPolicy(restart) } : {},
  };
}


/** Docker 23+ resolves `-v ./dir:/w` and `-v .:/w` against the working directory. */
function absoluteBind(flag: string, cwd: string): string {
  const m = /^(\.{1,2}(?:\/[^:]*)?):(.*)$/.exec(flag);
  return m ? `${resolve(cwd, m[1] as string)}:${m[2]}` : flag;
}

function readEnvFiles(files: string[], env: NodeJS.ProcessEnv): string[] {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new HullError('INVALID_ARGUMENT', `Cannot read env file "${file}": ${(err as Error).message}`);
    }
    return parseEnvFile(text, env);
  });
}

function resources(o: OptionValues): CreateHostConfig {
  const hc: CreateHostConfig = {};
  const int = (flag: string): number | undefined => intFlag(o, flag);
  const memory = str(o, 'memory');
  if (memory !== undefined) hc.Memory = parseSize(memory, 'memory');
  const swap = str(o, 'memory-swap');
  if (swap !== undefined) hc.MemorySwap = swap.trim() === '-1' ? -1 : parseSize(swap, 'memory-swap');
  const cpus = str(o, 'cpus');
  if (cpus !== undefined) {
    if (!/^\d*\.?\d+$/.test(cpus.trim()) || !(Number(cpus) > 0)) throw new HullError('INVALID_ARGUMENT', `Cannot use --cpus "${cpus}": expected a positive number such as 0.5 or 2`);
    hc.NanoCpus = Math.round(Number(cpus) * 1e9);
  }
  const shares = int('cpu-shares');
  if (shares !== undefined) hc.CpuShares = shares;
  const blkio = int('blkio-weight');
  if (blkio !== undefined) hc.BlkioWeight = blkio;
  const pids = int('pids-limit');
  if (pids !== undefined) hc.PidsLimit = pids;
  const shm = str(o, 'shm-size');
  if (shm !== undefined) hc.ShmSize = parseSize(shm, 'shm-size');
  hc.Ulimits = list(o, 'ulimit').map(parseUlimit).map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
  const reservation = str(o, 'memory-reservation');
  if (reservation !== undefined) hc.MemoryReservation = parseSize(reservation, 'memory-reservation');
  if (bool(o, 'oom-kill-disable')) hc.OomKillDisable = true;
  const cpusetCpus = str(o, 'cpuset-cpus');
  if (cpusetCpus !== undefined) hc.CpusetCpus = cpusetCpus;
  const cpusetMems = str(o, 'cpuset-mems');
  if (cpusetMems !== undefined) hc.CpusetMems = cpusetMems;
  return hc;
}

function intFlag(o: OptionValues, flag: string): number | undefined {
  const v = str(o, flag);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new HullError('INVALID_ARGUMENT', `Cannot use --${flag} "${v}": expected a whole number`);
  return Number(v);
}

/** `--expose 80`, `--expose 8000-8002/udp` -> ExposedPorts keys. */
function exposedPorts(flags: string[]): Record<string, object> {
  return Object.fromEntries(flags.flatMap((f) => {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(f);
    if (!m) throw new HullError('INVALID_ARGUMENT', `Cannot use --expose "${f}": expected PORT[-PORT][/tcp|udp]`);
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    if (lo < 1 || hi > 65535 || hi < lo) throw new HullError('INVALID_ARGUMENT', `Cannot use --expose "${f}": ports are 1-65535`);
    return Array.from({ length: hi - lo + 1 }, (_, i) => [`${lo + i}/${m[3] ?? 'tcp'}`, {}]);
  }));
}

/** The request for `run`/`create` IMAGE CMD..., from the parsed flags and this process's environment. */
export function createRequestFrom(o: OptionValues, image: string, cmd: string[], proc: { env: NodeJS.ProcessEnv; cwd: string }, opts: { attached?: boolean } = {}): ContainerCreateRequest {
  const env = resolveEnvArgs([...readEnvFiles(list(o, 'env-file'), proc.env), ...list(o, 'env')], proc.env);
  const publish = parsePublish(list(o, 'publish'));
  const stopTimeout = str(o, 'stop-timeout');
  if (stopTimeout !== undefined && !/^-?\d+$/.test(stopTimeout)) throw new HullError('INVALID_ARGUMENT', `Cannot use --stop-timeout "${stopTimeout}": expected whole seconds`);
  const logOpts = parseKeyValues(list(o, 'log-opt'));
  for (const [key, value] of Object.entries(logOpts)) {
    if (key === 'max-size') parseSize(value, 'log-opt max-size');
    else if (key !== 'max-file') throw new HullError('INVALID_ARGUMENT', `Cannot use --log-opt "${key}=${value}": hull supports max-size (and accepts max-file)`);
  }
  if (logOpts['max-size'] !== undefined) logOpts['max-size'] = String(parseSize(logOpts['max-size'], 'log-opt max-size'));
  const network = str(o, 'network');
  const aliases = list(o, 'network-alias');
  const ip = str(o, 'ip');
  const entrypoint = str(o, 'entrypoint');
  const tty = bool(o, 'tty');
  const interactive = bool(o, 'interactive');
  const health = healthAndRestart(o);
  return {
    ...(str(o, 'name') !== undefined ? { name: str(o, 'name') as string } : {}),
    Config: {
      Image: image,
      ...(cmd.length > 0 ? { Cmd: cmd } : {}),
      ...(entrypoint !== undefined ? { Entrypoint: [entrypoint] } : {}),
      Env: env,
      ...(str(o, 'workdir') !== undefined ? { WorkingDir: str(o, 'workdir') as string } : {}),
      ...(str(o, 'user') !== undefined ? { User: str(o, 'user') as string } : {}),
      ...(str(o, 'hostname') !== undefined ? { Hostname: str(o, 'hostname') as string } : {}),
      Labels: parseKeyValues(list(o, 'label')),
      Tty: tty,
      OpenStdin: interactive,
      AttachStdin: interactive,
      // docker: `run -i` attached closes the container's stdin with the client's; `-d -i` or `create -i` keeps it open.
      ...(interactive && opts.attached ? { StdinOnce: true } : {}),
      ...(str(o, 'stop-signal') !== undefined ? { StopSignal: str(o, 'stop-signal') as string } : {}),
      ...(stopTimeout !== undefined ? { StopTimeout: Number(stopTimeout) } : {}),
      ExposedPorts: { ...exposedPorts(list(o, 'expose')), ...publish.ExposedPorts },
      ...(str(o, 'mac-address') !== undefined ? { MacAddress: str(o, 'mac-address') as string } : {}),
      ...health.config,
    },
    HostConfig: {
      ...resources(o),
      AutoRemove: bool(o, 'rm'),
      Binds: list(o, 'volume').map((v) => absoluteBind(v, proc.cwd)),
      Mounts: list(o, 'mount').map(parseMount),
      Tmpfs: Object.fromEntries(list(o, 'tmpfs').map((t) => [t.split(':')[0] as string, t.split(':').slice(1).join(':')])),
      ReadonlyRootfs: bool(o, 'read-only'),
      Privileged: bool(o, 'privileged'),
      CapAdd: list(o, 'cap-add'),
      CapDrop: list(o, 'cap-drop'),
      SecurityOpt: list(o, 'security-opt'),
      Devices: list(o, 'device').map(parseDevice),
      Init: bool(o, 'init'),
      ...(network !== undefined ? { NetworkMode: network } : {}),
      PortBindings: publish.PortBindings,
      PublishAllPorts: bool(o, 'publish-all'),
      Dns: list(o, 'dns'),
      DnsSearch: list(o, 'dns-search'),
      DnsOptions: list(o, 'dns-option'),
      ExtraHosts: list(o, 'add-host'),
      ...(Object.keys(logOpts).length > 0 || str(o, 'log-driver') !== undefined ? { LogConfig: { Type: str(o, 'log-driver') ?? 'k8s-file', Config: logOpts } } : {}),
      ...(str(o, 'pid') !== undefined ? { PidMode: str(o, 'pid') as string } : {}),
      ...(str(o, 'ipc') !== undefined ? { IpcMode: str(o, 'ipc') as string } : {}),
      ...(str(o, 'uts') !== undefined ? { UTSMode: str(o, 'uts') as string } : {}),
      ...(str(o, 'cgroup-parent') !== undefined ? { CgroupParent: str(o, 'cgroup-parent') as string } : {}),
      ...(str(o, 'userns') !== undefined ? { UsernsMode: str(o, 'userns') as string } : {}),
      Sysctls: parseKeyValues(list(o, 'sysctl')),
      ...(intFlag(o, 'oom-score-adj') !== undefined ? { OomScoreAdj: intFlag(o, 'oom-score-adj') as number } : {}),
      GroupAdd: list(o, 'group-add'),
      Links: list(o, 'link'),
      VolumesFrom: list(o, 'volumes-from'),
      ...(str(o, 'gpus') !== undefined ? { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }] } : {}),
      ...health.host,
    },
    ...(aliases.length > 0 || ip !== undefined ? { NetworkingConfig: { EndpointsConfig: { [network ?? 'bridge']: { Aliases: aliases, ...(ip !== undefined ? { IPAMConfig: { IPv4Address: ip } } : {}) } } } } : {}),
    ...(str(o, 'pod') !== undefined ? { Pod: str(o, 'pod') as string } : {}),
    ...(str(o, 'init-ctr') !== undefined ? { InitContainerType: str(o, 'init-ctr') as string } : {}),
  };
}

/** `-a STDOUT -a STDERR`: which streams a foreground run shows (all when none is named). */
export function attachStreams(names: string[]): { stdin: boolean; stdout: boolean; stderr: boolean } {
  if (names.length === 0) return { stdin: true, stdout: true, stderr: true };
  const wanted = names.map((n) => n.toLowerCase());
  for (const n of wanted) if (!['stdin', 'stdout', 'stderr'].includes(n)) throw new HullError('INVALID_ARGUMENT', `Cannot attach "${n}": expected STDIN, STDOUT or STDERR`);
  return { stdin: wanted.includes('stdin'), stdout: wanted.includes('stdout'), stderr: wanted.includes('stderr') };
}

/** Before anything is created: a --cidfile that exists is refused. */
export function checkCidFile(file: string | undefined): void {
  if (file !== undefined && existsSync(file)) throw new HullError('INVALID_ARGUMENT', `Cannot write the container ID to "${file}": the file exists`, { hint: 'remove the file, or name a new one' });
}

/** `--cidfile`: the ID, in a file that must not exist yet (docker refuses to overwrite one). */
export function writeCidFile(file: string | undefined, id: string): void {
  if (file === undefined) return;
  checkCidFile(file);
  try {
    writeFileSync(file, id, { flag: 'wx' });
  } catch (err) {
    throw new HullError('INVALID_ARGUMENT', `Cannot write the container ID to "${file}": ${(err as NodeJS.ErrnoException).code === 'EEXIST' ? 'the file exists' : (err as Error).message}`, { hint: 'remove the file, or name a new one' });
  }
}
