import { bool, list, str } from '../args.js';
import type { Command } from '../command.js';
import type { ExecOptions } from '../../engine/requests.js';
import { resolveEnvArgs } from '../../engine/flags.js';
import { HullError } from '../../errors.js';

const exec: Command = {
  name: 'exec',
  summary: 'Run a command in a running container',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  description: "Run COMMAND in the container's namespaces, with its capabilities and limits; hull exits with the command's code.",
  examples: ['hull exec web ps', 'hull exec -it web sh', 'hull exec -u nobody -w /tmp -e A=1 web env'],
  options: [
    { name: 'interactive', short: 'i', type: 'boolean', description: 'keep standard input open' },
    { name: 'tty', short: 't', type: 'boolean', description: 'allocate a pseudo-terminal' },
    { name: 'detach', short: 'd', type: 'boolean', description: 'run the command in the background' },
    { name: 'env', short: 'e', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'set an environment variable' },
    { name: 'user', short: 'u', type: 'string', valueName: 'USER[:GROUP]', description: 'run as this user' },
    { name: 'workdir', short: 'w', type: 'string', valueName: 'DIR', description: 'working directory for the command' },
  ],
  stopAtPositional: true,
  minArgs: 2,
  async run(ctx, { options, positionals }) {
    const [container, ...cmd] = positionals as [string, ...string[]];
    const opts: ExecOptions = { cmd, env: list(options, 'env'), tty: bool(options, 'tty'), interactive: bool(options, 'interactive'), detach: bool(options, 'detach') };
    const user = str(options, 'user');
    if (user !== undefined) opts.user = user;
    const workdir = str(options, 'workdir');
    if (workdir !== undefined) opts.workdir = workdir;
    if (opts.tty && opts.interactive && !opts.detach && !process.stdin.isTTY) throw new HullError('INVALID_ARGUMENT', 'Cannot attach a terminal: the input device is not a TTY', { hint: 'leave out -t (keep -i) to pipe input into the command' });
    // runc gives the process this terminal (it opens /dev/tty): without one there is nothing to share.
    if (opts.tty && !opts.detach && !process.stdin.isTTY && !process.stdout.isTTY) throw new HullError('INVALID_ARGUMENT', 'Cannot exec with -t: hull is not running in a terminal', { hint: 'leave out -t, or run hull from a terminal' });
    opts.env = resolveEnvArgs(opts.env ?? [], process.env);
    // SIGTERM to hull goes on to the command, as docker's signal proxy does.
    const abort = new AbortController();
    const onTerm = () => abort.abort();
    process.on('SIGTERM', onTerm);
    try {
      return await ctx.engine().containers.exec(container, opts, { stdin: 0, stdout: 1, stderr: 2, signal: abort.signal });
    } finally {
      process.off('SIGTERM', onTerm);
    }
  },
};

export default exec;
