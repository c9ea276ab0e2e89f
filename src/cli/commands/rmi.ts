import { bool } from '../args.js';
import type { Command } from '../command.js';
import { errorMessage, isHullError } from '../../errors.js';
import { displayName } from '../../images/image-store.js';

const rmi: Command = {
  name: 'rmi',
  summary: 'Remove one or more images',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove images. A name removes that name (and the image once no name is left); an ID removes the image and all its names. Refuses while a container uses the image, unless -f.',
  options: [{ name: 'force', short: 'f', type: 'boolean', description: 'remove the image even if containers use it' }],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    let code = 0;
    for (const name of positionals) {
      try {
        const result = await ctx.engine().images.remove(name, { force: bool(options, 'force') });
        for (const n of result.untagged) ctx.stdout.write(`Untagged: ${displayName(n)}\n`);
        for (const d of result.deleted) ctx.stdout.write(`Deleted: ${d}\n`);
      } catch (err) {
        ctx.stderr.write(`Error: ${errorMessage(err)}\n`);
        if (isHullError(err) && err.hint) ctx.stderr.write(`hint: ${err.hint}\n`);
        code = isHullError(err) && err.code === 'NOT_FOUND' && code === 0 ? 1 : isHullError(err) ? err.exitCode : 125;
      }
    }
    return code;
  },
};

export default rmi;
