import { bool } from '../args.js';
import type { Command } from '../command.js';
import { humanSize } from '../output.js';
import { displayName } from '../../engine/views.js';
import { confirm } from '../prompt.js';

const imagePrune: Command = {
  name: 'image prune',
  summary: 'Remove unused images',
  usage: '[OPTIONS]',
  description: 'Remove dangling images (without a name) that no container uses; with -a, every image no container uses. Then free the blobs and layers nothing needs any more (never those an import, load or pull in progress holds).',
  options: [
    { name: 'all', short: 'a', type: 'boolean', description: 'remove all images not used by containers, not just dangling ones' },
    { name: 'force', short: 'f', type: 'boolean', description: 'do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx, { options }) {
    const all = bool(options, 'all');
    if (!bool(options, 'force')) {
      const what = all ? 'all images without at least one container associated to them' : 'all dangling images';
      if (!(await confirm(ctx, `WARNING! This will remove ${what}.`))) return 0;
    }
    const r = await ctx.engine().images.prune({ all });
    if (r.untagged.length + r.deleted.length > 0) {
      ctx.stdout.write('Deleted Images:\n' + [...r.untagged.map((n) => `untagged: ${displayName(n)}`), ...r.deleted.map((d) => `deleted: ${d}`)].join('\n') + '\n\n');
    }
    ctx.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
    return 0;
  },
};

export default imagePrune;
