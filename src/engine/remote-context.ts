/**
 * Remote build contexts (`hull build URL`, the Docker API's `POST /build?remote=URL`), as docker
 * reads them: a git repository (build/remote-fetch.ts: `#REF[:SUBDIR]`, fetched with its
 * safeguards) is the context; another http(s) URL is downloaded: a tar (plain, gzip, bzip2, xz or
 * zstd) is the context, any other file the Dockerfile of an empty context.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import { applyLayer } from '../archive/apply-layer.js';
import { decompressExternal } from '../archive/external-decompress.js';
import { peekStream } from '../archive/peek.js';
import { gitCheckout, isHttpUrl, openUrl, parseGitSource, quoted, type GitSource } from '../build/remote-fetch.js';

/** A Dockerfile fetched by URL is read whole: more than this is not a Dockerfile. */
const MAX_DOCKERFILE_BYTES = 1024 * 1024;

export type RemoteContext = ({ kind: 'git' } & GitSource) | { kind: 'http'; url: string };

/** Pure: how docker reads a remote context's URL; throws for anything else. */
export function parseRemoteContext(remote: string): RemoteContext {
  const git = parseGitSource(remote);
  if (git) return { kind: 'git', ...git };
  if (!isHttpUrl(remote)) throw new HullError('INVALID_ARGUMENT', `Cannot build from ${quoted(remote)}: a remote context is an http(s) URL or a git repository`, { hint: 'for example https://host/context.tar.gz or https://host/repo.git#main:dir' });
  return { kind: 'http', url: remote };
}

/** Fills `dir` (absent or empty) with the context the URL names; returns the directory to build: `dir`, or a git fragment's SUBDIR in it. */
export async function fetchRemoteContext(remote: string, dir: string, signal?: AbortSignal): Promise<string> {
  const parsed = parseRemoteContext(remote);
  if (parsed.kind === 'git') return (await gitCheckout(parsed, dir, signal ? { signal } : {})).dir;
  const { body } = await openUrl(parsed.url, signal);
  const { head, stream } = await peekStream(body, 512);
  if (isArchive(head)) {
    const tar = await decompressExternal(stream, 'the build context', signal);
    await applyLayer(dir, tar, { whiteouts: 'delete', layer: 'the build context', ...(signal ? { signal } : {}) });
    return dir;
  }
  // docker: a URL to anything else is the Dockerfile, with nothing else in the context.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_DOCKERFILE_BYTES) {
      stream.destroy();
      throw new HullError('INVALID_ARGUMENT', `Cannot build from ${quoted(parsed.url)}: it is neither an archive nor a Dockerfile (over ${MAX_DOCKERFILE_BYTES / 1024 / 1024} MiB of text)`);
    }
    chunks.push(chunk as Buffer);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), Buffer.concat(chunks));
  return dir;
}

/** Pure: a tar, or a compression docker accepts for one (gzip, bzip2, xz, zstd). */
export function isArchive(head: Buffer): boolean {
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  const magics = [[0x1f, 0x8b], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x28, 0xb5, 0x2f, 0xfd]];
  return magics.some((m) => m.every((b, i) => head[i] === b));
}
