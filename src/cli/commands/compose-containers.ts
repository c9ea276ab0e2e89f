/**
 * `hull compose run|exec|logs|start|stop|restart|kill|rm|pause|unpause|ls|version`: commands on
 * a project's existing containers, found by their compose labels, each one engine call per
 * container (as `hull stop` makes it). `run` creates a one-off container (one-off.ts).
 */
import { HullError } from '../../errors.js';
import { bool, list, str, type ParsedArgs } from '../args.js';
import type { CliContext } from '../command.js';
import { table, writeFormatted } from '../output.js';
import { runAttached, runWithoutMonitor, checkTerminal } from '../run-attached.js';
import { parseLogTime, resolveEnvArgs } from '../../engine/flags.js';
import type { ContainerRecord, ExecOptions } from '../../engine/requests.js';
import { randomBytes } from 'node:crypto';
import type { LogRecord } from '../../engine/requests.js';
import { applyUp, observe, withProjectLock, type ComposeEvent } from '../../compose/apply.js';
import { COMPOSE_VERSION, LABEL } from '../../compose/labels.js';
import { planOneOff } from '../../compose/one-off.js';
import { planUp } from '../../compose/plan.js';
import { dependenciesOf, startOrder } from '../../compose/order.js';
import type { ComposeSub, ProjectArgs } from './compose-lifecycle.js';

const label = (r: ContainerRecord, k: string) => r.Config.Labels[k];
const isActive = (r: ContainerRecord) => ['running', 'paused', 'restarting'].includes(r.State.Status);

/** The project's own containers (one-offs with `oneoffs`), of `services` when any are named, by name. */
function containersOf(ctx: CliContext, project: string, services: readonly string[], oneoffs = false): ContainerRecord[] {
  return ctx
    .engine()
    .containers.list(true)
    .filter((r) => label(r, LABEL.project) === project && (oneoffs || label(r, LABEL.oneoff) !== 'True') && (services.length === 0 || services.includes(label(r, LABEL.service) ?? '')))
    .sort((a, b) => a.Name.localeCompare(b.Name));
}

function envMap(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of resolveEnvArgs(items, process.env)) {
    const eq = e.indexOf('=');
    out[eq === -1 ? e : e.slice(0, eq)] = eq === -1 ? '' : e.slice(eq + 1);
  }
  return out;
}

const render = (ctx: CliContext) => (e: ComposeEvent) => ctx.stderr.write(`${e.kind[0]?.toUpperCase()}${e.kind.slice(1)} ${e.name}  ${e.action}\n`);

export const run: ComposeSub = {
  usage: '[OPTIONS] SERVICE [COMMAND] [ARGS...]',
  summary: 'Run a one-off command in a new container of a service',
  options: [
    { name: 'rm', type: 'boolean', description: 'remove the container when it exits' },
    { name: 'detach', short: 'd', type: 'boolean', description: 'run in the background and print the container name' },
    { name: 'env', short: 'e', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'set an environment variable' },
    { name: 'entrypoint', type: 'string', valueName: 'CMD', description: 'replace the entrypoint' },
    { name: 'name', type: 'string', valueName: 'NAME', description: 'name of the container' },
    { name: 'no-deps', type: 'boolean', description: 'do not start the services it depends on' },
    { name: 'publish', short: 'p', type: 'string', multiple: true, valueName: 'PORTS', description: 'publish a port ([HOST:]CONTAINER)' },
    { name: 'service-ports', type: 'boolean', description: 'publish the service\'s own ports' },
    { name: 'no-TTY', short: 'T', type: 'boolean', description: 'do not allocate a terminal' },
    { name: 'user', short: 'u', type: 'string', valueName: 'USER', description: 'run as this user' },
    { name: 'workdir', short: 'w', type: 'string', valueName: 'DIR', description: 'working directory' },
  ],
  minArgs: 1,
  stopAtPositional: true,
  async run(ctx, project, { options, positionals }) {
    const [service, ...command] = positionals as [string, ...string[]];
    const p = project.load([service]);
    const engine = ctx.engine();
    const detach = bool(options, 'detach');
    const tty = !bool(options, 'no-TTY') && !detach && process.stdin.isTTY === true && process.stdout.isTTY === true;
    const stdin = !detach;
    if (!detach) checkTerminal(tty, stdin);
    const svc = p.model.services[service];
    if (svc && !bool(options, 'no-deps') && dependenciesOf(svc).length > 0) {
      await withProjectLock(engine, p.model.name, async () => {
        const plan = planUp(p, observe(engine), { services: dependenciesOf(svc), noRecreate: true });
        await applyUp(engine, p, plan, { emit: render(ctx) });
      });
    }
    const entrypoint = str(options, 'entrypoint');
    const user = str(options, 'user');
    const workdir = str(options, 'workdir');
    const name = str(options, 'name');
    const planned = planOneOff(p, service, {
      slug: randomBytes(6).toString('hex'),
      command,
      env: envMap(list(options, 'env')),
      rm: bool(options, 'rm'),
      servicePorts: bool(options, 'service-ports'),
      publish: list(options, 'publish'),
      tty,
      stdin,
      ...(entrypoint !== undefined ? { entrypoint } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(workdir !== undefined ? { workdir } : {}),
      ...(name !== undefined ? { name } : {}),
    });
    // Attached with stdin, its EOF is the container's (Compose's StdinOnce for run).
    if (stdin) planned.request.Config.StdinOnce = true;
    await engine.ensureImage(planned.request.Config.Image);
    const record = await engine.containers.create(planned.request);
    for (const [network, endpoint] of Object.entries(planned.connect)) await engine.containers.connectNetwork(record.Id, network, endpoint.Aliases ? { Aliases: endpoint.Aliases } : {});
    if (detach) {
      await engine.containers.start(record.Id);
      ctx.stdout.write(`${record.Name}\n`);
      return 0;
    }
    if (bool(options, 'rm') && !tty) return runWithoutMonitor(engine, record.Id, { stdin });
    return runAttached(engine, record.Id, { tty, stdin });
  },
};

export const exec: ComposeSub = {
  usage: '[OPTIONS] SERVICE COMMAND [ARGS...]',
  summary: 'Run a command in a running container of a service',
  options: [
    { name: 'no-TTY', short: 'T', type: 'boolean', description: 'do not allocate a terminal (the default when input is not one)' },
    { name: 'detach', short: 'd', type: 'boolean', description: 'run the command in the background' },
    { name: 'env', short: 'e', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'set an environment variable' },
    { name: 'user', short: 'u', type: 'string', valueName: 'USER', description: 'run as this user' },
    { name: 'workdir', short: 'w', type: 'string', valueName: 'DIR', description: 'working directory' },
    { name: 'index', type: 'string', valueName: 'N', description: 'which replica (default 1)' },
  ],
  minArgs: 2,
  stopAtPositional: true,
  async run(ctx, project, { options, positionals }) {
    const [service, ...cmd] = positionals as [string, ...string[]];
    const p = project.load([service]);
    const index = str(options, 'index') ?? '1';
    const target = containersOf(ctx, p.model.name, [service]).find((r) => label(r, LABEL.containerNumber) === index);
    if (!target) throw new HullError('NOT_FOUND', `Cannot exec in service "${service}": it has no container number ${index}`, { hint: 'start it with "hull compose up -d"' });
    const tty = !bool(options, 'no-TTY') && process.stdin.isTTY === true && process.stdout.isTTY === true;
    const opts: ExecOptions = { cmd, env: resolveEnvArgs(list(options, 'env'), process.env), tty, interactive: !bool(options, 'detach'), detach: bool(options, 'detach') };
    const user = str(options, 'user');
    if (user !== undefined) opts.user = user;
    const workdir = str(options, 'workdir');
    if (workdir !== undefined) opts.workdir = workdir;
    return ctx.engine().containers.exec(target.Id, opts, { stdin: 0, stdout: 1, stderr: 2 });
  },
};

export const logs: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Show the output of the containers of the project',
  options: [
    { name: 'follow', short: 'f', type: 'boolean', description: 'keep printing new output until the containers stop' },
    { name: 'tail', short: 'n', type: 'string', valueName: 'N', description: 'lines to show from the end of each log ("all" by default)' },
    { name: 'timestamps', short: 't', type: 'boolean', description: 'prefix each line with its timestamp' },
    { name: 'no-log-prefix', type: 'boolean', description: 'do not prefix lines with the container name' },
  ],
  async run(ctx, project, { options, positionals }) {
    const p = project.load(positionals);
    const containers = ctx.engine().containers;
    const records = containersOf(ctx, p.model.name, positionals);
    const tail = str(options, 'tail');
    if (tail !== undefined && tail !== 'all' && !/^\d+$/.test(tail)) throw new HullError('INVALID_ARGUMENT', `Cannot use --tail "${tail}": expected a number or "all"`);
    const width = Math.max(0, ...records.map((r) => r.Name.length));
    const follows: Promise<void>[] = [];
    for (const r of records) {
      const prefix = bool(options, 'no-log-prefix') ? '' : `${r.Name.padEnd(width)}  | `;
      const write = (e: LogRecord) => (e.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(prefix + (bool(options, 'timestamps') ? `${e.time.replace(/\+00:00$/, 'Z')} ${e.text}` : e.text));
      follows.push(containers.logs(r.Id, { follow: bool(options, 'follow'), ...(tail === undefined || tail === 'all' ? {} : { tail: Number(tail) }) }, write));
    }
    await Promise.all(follows);
    return 0;
  },
};

/** A subcommand that applies one engine call to each of the project's (or the named services') containers. */
function each(summary: string, verb: string, fn: (ctx: CliContext, r: ContainerRecord, args: ParsedArgs) => Promise<unknown>, extra: ComposeSub['options'] = [], reverse = false): ComposeSub {
  return {
    usage: '[OPTIONS] [SERVICE...]',
    summary,
    options: extra,
    async run(ctx, project: ProjectArgs, args) {
      const p = project.load(args.positionals);
      // Dependencies first (start); dependants first (stop).
      const order = startOrder(p.model);
      const rank = (r: ContainerRecord) => order.indexOf(label(r, LABEL.service) ?? '');
      const records = containersOf(ctx, p.model.name, args.positionals).sort((a, b) => (reverse ? rank(b) - rank(a) : rank(a) - rank(b)));
      for (const r of records) {
        ctx.stderr.write(`Container ${r.Name}  ${verb}\n`);
        await fn(ctx, r, args);
      }
      return 0;
    },
  };
}

const timeoutOption = { name: 'timeout', short: 't', type: 'string' as const, valueName: 'SECONDS', description: 'seconds to wait before killing' };
const seconds = (a: ParsedArgs) => (str(a.options, 'timeout') === undefined ? undefined : Number(str(a.options, 'timeout')));

export const start = each('Start the stopped containers of the project', 'Starting', (ctx, r) => ctx.engine().containers.start(r.Id));
export const stop = each('Stop the containers of the project', 'Stopping', (ctx, r, a) => ctx.engine().containers.stop(r.Id, seconds(a)), [timeoutOption], true);
export const restart = each('Restart the containers of the project', 'Restarting', (ctx, r, a) => ctx.engine().containers.restart(r.Id, seconds(a)), [timeoutOption]);
export const kill = each('Kill the containers of the project', 'Killing', (ctx, r, a) => ctx.engine().containers.kill(r.Id, str(a.options, 'signal') ?? 'KILL'), [{ name: 'signal', short: 's', type: 'string', valueName: 'SIGNAL', description: 'signal to send (default KILL)' }]);
export const pause = each('Pause the containers of the project', 'Pausing', (ctx, r) => ctx.engine().containers.pause(r.Id));
export const unpause = each('Unpause the containers of the project', 'Unpausing', (ctx, r) => ctx.engine().containers.unpause(r.Id));
export const rm = each(
  'Remove the stopped containers of the project',
  'Removing',
  async (ctx, r, a) => {
    if (isActive(r) && !bool(a.options, 'stop')) throw new HullError('CONFLICT', `Cannot remove container "${r.Name}": it is ${r.State.Status}`, { hint: 'stop it first, or use "hull compose rm -s"' });
    if (isActive(r)) await ctx.engine().containers.stop(r.Id);
    return ctx.engine().containers.remove(r.Id, { volumes: bool(a.options, 'volumes') });
  },
  [
    { name: 'force', short: 'f', type: 'boolean', description: 'do not ask (hull never asks)' },
    { name: 'stop', short: 's', type: 'boolean', description: 'stop the containers first' },
    { name: 'volumes', short: 'v', type: 'boolean', description: 'remove their anonymous volumes' },
  ],
);

export const ls: ComposeSub = {
  usage: '[OPTIONS]',
  summary: 'List the projects that have containers',
  options: [
    { name: 'all', short: 'a', type: 'boolean', description: 'show projects whose containers are all stopped too' },
    { name: 'format', type: 'string', valueName: 'FORMAT', description: 'output format: "table" (default) or "json"' },
  ],
  maxArgs: 0,
  async run(ctx, _project, { options }) {
    const byProject = new Map<string, ContainerRecord[]>();
    for (const r of ctx.engine().containers.list(true)) {
      const name = label(r, LABEL.project);
      if (name) byProject.set(name, [...(byProject.get(name) ?? []), r]);
    }
    const rows = [...byProject.entries()]
      .map(([name, rs]) => {
        const counts = new Map<string, number>();
        for (const r of rs) counts.set(r.State.Status, (counts.get(r.State.Status) ?? 0) + 1);
        return { Name: name, Status: [...counts.entries()].map(([s, n]) => `${s}(${n})`).join(', '), ConfigFiles: label(rs[0] as ContainerRecord, LABEL.configFiles) ?? '', running: counts.get('running') ?? 0 };
      })
      .filter((r) => bool(options, 'all') || r.running > 0)
      .sort((a, b) => a.Name.localeCompare(b.Name));
    writeFormatted(ctx.stdout, str(options, 'format'), rows, (rs) => table(['NAME', 'STATUS', 'CONFIG FILES'], rs.map((r) => [r.Name, r.Status, r.ConfigFiles])), (r) => ({ Name: r.Name, Status: r.Status, ConfigFiles: r.ConfigFiles }));
    return 0;
  },
};

export const version: ComposeSub = {
  usage: '',
  summary: 'Show the Compose version hull follows',
  options: [{ name: 'short', type: 'boolean', description: 'only the version number' }],
  maxArgs: 0,
  async run(ctx, _project, { options }) {
    ctx.stdout.write(bool(options, 'short') ? `${COMPOSE_VERSION}\n` : `hull compose version ${COMPOSE_VERSION} (Compose Specification, as Docker Compose ${COMPOSE_VERSION} reads it)\n`);
    return 0;
  },
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `SERVICE:PATH` when SERVICE is one of the project's services; a host path otherwise. */
function servicePath(arg: string, services: readonly string[]): [string, string] | undefined {
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  const service = arg.slice(0, colon);
  return services.includes(service) ? [service, arg.slice(colon + 1)] : undefined;
}

export const cp: ComposeSub = {
  usage: '[OPTIONS] SERVICE:SRC_PATH DEST_PATH|-  or  SRC_PATH|- SERVICE:DEST_PATH',
  summary: 'Copy files between a container of a service and the host',
  options: [{ name: 'index', type: 'string', valueName: 'N', description: 'which replica (default 1)' }],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, project, { options, positionals }) {
    const [src, dst] = positionals as [string, string];
    const p = project.load();
    const services = Object.keys(p.model.services);
    const from = servicePath(src, services);
    const to = servicePath(dst, services);
    if ((from && to) || (!from && !to)) throw new HullError('INVALID_ARGUMENT', 'Cannot copy: exactly one of the two paths must be SERVICE:PATH', { hint: 'e.g. hull compose cp web:/etc/hosts ./hosts' });
    const service = (from ?? to)?.[0] as string;
    const index = str(options, 'index') ?? '1';
    const target = containersOf(ctx, p.model.name, [service]).find((r) => label(r, LABEL.containerNumber) === index);
    if (!target) throw new HullError('NOT_FOUND', `Cannot copy with service "${service}": it has no container number ${index}`, { hint: 'create it with "hull compose up -d"' });
    const containers = ctx.engine().containers;
    if (from) await containers.copyFrom(target.Id, from[1], dst === '-' ? ctx.stdout : dst);
    else if (to) await containers.copyTo(target.Id, src === '-' ? process.stdin : src, to[1]);
    return 0;
  },
};

export const events: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Stream what happens to the containers of the project',
  options: [
    { name: 'json', type: 'boolean', description: 'one JSON object a line' },
    { name: 'since', type: 'string', valueName: 'TIME', description: 'replay events since TIME first (RFC 3339, Unix time or a duration such as 10m; a hull addition)' },
  ],
  async run(ctx, project, { options, positionals }) {
    const p = project.load(positionals);
    const sinceText = str(options, 'since');
    let since: number | undefined;
    try {
      since = sinceText === undefined ? undefined : parseLogTime(sinceText);
    } catch (err) {
      throw new HullError('INVALID_ARGUMENT', `Cannot use --since ${JSON.stringify(sinceText)}: ${(err as Error).message}`);
    }
    const engine = ctx.engine();
    const services = positionals.length ? positionals : Object.keys(p.model.services);
    // Container events name the container; the project's are PROJECT-SERVICE-N or a service's container_name.
    const serviceOf = (name: string | undefined): string | undefined =>
      name === undefined ? undefined : services.find((s) => name === p.model.services[s]?.container_name || new RegExp(`^${escapeRegExp(p.model.name)}-${escapeRegExp(s)}-(\\d+|run-[0-9a-f]{12})$`).test(name));
    await engine.events.stream({ filters: [['type', 'container']], ...(since !== undefined ? { since } : {}) }, (e) => {
      const service = serviceOf(e.Actor.Attributes.name);
      if (service === undefined) return;
      const time = new Date(e.timeNano / 1e6).toISOString();
      const attributes = { ...e.Actor.Attributes };
      if (bool(options, 'json')) ctx.stdout.write(`${JSON.stringify({ time, type: 'container', action: e.Action, id: e.Actor.ID, service, attributes })}\n`);
      else ctx.stdout.write(`${time} container ${e.Action} ${e.Actor.ID} (${Object.entries(attributes).map(([k, v]) => `${k}=${v}`).join(', ')})\n`);
    });
    return 0;
  },
};
