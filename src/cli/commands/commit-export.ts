/** `hull commit`, `hull export`, `hull diff`: a container's filesystem as an image, a tarball, a list. */
import { createWriteStream } from 'node:fs';
import { HullError } from '../../errors.js';
import { list, str } from '../args.js';
import type { Command } from '../command.js';

export const commit: Command = {
  name: 'commit',
  summary: "Create a new image from a container's changes",
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  description: "Turn the container's changes (deletions become whiteouts) into a new layer on top of its image, with a history entry. Prints the new image ID.",
  examples: ['hull commit -m "add config" -c "ENV MODE=prod" web web:v2'],
  options: [
    { name: 'change', short: 'c', type: 'string', multiple: true, valueName: 'INSTRUCTION', description: 'apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)' },
    { name: 'message', short: 'm', type: 'string', valueName: 'TEXT', description: 'commit message (the history comment)' },
    { name: 'author', short: 'a', type: 'string', valueName: 'NAME', description: 'author' },
    { name: 'pause', short: 'p', type: 'boolean', description: 'pause the container during the commit (default true)' },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { options, positionals }) {
    const image = await ctx.engine().containers.commit(positionals[0] as string, {
      pause: options.pause !== false,
      changes: list(options, 'change'),
      ...(positionals[1] ? { name: positionals[1] } : {}),
      ...(str(options, 'message') ? { message: str(options, 'message') as string } : {}),
      ...(str(options, 'author') ? { author: str(options, 'author') as string } : {}),
    });
    ctx.stdout.write(`${image.id}\n`);
    return 0;
  },
};

export const exportCmd: Command = {
  name: 'export',
  summary: "Export a container's filesystem as a tar archive",
  usage: '[OPTIONS] CONTAINER',
  description: 'Write the container\'s root filesystem (not its volumes) as a tar archive, to a file or standard output. "hull import" reads it back.',
  options: [{ name: 'output', short: 'o', type: 'string', valueName: 'FILE', description: 'write to a file instead of standard output' }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const file = str(options, 'output');
    if (file === undefined && process.stdout.isTTY) throw new HullError('INVALID_ARGUMENT', 'Cannot export to a terminal', { hint: 'use -o FILE or redirect the output' });
    const containers = ctx.engine().containers;
    containers.inspect(positionals[0] as string); // a missing container fails before the file is made
    const out = file === undefined ? ctx.stdout : createWriteStream(file);
    await containers.export(positionals[0] as string, out);
    if (file !== undefined) await new Promise((resolve, reject) => out.end(() => resolve(undefined)).on('error', reject));
    return 0;
  },
};

export const diff: Command = {
  name: 'diff',
  summary: "List the changes to a container's filesystem",
  usage: 'CONTAINER',
  description: 'A added, C changed, D deleted, relative to the image.',
  options: [{ name: 'format', type: 'string', valueName: 'FORMAT', description: '"json" for a JSON array' }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const engine = ctx.engine();
    const changes = await engine.containers.diff(positionals[0] as string);
    if (str(options, 'format') === 'json') ctx.stdout.write(JSON.stringify(changes.map((c) => ({ Kind: c.kind, Path: c.path }))) + '\n');
    else ctx.stdout.write(changes.map((c) => `${c.kind} ${c.path}\n`).join(''));
    return 0;
  },
};
