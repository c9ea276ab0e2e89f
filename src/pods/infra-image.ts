/**
 * The built-in infra image: a one-layer image hull makes from the host's catatonit (a static
 * binary), so a pod needs no image pull, as podman makes its localhost/podman-pause image. The
 * infra runs `catatonit -P` (pause mode: it sleeps, reaps and exits on a signal), read-only.
 *
 *   /catatonit                       the host's binary, copied (0755)
 *   /dev /proc /sys /run /tmp /etc   mount points (and empty /etc/hosts, hostname, resolv.conf)
 *
 * Named localhost/hull-infra:<first 12 hex of the binary's sha256>: a new catatonit makes a new
 * image; the same one is made once per store (under a lock, as two `pod create` may race).
 */
import type * as crypto from 'node:crypto';
import { lazyBuiltin } from '../sys/lazy-builtin.js';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { HullError } from '../errors.js';
import { which } from '../sys/which.js';
import { withLock } from '../sys/lock.js';
import { ownedName, ownedNameAlive } from '../sys/owner.js';
import { writeTarFromDir } from '../archive/create-tar.js';
import type { ImageRecord } from '../images/image-store.js';
import type { ImportOptions } from '../images/import.js';
import type { Readable } from 'node:stream';

const cryptoModule = lazyBuiltin<typeof crypto>('node:crypto');

export const INFRA_REPOSITORY = 'localhost/hull-infra';

export interface InfraImageDeps {
  /** <root>/pods: where the lock and the temporary tree live. */
  dir: string;
  /** PATH to find catatonit on. */
  path: string | undefined;
  findImage(name: string): ImageRecord | undefined;
  importTarball(input: Readable, opts: ImportOptions): Promise<ImageRecord>;
}

/** The host's catatonit: on PATH, or where Debian's podman package puts it. */
export function findCatatonit(path: string | undefined): string {
  const found = which('catatonit', path) ?? ['/usr/libexec/podman/catatonit', '/usr/bin/catatonit'].find((p) => existsSync(p));
  if (!found) throw new HullError('NOT_FOUND', 'Cannot make the pod\'s infra container: catatonit is not installed', { hint: 'apt-get install catatonit, or give the pod an image with --infra-image' });
  return found;
}

/** The built-in infra image's name, made if missing. */
export async function ensureInfraImage(deps: InfraImageDeps): Promise<string> {
  const catatonit = findCatatonit(deps.path);
  const bytes = readFileSync(catatonit);
  const name = `${INFRA_REPOSITORY}:${cryptoModule().createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
  const existing = deps.findImage(name);
  if (existing) return name;
  mkdirSync(deps.dir, { recursive: true });
  return withLock(join(deps.dir, 'infra-image.lock'), async () => {
    const again = deps.findImage(name);
    if (again) return name;
    // A tree left by a maker killed -9 (its owner is dead) goes now.
    for (const e of readdirSync(deps.dir)) if (e.startsWith('infra-tree-') && ownedNameAlive(e, 'infra-tree-') === false) rmSync(join(deps.dir, e), { recursive: true, force: true });
    // An owned name: `hull system check` can tell a dead maker's leftover from a live one's.
    const tree = join(deps.dir, ownedName('infra-tree-'));
    try {
      for (const d of ['dev', 'proc', 'sys', 'run', 'tmp', 'etc']) mkdirSync(join(tree, d), { recursive: true, mode: 0o755 });
      for (const f of ['hosts', 'hostname', 'resolv.conf']) writeFileSync(join(tree, 'etc', f), '');
      writeFileSync(join(tree, 'etc', 'passwd'), 'root:x:0:0:root:/:/catatonit\n');
      writeFileSync(join(tree, 'etc', 'group'), 'root:x:0:\n');
      copyFileSync(catatonit, join(tree, 'catatonit'));
      chmodSync(join(tree, 'catatonit'), 0o755);
      const tar = new PassThrough();
      const written = writeTarFromDir(tree, tar);
      await Promise.all([
        deps.importTarball(tar, { name, source: catatonit, message: 'hull pod infra: catatonit -P', changes: ['ENTRYPOINT ["/catatonit", "-P"]', 'LABEL io.hull.infra=true'] }),
        written,
      ]);
      return name;
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
}
