/**
 * mkdir -p that fails instead of spinning. Node's own recursive mkdir loops forever where a
 * directory cannot be made although its parent exists (`--root /proc/sdx`: mkdir says ENOENT, the
 * parent says EEXIST, and it retries); this one makes each missing component once, top down.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { HullError, errnoCode, showUntrusted } from '../errors.js';

/** Creates `path` and its missing parents with `mode`; throws a HullError naming the path. */
export function makeDirs(path: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) {
        throw new HullError('INVALID_ARGUMENT', `Cannot create directory "${showUntrusted(path)}": "${showUntrusted(p)}" is not a directory`);
      }
      break;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' || dirname(p) === p) throw err;
      missing.unshift(p);
    }
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') continue;
      throw new HullError(errnoCode(err) === 'EACCES' || errnoCode(err) === 'EPERM' ? 'PERMISSION_DENIED' : 'INVALID_ARGUMENT', `Cannot create directory "${showUntrusted(dir)}": ${errnoCode(err) === 'ENOENT' ? 'the file system there does not allow it' : errnoCode(err) ?? 'failed'}`, {
        hint: 'give --root and --runroot directories on a writable file system',
        cause: err,
      });
    }
  }
}
