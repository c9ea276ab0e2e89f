import { readFileSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { bool, list, str, type OptionValues } from '../args.js';
import type { Command } from '../command.js';
import { parseEnvFile } from '../../containers/config.js';
import type { CreateOptions } from '../../containers/service.js';
import { runAttached, runWithoutMonitor } from '../run-attached.js';
import { pullIfMissing } from './pull.js';
import { hostFieldsFromFlags, type HostFlags } from '../../containers/host-options.js';
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from '../../volumes/mount-flags.js';
import { readHostLimits } from '../../sys/host-limits.js';
import { parseSize } from '../../runtime/resources.js';
import { checkIpFlag, parseAddHost } from '../../network/flags.js';
import { parsePublishFlag } from '../../network/ports.js';

/** Options shared by `run` and (later) `create`. */
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

export function createOptionsFrom(o: OptionValues, image: string, cmd: string[]): CreateOptions {
  const env: string[] = [];
  for (const file of list(o, 'env-file')) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new HullError('INVALID_ARGUMENT', `Cannot read env file "${file}": ${(err as Error).message}`);
    }
    env.push(...parseEnvFile(text, process.env));
  }
  env.push(...list(o, 'env'));
  const labels = Object.fromEntries(list(o, 'label').map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
  const mounts = [...list(o, 'volume').map(parseVolumeFlag), ...list(o, 'mount').map(parseMountFlag), ...list(o, 'tmpfs').map(parseTmpfsFlag)];
  const host: HostFlags = { privileged: bool(o, 'privileged'), capAdd: list(o, 'cap-add'), capDrop: list(o, 'cap-drop'), securityOpt: list(o, 'security-opt'), ulimits: list(o, 'ulimit'), devices: list(o, 'device'), init: bool(o, 'init') };
  for (const [key, flag] of [['memory', 'memory'], ['memorySwap', 'memory-swap'], ['cpus', 'cpus'], ['cpuShares', 'cpu-shares'], ['pidsLimit', 'pids-limit'], ['shmSize', 'shm-size']] as const) {
    const v = str(o, flag);
    if (v !== undefined) host[key] = v;
  }
  const opts: CreateOptions = {
    image,
    cmd,
    env,
    labels,
    readOnly: bool(o, 'read-only'),
    tty: bool(o, 'tty'),
    interactive: bool(o, 'interactive'),
    host: hostFieldsFromFlags(host, readHostLimits()),
    mounts,
    binds: list(o, 'volume'),
    tmpfs: Object.fromEntries(list(o, 'tmpfs').map((t) => [t.split(':')[0] as string, t.split(':').slice(1).join(':')])),
  };
  const network = str(o, 'network');
  if (network !== undefined) opts.network = network;
  opts.networkAliases = list(o, 'network-alias');
  const ip = str(o, 'ip');
  if (ip !== undefined) opts.ip = checkIpFlag(ip);
  opts.publish = list(o, 'publish').flatMap(parsePublishFlag);
  opts.publishAll = bool(o, 'publish-all');
  opts.dns = list(o, 'dns').map((d) => checkIpFlag(d, '--dns'));
  opts.addHosts = list(o, 'add-host').map((h) => (parseAddHost(h), h));
  const stopSignal = str(o, 'stop-signal');
  if (stopSignal !== undefined) opts.stopSignal = stopSignal;
  const stopTimeout = str(o, 'stop-timeout');
  if (stopTimeout !== undefined) {
    if (!/^-?\d+$/.test(stopTimeout)) throw new HullError('INVALID_ARGUMENT', `Cannot use --stop-timeout "${stopTimeout}": expected whole seconds`);
    opts.stopTimeout = Number(stopTimeout);
  }
  for (const logOpt of list(o, 'log-opt')) {
    const [key, value = ''] = logOpt.split('=');
    if (key === 'max-size') opts.logSizeMax = parseSize(value, '--log-opt max-size');
    else if (key !== 'max-file') throw new HullError('INVALID_ARGUMENT', `Cannot use --log-opt "${logOpt}": hull supports max-size (and accepts max-file)`);
  }
  for (const [key, flag] of [['name', 'name'], ['workdir', 'workdir'], ['user', 'user'], ['entrypoint', 'entrypoint'], ['hostname', 'hostname']] as const) {
    const v = str(o, flag);
    if (v !== undefined) opts[key] = v;
  }
  return opts;
}

const run: Command = {
  name: 'run',
  summary: 'Create and run a container',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description:
    "Create a container from IMAGE and run COMMAND (or the image's default) in it.\nIn the foreground, output streams to this terminal and hull exits with the container's exit code (125 when hull fails, 126 when the command cannot be invoked, 127 when it is not found). With -d, hull prints the container ID and returns; the container keeps running under its monitor (conmon).",
  examples: [
    'hull run --rm busybox echo hello',
    'hull run -d --name web busybox httpd -f -p 8080',
    'hull run -it --rm busybox sh',
    "hull run --rm -e GREETING=hi -w /tmp -u nobody busybox sh -c 'echo $GREETING from $(pwd) as $(id -un)'",
  ],
  options: [
    { name: 'detach', short: 'd', type: 'boolean', description: 'run in the background and print the container ID' },
    { name: 'rm', type: 'boolean', description: 'remove the container when it exits' },
    { name: 'interactive', short: 'i', type: 'boolean', description: "keep the container's standard input open and connected" },
    { name: 'tty', short: 't', type: 'boolean', description: 'allocate a pseudo-terminal' },
    { name: 'detach-keys', type: 'string', valueName: 'KEYS', description: 'key sequence to detach from the container (default ctrl-p,ctrl-q with -t)' },
    ...CREATE_OPTIONS,
  ],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const [image, ...cmd] = positionals as [string, ...string[]];
    const engine = ctx.engine();
    const detach = bool(options, 'detach');
    const rm = bool(options, 'rm');
    // Detached --rm is done by the monitor's exit command; in the foreground hull removes the
    // container itself once it has read the exit code.
    const source = await pullIfMissing(ctx, image); // docker's pull-on-missing
    const record = await engine.containers.create({ ...createOptionsFrom(options, source, cmd), autoRemove: rm && detach });
    if (detach) {
      await engine.containers.start(record.Id);
      ctx.stdout.write(`${record.Id}\n`);
      return 0;
    }
    try {
      if (rm && !bool(options, 'tty')) return await runWithoutMonitor(engine, record.Id, { stdin: bool(options, 'interactive') });
      return await runAttached(engine, record.Id, { tty: bool(options, 'tty'), stdin: bool(options, 'interactive'), detachKeys: str(options, 'detach-keys') });
    } finally {
      if (rm) await engine.containers.remove(record.Id, { force: true }).catch(() => {});
    }
  },
};

export default run;
