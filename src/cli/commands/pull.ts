import { HullError } from '../../errors.js';
import type { OptionSpec } from '../args.js';
import type { PullPolicy } from '../../engine/requests.js';
import { parsePlatform } from '../../engine/flags.js';
import { bool, str } from '../args.js';
import type { CliContext, Command } from '../command.js';
import type { PullOptions } from '../../images/pull.js';
import { TRANSFER_OPTIONS, registryOptionsFrom } from './registry-options.js';
import { createProgressRenderer } from './transfer-progress.js';

/** Pulls with progress on stderr; resolves to the image ID. Shared with `hull run` (pull on missing). */
export async function pullWithProgress(ctx: CliContext, reference: string, opts: PullOptions, quiet: boolean): Promise<string> {
  const renderer = createProgressRenderer(ctx.stderr, 'pull', { quiet });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new HullError('INTERNAL', `Cannot pull "${reference}": interrupted`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await ctx.engine().images.pull(reference, { ...opts, signal: abort.signal, onEvent: (e) => renderer.onEvent(e) });
    return result.record.id;
  } finally {
    renderer.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export const PULL_OPTION: OptionSpec = { name: 'pull', type: 'string', valueName: 'POLICY', description: 'pull the image: missing (default), always or never' };

/** The image `run`/`create` use, pulled by policy as docker does (progress on stderr). */
export async function imageForCreate(ctx: CliContext, image: string, policy: string | undefined, platform?: string): Promise<string> {
  const renderer = createProgressRenderer(ctx.stderr, 'pull', { quiet: false });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new HullError('INTERNAL', `Cannot pull "${image}": interrupted`));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    return await ctx.engine().ensureImage(image, {
      ...registryOptionsFrom({}),
      pull: (policy ?? 'missing') as PullPolicy,
      ...(platform !== undefined ? { platform: parsePlatform(platform) } : {}),
      signal: abort.signal,
      onEvent: (e) => renderer.onEvent(e),
      onMissing: () => ctx.stderr.write(`Unable to find image '${image}' locally\n`),
    });
  } finally {
    renderer.finish();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

const pull: Command = {
  name: 'pull',
  summary: 'Download an image from a registry',
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  description:
    'Download an image (manifest, config, layers) from a registry and unpack it. Short names resolve to Docker Hub (busybox -> docker.io/library/busybox:latest). From an index, the platform of this host is chosen unless --platform says otherwise. Prints the image ID; progress goes to standard error.',
  examples: ['hull pull busybox', 'hull pull --platform linux/arm64 localhost:5000/team/app:1.0', 'hull pull --tls-verify=false myregistry:5000/app@sha256:...'],
  options: [
    { name: 'platform', type: 'string', valueName: 'OS/ARCH[/VARIANT]', description: 'platform to choose from a multi-platform image (default: this host)' },
    { name: 'max-concurrent-downloads', type: 'string', valueName: 'N', description: 'layers downloaded at once (default 3)' },
    ...TRANSFER_OPTIONS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const [reference] = positionals as [string];
    const platform = str(options, 'platform');
    const opts: PullOptions = { ...registryOptionsFrom(options, 'max-concurrent-downloads'), ...(platform !== undefined ? { platform: parsePlatform(platform) } : {}) };
    const id = await pullWithProgress(ctx, reference, opts, bool(options, 'quiet'));
    ctx.stdout.write(`${id}\n`);
    return 0;
  },
};

export default pull;
