/**
 * `hull pod create|ps|inspect|start|stop|restart|kill|pause|unpause|rm|top|logs|stats|prune`:
 * flags to PodCreateOptions and the engine's PodService back to tables; nothing is decided here.
 */
import { HullError } from '../../errors.js';
import { bool, list, str, type OptionValues } from '../args.js';
import { FORMAT_JSON_OPTION, FORMAT_OPTION } from '../command.js';
import { forEach } from '../each.js';
import { groupCommand, type Subcommand } from '../group.js';
import { confirm } from '../prompt.js';
import { renderTemplate, table, timeAgo, writeFormatted } from '../output.js';
import { parseKeyValues, parsePublish, parseSize } from '../../engine/flags.js';
import { parseLogFlags } from '../log-flags.js';
import type { PodCreateOptions } from '../../pods/options.js';
import type { PodResources } from '../../pods/record.js';
import type { PodView } from '../../pods/service.js';

const labelsText = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

const CREATE_OPTIONS: Subcommand['options'] = [
  { name: 'name', type: 'string', valueName: 'NAME', description: 'pod name (default: pod_<id>)' },
  { name: 'publish', short: 'p', type: 'string', multiple: true, valueName: '[IP:][HOST_PORT:]PORT[/PROTO]', description: 'publish a port of the pod (reaches whichever member listens on it)' },
  { name: 'network', type: 'string', valueName: 'NETWORK', description: 'bridge (default), a network name, none or host' },
  { name: 'network-alias', type: 'string', multiple: true, valueName: 'ALIAS', description: 'another name for the pod on its network' },
  { name: 'ip', type: 'string', valueName: 'IPV4', description: 'fixed address on the network' },
  { name: 'hostname', type: 'string', valueName: 'NAME', description: 'host name of the pod (default: its name)' },
  { name: 'share', type: 'string', valueName: 'NS[,NS]', description: 'namespaces members share: net, ipc, uts, pid (default net,ipc,uts; +pid adds)' },
  { name: 'label', short: 'l', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'set a label on the pod' },
  { name: 'infra-image', type: 'string', valueName: 'IMAGE', description: 'image of the infra container (default: built in, from the host\'s catatonit, no pull)' },
  { name: 'infra-command', type: 'string', multiple: true, valueName: 'ARG', description: 'command of the infra container (with --infra-image)' },
  { name: 'infra', type: 'string', valueName: 'true', description: 'an infra container holds the shared namespaces (only true)' },
  { name: 'memory', short: 'm', type: 'string', valueName: 'SIZE', description: 'memory limit of the whole pod (e.g. 256m)' },
  { name: 'memory-swap', type: 'string', valueName: 'SIZE', description: 'memory plus swap of the pod (-1: unlimited)' },
  { name: 'cpus', type: 'string', valueName: 'N', description: 'CPUs of the whole pod (fractional: 1.5)' },
  { name: 'cpu-shares', short: 'c', type: 'string', valueName: 'N', description: 'relative CPU weight of the pod' },
  { name: 'pids-limit', type: 'string', valueName: 'N', description: 'processes the whole pod may have' },
  { name: 'cpuset-cpus', type: 'string', valueName: 'LIST', description: 'CPUs the pod may use (0-3, 0,1)' },
  { name: 'cgroup-parent', type: 'string', valueName: 'PATH', description: 'cgroup under which the pod\'s cgroup is made (default /hull)' },
  { name: 'dns', type: 'string', multiple: true, valueName: 'IP', description: 'DNS server of the pod' },
  { name: 'dns-search', type: 'string', multiple: true, valueName: 'DOMAIN', description: 'DNS search domain' },
  { name: 'dns-option', type: 'string', multiple: true, valueName: 'OPT', description: 'resolv.conf option' },
  { name: 'add-host', type: 'string', multiple: true, valueName: 'NAME:IP', description: 'add a line to the pod\'s /etc/hosts' },
  { name: 'sysctl', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'namespaced sysctl of the pod (net.*, IPC)' },
  { name: 'shm-size', type: 'string', valueName: 'SIZE', description: 'size of the pod\'s /dev/shm' },
];

function intOf(o: OptionValues, name: string): number | undefined {
  const v = str(o, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new HullError('INVALID_ARGUMENT', `Cannot use --${name} "${v}": expected a whole number`);
  return Number(v);
}

function resourcesOf(o: OptionValues): PodResources {
  const r: PodResources = {};
  const memory = str(o, 'memory');
  if (memory !== undefined) r.Memory = parseSize(memory, 'memory');
  const swap = str(o, 'memory-swap');
  if (swap !== undefined) r.MemorySwap = swap.trim() === '-1' ? -1 : parseSize(swap, 'memory-swap');
  const cpus = str(o, 'cpus');
  if (cpus !== undefined) {
    if (!/^\d*\.?\d+$/.test(cpus.trim()) || !(Number(cpus) > 0)) throw new HullError('INVALID_ARGUMENT', `Cannot use --cpus "${cpus}": expected a positive number such as 0.5 or 2`);
    r.NanoCpus = Math.round(Number(cpus) * 1e9);
  }
  const shares = intOf(o, 'cpu-shares');
  if (shares !== undefined) r.CpuShares = shares;
  const pids = intOf(o, 'pids-limit');
  if (pids !== undefined) r.PidsLimit = pids;
  const cpuset = str(o, 'cpuset-cpus');
  if (cpuset !== undefined) r.CpusetCpus = cpuset;
  return r;
}

function createOptions(o: OptionValues): PodCreateOptions {
  const infra = str(o, 'infra');
  if (infra !== undefined && infra !== 'true') throw new HullError('UNSUPPORTED', `Cannot create pod: --infra=${infra} is not supported`, { hint: 'hull pods always have an infra container, which holds the shared namespaces' });
  const share = str(o, 'share');
  const shm = str(o, 'shm-size');
  const opt = (name: string) => str(o, name);
  return {
    ...(opt('name') !== undefined ? { name: opt('name') as string } : {}),
    labels: parseKeyValues(list(o, 'label')),
    ...(opt('hostname') !== undefined ? { hostname: opt('hostname') as string } : {}),
    ...(opt('network') !== undefined ? { network: opt('network') as string } : {}),
    networkAliases: list(o, 'network-alias'),
    ...(opt('ip') !== undefined ? { ip: opt('ip') as string } : {}),
    portBindings: parsePublish(list(o, 'publish')).PortBindings,
    dns: list(o, 'dns'),
    dnsSearch: list(o, 'dns-search'),
    dnsOptions: list(o, 'dns-option'),
    addHosts: list(o, 'add-host'),
    ...(share !== undefined ? { share: [share] } : {}),
    resources: resourcesOf(o),
    sysctls: parseKeyValues(list(o, 'sysctl')),
    ...(shm !== undefined ? { shmSize: parseSize(shm, 'shm-size') } : {}),
    ...(list(o, 'infra-command').length > 0 ? { infraCommand: list(o, 'infra-command') } : {}),
    ...(opt('cgroup-parent') !== undefined ? { cgroupParent: opt('cgroup-parent') as string } : {}),
  };
}

/** One subcommand that acts on each named pod (start, stop, ...), printing its ID as podman does. */
function eachPod(summary: string, act: (ctx: Parameters<Subcommand['run']>[0], name: string, o: OptionValues) => Promise<PodView>, options: Subcommand['options'] = []): Subcommand {
  return {
    usage: '[OPTIONS] POD [POD...]',
    summary,
    options,
    minArgs: 1,
    async run(ctx, { options: o, positionals }) {
      return forEach(ctx, positionals, async (name) => (await act(ctx, name, o)).Id);
    },
  };
}

const timeOption = { name: 'time', short: 't', type: 'string' as const, valueName: 'SECONDS', description: 'seconds to wait for each container to stop before killing it' };

const SUBS: Record<string, Subcommand> = {
  create: {
    usage: '[OPTIONS]',
    summary: 'Create a pod: an infra container holding the shared namespaces, and a cgroup for its members',
    options: CREATE_OPTIONS,
    maxArgs: 0,
    async run(ctx, { options }) {
      const opts = createOptions(options);
      const engine = ctx.engine();
      const infraImage = str(options, 'infra-image');
      if (infraImage !== undefined) opts.infraImage = await engine.ensureImage(infraImage);
      const pod = await engine.pods.create(opts);
      ctx.stdout.write(`${pod.Id}\n`);
      return 0;
    },
  },
  ps: {
    usage: '[OPTIONS]',
    summary: 'List pods',
    options: [
      { name: 'quiet', short: 'q', type: 'boolean', description: 'only show pod IDs' },
      { name: 'no-trunc', type: 'boolean', description: "don't truncate IDs" },
      { name: 'ctr-names', type: 'boolean', description: 'show the names of the containers' },
      FORMAT_JSON_OPTION,
    ],
    maxArgs: 0,
    async run(ctx, { options }) {
      const pods = await ctx.engine().pods.list();
      const id = (p: PodView) => (bool(options, 'no-trunc') ? p.Id : p.Id.slice(0, 12));
      const infraId = (p: PodView) => (bool(options, 'no-trunc') ? p.InfraContainerId : p.InfraContainerId.slice(0, 12));
      if (bool(options, 'quiet')) {
        ctx.stdout.write(pods.map((p) => `${id(p)}\n`).join(''));
        return 0;
      }
      const names = bool(options, 'ctr-names');
      writeFormatted(
        ctx.stdout,
        str(options, 'format'),
        pods,
        (ps) => table(['POD ID', 'NAME', 'STATUS', 'CREATED', 'INFRA ID', names ? 'NAMES' : '# OF CONTAINERS'], ps.map((p) => [id(p), p.Name, p.State, timeAgo(p.Created), infraId(p), names ? p.Containers.map((c) => c.Name).join(',') : String(p.NumContainers)])),
        (p) => ({ ID: id(p), Name: p.Name, Status: p.State, Created: p.Created, InfraID: infraId(p), NumberOfContainers: p.NumContainers, Labels: labelsText(p.Labels), Networks: p.Network.Mode, ContainerNames: p.Containers.map((c) => c.Name).join(',') }),
      );
      return 0;
    },
  },
  inspect: {
    usage: '[OPTIONS] POD [POD...]',
    summary: 'Show pods as JSON: settings, state, containers',
    options: [FORMAT_OPTION],
    minArgs: 1,
    async run(ctx, { options, positionals }) {
      const pods = ctx.engine().pods;
      const found = positionals.map((p) => pods.inspect(p));
      const format = str(options, 'format');
      if (format === undefined || format === 'json') ctx.stdout.write(JSON.stringify(found, null, 4) + '\n');
      else for (const p of found) ctx.stdout.write(renderTemplate(format, p) + '\n');
      return 0;
    },
  },
  exists: {
    usage: 'POD',
    summary: 'Exit 0 if the pod exists, 1 if not',
    options: [],
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, { positionals }) {
      try {
        ctx.engine().pods.inspect(positionals[0] as string);
        return 0;
      } catch (err) {
        if (err instanceof HullError && err.code === 'NOT_FOUND') return 1;
        throw err;
      }
    },
  },
  start: eachPod('Start pods: the infra, then init containers to completion, then the others', (ctx, name) => ctx.engine().pods.start(name)),
  stop: eachPod('Stop pods: their containers, then the infra', (ctx, name, o) => ctx.engine().pods.stop(name, intOf(o, 'time')), [timeOption]),
  restart: eachPod('Stop and start pods', (ctx, name, o) => ctx.engine().pods.restart(name, intOf(o, 'time')), [timeOption]),
  kill: eachPod('Send a signal to every running container of pods', (ctx, name, o) => ctx.engine().pods.kill(name, str(o, 'signal') ?? 'KILL'), [{ name: 'signal', short: 's', type: 'string', valueName: 'SIGNAL', description: 'signal to send (default KILL)' }]),
  pause: eachPod('Pause every container of pods', (ctx, name) => ctx.engine().pods.pause(name)),
  unpause: eachPod('Unpause every container of pods', (ctx, name) => ctx.engine().pods.unpause(name)),
  rm: {
    usage: '[OPTIONS] POD [POD...]',
    summary: 'Remove pods with their containers',
    options: [
      { name: 'force', short: 'f', type: 'boolean', description: 'remove running pods too (their containers are killed)' },
      { name: 'all', short: 'a', type: 'boolean', description: 'remove every pod' },
      { name: 'ignore', short: 'i', type: 'boolean', description: 'do not fail for pods that do not exist' },
      { name: 'volumes', short: 'v', type: 'boolean', description: 'remove the containers\' anonymous volumes too' },
    ],
    async run(ctx, { options, positionals }) {
      const pods = ctx.engine().pods;
      if (bool(options, 'all') && positionals.length > 0) throw new HullError('INVALID_ARGUMENT', 'Cannot use "hull pod rm --all" with pod names', { hint: 'give --all or names, not both' });
      if (!bool(options, 'all') && positionals.length === 0) throw new HullError('INVALID_ARGUMENT', '"hull pod rm" needs a pod name or --all', { hint: 'usage: hull pod rm [OPTIONS] POD [POD...]' });
      const names = bool(options, 'all') ? (await pods.list()).map((p) => p.Id) : positionals;
      const ignore = bool(options, 'ignore');
      return forEach(ctx, names, async (name) => {
        try {
          return (await pods.remove(name, { force: bool(options, 'force'), volumes: bool(options, 'volumes') })).Id;
        } catch (err) {
          if (ignore && err instanceof HullError && err.code === 'NOT_FOUND') return undefined;
          throw err;
        }
      });
    },
  },
  prune: {
    usage: '[OPTIONS]',
    summary: 'Remove every pod with nothing running, with its containers',
    options: [{ name: 'force', short: 'f', type: 'boolean', description: 'do not prompt for confirmation' }],
    maxArgs: 0,
    async run(ctx, { options }) {
      if (!bool(options, 'force') && !(await confirm(ctx, 'WARNING! This will remove all stopped/exited pods..'))) return 0;
      for (const p of await ctx.engine().pods.prune()) ctx.stdout.write(`${p.Id}\n`);
      return 0;
    },
  },
  top: {
    usage: 'POD [PS OPTIONS]',
    summary: 'Show the processes of a pod\'s running containers',
    options: [],
    minArgs: 1,
    async run(ctx, { positionals }) {
      const [pod, ...psArgs] = positionals as [string, ...string[]];
      const rows = await ctx.engine().pods.top(pod, psArgs);
      if (rows.length === 0) throw new HullError('CONFLICT', `Cannot list the processes of pod "${pod}": none of its containers is running`);
      const titles = rows[0]?.top.Titles ?? [];
      ctx.stdout.write(table(['CONTAINER', ...titles], rows.flatMap((r) => r.top.Processes.map((p) => [r.container.Name, ...p]))));
      return 0;
    },
  },
  logs: {
    usage: '[OPTIONS] POD',
    summary: 'Show the output of a pod\'s containers, each line after its container\'s name',
    options: [
      { name: 'follow', short: 'f', type: 'boolean', description: 'keep printing new output until the containers stop' },
      { name: 'tail', short: 'n', type: 'string', valueName: 'N', description: 'lines to show from the end of each container\'s log' },
      { name: 'since', type: 'string', valueName: 'TIME', description: 'only output since TIME (RFC 3339, Unix time, or a duration such as 10m)' },
      { name: 'timestamps', short: 't', type: 'boolean', description: 'prefix each line with its timestamp' },
      { name: 'container', short: 'c', type: 'string', valueName: 'NAME', description: 'only this container of the pod' },
    ],
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, { options, positionals }) {
      const o = parseLogFlags(options);
      const only = str(options, 'container');
      const stamps = bool(options, 'timestamps');
      await ctx.engine().pods.logs(positionals[0] as string, o, (c, r) => {
        if (only !== undefined && c.Name !== only && !c.Id.startsWith(only)) return;
        (r.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(`${c.Name} ${stamps ? `${r.time} ` : ''}${r.text}`);
      });
      return 0;
    },
  },
  stats: {
    usage: '[OPTIONS] [POD...]',
    summary: 'Show the memory, CPU time and processes of pods (one sample)',
    options: [FORMAT_JSON_OPTION, { name: 'all', short: 'a', type: 'boolean', description: 'every running pod (the default without names)' }],
    async run(ctx, { options, positionals }) {
      const pods = ctx.engine().pods;
      const names = positionals.length > 0 ? positionals : (await pods.list()).filter((p) => p.State === 'Running' || p.State === 'Degraded').map((p) => p.Id);
      const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)}MiB`;
      const rows = names.map((name) => {
        const pod = pods.inspect(name);
        const samples = pods.stats(name);
        const memory = samples.reduce((n, s) => n + s.sample.memoryUsage, 0);
        const limit = pod.Resources.Memory ?? 0;
        return { ID: pod.Id.slice(0, 12), Name: pod.Name, Containers: samples.length, MemUsage: memory, MemLimit: limit, CPUSeconds: samples.reduce((n, s) => n + s.sample.cpuNanos, 0) / 1e9, PIDs: samples.reduce((n, s) => n + s.sample.pids, 0), mem: `${mib(memory)} / ${limit ? mib(limit) : 'unlimited'}` };
      });
      writeFormatted(ctx.stdout, str(options, 'format'), rows, (rs) => table(['POD', 'NAME', 'CONTAINERS', 'MEM USAGE / LIMIT', 'CPU TIME', 'PIDS'], rs.map((r) => [r.ID, r.Name, String(r.Containers), r.mem, `${r.CPUSeconds.toFixed(2)}s`, String(r.PIDs)])), ({ mem: _m, ...r }) => r);
      return 0;
    },
  },
};

const pod = groupCommand({
  name: 'pod',
  summary: 'Manage pods',
  subs: SUBS,
  aliases: { ls: 'ps', list: 'ps', remove: 'rm' },
  examples: ['hull pod create --name web -p 8080:80 --memory 256m', 'hull run -d --pod web --name app busybox httpd -f -p 80', 'hull run -d --pod web --name sidecar busybox sleep 1d', 'hull pod ps', 'hull pod rm -f web'],
});

export default pod;
