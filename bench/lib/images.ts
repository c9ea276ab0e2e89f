/**
 * Getting a corpus image into a store (setup, not measured): podman pulls it from the reference
 * registry; hull pulls it too once `hull pull` exists, and until then imports the layer tarball
 * of a one-layer image under the same reference.
 */
import type { BenchContext } from './context.js';
import { refOf } from './context.js';
import type { Store } from './hull.js';
import type { ImageName } from '../corpus/corpus.js';
import { runOk } from './proc.js';

/** Extra `hull pull`/`hull push` flags for a plain-http registry on 127.0.0.1, as its help allows. */
export async function hullInsecureFlags(ctx: BenchContext, cmd: 'pull' | 'push'): Promise<string[]> {
  const help = await ctx.hull.help(cmd);
  if (help.includes('--tls-verify')) return ['--tls-verify=false'];
  if (help.includes('--insecure')) return ['--insecure'];
  return [];
}

export async function hullGetImage(ctx: BenchContext, store: Store, image: ImageName): Promise<{ ref: string; how: string }> {
  const ref = refOf(ctx, image);
  if (await ctx.hull.has('pull')) {
    await ctx.hull.runOk(store, ['pull', ...(await hullInsecureFlags(ctx, 'pull')), ref], { quiet: true, timeoutMs: 600_000 });
    return { ref, how: 'hull pull' };
  }
  const img = ctx.corpus.images[image];
  if (!img || img.layers.length !== 1) throw new Error(`cannot get ${image} into hull without \`hull pull\` (it has ${img?.layers.length ?? 0} layers)`);
  await ctx.hull.runOk(store, ['import', '-c', 'CMD ["/bin/sh"]', (img.layers[0] as { path: string }).path, ref], { quiet: true, timeoutMs: 600_000 });
  return { ref, how: 'hull import of the layer tarball (no `hull pull` yet)' };
}

export async function podmanGetImage(ctx: BenchContext, store: Store, image: ImageName): Promise<string> {
  const ref = refOf(ctx, image);
  const [cmd, ...args] = ctx.peers.podman(store, 'pull', '-q', '--tls-verify=false', ref);
  await runOk(cmd as string, args, { env: ctx.peers.env, quiet: true, timeoutMs: 600_000 });
  return ref;
}

/** Runs a podman command that must succeed (with the peers' environment unless `env` says otherwise). */
export function podmanOk(ctx: BenchContext, store: Store, args: string[], opts: { timeoutMs?: number; quiet?: boolean; env?: NodeJS.ProcessEnv } = {}): ReturnType<typeof runOk> {
  const [cmd, ...rest] = ctx.peers.podman(store, ...args);
  return runOk(cmd as string, rest, { env: opts.env ?? ctx.peers.env, timeoutMs: opts.timeoutMs ?? 300_000, quiet: opts.quiet ?? false });
}

/** `--network none` for hull when its run has networks (its default became a bridge); [] before. */
export async function hullNetworkNone(ctx: BenchContext): Promise<string[]> {
  return (await ctx.hull.help('run')).includes('--network') ? ['--network', 'none'] : [];
}
