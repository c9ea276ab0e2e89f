/**
 * The registry's on-disk layout, layout version 1. This file is the only one that knows it;
 * everything else asks for a path by meaning. Paths are driver paths: '/'-separated, relative to
 * the storage root, never containing '..' (names and tags are validated before they get here, and
 * the grammar of both forbids a leading '.').
 *
 *   <root>/
 *   ├── VERSION                                        "hull-registry-layout 1"
 *   ├── _tmp/                                          temp files of atomic writes (purged at start)
 *   ├── _gc/sweeps/<id>.active                         a GC sweep in progress: its candidates and deadline
 *   ├── _gc/sweeps/<id>.done                           a finished sweep (kept an hour; see gc-fence.ts)
 *   ├── blobs/sha256/<hh>/<hex>                        blob and manifest bytes, shared by every
 *   │                                                  repository (deduplicated), written once
 *   └── repositories/<name...>/                        name components match [a-z0-9]..., so they
 *       │                                              never collide with the '_'-prefixed dirs
 *       ├── _layers/sha256/<hex>                       "this repository may read blob <hex>" (existence
 *       │                                              is the grant; the content is the digest)
 *       ├── _manifests/revisions/sha256/<hex>          a manifest of this repository; holds its media type
 *       ├── _manifests/tags/<tag>                      the digest the tag points at
 *       ├── _referrers/sha256/<subject-hex>/<alg>-<hex>  a manifest whose `subject` is <subject-hex>;
 *       │                                              holds its descriptor as JSON (for the referrers API)
 *       └── _uploads/<id>                              an upload session's bytes so far; id is 128 random
 *                                                      bits in hex, found only under the repository it was
 *                                                      made in; its mtime is the last activity (purge age)
 *
 * Files, not directories, per blob, link and session: creating and removing a directory costs
 * several times a file's create or unlink, and these are on every push's path.
 *
 * A blob becomes visible only by an atomic rename of a complete, fsynced, verified file into
 * blobs/; a repository sees it only once its link file exists (also written by rename).
 */
import type { Digest } from '../oci/digest.js';
import { digestAlgorithm, digestHex } from '../oci/digest.js';

export const LAYOUT_VERSION = 1;
export const VERSION_FILE = '/VERSION';
export const VERSION_TEXT = `hull-registry-layout ${LAYOUT_VERSION}\n`;
export const TMP_DIR = '/_tmp';
export const BLOBS_DIR = '/blobs';
export const REPOSITORIES_DIR = '/repositories';
export const GC_SWEEPS_DIR = '/_gc/sweeps';

/** Directory names inside a repository; a directory holding any of them is a repository. */
export const REPO_MARKERS = ['_layers', '_manifests', '_uploads'] as const;

function digestFile(d: Digest): string {
  const hex = digestHex(d);
  return `${digestAlgorithm(d)}/${hex.slice(0, 2)}/${hex}`;
}

export function blobDataPath(d: Digest): string {
  return `${BLOBS_DIR}/${digestFile(d)}`;
}

export function repoDir(name: string): string {
  return `${REPOSITORIES_DIR}/${name}`;
}

export function layerLinkPath(name: string, d: Digest): string {
  return `${repoDir(name)}/_layers/${digestAlgorithm(d)}/${digestHex(d)}`;
}

export function layersDir(name: string): string {
  return `${repoDir(name)}/_layers`;
}

export function revisionLinkPath(name: string, d: Digest): string {
  return `${repoDir(name)}/_manifests/revisions/${digestAlgorithm(d)}/${digestHex(d)}`;
}

export function revisionsDir(name: string): string {
  return `${repoDir(name)}/_manifests/revisions`;
}

export function tagsDir(name: string): string {
  return `${repoDir(name)}/_manifests/tags`;
}

export function tagLinkPath(name: string, tag: string): string {
  return `${tagsDir(name)}/${tag}`;
}

export function referrersDir(name: string, subject: Digest): string {
  return `${repoDir(name)}/_referrers/${digestAlgorithm(subject)}/${digestHex(subject)}`;
}

export function referrerPath(name: string, subject: Digest, manifest: Digest): string {
  return `${referrersDir(name, subject)}/${digestAlgorithm(manifest)}-${digestHex(manifest)}`;
}

export function uploadsDir(name: string): string {
  return `${repoDir(name)}/_uploads`;
}

export function uploadDataPath(name: string, id: string): string {
  return `${uploadsDir(name)}/${id}`;
}

export function gcSweepPath(id: string, state: 'active' | 'done'): string {
  return `${GC_SWEEPS_DIR}/${id}.${state}`;
}
