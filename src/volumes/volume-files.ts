/**
 * A volume's content replaced by given files: how kube play materialises a ConfigMap or Secret
 * (Kubernetes' configMap and secret volumes are files too). The files are written into a fresh
 * directory beside `_data` and swapped in with two renames, so a reader sees the old content or
 * the new, never a mix; nothing is written outside the volume (paths are checked relative paths,
 * and every directory on the way is one made here, so no symlink can lead out).
 *
 *   <root>/volumes/<name>/.new-<rand>/   being written
 *   <root>/volumes/<name>/_data          swapped in
 *   <root>/volumes/<name>/.old-<rand>/   the previous content, removed after the swap
 */
import { chownSync, mkdirSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { HullError } from '../errors.js';
import { randomBytes } from '../sys/random.js';

export interface VolumeFile {
  /** Relative path inside the volume (`conf/app.conf`). */
  path: string;
  data: Uint8Array;
  mode: number;
}

function checkPath(volume: string, path: string): string {
  const clean = posix.normalize(path);
  if (path === '' || posix.isAbsolute(path) || clean === '.' || clean === '..' || clean.startsWith('../') || path.split('/').includes('..')) {
    throw new HullError('INVALID_ARGUMENT', `Cannot write ${JSON.stringify(path)} into volume "${volume}": not a relative path inside it`);
  }
  return clean;
}

/** `volumeDir` is <root>/volumes/<name>; `owner` owns the files (a Secret's belong to the container's user). */
export function replaceVolumeFiles(volumeDir: string, volume: string, files: readonly VolumeFile[], owner?: { uid: number; gid: number }): void {
  const paths = files.map((f) => checkPath(volume, f.path));
  const fresh = join(volumeDir, `.new-${randomBytes(4).toString('hex')}`);
  mkdirSync(fresh, { mode: 0o755 });
  try {
    files.forEach((f, i) => {
      const target = join(fresh, paths[i] as string);
      mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
      writeFileSync(target, f.data, { mode: f.mode, flag: 'wx' });
      chmodSync(target, f.mode); // the umask must not loosen or tighten what the file asked for
      if (owner) chownSync(target, owner.uid, owner.gid);
    });
    const data = join(volumeDir, '_data');
    const old = join(volumeDir, `.old-${randomBytes(4).toString('hex')}`);
    renameSync(data, old);
    renameSync(fresh, data);
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    throw err;
  }
}
