/**
 * Fetching what a build names by URL: a remote build context (engine/remote-context.ts) and
 * `ADD URL` / `ADD GIT-URL` sources (step-copy.ts). Docker's reading of an address
 * (builder/remotecontext/urlutil): `git://…`, `git@…`, `github.com/…` and `http(s)://….git` are
 * git repositories, optionally `#REF[:SUBDIR]`; other `http(s)://` addresses are downloads.
 *
 * Stricter than docker where it had holes: a REF that starts with "-" is refused (CVE-2019-13139
 * turned one into a git option), git may speak only http, https, git and ssh (GIT_ALLOW_PROTOCOL:
 * never file:// or ext::, which would read the build host's files or run a command), with no
 * prompt and no system or user git configuration (no credential helper or URL rewrite of the user
 * running hull), and SUBDIR must stay inside the repository, links included.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { escapeControlChars, HullError } from '../errors.js';
import { execCapture } from '../sys/exec.js';

export interface GitSource {
  url: string;
  /** A branch, tag or commit; undefined: the remote's HEAD. */
  ref: string | undefined;
  subdir: string | undefined;
}

export const quoted = (s: string) => `"${escapeControlChars(s)}"`;

export const isHttpUrl = (s: string) => /^https?:\/\//i.test(s);

/** Pure: the repository a git address names, or undefined when `remote` is not one; throws for a hostile fragment. */
export function parseGitSource(remote: string): GitSource | undefined {
  const isGit = remote.startsWith('git://') || remote.startsWith('git@') || remote.startsWith('github.com/') || (isHttpUrl(remote) && /\.git(?:#.+)?$/.test(remote));
  if (!isGit) return undefined;
  const hash = remote.indexOf('#');
  let url = hash === -1 ? remote : remote.slice(0, hash);
  if (url.startsWith('github.com/')) url = `https://${url}`;
  const fragment = hash === -1 ? '' : remote.slice(hash + 1);
  const colon = fragment.indexOf(':');
  const ref = (colon === -1 ? fragment : fragment.slice(0, colon)) || undefined;
  const subdirText = colon === -1 ? '' : fragment.slice(colon + 1);
  if (ref !== undefined && (ref.startsWith('-') || escapeControlChars(ref) !== ref || /\s/.test(ref))) {
    throw new HullError('INVALID_ARGUMENT', `Cannot fetch ${quoted(remote)}: the git reference ${quoted(ref)} is not a branch, tag or commit name`);
  }
  let subdir: string | undefined;
  if (subdirText !== '') {
    subdir = normalize(subdirText);
    if (subdir.startsWith('/') || subdir === '..' || subdir.startsWith('../')) throw new HullError('INVALID_ARGUMENT', `Cannot fetch ${quoted(remote)}: the directory ${quoted(subdirText)} must be inside the repository`);
  }
  return { url, ref, subdir };
}

/** An http(s) download's body, or an error naming the status; `lastModified` from its header. */
export async function openUrl(url: string, signal?: AbortSignal): Promise<{ body: Readable; lastModified: Date | undefined }> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', ...(signal ? { signal } : {}) });
  } catch (err) {
    signal?.throwIfAborted();
    throw new HullError('UNAVAILABLE', `Cannot fetch ${quoted(url)}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw new HullError(res.status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE', `Cannot fetch ${quoted(url)}: the server answered ${res.status} ${escapeControlChars(res.statusText)}`);
  }
  const header = res.headers.get('last-modified');
  const lastModified = header === null || Number.isNaN(Date.parse(header)) ? undefined : new Date(header);
  return { body: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), lastModified };
}

/**
 * Checks the repository out into `dir` (made; must not exist or be empty) at its ref, submodules
 * included; returns the directory to use (`dir`, or SUBDIR inside it) and the commit checked out.
 * `.git` is removed unless kept.
 */
export async function gitCheckout(src: GitSource, dir: string, opts: { signal?: AbortSignal; keepGitDir?: boolean } = {}): Promise<{ dir: string; commit: string }> {
  mkdirSync(dir, { recursive: true });
  // An empty home: no ~/.gitconfig, credential helper or URL rewrite of the user running hull applies.
  const home = mkdtempSync(join(dir, '..', 'git-home-'));
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, GIT_ALLOW_PROTOCOL: 'http:https:git:ssh', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_ASKPASS: '/bin/false', GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' };
  const git = (args: string[]) =>
    execCapture(['git', '-C', dir, ...args], { env, ...(opts.signal ? { signal: opts.signal } : {}) }).catch((err: Error) => {
      throw new HullError('UNSUPPORTED', `Cannot fetch ${quoted(src.url)}: could not run git: ${err.message}`, { hint: 'install git (apt-get install git)' });
    });
  const ref = src.ref ?? 'HEAD';
  let commit: string;
  try {
    for (const step of [['init', '-q'], ['remote', 'add', 'origin', src.url]]) {
      const r = await git(step);
      if (r.code !== 0) throw gitFailed(src.url, r.stderr);
    }
    // A shallow fetch first, as docker does; the dumb HTTP protocol cannot do one.
    let r = await git(['fetch', '-q', '--depth', '1', 'origin', '--', ref]);
    if (r.code !== 0) r = await git(['fetch', '-q', 'origin', '--', ref]);
    if (r.code !== 0) throw gitFailed(src.url, r.stderr, ref);
    for (const step of [['checkout', '-q', 'FETCH_HEAD'], ['submodule', 'update', '-q', '--init', '--recursive'], ['rev-parse', 'HEAD']]) {
      r = await git(step);
      if (r.code !== 0) throw gitFailed(src.url, r.stderr);
    }
    commit = r.stdout.trim();
    if (!opts.keepGitDir) rmSync(join(dir, '.git'), { recursive: true, force: true });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  if (src.subdir === undefined) return { dir, commit };
  let real: string;
  try {
    real = realpathSync(join(dir, src.subdir));
  } catch {
    throw new HullError('NOT_FOUND', `Cannot fetch ${quoted(src.url)}: the repository has no directory ${quoted(src.subdir)}`);
  }
  if (!real.startsWith(`${realpathSync(dir)}/`) || !statSync(real).isDirectory()) {
    throw new HullError('INVALID_ARGUMENT', `Cannot fetch ${quoted(src.url)}: ${quoted(src.subdir)} is not a directory inside the repository`);
  }
  return { dir: real, commit };
}

function gitFailed(url: string, stderr: string, ref?: string): HullError {
  const last = escapeControlChars(stderr.trim().split('\n').filter(Boolean).at(-1) ?? 'git failed');
  return new HullError('UNAVAILABLE', `Cannot fetch ${quoted(url)}${ref ? ` at ${quoted(ref)}` : ''}: ${last}`, { hint: 'check the URL, that the repository is reachable from this host, and the branch, tag or commit after #' });
}
