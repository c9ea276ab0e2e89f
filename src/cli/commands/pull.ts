import { HullError, showUntrusted } from '../../errors.js';
import type { OptionSpec } from '../args.js';
import type { PullPolicy } from '../../engine/requests.js';
import { parsePlatform } from '../../engine/flags.js';
import { bool, str } from '../args.js';
import type { CliContext, Command } from '../command.js';
import type { PullOptions } from '../../images/pull.js';
import { TRANSFER_OPTIONS, registryOptionsFrom } from './registry-options.js';
import { createProgressRenderer } from './transfer-progress.js';

/**
 * Runs a transfer with progress on stderr, cancelled by SIGINT/SIGTERM: `pull`, and the pull on
 * missing of `run`/`create`.
 */
async function withPullProgress<T>(ctx: CliContext, reference: string, quiet: boolean, fn: (o: Pick<PullOptions, 'signal' | 'onEvent'>) => Promise<T>): Promise<T> {
  const renderer = createProgressRenderer(ctx.stderr, 'pull', { quiet });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new HullError('INTERNAL', `Cannot pull "${showUntrusted(reference)}": interrupted`));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    return await fn({ signal: abort.signal, onEvent: (e) => renderer.onEvent(e) });
  } finally {
    renderer.finish();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** Pulls with progress on stderr; resolves to the image ID. */
export async function pullWithProgress(ctx: CliContext, reference: string, opts: PullOptions, quiet: boolean): Promise<string> {
  return withPullProgress(ctx, reference, quiet, async (o) => (await ctx.engine().images.pull(reference, { ...opts, ...o })).record.id);
}

export const PULL_OPTION: OptionSpec = { name: 'pull', type: 'string', valueName: 'POLICY', description: 'pull the image: missing (default), always or never' };

/** The image `run`/`create` use, pulled by policy as docker does (progress on stderr). */
export async function imageForCreate(ctx: CliContext, image: string, policy: string | undefined, platform?: string): Promise<string> {
  return withPullProgress(ctx, image, false, (o) =>
    ctx.engine().ensureImage(image, {
      ...registryOptionsFrom({}),
      ...o,
      pull: (policy ?? 'missing') as PullPolicy,
      ...(platform !== undefined ? { platform: parsePlatform(platform) } : {}),
      onMissing: () => ctx.stderr.write(`Unable to find image '${showUntrusted(image)}' locally\n`),
    }),
  );
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
    { name: 'all-platforms', type: 'boolean', description: 'keep the whole index and every platform (manifests, configs, layers; none unpacked), so that push sends the same index' },
    { name: 'max-concurrent-downloads', type: 'string', valueName: 'N', description: 'layers downloaded at once (default 3)' },
    ...TRANSFER_OPTIONS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const [reference] = positionals as [string];
    const platform = str(options, 'platform');
    const opts: PullOptions = { ...registryOptionsFrom(options, 'max-concurrent-downloads'), ...(platform !== undefined ? { platform: parsePlatform(platform) } : {}) };
    if (bool(options, 'all-platforms')) {
      if (platform !== undefined) throw new HullError('INVALID_ARGUMENT', 'Cannot pull with both --all-platforms and --platform', { hint: 'choose one: --all-platforms keeps every platform' });
      opts.allPlatforms = true;
    }
    const id = await pullWithProgress(ctx, reference, opts, bool(options, 'quiet'));
    ctx.stdout.write(`${id}\n`);
    return 0;
  },
};

export default pull;
