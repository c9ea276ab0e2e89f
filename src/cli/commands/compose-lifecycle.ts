/**
 * `hull compose up|down|ps`: load the project, plan against what exists, apply through the
 * engine under the project's lock, render the compose events as Compose v2 prints them
 * ("Container shop-db-1  Started") on stderr.
 */
import { HullError } from '../../errors.js';
import { bool, list, str, type OptionSpec, type ParsedArgs } from '../args.js';
import type { CliContext } from '../command.js';
import { table, timeAgo, writeFormatted } from '../output.js';
import { applyDown, applyUp, observe, projectRecords, withProjectLock, type ComposeEvent } from '../../compose/apply.js';
import { containerPorts, portsText, statusText } from '../../engine/views.js';
import { LABEL } from '../../compose/labels.js';
import type { ComposeProject } from '../../compose/model.js';
import { planDown, planUp } from '../../compose/plan.js';
import { waitForCondition } from '../../compose/wait.js';
import type { ContainerRecord } from '../../engine/requests.js';
import type { PullPolicy } from '../../engine/requests.js';

export interface ProjectArgs {
  load(services?: readonly string[]): ComposeProject;
}

export interface ComposeSub {
  usage: string;
  summary: string;
  options: OptionSpec[];
  minArgs?: number;
  maxArgs?: number;
  /** Options end at the first positional: `run SERVICE CMD --flag` gives --flag to CMD. */
  stopAtPositional?: boolean;
  run(ctx: CliContext, project: ProjectArgs, args: ParsedArgs): Promise<number>;
}

function renderer(ctx: CliContext) {
  return (e: ComposeEvent) => {
    const kind = e.kind[0]?.toUpperCase() + e.kind.slice(1);
    ctx.stderr.write(`${kind} ${e.name}  ${e.action}\n`);
  };
}

function warn(ctx: CliContext, project: ComposeProject): void {
  for (const w of project.warnings) ctx.stderr.write(`WARNING: ${w}\n`);
}

/** Ctrl-C and SIGTERM cancel what is under way (the core takes an AbortSignal, never signals). */
function interruptSignal(): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const stop = () => ac.abort(new HullError('UNAVAILABLE', 'Cannot finish "hull compose": interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { signal: ac.signal, done: () => (process.off('SIGINT', stop), process.off('SIGTERM', stop)) };
}

function parseScale(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const m = /^([^=]+)=(\d+)$/.exec(item);
    if (!m) throw new HullError('INVALID_ARGUMENT', `Cannot use --scale ${JSON.stringify(item)}: expected SERVICE=NUMBER`);
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

const TIMEOUT: OptionSpec = { name: 'timeout', short: 't', type: 'string', valueName: 'SECONDS', description: 'seconds to wait for a container to stop before killing it' };
const timeoutOf = (options: ParsedArgs['options']) => {
  const t = str(options, 'timeout');
  if (t === undefined) return undefined;
  if (!/^\d+$/.test(t)) throw new HullError('INVALID_ARGUMENT', `Cannot use --timeout ${JSON.stringify(t)}: expected whole seconds`);
  return Number(t);
};

export const up: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Create and start the containers of the project',
  options: [
    { name: 'detach', short: 'd', type: 'boolean', description: 'run in the background (default: print the output of the containers until they stop or Ctrl-C stops them)' },
    { name: 'abort-on-container-exit', type: 'boolean', description: 'stop every container when one stops (attached)' },
    { name: 'exit-code-from', type: 'string', valueName: 'SERVICE', description: 'exit with the code of this service\'s container (implies --abort-on-container-exit)' },
    { name: 'build', type: 'boolean', description: 'build images before starting, even when present' },
    { name: 'no-build', type: 'boolean', description: 'never build a missing image' },
    { name: 'pull', type: 'string', valueName: 'POLICY', description: 'pull images: always, missing or never (default: each service\'s pull_policy)' },
    { name: 'force-recreate', type: 'boolean', description: 'recreate containers even when their configuration did not change' },
    { name: 'no-recreate', type: 'boolean', description: 'never recreate existing containers' },
    { name: 'no-deps', type: 'boolean', description: 'do not start the services the named ones depend on' },
    { name: 'scale', type: 'string', multiple: true, valueName: 'SERVICE=N', description: 'run N replicas of a service' },
    { name: 'wait', type: 'boolean', description: 'wait until the services are running (healthy, for those with a health check)' },
    { name: 'remove-orphans', type: 'boolean', description: 'remove containers of services no longer in the files' },
    TIMEOUT,
  ],
  async run(ctx, project, { options, positionals }) {
    const detach = bool(options, 'detach');
    const exitCodeFrom = str(options, 'exit-code-from');
    if (detach && (exitCodeFrom !== undefined || bool(options, 'abort-on-container-exit'))) throw new HullError('INVALID_ARGUMENT', 'Cannot use --abort-on-container-exit or --exit-code-from with -d');
    if (bool(options, 'build') && bool(options, 'no-build')) throw new HullError('INVALID_ARGUMENT', 'Cannot use --build with --no-build');
    if (bool(options, 'force-recreate') && bool(options, 'no-recreate')) throw new HullError('INVALID_ARGUMENT', 'Cannot use --force-recreate with --no-recreate');
    const pull = str(options, 'pull');
    if (pull !== undefined && !['always', 'missing', 'never'].includes(pull)) throw new HullError('INVALID_ARGUMENT', `Cannot use --pull ${JSON.stringify(pull)}`, { hint: 'use always, missing or never' });
    const p = project.load(positionals);
    warn(ctx, p);
    if (exitCodeFrom !== undefined && !p.model.services[exitCodeFrom]) throw new HullError('NOT_FOUND', `Cannot use --exit-code-from ${JSON.stringify(exitCodeFrom)}: no such service`);
    const engine = ctx.engine();
    const emit = renderer(ctx);
    const { signal, done } = interruptSignal();
    let services: string[] = [];
    // Attached output starts now: what this `up` brings, not what earlier runs wrote.
    const since = Date.now();
    try {
      await withProjectLock(engine, p.model.name, async () => {
        const plan = planUp(p, observe(engine), {
          services: positionals,
          noDeps: bool(options, 'no-deps'),
          forceRecreate: bool(options, 'force-recreate'),
          noRecreate: bool(options, 'no-recreate'),
          scale: parseScale(list(options, 'scale')),
        });
        for (const o of plan.orphans) {
          if (bool(options, 'remove-orphans')) continue;
          ctx.stderr.write(`WARNING: Found orphan container (${o.name}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
        }
        if (bool(options, 'remove-orphans')) await applyDown(engine, { containers: plan.orphans, networks: [], volumes: [], images: [] }, { emit, ...(timeoutOf(options) !== undefined ? { timeout: timeoutOf(options) } : {}) });
        services = plan.services.map((x) => x.service);
        await applyUp(engine, p, plan, {
          emit,
          signal,
          build: bool(options, 'build') ? 'always' : bool(options, 'no-build') ? 'never' : 'missing',
          ...(pull ? { pull: pull as PullPolicy } : {}),
          ...(timeoutOf(options) !== undefined ? { timeout: timeoutOf(options) } : {}),
        });
        if (bool(options, 'wait')) {
          for (const s of plan.services) {
            const hc = p.model.services[s.service]?.healthcheck;
            const condition = hc?.test && hc.test[0] !== 'NONE' ? 'service_healthy' : 'service_started';
            await waitForCondition(engine, p, s.service, condition, s.service, { emit, signal });
          }
        }
      });
      if (!detach) return await attachProject(ctx, p, services, { since, abortOnExit: bool(options, 'abort-on-container-exit') || exitCodeFrom !== undefined, exitCodeFrom, signal });
    } finally {
      done();
    }
    return 0;
  },
};

const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

/**
 * Attached `up`: every container's output, prefixed with its name (coloured on a terminal),
 * until all have stopped; Ctrl-C or, with --abort-on-container-exit, the first exit stops them
 * all (containers stay, as with Compose: `down` removes them).
 */
async function attachProject(ctx: CliContext, p: ComposeProject, services: string[], opts: { since: number; abortOnExit: boolean; exitCodeFrom: string | undefined; signal: AbortSignal }): Promise<number> {
  const engine = ctx.engine();
  const records = projectRecords(engine, p.model.name, true).filter((r) => services.includes(r.Config.Labels[LABEL.service] ?? ''));
  const width = Math.max(0, ...records.map((r) => r.Name.length));
  const tty = ctx.stdout.isTTY === true;
  let stopping = false;
  let firstExit: number | undefined;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    for (const r of [...records].reverse()) await engine.containers.stop(r.Id).catch(() => undefined);
  };
  const onAbort = () => {
    ctx.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    void stopAll();
  };
  opts.signal.addEventListener('abort', onAbort, { once: true });
  const codes = new Map<string, number>();
  const jobs = new Set(Object.values(p.model.services).flatMap((svc) => Object.entries(svc.depends_on ?? {}).filter(([, d]) => d.condition === 'service_completed_successfully').map(([name]) => name)));
  try {
    await Promise.all(
      records.map(async (r, i) => {
        const name = r.Name.padEnd(width);
        const prefix = tty ? `\x1b[${COLOURS[i % COLOURS.length]}m${name}  |\x1b[0m ` : `${name}  | `;
        await engine.containers.logs(r.Id, { follow: true, since: opts.since }, (e) => (e.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(prefix + e.text));
        const code = engine.containers.inspect(r.Id).State.ExitCode;
        codes.set(r.Config.Labels[LABEL.service] ?? '', code);
        ctx.stdout.write(`${r.Name} exited with code ${code}\n`);
        if (!jobs.has(r.Config.Labels[LABEL.service] ?? '')) firstExit ??= code;
        const service = r.Config.Labels[LABEL.service] ?? '';
        // A job others wait for (service_completed_successfully) ends by design; --exit-code-from waits for its own service.
        const ends = opts.exitCodeFrom !== undefined ? service === opts.exitCodeFrom : !jobs.has(service);
        if (opts.abortOnExit && ends && !stopping) {
          ctx.stderr.write('Aborting on container exit...\n');
          await stopAll();
        }
      }),
    );
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
  if (opts.exitCodeFrom !== undefined) return codes.get(opts.exitCodeFrom) ?? 0;
  if (opts.signal.aborted) return 130;
  return opts.abortOnExit ? (firstExit ?? 0) : 0;
}

export const down: ComposeSub = {
  usage: '[OPTIONS]',
  summary: 'Stop and remove the containers and networks of the project',
  options: [
    { name: 'volumes', short: 'v', type: 'boolean', description: 'remove the named volumes of the project too' },
    { name: 'remove-orphans', type: 'boolean', description: 'remove containers of services no longer in the files' },
    { name: 'rmi', type: 'string', valueName: 'local|all', description: 'remove the images of the services too: all, or only those without "image:" (local)' },
    TIMEOUT,
  ],
  maxArgs: 0,
  async run(ctx, project, { options }) {
    const rmi = str(options, 'rmi');
    if (rmi !== undefined && rmi !== 'local' && rmi !== 'all') throw new HullError('INVALID_ARGUMENT', `Cannot use --rmi ${JSON.stringify(rmi)}`, { hint: 'use --rmi local or --rmi all' });
    const p = project.load();
    warn(ctx, p);
    const engine = ctx.engine();
    const timeout = timeoutOf(options);
    await withProjectLock(engine, p.model.name, async () => {
      const plan = planDown(p, observe(engine), { volumes: bool(options, 'volumes'), removeOrphans: bool(options, 'remove-orphans'), ...(rmi ? { rmi: rmi as 'local' | 'all' } : {}) });
      await applyDown(engine, plan, { emit: renderer(ctx), ...(timeout !== undefined ? { timeout } : {}) }, p);
    });
    return 0;
  },
};

export const ps: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'List the containers of the project',
  options: [
    { name: 'all', short: 'a', type: 'boolean', description: 'show stopped containers too' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'only show container IDs' },
    { name: 'services', type: 'boolean', description: 'only show the service names' },
    { name: 'format', type: 'string', valueName: 'FORMAT', description: 'output format: "table" (default) or "json"' },
  ],
  async run(ctx, project, { options, positionals }) {
    const p = project.load(positionals);
    const engine = ctx.engine();
    const service = (r: ContainerRecord) => r.Config.Labels[LABEL.service] ?? '';
    const ports = (r: ContainerRecord) => portsText(containerPorts(r, engine.options.runroot));
    const records = projectRecords(engine, p.model.name, bool(options, 'all'))
      .filter((r) => positionals.length === 0 || positionals.includes(service(r)))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    if (bool(options, 'quiet')) ctx.stdout.write(records.map((r) => `${r.Id}\n`).join(''));
    else if (bool(options, 'services')) ctx.stdout.write([...new Set(records.map(service))].map((s) => `${s}\n`).join(''));
    else {
      writeFormatted(
        ctx.stdout,
        str(options, 'format'),
        records,
        (rs) => table(['NAME', 'IMAGE', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'], rs.map((r) => [r.Name, r.Config.Image, service(r), timeAgo(r.Created), statusText(r), ports(r)])),
        (r) => ({ ID: r.Id, Name: r.Name, Image: r.Config.Image, Command: [r.Path, ...r.Args].join(' '), Project: p.model.name, Service: service(r), Created: r.Created, State: r.State.Status, Status: statusText(r), ExitCode: r.State.ExitCode, Labels: r.Config.Labels }),
      );
    }
    return 0;
  },
};
