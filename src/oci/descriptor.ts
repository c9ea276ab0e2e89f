/** Descriptors (image-spec descriptor.md): a typed pointer to content by digest and size. */
import { HullError } from '../errors.js';
import { isDigest, type Digest } from './digest.js';
import { parsePlatformObject, type Platform } from './platform.js';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function invalidFormat(what: string, why: string): HullError {
  return new HullError('INVALID_FORMAT', `Cannot parse ${what}: ${why}`);
}

function stringMap(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalidFormat(what, 'annotations must map strings to strings');
  return v as Record<string, string>;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (!isRecord(v)) throw invalidFormat(what, 'descriptor is not an object');
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || mediaType.length === 0) throw invalidFormat(what, 'descriptor has no mediaType');
  if (typeof digest !== 'string' || !isDigest(digest)) throw invalidFormat(what, `descriptor digest "${String(digest)}" is invalid`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalidFormat(what, `descriptor size "${String(size)}" is invalid`);
  const d: Descriptor = { mediaType, digest, size };
  if (Array.isArray(v.urls)) d.urls = v.urls.filter((u): u is string => typeof u === 'string');
  const annotations = stringMap(v.annotations, what);
  if (annotations) d.annotations = annotations;
  if (v.platform !== undefined) d.platform = parsePlatformObject(v.platform, what);
  if (typeof v.artifactType === 'string') d.artifactType = v.artifactType;
  return d;
}
