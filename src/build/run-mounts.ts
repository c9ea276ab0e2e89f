/**
 * `RUN --mount=...` as runtime-spec mounts (BuildKit's mount types):
 *   bind    a path of the context (default) or of another stage/image (from=); read-only unless
 *           rw, and then writes go to a private copy, never back to the context
 *   cache   a directory kept between builds under <root>/build-cache/mounts (by id, default the
 *           target), removed by `hull builder prune`
 *   tmpfs   a fresh tmpfs
 *   secret  a file given with `hull build --secret id=ID,src=PATH`, copied into the step's private
 *           runroot directory with the requested mode and owner, bound read-only at
 *           /run/secrets/ID (or target=); it is never part of a layer or the cache key
 * ssh is refused: hull has no SSH agent forwarding.
 */
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { HullError } from '../errors.js';
import { execOrThrow } from '../sys/exec.js';
import { resolveInRoot } from '../sys/safe-path.js';
import type { SpecMount } from '../oci/runtime-spec.js';
import type { RunMount } from './instructions.js';

export interface MountSources {
  contextDir: string;
  /** The host directory of an earlier stage's or an image's filesystem (mounted read-only use). */
  fromRoot(ref: string): Promise<string>;
  cacheDir(id: string): string;
  secrets: Readonly<Record<string, string>>;
  /** A private directory of this step (secret copies, rw bind copies). */
  privateDir: string;
  /** The step's working directory: relative targets are relative to it. */
  workdir: string;
}

const bind = (destination: string, source: string, readonly: boolean): SpecMount => ({ destination, type: 'bind', source, options: ['rbind', readonly ? 'ro' : 'rw', 'nosuid', 'nodev'] });

export async function runMounts(mounts: readonly RunMount[], expand: (raw: string) => string, src: MountSources, where: string): Promise<SpecMount[]> {
  const out: SpecMount[] = [];
  for (const [i, m] of mounts.entries()) {
    const target = (raw: string | undefined) => posix.resolve(src.workdir, expand(raw ?? ''));
    switch (m.type) {
      case 'bind': {
        const base = m.from !== undefined ? await src.fromRoot(expand(m.from)) : src.contextDir;
        let source = resolveInRoot(base, expand(m.source ?? '/'));
        if (!existsSync(source)) throw new HullError('NOT_FOUND', `Cannot mount "${m.source ?? '/'}" at ${where}: no such file or directory in ${m.from ? `"${m.from}"` : 'the build context'}`);
        if (m.readwrite) {
          const copy = join(src.privateDir, `bind-${i}`);
          await execOrThrow(['cp', '-a', '--', source, copy], `copy the bind mount source of ${where}`);
          source = copy;
        }
        out.push(bind(target(m.target), source, !m.readwrite));
        break;
      }
      case 'cache': {
        const id = m.id !== undefined ? expand(m.id) : target(m.target);
        const dir = src.cacheDir(id);
        if (m.mode !== undefined) chmodSync(dir, m.mode);
        if (m.uid !== undefined || m.gid !== undefined) chownSync(dir, m.uid ?? 0, m.gid ?? 0);
        out.push(bind(target(m.target), dir, m.readonly));
        break;
      }
      case 'tmpfs':
        out.push({ destination: target(m.target), type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...(m.size !== undefined ? [`size=${m.size}`] : [])] });
        break;
      case 'secret': {
        const id = m.id !== undefined ? expand(m.id) : m.target !== undefined ? posix.basename(expand(m.target)) : '';
        const file = src.secrets[id];
        if (file === undefined) {
          if (m.required) throw new HullError('NOT_FOUND', `Cannot mount secret "${id}" at ${where}: it was not given`, { hint: `pass it with --secret id=${id},src=FILE` });
          continue;
        }
        mkdirSync(join(src.privateDir, 'secrets'), { recursive: true, mode: 0o700 });
        const copy = join(src.privateDir, 'secrets', `${i}`);
        copyFileSync(file, copy);
        chmodSync(copy, m.mode ?? 0o400);
        chownSync(copy, m.uid ?? 0, m.gid ?? 0);
        out.push(bind(m.target !== undefined ? target(m.target) : `/run/secrets/${id}`, copy, true));
        break;
      }
      case 'ssh':
        throw new HullError('UNSUPPORTED', `Cannot use RUN --mount=type=ssh at ${where}: hull has no SSH agent forwarding`, { hint: 'use --mount=type=secret for keys the step needs' });
    }
  }
  return out;
}
