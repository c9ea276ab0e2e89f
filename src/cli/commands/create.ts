import type { Command } from '../command.js';
import { CREATE_OPTIONS, checkCidFile, createRequestFrom, writeCidFile } from '../create-flags.js';
import { str } from '../args.js';
import { imageForCreate, PULL_OPTION } from './pull.js';

const create: Command = {
  name: 'create',
  summary: 'Create a container without starting it',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create a container (its record and writable layer) and print its ID; "hull start" runs it.',
  options: [
    { name: 'interactive', short: 'i', type: 'boolean', description: "keep the container's standard input open" },
    { name: 'tty', short: 't', type: 'boolean', description: 'allocate a pseudo-terminal' },
    { name: 'rm', type: 'boolean', description: 'remove the container when it exits' },
    PULL_OPTION,
    ...CREATE_OPTIONS,
  ],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const [image, ...cmd] = positionals as [string, ...string[]];
    checkCidFile(str(options, 'cidfile'));
    const request = createRequestFrom(options, image, cmd, { env: process.env, cwd: process.cwd() });
    request.Config.Image = await imageForCreate(ctx, image, str(options, 'pull'), str(options, 'platform'));
    const record = await ctx.engine().containers.create(request);
    writeCidFile(str(options, 'cidfile'), record.Id);
    ctx.stdout.write(`${record.Id}\n`);
    return 0;
  },
};

export default create;
