import { bool } from '../args.js';
import type { Command } from '../command.js';
import { TRANSFER_OPTIONS, registryOptionsFrom } from './registry-options.js';
import { createProgressRenderer } from './transfer-progress.js';
import { HullError } from '../../errors.js';

const push: Command = {
  name: 'push',
  summary: 'Upload an image to a registry',
  usage: '[OPTIONS] IMAGE [DESTINATION]',
  description:
    'Upload an image to a registry: its layers as they are stored (no recompression), its config, then its manifest under the tag. DESTINATION (REGISTRY/REPOSITORY[:TAG]) defaults to IMAGE itself. Blobs the registry has are skipped; blobs it has in another repository are mounted. Prints "TAG: digest: DIGEST size: N".',
  examples: ['hull push localhost:5000/team/app:1.0', 'hull push busybox localhost:5000/tools/busybox:latest'],
  options: [{ name: 'max-concurrent-uploads', type: 'string', valueName: 'N', description: 'blobs uploaded at once (default 3)' }, ...TRANSFER_OPTIONS],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { options, positionals }) {
    const [image, destination] = positionals as [string, string?];
    const renderer = createProgressRenderer(ctx.stderr, 'push', { quiet: bool(options, 'quiet') });
    const abort = new AbortController();
    const onSignal = () => abort.abort(new HullError('INTERNAL', `Cannot push "${image}": interrupted`));
    process.once('SIGINT', onSignal);
    try {
      const result = await ctx.engine().images.push(image, destination, {
        ...registryOptionsFrom(options, 'max-concurrent-uploads'),
        signal: abort.signal,
        onEvent: (e) => renderer.onEvent(e),
      });
      renderer.finish();
      ctx.stdout.write(`${result.reference.digest ?? result.reference.tag ?? 'latest'}: digest: ${result.digest} size: ${result.size}\n`);
      return 0;
    } finally {
      renderer.finish();
      process.off('SIGINT', onSignal);
    }
  },
};

export default push;
