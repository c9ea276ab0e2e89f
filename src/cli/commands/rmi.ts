import { bool } from '../args.js';
import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { displayName } from '../../engine/views.js';

const rmi: Command = {
  name: 'rmi',
  summary: 'Remove one or more images',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove images. A name removes that name (and the image once no name is left); an ID removes the image and all its names. Refuses while a container uses the image, unless -f.',
  options: [{ name: 'force', short: 'f', type: 'boolean', description: 'remove the image even if containers use it' }],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    return forEach(ctx, positionals, async (name) => {
      const result = await ctx.engine().images.remove(name, { force: bool(options, 'force') });
      return [...result.untagged.map((n) => `Untagged: ${displayName(n)}`), ...result.deleted.map((d) => `Deleted: ${d}`)].join('\n') || undefined;
    });
  },
};

export default rmi;
