import { bool } from '../args.js';
import type { Command } from '../command.js';
import { errorMessage, isHullError } from '../../errors.js';

const rm: Command = {
  name: 'rm',
  summary: 'Remove one or more containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  options: [{ name: 'force', short: 'f', type: 'boolean', description: 'kill and remove a running container' }],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    let code = 0;
    for (const name of positionals) {
      try {
        await ctx.engine().containers.remove(name, { force: bool(options, 'force') });
        ctx.stdout.write(`${name}\n`);
      } catch (err) {
        ctx.stderr.write(`Error: ${errorMessage(err)}\n`);
        if (isHullError(err) && err.hint) ctx.stderr.write(`hint: ${err.hint}\n`);
        code = isHullError(err) && err.code === 'NOT_FOUND' && code === 0 ? 1 : 125;
      }
    }
    return code;
  },
};

export default rm;
