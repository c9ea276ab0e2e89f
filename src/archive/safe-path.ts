/**
 * Resolving archive paths inside the layer directory with chroot semantics.
 *
 * An archive path is cleaned lexically first (leading "/" stripped as docker does, "." and empty
 * components dropped, ".." popped; a ".." that would climb above the root is refused). The parent
 * components are then walked one by one from the root with lstat: a real directory is entered, a
 * missing one is created (0755, as containerd does), and a symlink is followed *as if the layer
 * directory were "/"*: an absolute target restarts at the root, ".." stops at the root. The result
 * is a path made only of real directories, so when the kernel walks it again it follows no symlink.
 * The last component is never followed: callers lstat it and replace what is there.
 *
 * This is safe because the unpacker is the only writer of the directory while it runs (a fresh
 * layer directory, or a snapshot nobody has mounted yet): nothing can swap a checked directory
 * for a symlink behind its back. Node has no openat2(RESOLVE_IN_ROOT), which would make the same
 * guarantee in the kernel.
 */
import * as fs from 'node:fs';

/** A symlink chain longer than Linux's own limit (MAXSYMLINKS = 40) is refused. */
const MAX_HOPS = 40;

export type CleanPath = string[] | 'escapes' | 'nul';

/** Lexically cleans an archive path into components; see the file comment. */
export function cleanPath(p: string): CleanPath {
  if (p.includes('\0')) return 'nul';
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return 'escapes';
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}

export function joinRel(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** Raised when a path cannot be resolved safely; the caller adds the layer and entry names. */
export class PathRefusal extends Error {}

export interface ResolverEvents {
  /** A directory the resolver created because an entry needed it as a parent. */
  createdDir(rel: string): void;
  /** An existing directory the resolver walked through. */
  visitedDir(rel: string): void;
}

export class RootResolver {
  /** Logical parent path (as the archive spells it) -> real relative path. */
  private readonly cache = new Map<string, string>();
  private hops = 0;

  constructor(
    readonly root: string,
    private readonly events: ResolverEvents,
  ) {}

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** Forget everything: called whenever a directory or symlink is removed or replaced. */
  invalidate(): void {
    this.cache.clear();
  }

  /**
   * Resolves comps[0..count) as a directory; returns its real relative path ('' is the root),
   * or undefined when a component is missing and `create` is false.
   */
  resolveDir(comps: readonly string[], count: number, create: boolean): string | undefined {
    if (count === 0) return '';
    let key = comps[0] ?? '';
    for (let i = 1; i < count; i++) key += `/${comps[i]}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    this.hops = 0;
    let real = '';
    let prefix = '';
    for (let i = 0; i < count; i++) {
      const c = comps[i] ?? '';
      prefix = i === 0 ? c : `${prefix}/${c}`;
      const cached = this.cache.get(prefix);
      if (cached !== undefined) {
        real = cached;
        continue;
      }
      const next = this.step(real, c, create);
      if (next === undefined) return undefined;
      real = next;
      this.cache.set(prefix, real);
    }
    return real;
  }

  /** Resolves an absolute or relative symlink target, as seen from the real directory `from`. */
  resolveTarget(from: string, target: string, create: boolean): string | undefined {
    this.hops = 0;
    return this.walk(target.startsWith('/') ? '' : from, target, create);
  }

  private walk(start: string, target: string, create: boolean): string | undefined {
    let cur = start;
    for (const c of target.split('/')) {
      if (c === '' || c === '.') continue;
      if (c === '..') {
        cur = parentOf(cur); // the root's parent is the root
        continue;
      }
      const next = this.step(cur, c, create);
      if (next === undefined) return undefined;
      cur = next;
    }
    return cur;
  }

  /** Enters component `c` of real directory `dir`, following a symlink there within the root. */
  private step(dir: string, c: string, create: boolean): string | undefined {
    const rel = joinRel(dir, c);
    const st = fs.lstatSync(this.abs(rel), { throwIfNoEntry: false });
    if (st === undefined) {
      if (!create) return undefined;
      fs.mkdirSync(this.abs(rel), 0o755);
      this.events.createdDir(rel);
      return rel;
    }
    if (st.isDirectory()) {
      this.events.visitedDir(rel);
      return rel;
    }
    if (st.isSymbolicLink()) {
      if (++this.hops > MAX_HOPS) throw new PathRefusal(`goes through more than ${MAX_HOPS} symlinks`);
      const target = fs.readlinkSync(this.abs(rel));
      return this.walk(target.startsWith('/') ? '' : dir, target, create);
    }
    throw new PathRefusal(`has a parent "${rel}" that is not a directory`);
  }
}
