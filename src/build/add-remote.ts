/**
 * `ADD URL DEST` and `ADD GIT-URL DEST`, as docker does them: a URL's file is downloaded (never
 * unpacked, mode 0600, its mtime from Last-Modified) and named after the URL's last path segment
 * when DEST is a directory; a repository's files (build/remote-fetch.ts, `#REF[:SUBDIR]`) are
 * copied into DEST, without `.git` unless `--keep-git-dir`. `--checksum=sha256:…` is checked on
 * a download. Each build fetches again; the step's cache key is the content, so an unchanged
 * download still hits the cache (the classic builder's rule).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, utimesSync, chmodSync } from 'node:fs';
import { posix, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HullError } from '../errors.js';
import { gitCheckout, isHttpUrl, openUrl, parseGitSource, quoted } from './remote-fetch.js';
import type { CopyItem, SourceRoot } from './copy.js';

/** Pure: an ADD source fetched from elsewhere (a URL or a git address) rather than read from the context. */
export function isRemoteSource(source: string): boolean {
  return isHttpUrl(source) || parseGitSource(source) !== undefined;
}

/**
 * Fetches each source into `staging`: the copy's root and items, and what identifies the fetched
 * content for the step's cache key (a download's digest; a repository's commit, since a kept .git
 * differs from clone to clone).
 */
export async function fetchAddSources(staging: string, sources: readonly string[], opts: { checksum?: string; keepGitDir: boolean; where: string; signal?: AbortSignal }): Promise<{ root: SourceRoot; items: CopyItem[]; identity: string }> {
  if (opts.checksum !== undefined && (sources.length !== 1 || parseGitSource(sources[0] as string))) {
    throw new HullError('INVALID_ARGUMENT', `Cannot ADD at ${opts.where}: --checksum applies to one downloaded URL`, { hint: 'give one http(s) source, or drop --checksum' });
  }
  const want = opts.checksum === undefined ? undefined : parseChecksum(opts.checksum, opts.where);
  const items: CopyItem[] = [];
  const identity: string[] = [];
  for (const [i, source] of sources.entries()) {
    const dir = join(staging, `src${i}`);
    const git = parseGitSource(source);
    if (git) {
      const { dir: host, commit } = await gitCheckout(git, dir, { keepGitDir: opts.keepGitDir, ...(opts.signal ? { signal: opts.signal } : {}) });
      items.push({ source, rel: host.slice(staging.length + 1), host, isDir: true });
      identity.push(`git ${commit} ${git.subdir ?? ''} ${opts.keepGitDir}`);
      continue;
    }
    const name = fileNameOf(source, opts.where);
    mkdirSync(dir, { recursive: true });
    const host = join(dir, name);
    const { body, lastModified } = await openUrl(source, opts.signal);
    const hash = createHash('sha256');
    const tap = new Transform({ transform: (chunk: Buffer, _enc, done) => (hash.update(chunk), done(null, chunk)) });
    await pipeline(body, tap, createWriteStream(host, { mode: 0o600 }), ...(opts.signal ? [{ signal: opts.signal }] as const : []));
    const got = hash.digest('hex');
    if (want !== undefined && got !== want) {
      throw new HullError('INVALID_ARGUMENT', `Cannot ADD ${quoted(source)} at ${opts.where}: its digest is sha256:${got}, --checksum expects sha256:${want}`);
    }
    chmodSync(host, 0o600);
    if (lastModified) utimesSync(host, lastModified, lastModified);
    items.push({ source, rel: `src${i}/${name}`, host, isDir: false });
    identity.push(`file ${name} sha256:${got}`);
  }
  return { root: { dir: staging, name: 'the downloaded sources', excluded: () => false, skipDir: () => false, keepOwners: false }, items, identity: identity.join('\n') };
}

function parseChecksum(value: string, where: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(value);
  if (!m) throw new HullError('INVALID_ARGUMENT', `Cannot use --checksum=${quoted(value)} at ${where}: expected sha256: and 64 hex digits`);
  return m[1] as string;
}

/** The last segment of the URL's path, as docker names a download. */
function fileNameOf(url: string, where: string): string {
  const name = decodeURIComponent(posix.basename(new URL(url).pathname));
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new HullError('INVALID_ARGUMENT', `Cannot ADD ${quoted(url)} at ${where}: its path names no file`, { hint: 'name the file in the URL, e.g. https://host/file.tar.gz' });
  }
  return name;
}
