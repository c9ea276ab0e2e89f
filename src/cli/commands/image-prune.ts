import { createInterface } from 'node:readline';
import { bool } from '../args.js';
import type { Command } from '../command.js';
import { humanSize } from '../output.js';
import { displayName } from '../../images/image-store.js';

/** Reads one line of STDIN (the answer to docker's "Are you sure?"); EOF means no. */
export async function confirm(ctx: { stderr: NodeJS.WriteStream }, question: string): Promise<boolean> {
  ctx.stderr.write(`${question}\nAre you sure you want to continue? [y/N] `);
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

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
