/**
 * Finding what COPY and ADD copy, pure where it can be. Sources are paths relative to a source
 * root (the build context, or another stage's or image's filesystem for --from), cleaned so that
 * `..` stops at the root, as BuildKit does. Wildcards follow Go's filepath.Match, as Docker's do:
 * `*` and `?` never match `/`, `[a-z]` and `[^a-z]` are classes, `\` escapes. Paths the
 * .containerignore/.dockerignore excludes are not in the context at all.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

export function hasWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern.replace(/\\./g, ''));
}

/** Pure: one path segment's pattern as a RegExp. */
export function segmentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i] as string);
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Pure: a source as written -> its cleaned path segments relative to the root ([] is the root). */
export function cleanSource(source: string): string[] {
  const out: string[] = [];
  for (const part of source.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

/**
 * Expands a wildcard source against the tree under `root`: each segment is matched against the
 * directory entries at that depth. `excluded(rel)` hides ignored paths. Sorted, relative paths.
 */
export function matchWildcard(root: string, pattern: string, excluded: (rel: string) => boolean): string[] {
  const segments = cleanSource(pattern);
  let current: string[] = [''];
  for (const seg of segments) {
    const next: string[] = [];
    const literal = !hasWildcard(seg);
    const re = literal ? undefined : segmentRegExp(seg);
    for (const dir of current) {
      if (literal) {
        const rel = dir === '' ? seg.replace(/\\(.)/g, '$1') : `${dir}/${seg.replace(/\\(.)/g, '$1')}`;
        if (pathExists(join(root, rel)) && !excluded(rel)) next.push(rel);
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(join(root, dir));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        const rel = dir === '' ? name : `${dir}/${name}`;
        if (re?.test(name) && !excluded(rel)) next.push(rel);
      }
    }
    current = next;
  }
  return current.filter((r) => r !== '').sort();
}

/** lstat succeeds (ENOENT and ENOTDIR, a file used as a directory, both mean no). */
export function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Pure: where a source lands, by docker's rules (dest ending in / or an existing directory: inside it). */
export function destinationFor(dest: string, sourceName: string, destIsDir: boolean): string {
  return destIsDir ? posix.join(dest, sourceName) : dest;
}
