import { readFileSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { bool, list, str, type OptionValues } from '../args.js';
import type { Command } from '../command.js';
import { parseEnvFile } from '../../containers/config.js';
import type { CreateOptions } from '../../containers/service.js';

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
  const opts: CreateOptions = { image, cmd, env, labels, readOnly: bool(o, 'read-only') };
  for (const [key, flag] of [['name', 'name'], ['workdir', 'workdir'], ['user', 'user'], ['entrypoint', 'entrypoint'], ['hostname', 'hostname']] as const) {
    const v = str(o, flag);
    if (v !== undefined) opts[key] = v;
  }
  return opts;
}

const run: Command = {
  name: 'run',
  summary: 'Create and run a container in the foreground',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: "Create a container from IMAGE and run COMMAND (or the image's default) in it, in the foreground.\nOutput streams to this terminal; hull exits with the container's exit code (125 when hull fails, 126 when the command cannot be invoked, 127 when it is not found).",
  examples: ['hull run --rm busybox echo hello', 'hull run --rm -e GREETING=hi -w /tmp -u nobody busybox sh -c \'echo $GREETING from $(pwd) as $(id -un)\''],
  options: [{ name: 'rm', type: 'boolean', description: 'remove the container when it exits' }, ...CREATE_OPTIONS],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const [image, ...cmd] = positionals as [string, ...string[]];
    const engine = ctx.engine();
    const record = await engine.containers.create({ ...createOptionsFrom(options, image, cmd), autoRemove: bool(options, 'rm') });
    try {
      return await engine.containers.runForeground(record);
    } finally {
      if (bool(options, 'rm')) await engine.containers.remove(record.Id, { force: true });
    }
  },
};

export default run;
