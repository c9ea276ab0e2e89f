/**
 * Repository names, tags and references as the distribution spec defines them
 * (distribution-spec spec.md#pulling-manifests, "name" and "reference" grammar).
 * Validation happens on the raw, undecoded URL path, so "%2e%2e" is never turned into "..".
 */
import { HullError } from '../errors.js';
import { isDigest, type Digest } from '../oci/digest.js';

const NAME_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** distribution's limit; the spec says clients SHOULD keep host + name under 255 characters. */
const MAX_NAME_LENGTH = 255;

export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

export function parseRepositoryName(name: string): string {
  if (!isRepositoryName(name)) {
    throw new HullError('INVALID_REFERENCE', `Cannot use repository name "${name}": it does not match the distribution-spec grammar`, {
      hint: 'use lowercase path components like team/app, separated by "/"',
    });
  }
  return name;
}

export function isTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export type ManifestRef = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

/** A manifest reference is a tag or a digest. */
export function parseManifestRef(ref: string): ManifestRef {
  if (isDigest(ref)) return { kind: 'digest', digest: ref };
  if (ref.includes(':')) {
    throw new HullError('INVALID_DIGEST', `Cannot use digest "${ref}": expected sha256:<64 hex> or sha512:<128 hex>`);
  }
  if (!isTag(ref)) throw new HullError('TAG_INVALID', `Cannot use tag "${ref}": tags are [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`);
  return { kind: 'tag', tag: ref };
}

export function parseBlobDigest(s: string): Digest {
  if (!isDigest(s)) throw new HullError('INVALID_DIGEST', `Cannot use digest "${s}": expected sha256:<64 hex> or sha512:<128 hex>`);
  return s;
}

/** Upload session ids are 128 random bits in lowercase hex (see uploads.ts). */
export function isUploadId(id: string): boolean {
  return /^[a-f0-9]{32}$/.test(id);
}
