/**
 * What the registry checks in a pushed manifest, as pure functions (distribution-spec
 * spec.md#pushing-manifests). The registry stores the bytes exactly as sent, so it only needs to
 * know the media type, what the manifest points at (to refuse dangling pointers), its subject
 * (for the referrers API) and its artifactType. Schema1 is refused (deprecated, unverifiable).
 */
import { HullError } from '../errors.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';

export const MANIFEST_MEDIA_TYPES: readonly string[] = [MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList];

export interface PointedDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ManifestFacts {
  mediaType: string;
  kind: 'manifest' | 'index';
  /** Blobs that must exist in the repository (config, layers without foreign urls). */
  blobs: Digest[];
  /** Child manifests that must exist in the repository (index entries). */
  manifests: Digest[];
  subject?: PointedDescriptor;
  /** artifactType, or for an image manifest its config media type (image-spec manifest.md#guidelines-for-artifact-usage). */
  artifactType?: string;
  annotations?: Record<string, string>;
}

function invalid(why: string): HullError {
  return new HullError('INVALID_FORMAT', `Cannot accept manifest: ${why}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, field: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalid(`"${field}" must map strings to strings`);
  return v as Record<string, string>;
}

export function parseDescriptorLoose(v: unknown, field: string): PointedDescriptor {
  if (!isRecord(v)) throw invalid(`"${field}" is not a descriptor object`);
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`"${field}" has no mediaType`);
  if (typeof digest !== 'string' || !isDigest(digest)) {
    throw new HullError('INVALID_DIGEST', `Cannot accept manifest: "${field}" has an invalid digest "${String(digest)}"`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`"${field}" has an invalid size`);
  const d: PointedDescriptor = { mediaType, digest, size };
  if (typeof v.artifactType === 'string') d.artifactType = v.artifactType;
  const annotations = stringMap(v.annotations, `${field}.annotations`);
  if (annotations) d.annotations = annotations;
  if (Array.isArray(v.urls)) d.urls = v.urls.filter((u): u is string => typeof u === 'string');
  return d;
}

function descriptorList(v: unknown, field: string): PointedDescriptor[] {
  if (!Array.isArray(v)) throw invalid(`"${field}" must be an array`);
  return v.map((d, i) => parseDescriptorLoose(d, `${field}[${i}]`));
}

/**
 * Reads the facts of a manifest. `contentType` is the request's Content-Type; when the document
 * also carries `mediaType` the two must agree (image-spec: mediaType is the authority).
 */
export function parseManifestFacts(bytes: Uint8Array, contentType: string | undefined): ManifestFacts {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw invalid('the body is not valid JSON');
  }
  if (!isRecord(doc)) throw invalid('the body is not a JSON object');
  const ct = contentType?.split(';')[0]?.trim() || undefined;
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (declared && ct && declared !== ct) throw invalid(`Content-Type "${ct}" does not match the manifest's mediaType "${declared}"`);
  const mediaType = declared ?? ct;
  if (doc.schemaVersion === 1 || mediaType?.startsWith('application/vnd.docker.distribution.manifest.v1')) {
    throw new HullError('UNSUPPORTED', 'Cannot accept manifest: Docker schema1 manifests are deprecated', { hint: 'push with a current client' });
  }
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  if (mediaType === undefined || !MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw new HullError('INVALID_FORMAT', `Cannot accept manifest: media type "${String(mediaType)}" is not a manifest or index type`, {
      hint: `send Content-Type: one of ${MANIFEST_MEDIA_TYPES.join(', ')}`,
    });
  }
  const common: Pick<ManifestFacts, 'subject' | 'annotations'> = {};
  if (doc.subject !== undefined) common.subject = parseDescriptorLoose(doc.subject, 'subject');
  const annotations = stringMap(doc.annotations, 'annotations');
  if (annotations) common.annotations = annotations;
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : undefined;
  if (mediaType === MediaType.OciIndex || mediaType === MediaType.DockerManifestList) {
    const children = descriptorList(doc.manifests, 'manifests');
    return { mediaType, kind: 'index', blobs: [], manifests: children.map((c) => c.digest), ...common, ...(artifactType ? { artifactType } : {}) };
  }
  const config = parseDescriptorLoose(doc.config, 'config');
  const layers = doc.layers === undefined && mediaType === MediaType.OciManifest ? [] : descriptorList(doc.layers, 'layers');
  // Non-distributable layers carry urls and are fetched elsewhere; the registry never holds them.
  const blobs = [config, ...layers.filter((l) => !l.urls || l.urls.length === 0)].map((d) => d.digest);
  return { mediaType, kind: 'manifest', blobs, manifests: [], ...common, artifactType: artifactType ?? config.mediaType };
}

/**
 * Content negotiation for GET by tag: the stored type must be acceptable. No Accept header, or a
 * wildcard, accepts anything; a fetch by digest always returns the stored bytes.
 */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  if (!accept || accept.trim() === '') return true;
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  return types.some((t) => t === '*/*' || t === 'application/*' || t === mediaType || t === '');
}
