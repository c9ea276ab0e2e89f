/**
 * Where a build's filesystems come from: a stage's base (an earlier stage, scratch, or an image,
 * pulled when missing or with --pull, and unpacked: ImageService.ensureUnpacked), and the roots
 * that COPY --from and RUN --mount=from= read (an earlier stage's state or an image, mounted
 * read-only once per build).
 */
import { HullError } from '../errors.js';
import { encodeJson } from '../oci/manifest.js';
import type { ImageConfig } from '../oci/image-config.js';
import { envKey, mergeEnv } from '../oci/env.js';
import type { Digest } from '../oci/digest.js';
import { DEFAULT_PATH } from '../runtime/defaults.js';
import type { Stage } from './instructions.js';
import { expandWord } from './expand.js';
import { findStage, stageName } from './plan.js';
import { mountView } from './views.js';
import { topChain, withConfig, type State } from './build-state.js';
import type { BuildHost, EnsuredImage } from './builder.js';

/** Find or pull (always with --pull), then unpack if its top layer is missing. */
async function ensureImage(b: BuildHost, ref: string, platform: string | undefined, pull: boolean): Promise<EnsuredImage> {
  return b.deps.ensureImage(ref, { pull, ...(platform !== undefined ? { platform } : {}), onPull: () => b.emit({ type: 'pull', image: ref }) });
}

export async function baseState(b: BuildHost, stage: Stage): Promise<State> {
  const g = (raw: string) => expandWord(raw, (n) => b.globalArgs.get(n), b.escape);
  const ref = g(stage.from.image);
  const platform = stage.from.platform !== undefined ? g(stage.from.platform) : b.opts.platform;
  const fresh = { flags: { cmdSet: false }, args: new Map<string, string>() };
  const earlier = findStage(b.opts.file, ref, stage.index);
  if (earlier) {
    const s = b.finished.get(earlier.index);
    if (!s) throw new HullError('INTERNAL', `Cannot build stage "${stageName(stage)}": stage "${ref}" was not built`);
    return { ...s, ...fresh, config: { ...s.config, config: { ...s.config.config } } };
  }
  if (ref === 'scratch') {
    const config: ImageConfig = { architecture: archOf(platform), os: 'linux', config: { Env: [`PATH=${DEFAULT_PATH}`] }, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
    return { ...fresh, config, layers: [], configDigest: encodeJson(config).digest };
  }
  const { record: image, manifest, config } = await ensureImage(b, ref, platform, b.opts.pull === true);
  await b.holdBlobs([image.manifest, image.id, ...manifest.layers.map((l) => l.digest)]);
  const base: State = { ...fresh, config, layers: manifest.layers, configDigest: image.id, stored: { manifest: image.manifest } };
  // As BuildKit and buildah do: an image without PATH gets the default one.
  if (!(config.config?.Env ?? []).some((e) => envKey(e) === 'PATH')) {
    return withConfig(base, { ...config, config: { ...config.config, Env: mergeEnv([`PATH=${DEFAULT_PATH}`], config.config?.Env ?? []) } });
  }
  return base;
}

/** The filesystem of an earlier stage or an image, for COPY --from and RUN --mount=from=. */
export async function fromRoot(b: BuildHost, ref: string, stage: Stage): Promise<string> {
  const open = b.readViews.get(ref);
  if (open) return open.rootfs;
  const earlier = findStage(b.opts.file, ref, stage.index);
  let top: Digest | undefined;
  if (earlier) {
    const s = b.finished.get(earlier.index);
    if (!s) throw new HullError('INTERNAL', `Cannot use stage "${ref}": it was not built`);
    top = topChain(s.config);
  } else {
    top = (await ensureImage(b, ref, b.opts.platform, false)).top;
  }
  const view = await mountView(b.deps.snapshotter, b.dir, top);
  b.readViews.set(ref, view);
  return view.rootfs;
}

/** What an earlier stage ended in, or an image's ID (pulled when missing): the part of a cache key that from= names. */
export async function fromIdentity(b: BuildHost, ref: string, stage: Stage): Promise<string> {
  const earlier = findStage(b.opts.file, ref, stage.index);
  if (earlier) return b.finished.get(earlier.index)?.configDigest ?? '';
  return (await ensureImage(b, ref, b.opts.platform, false)).record.id;
}

function archOf(platform: string | undefined): string {
  if (platform) return platform.split('/')[1] ?? 'amd64';
  return process.arch === 'x64' ? 'amd64' : process.arch;
}
