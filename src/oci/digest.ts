/**
 * Digests: `algorithm:hex`, as in image-spec descriptor.md#digests.
 * sha256 is the only algorithm hull writes; sha512 is accepted when reading.
 */
import type { Hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { HullError } from '../errors.js';

// node:crypto loads on the first hash, not with this module: commands that only name digests
// (a container start) skip its ~5 ms of loading.
let crypto: typeof import('node:crypto') | undefined;
const createHash = (algorithm: string): Hash => (crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).createHash(algorithm);

export type Digest = `sha256:${string}` | `sha512:${string}`;

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** Parses a digest string; throws INVALID_DIGEST naming the input. */
export function parseDigest(s: string): Digest {
  if (!isDigest(s)) {
    throw new HullError('INVALID_DIGEST', `Cannot parse digest "${s}": expected sha256:<64 hex> or sha512:<128 hex>`);
  }
  return s;
}

export function digestAlgorithm(d: Digest): 'sha256' | 'sha512' {
  return d.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A running digest for streams; `digest()` may be called once. */
export class Digester {
  private readonly hash: Hash;
  private readonly algorithm: 'sha256' | 'sha512';
  size = 0;

  constructor(algorithm: 'sha256' | 'sha512' = 'sha256') {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }

  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}` as Digest;
  }
}

/** Short form used in tables: the first 12 hex characters, as docker prints image IDs. */
export function shortId(d: string): string {
  return (d.includes(':') ? d.slice(d.indexOf(':') + 1) : d).slice(0, 12);
}
