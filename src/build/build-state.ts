/**
 * A build's state between steps (an image config and its layers, plus the stage's flags and
 * args), and the pure functions that turn one state into the next without a layer.
 */
import { HullError } from '../errors.js';
import { chainIds } from '../oci/chain-id.js';
import { encodeJson, type ImageManifest } from '../oci/manifest.js';
import type { ImageConfig, HistoryEntry } from '../oci/image-config.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import type { StageFlags } from './stage-config.js';

/** An image state between steps. */
export interface State {
  config: ImageConfig;
  layers: Descriptor[];
  /** The digest of `config` as encoded: the parent part of the next step's cache key. */
  configDigest: Digest;
  /** Whether config and manifest are in the content store already. */
  stored?: { manifest: Digest };
  flags: StageFlags;
  /** Build args in scope in this stage. */
  args: Map<string, string>;
  /** The stage's variables for expansion: ENV over build args. */
}

export function topChain(config: ImageConfig): Digest | undefined {
  return chainIds(config.rootfs.diff_ids).at(-1);
}

/** A manifest of `layers`; its config descriptor is filled in when the state is stored. */
export function sameManifestLayers(layers: readonly Descriptor[]): ImageManifest {
  return { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: 'sha256:' as Digest, size: 0 }, layers: [...layers] };
}

/** SIGINT or SIGTERM stopped the build (the CLI aborts its signal); INTERNAL, as a cancelled pull. */
export function cancelled(where: string): HullError {
  return new HullError('INTERNAL', `Cannot build ${where}: cancelled`, { hint: 'the steps that finished are in the build cache: build again to go on from there' });
}

export function withConfig(state: State, config: ImageConfig): State {
  const { stored: _stored, ...rest } = state;
  return { ...rest, config, configDigest: encodeJson(config).digest };
}

/** A config-only state: new container defaults and an empty_layer history entry. */
export function metaState(state: State, createdBy: string, defaults: ImageConfig['config'] & object, author?: string): State {
  const created = new Date().toISOString();
  const history: HistoryEntry = { created, created_by: createdBy, empty_layer: true };
  return withConfig(state, { ...state.config, created, ...(author !== undefined ? { author } : {}), config: defaults, history: [...(state.config.history ?? []), history] });
}
