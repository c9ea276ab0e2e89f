/**
 * `hull unshare [COMMAND...]`: runs a command inside the user's rootless namespace (podman
 * unshare), as root there, e.g. to remove files that subordinate IDs own in the store. The door
 * (cli/rootless.ts) has already moved this process into the namespace.
 */
import { spawn } from 'node:child_process';
import { HullError } from '../../errors.js';
import type { Command } from '../command.js';

const unshare: Command = {
  name: 'unshare',
  summary: "Run a command in the rootless user's namespace",
  usage: '[COMMAND [ARG...]]',
  description: 'Run COMMAND (default: $SHELL) as root inside your rootless user namespace and its mount namespace, where the store\'s files owned by subordinate IDs can be changed. Only for ordinary users (rootless mode).',
  examples: ['hull unshare cat /proc/self/uid_map', 'hull unshare rm -rf ~/.local/share/hull'],
  options: [],
  stopAtPositional: true,
  async run(ctx, { positionals }) {
    if (!ctx.engineOptions.rootless) throw new HullError('UNSUPPORTED', 'Cannot run "hull unshare": hull runs as root here, and there is no user namespace to enter', { hint: 'run it as an ordinary user (rootless mode, docs/rootless.md)' });
    const [cmd = process.env.SHELL || '/bin/sh', ...args] = positionals;
    const child = spawn(cmd, args, { stdio: 'inherit' });
    return new Promise((resolve) => {
      child.on('error', (err) => {
        ctx.stderr.write(`Error: Cannot run "${cmd}": ${err.message}\n`);
        resolve((err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126);
      });
      child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143)));
    });
  },
};

export default unshare;
