/**
 * Resolving a path inside a root directory as if the root were "/": symlinks are followed but
 * clamped to the root (absolute targets restart at the root, ".." stops at it). This is how hull
 * reads /etc/passwd from an image or creates a working directory without being tricked into the
 * host's files by a hostile image.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { HullError, errnoCode } from '../errors.js';

const MAX_SYMLINKS = 40; // Linux's MAXSYMLINKS

/** Returns the host path for `path` inside `root`; the final component need not exist. */
export function resolveInRoot(root: string, path: string): string {
  const pending = path.split('/').filter((c) => c !== '' && c !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '..') {
      resolved.pop();
      continue;
    }
    const hostPath = posix.join(root, ...resolved, component);
    let isLink = false;
    try {
      isLink = lstatSync(hostPath).isSymbolicLink();
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw err;
    }
    if (!isLink) {
      resolved.push(component);
      continue;
    }
    if (++links > MAX_SYMLINKS) {
      throw new HullError('INVALID_ARGUMENT', `Cannot resolve "${path}" inside the container: too many levels of symbolic links`);
    }
    const target = readlinkSync(hostPath);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
  }
  return posix.join(root, ...resolved);
}
