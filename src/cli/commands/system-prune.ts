import { bool } from '../args.js';
import type { Command } from '../command.js';
import { humanSize } from '../output.js';
import { displayName } from '../../engine/views.js';
import { confirm } from '../prompt.js';

const systemPrune: Command = {
  name: 'system prune',
  summary: 'Remove unused data',
  usage: '[OPTIONS]',
  description: 'Remove stopped containers, networks no container uses, dangling images (with -a every image no container uses) and the build cache; with --volumes, also anonymous volumes no container uses.',
  options: [
    { name: 'all', short: 'a', type: 'boolean', description: 'remove all unused images, not just dangling ones' },
    { name: 'volumes', type: 'boolean', description: 'prune anonymous volumes too' },
    { name: 'force', short: 'f', type: 'boolean', description: 'do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx, { options }) {
    const all = bool(options, 'all');
    const volumes = bool(options, 'volumes');
    if (!bool(options, 'force')) {
      const items = ['all stopped containers', 'all networks not used by at least one container', ...(volumes ? ['all anonymous volumes not used by at least one container'] : []), all ? 'all images without at least one container associated to them' : 'all dangling images', 'all build cache'];
      if (!(await confirm(ctx, `WARNING! This will remove:\n${items.map((i) => `  - ${i}`).join('\n')}\n`))) return 0;
    }
    const r = await ctx.engine().prune({ all, volumes });
    const section = (title: string, lines: string[]) => (lines.length > 0 ? ctx.stdout.write(`${title}:\n${lines.join('\n')}\n\n`) : undefined);
    section('Deleted Pods', r.pods);
    section('Deleted Containers', r.containers);
    section('Deleted Networks', r.networks);
    section('Deleted Volumes', r.volumes);
    section('Deleted Images', [...r.untaggedImages.map((n) => `untagged: ${displayName(n)}`), ...r.deletedImages.map((d) => `deleted: ${d}`)]);
    if (r.buildCacheEntries > 0) ctx.stdout.write(`Deleted build cache entries: ${r.buildCacheEntries}\n\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
    return 0;
  },
};

export default systemPrune;
