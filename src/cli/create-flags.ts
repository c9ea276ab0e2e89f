/**
 * `run`/`create` flags -> the engine's ContainerCreateRequest (Docker's ContainerCreate body).
 * Only translation lives here: the CLI reads what belongs to its own process (env files, `-e KEY`
 * from its environment, relative paths against its working directory) and parses syntax; the
 * engine checks every value (containers/create-check.ts), as it does for the API.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HullError } from '../errors.js';
import { bool, list, str, type OptionValues } from './args.js';
import type { Command } from './command.js';
import type { ContainerCreateRequest, CreateHostConfig } from '../engine/requests.js';
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
  { name: 'add-host', type: 'string', multiple: true, valueName: 'NAME:IP', description: 'add a line to /etc/hosts' },
];


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
  const int = (flag: string): number | undefined => {
    const v = str(o, flag);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v.trim())) throw new HullError('INVALID_ARGUMENT', `Cannot use --${flag} "${v}": expected a whole number`);
    return Number(v);
  };
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
  const pids = int('pids-limit');
  if (pids !== undefined) hc.PidsLimit = pids;
  const shm = str(o, 'shm-size');
  if (shm !== undefined) hc.ShmSize = parseSize(shm, 'shm-size');
  hc.Ulimits = list(o, 'ulimit').map(parseUlimit).map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
  return hc;
}

/** The request for `run`/`create` IMAGE CMD..., from the parsed flags and this process's environment. */
export function createRequestFrom(o: OptionValues, image: string, cmd: string[], proc: { env: NodeJS.ProcessEnv; cwd: string }): ContainerCreateRequest {
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
      ...(str(o, 'stop-signal') !== undefined ? { StopSignal: str(o, 'stop-signal') as string } : {}),
      ...(stopTimeout !== undefined ? { StopTimeout: Number(stopTimeout) } : {}),
      ExposedPorts: publish.ExposedPorts,
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
      ExtraHosts: list(o, 'add-host'),
      ...(Object.keys(logOpts).length > 0 ? { LogConfig: { Type: 'k8s-file', Config: logOpts } } : {}),
    },
    ...(aliases.length > 0 || ip !== undefined ? { NetworkingConfig: { EndpointsConfig: { [network ?? 'bridge']: { Aliases: aliases, ...(ip !== undefined ? { IPAMConfig: { IPv4Address: ip } } : {}) } } } } : {}),
  };
}
