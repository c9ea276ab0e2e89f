/**
 * Image manifests and indexes (image-spec manifest.md, image-index.md) and Docker schema2
 * manifests and manifest lists, which share their shape. Schema1 is refused: it is deprecated
 * and carries no content-addressed config.
 */
import { HullError } from '../errors.js';
import { sha256, type Digest } from './digest.js';
import { invalidFormat, isRecord, parseDescriptor, type Descriptor } from './descriptor.js';
import { MediaType, isIndexMediaType, isManifestMediaType, isSchema1MediaType } from './media-types.js';

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

function descriptors(v: unknown, what: string, field: string): Descriptor[] {
  if (!Array.isArray(v)) throw invalidFormat(what, `"${field}" must be an array`);
  return v.map((d, i) => parseDescriptor(d, `${what} ${field}[${i}]`));
}

/**
 * Parses manifest bytes. `declaredType` is the Content-Type a registry sent or the descriptor's
 * mediaType; the document's own mediaType wins when both are present and agree.
 */
export function parseManifest(bytes: Uint8Array | string, declaredType?: string, what = 'manifest'): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw invalidFormat(what, `not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(doc)) throw invalidFormat(what, 'not a JSON object');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : declaredType;
  if (doc.schemaVersion === 1 || isSchema1MediaType(declared)) {
    throw new HullError('UNSUPPORTED', `Cannot use ${what}: Docker schema1 manifests are deprecated and not supported`, {
      hint: 'push the image again with a current client (docker >= 1.10, podman or skopeo) to get a schema2 or OCI manifest',
    });
  }
  if (doc.schemaVersion !== 2) throw invalidFormat(what, `schemaVersion ${String(doc.schemaVersion)} is not 2`);
  const mediaType = declared ?? (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest);
  const common = {
    ...(typeof doc.artifactType === 'string' ? { artifactType: doc.artifactType } : {}),
    ...(doc.subject !== undefined ? { subject: parseDescriptor(doc.subject, `${what} subject`) } : {}),
    ...(isRecord(doc.annotations) ? { annotations: doc.annotations as Record<string, string> } : {}),
  };
  if (isIndexMediaType(mediaType) || (declared === undefined && Array.isArray(doc.manifests))) {
    const index: ImageIndex = { schemaVersion: 2, mediaType, manifests: descriptors(doc.manifests, what, 'manifests'), ...common };
    return { kind: 'index', mediaType, index };
  }
  if (isManifestMediaType(mediaType) || declared === undefined) {
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType,
      config: parseDescriptor(doc.config, `${what} config`),
      layers: descriptors(doc.layers, what, 'layers'),
      ...common,
    };
    return { kind: 'manifest', mediaType, manifest };
  }
  throw new HullError('UNSUPPORTED', `Cannot use ${what}: media type "${mediaType}" is not an image manifest or index`, {
    hint: 'hull understands OCI image manifests and indexes and Docker schema2 manifests and manifest lists',
  });
}

/** Serialises a manifest or index canonically enough to be stable; the digest is of these exact bytes. */
export function encodeJson(doc: unknown): { bytes: Buffer; digest: Digest } {
  const bytes = Buffer.from(JSON.stringify(doc));
  return { bytes, digest: sha256(bytes) };
}
