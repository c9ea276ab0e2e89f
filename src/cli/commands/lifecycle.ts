/** The small lifecycle commands: start, stop, kill, restart, wait, pause, unpause, rename, port, cleanup. */
import { HullError } from '../../errors.js';
import { bool, str } from '../args.js';
import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { runAttached } from '../run-attached.js';
import { formatPortLines } from '../../engine/views.js';

const TIMEOUT = { name: 'time', short: 't', type: 'string', valueName: 'SECONDS', description: 'seconds to wait for the stop signal before killing (default: the container\'s stop timeout, 10)' } as const;

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new HullError('INVALID_ARGUMENT', `Cannot use --time "${v}": expected whole seconds`);
  return Number(v);
}

export const start: Command = {
  name: 'start',
  summary: 'Start one or more stopped containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  options: [
    { name: 'attach', short: 'a', type: 'boolean', description: "attach to the container's output and exit with its code" },
    { name: 'interactive', short: 'i', type: 'boolean', description: "attach the container's standard input" },
    { name: 'detach-keys', type: 'string', valueName: 'KEYS', description: 'key sequence to detach from the container' },
  ],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const engine = ctx.engine();
    if (bool(options, 'attach')) {
      if (positionals.length > 1) throw new HullError('INVALID_ARGUMENT', 'Cannot attach to more than one container', { hint: 'start them one at a time with -a' });
      const record = engine.containers.inspect(positionals[0] as string);
      return runAttached(engine, record.Id, { tty: record.Config.Tty, stdin: bool(options, 'interactive') && record.Config.OpenStdin, detachKeys: str(options, 'detach-keys') });
    }
    return forEach(ctx, positionals, async (name) => {
      await engine.containers.start(name);
      return name;
    });
  },
};

export const stop: Command = {
  name: 'stop',
  summary: 'Stop one or more running containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: "Send the container's stop signal (its --stop-signal, the image's STOPSIGNAL, or SIGTERM), then SIGKILL after the timeout.",
  options: [TIMEOUT],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const t = seconds(str(options, 'time'));
    return forEach(ctx, positionals, async (name) => {
      await ctx.engine().containers.stop(name, t);
      return name;
    });
  },
};

export const restart: Command = {
  name: 'restart',
  summary: 'Restart one or more containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  options: [TIMEOUT],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const t = seconds(str(options, 'time'));
    return forEach(ctx, positionals, async (name) => {
      await ctx.engine().containers.restart(name, t);
      return name;
    });
  },
};

export const kill: Command = {
  name: 'kill',
  summary: 'Send a signal to one or more running containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  options: [{ name: 'signal', short: 's', type: 'string', valueName: 'SIGNAL', description: 'signal to send (default KILL)' }],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const signal = str(options, 'signal') ?? 'KILL';
    return forEach(ctx, positionals, async (name) => {
      await ctx.engine().containers.kill(name, signal);
      return name;
    });
  },
};

export const wait: Command = {
  name: 'wait',
  summary: 'Block until one or more containers stop, then print their exit codes',
  usage: 'CONTAINER [CONTAINER...]',
  options: [],
  minArgs: 1,
  async run(ctx, { positionals }) {
    return forEach(ctx, positionals, async (name) => String((await ctx.engine().containers.wait(name, 'not-running')).StatusCode));
  },
};

function pauseCommand(pause: boolean): Command {
  return {
    name: pause ? 'pause' : 'unpause',
    summary: pause ? 'Pause all processes within one or more containers' : 'Unpause all processes within one or more containers',
    usage: 'CONTAINER [CONTAINER...]',
    options: [],
    minArgs: 1,
    async run(ctx, { positionals }) {
      return forEach(ctx, positionals, async (name) => {
        await (pause ? ctx.engine().containers.pause(name) : ctx.engine().containers.unpause(name));
        return name;
      });
    },
  };
}
export const pause = pauseCommand(true);
export const unpause = pauseCommand(false);

export const rename: Command = {
  name: 'rename',
  summary: 'Rename a container',
  usage: 'CONTAINER NEW_NAME',
  options: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, { positionals }) {
    await ctx.engine().containers.rename(positionals[0] as string, positionals[1] as string);
    return 0;
  },
};

export const port: Command = {
  name: 'port',
  summary: 'List port mappings of a container',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  description: 'List the published ports of a running container (with -p or -P), or the host addresses of one PRIVATE_PORT.',
  options: [],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { positionals }) {
    const containers = ctx.engine().containers;
    const name = positionals[0] as string;
    const lines = formatPortLines(containers.port(name), positionals[1]);
    if (positionals[1] !== undefined && lines.length === 0) throw new HullError('NOT_FOUND', `Cannot find a mapping for port ${positionals[1]} of container "${name}"`, { hint: `see "hull port ${name}"` });
    ctx.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return 0;
  },
};

/** Run by conmon when a container exits: records the exit and honours --rm. Not for users. */
export const cleanup: Command = {
  name: 'cleanup',
  summary: 'Record the exit of a container (run by its monitor)',
  usage: 'CONTAINER',
  options: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals }) {
    // Records the exit; the restart policy decides there, and a short back-off is waited out here.
    await ctx.engine().containers.health.handleExit(positionals[0] as string).catch(() => undefined);
    return 0;
  },
};

export const prune: Command = {
  name: 'prune',
  summary: 'Remove all stopped containers',
  usage: '[OPTIONS]',
  options: [{ name: 'force', short: 'f', type: 'boolean', description: 'do not prompt for confirmation' }],
  maxArgs: 0,
  async run(ctx) {
    const removed = await ctx.engine().containers.prune();
    if (removed.length > 0) ctx.stdout.write(`Deleted Containers:\n${removed.map((r) => r.Id + '\n').join('')}\n`);
    ctx.stdout.write(`Total reclaimed: ${removed.length} container${removed.length === 1 ? '' : 's'}\n`);
    return 0;
  },
};
