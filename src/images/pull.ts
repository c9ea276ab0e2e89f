/**
 * `hull pull`: resolve the reference -> fetch the manifest -> select the platform (from an index)
 * -> fetch the config and the layers in parallel, unpacking the layers in order -> record the
 * image. Layer i is applied as soon as it and every layer below it are in the store, so downloads
 * and unpacking overlap. Any failure removes what this pull added (blobs, layer snapshots) and
 * records no image: a broken pull is never shown as an image.
 */
import { HullError, isHullError } from '../errors.js';
import type { BlobWriter, WriteLease } from '../content/store.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { chainIds } from '../oci/chain-id.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { parseImageConfig, type ImageConfig } from '../oci/image-config.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import { MediaType, layerCompression } from '../oci/media-types.js';
import { formatPlatform, hostPlatform, platformMatches, type Platform } from '../oci/platform.js';
import { familiarString, formatReference, parseReference, repositoryName, type Reference } from '../oci/reference.js';
import {
  BlobSourceStore, createLimiter, downloadBlob, pullScope, withRegistryClient,
  type EventSink, type RegistryClient, type RegistryOptions, type TransferEvent,
} from '../registry-client/index.js';
import type { ImageRecord, ImageStore } from './image-store.js';
import { applyLayerSnapshot } from './unpack.js';

export interface PullDeps {
  /** Writes through the pull's lease (ImageService.pull takes it). */
  content: BlobWriter;
  lease: WriteLease;
  images: ImageStore;
  snapshotter: Snapshotter;
  /** Remembers where blobs came from, for cross-repository mounts on push. */
  sources?: BlobSourceStore;
}

export interface PullOptions extends RegistryOptions {
  /** Default: the host's platform. */
  platform?: Platform;
  /** Keep the whole index and every platform (pull-all-platforms.ts). */
  allPlatforms?: boolean;
  onEvent?: EventSink;
  signal?: AbortSignal;
}

export interface PullResult {
  record: ImageRecord;
  /** The platform manifest's digest. */
  digest: Digest;
  reference: Reference;
}

interface Selected {
  manifest: ImageManifest;
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
}

const CONFIG_TYPES = new Set<string>([MediaType.OciConfig, MediaType.DockerConfig]);

/** Picks the platform's manifest from an index (attestations, platform unknown/unknown, never match). */
export function selectFromIndex(manifests: readonly Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = manifests.filter((d) => d.platform !== undefined && platformMatches(want, d.platform));
  // An exact variant beats a descriptor without one.
  return candidates.find((d) => d.platform?.variant === want.variant) ?? candidates[0];
}

async function resolveManifest(client: RegistryClient, ref: Reference, want: Platform, onEvent: EventSink): Promise<Selected> {
  const scopes = [pullScope(ref.path)];
  const top = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? 'latest', scopes);
  const parsed = parseManifest(top.bytes, top.mediaType || undefined, `manifest of "${familiarString(ref)}"`);
  if (parsed.kind === 'manifest') {
    onEvent({ type: 'resolved', reference: formatReference(ref), digest: top.digest, mediaType: parsed.mediaType });
    return { manifest: parsed.manifest, bytes: top.bytes, digest: top.digest, mediaType: parsed.mediaType };
  }
  const chosen = selectFromIndex(parsed.index.manifests, want);
  if (!chosen) {
    const offered = parsed.index.manifests.flatMap((d) => (d.platform && d.platform.os !== 'unknown' ? [formatPlatform(d.platform)] : []));
    throw new HullError('NOT_FOUND', `Cannot pull "${familiarString(ref)}": no image for platform ${formatPlatform(want)} (the index offers ${offered.join(', ') || 'none'})`, {
      hint: offered.length > 0 ? `choose one with --platform, e.g. --platform ${offered[0]}` : 'the index names no platforms',
    });
  }
  const inner = await client.getManifest(ref.path, chosen.digest, scopes);
  const innerParsed = parseManifest(inner.bytes, inner.mediaType || chosen.mediaType, `manifest ${chosen.digest}`);
  if (innerParsed.kind !== 'manifest') throw new HullError('UNSUPPORTED', `Cannot pull "${familiarString(ref)}": the index for ${formatPlatform(want)} points at another index`);
  onEvent({ type: 'resolved', reference: formatReference(ref), digest: inner.digest, mediaType: innerParsed.mediaType, platform: formatPlatform(chosen.platform ?? want) });
  return { manifest: innerParsed.manifest, bytes: inner.bytes, digest: inner.digest, mediaType: innerParsed.mediaType };
}

function checkImage(ref: Reference, m: ImageManifest, config: ImageConfig): void {
  if (config.rootfs.diff_ids.length !== m.layers.length) {
    throw new HullError('INVALID_FORMAT', `Cannot pull "${familiarString(ref)}": the manifest has ${m.layers.length} layers but the config lists ${config.rootfs.diff_ids.length} diff_ids`);
  }
}

function checkManifestTypes(ref: Reference, m: ImageManifest): void {
  if (!CONFIG_TYPES.has(m.config.mediaType)) {
    throw new HullError('UNSUPPORTED', `Cannot pull "${familiarString(ref)}": it is not a container image (config media type "${m.config.mediaType}")`, {
      hint: 'artifacts such as Helm charts or signatures are fetched with tools like oras, not run as containers',
    });
  }
  for (const layer of m.layers) {
    if (layerCompression(layer.mediaType) === undefined) {
      throw new HullError('UNSUPPORTED', `Cannot pull "${familiarString(ref)}": layer ${layer.digest} has media type "${layer.mediaType}", which hull cannot unpack`);
    }
  }
}

/** Pulls `reference` into the store and records it under its name. */
export async function pullImage(deps: PullDeps, reference: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = parseReference(reference);
  const onEvent = opts.onEvent ?? (() => {});
  return withRegistryClient({ ...opts, host: ref.domain, repository: ref.path, action: `pull "${familiarString(ref)}"`, onEvent }, async ({ client, signal, abort }) => {
    const added: Digest[] = [];
    const createdLayers: Digest[] = [];
    const pending: Array<Promise<unknown>> = [];
    try {
      const selected = await resolveManifest(client, ref, opts.platform ?? hostPlatform(), onEvent);
      const m = selected.manifest;
      checkManifestTypes(ref, m);
      onEvent({ type: 'plan', blobs: [...m.layers.map((l) => ({ digest: l.digest, size: l.size, role: 'layer' as const })), { digest: m.config.digest, size: m.config.size, role: 'config' as const }] });
      const common = { client, repository: ref.path, scopes: [pullScope(ref.path)], content: deps.content, onEvent, signal };
      const track = (r: { digest: Digest; existed: boolean }) => {
        if (!r.existed) added.push(r.digest);
        return r;
      };
      // The layers need only the manifest: they download while the config does (one round trip less).
      const configDownload = downloadBlob(m.config, { ...common, role: 'config' }).then(track);
      pending.push(configDownload);
      const downloads = startDownloads(m, (layer) => downloadBlob(layer, { ...common, role: 'layer' }).then(track), opts, pending);
      const configBlob = await configDownload;
      const config = parseImageConfig(deps.content.readBytes(configBlob.digest), `config of "${familiarString(ref)}"`);
      checkImage(ref, m, config);
      await unpackInOrder(deps, m, config, downloads, createdLayers, onEvent);
      if (!deps.content.has(selected.digest)) added.push(selected.digest);
      deps.content.putBytes(selected.bytes, { digest: selected.digest });
      const names = ref.tag !== undefined && ref.digest === undefined ? [formatReference(ref)] : [];
      const repoDigests = [...new Set([ref.digest ?? selected.digest, selected.digest])].map((d) => `${repositoryName(ref)}@${d}`);
      const record = await deps.images.add({ id: configBlob.digest, manifest: selected.digest, manifestMediaType: selected.mediaType, created: config.created ?? new Date().toISOString() }, names, deps.lease, repoDigests);
      added.length = 0;
      await deps.sources?.add([m.config.digest, ...m.layers.map((l) => l.digest)], repositoryName(ref), (d) => deps.content.has(d)).catch(() => {});
      onEvent({ type: 'done', reference: formatReference(ref), digest: selected.digest, id: record.id });
      return { record, digest: selected.digest, reference: ref };
    } catch (err) {
      abort();
      await Promise.allSettled(pending);
      await undo(deps, added, createdLayers);
      throw isHullError(err) || !opts.signal?.aborted ? err : new HullError('INTERNAL', `Cannot pull "${familiarString(ref)}": cancelled`, { cause: err });
    }
  });
}

/** Starts the layer downloads, `concurrency` at a time. */
function startDownloads(m: ImageManifest, fetch: (layer: Descriptor) => Promise<unknown>, opts: PullOptions, pending: Array<Promise<unknown>>): Array<Promise<unknown>> {
  const limit = createLimiter(opts.concurrency ?? 3);
  const downloads = m.layers.map((layer) => limit(() => fetch(layer)));
  for (const d of downloads) {
    pending.push(d);
    d.catch(() => {}); // observed in order by unpackInOrder; a later failure must not go unhandled meanwhile
  }
  return downloads;
}

/** Layer i is applied once it is downloaded and the layers below it are applied. */
async function unpackInOrder(
  deps: PullDeps,
  m: ImageManifest,
  config: ImageConfig,
  downloads: Array<Promise<unknown>>,
  createdLayers: Digest[],
  onEvent: (e: TransferEvent) => void,
): Promise<void> {
  const chain = chainIds(config.rootfs.diff_ids);
  for (const [i, layer] of m.layers.entries()) {
    await downloads[i];
    const chainID = chain[i] as Digest;
    if (deps.snapshotter.hasLayer(chainID)) {
      onEvent({ type: 'layer-exists', digest: layer.digest });
      continue;
    }
    onEvent({ type: 'layer-unpacking', digest: layer.digest });
    await applyLayerSnapshot(deps.content, deps.snapshotter, deps.lease, layer.digest, config.rootfs.diff_ids[i] as Digest, chainID, chain[i - 1]);
    createdLayers.push(chainID);
    onEvent({ type: 'layer-unpacked', digest: layer.digest });
  }
}

/** Removes what a failed pull added; blobs and layers that existed before stay. */
async function undo(deps: PullDeps, blobs: readonly Digest[], layers: readonly Digest[]): Promise<void> {
  for (const chainID of [...layers].reverse()) await deps.snapshotter.removeLayer(chainID).catch(() => {});
  for (const d of blobs) deps.content.discard(d);
}
