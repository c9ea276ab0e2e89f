/**
 * `.containerignore` / `.dockerignore`: which files of the build context are left out.
 *
 * File format (moby/patternmatcher ignorefile): one pattern a line; a line starting with `#` is a
 * comment (only in the first column); blanks around a pattern are dropped; `!` makes an exception
 * that puts matching paths back; each pattern is cleaned like a path (`./a//b/` is `a/b`) and a
 * leading `/` is dropped, since every pattern is relative to the context root anyway.
 *
 * Matching (Docker's rules): `*` any run of characters but `/`, `?` one character but `/`,
 * `[a-z]` `[^a-z]` classes, `\x` a literal x, and `**` as a path segment: any number of directories,
 * none included (so `a/**` is everything under a). A pattern matches a path when it matches the path or
 * one of its parent directories, so `build` leaves out everything under build/. The last pattern that matches decides.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, HullError } from '../errors.js';

export interface IgnorePattern {
  /** The cleaned pattern, without the `!`. */
  pattern: string;
  /** `!pattern`: puts back what earlier patterns left out. */
  exception: boolean;
  /** 1-based line in the ignore file (0 when built from a list). */
  line: number;
}

export interface IgnoreMatcher {
  /** The ignore file that was read, if any. */
  readonly file: string | undefined;
  readonly patterns: readonly IgnorePattern[];
  /** Whether a context path (relative to the context root, `/`-separated) is left out. */
  excludes(relPath: string): boolean;
  /**
   * Whether the context walker may skip a directory without reading it: it is excluded and no
   * exception could put back anything inside it. When false for an excluded directory, walk it,
   * keep the entries `excludes` lets through, and create the directories that lead to them.
   */
  canSkipDir(relDir: string): boolean;
}

/** The ignore files tried, first found wins: next to the Containerfile, then in the context. */
export function ignoreFileCandidates(contextDir: string, containerfile?: string): string[] {
  const beside = containerfile === undefined ? [] : [`${containerfile}.containerignore`, `${containerfile}.dockerignore`];
  return [...beside, join(contextDir, '.containerignore'), join(contextDir, '.dockerignore')];
}

/** Reads the first ignore file that exists (`.containerignore` wins over `.dockerignore`). */
export async function loadIgnore(contextDir: string, options: { containerfile?: string } = {}): Promise<IgnoreMatcher> {
  for (const file of ignoreFileCandidates(contextDir, options.containerfile)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw new HullError('INVALID_ARGUMENT', `Cannot read "${file}": ${errnoCode(err) ?? String(err)}`, { cause: err });
    }
    return compileIgnore(parseIgnoreFile(text, file), file);
  }
  return compileIgnore([], undefined);
}

export function parseIgnoreFile(text: string, file: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  for (const [index, raw] of lines.entries()) {
    if (raw.startsWith('#')) continue;
    let pattern = raw.trim();
    if (pattern === '') continue;
    const exception = pattern.startsWith('!');
    if (exception) pattern = pattern.slice(1).trim();
    if (pattern === '') {
      throw new HullError('INVALID_ARGUMENT', `Cannot read "${file}" line ${index + 1}: illegal exclusion pattern "!"`, {
        hint: 'write the path to put back after the !, e.g. !keep.txt',
      });
    }
    pattern = cleanPath(pattern);
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    patterns.push({ pattern, exception, line: index + 1 });
  }
  return patterns;
}

export function compileIgnore(patterns: readonly IgnorePattern[], file: string | undefined): IgnoreMatcher {
  const compiled = patterns.map((p) => {
    try {
      return { ...p, segments: p.pattern.split('/'), regexp: patternRegExp(p.pattern) };
    } catch (err) {
      const where = file === undefined ? 'ignore pattern' : `"${file}" line ${p.line}`;
      throw new HullError('INVALID_ARGUMENT', `Cannot read ${where}: bad pattern "${p.pattern}": ${(err as Error).message}`, {
        hint: 'close every [ with ], or escape it as \\[',
      });
    }
  });
  const matchesOrParent = (p: (typeof compiled)[number], path: string): boolean => {
    if (p.regexp.test(path)) return true;
    for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      if (p.regexp.test(path.slice(0, slash))) return true;
    }
    return false;
  };
  const excludes = (relPath: string): boolean => {
    const path = cleanPath(relPath.replace(/^\/+/, ''));
    if (path === '.' || path === '') return false;
    let excluded = false;
    for (const p of compiled) {
      // An exclusion can only change an included path and an exception an excluded one.
      if (p.exception !== excluded) continue;
      if (matchesOrParent(p, path)) excluded = !p.exception;
    }
    return excluded;
  };
  return {
    file,
    patterns,
    excludes,
    canSkipDir(relDir: string): boolean {
      if (!excludes(relDir)) return false;
      const dir = cleanPath(relDir.replace(/^\/+/, '')).split('/');
      return !compiled.some((p) => p.exception && couldMatchInside(p.segments, dir));
    },
  };
}

/**
 * Whether a pattern could match some path inside `dir` (conservative: true when unsure). Walks the
 * pattern's segments along the directory's; `**` matches any number of them.
 */
function couldMatchInside(segments: readonly string[], dir: readonly string[], si = 0, di = 0): boolean {
  if (di === dir.length) return si < segments.length || segments[si - 1] === '**';
  if (si === segments.length) return true; // it matches a parent of a path under dir: let the walk decide
  const segment = segments[si] as string;
  if (segment === '**') return couldMatchInside(segments, dir, si + 1, di) || couldMatchInside(segments, dir, si, di + 1);
  if (segment.includes('**')) return true;
  return patternRegExp(segment).test(dir[di] as string) && couldMatchInside(segments, dir, si + 1, di + 1);
}

/** A pattern as an anchored RegExp over `/`-separated paths. Throws on an unclosed class. */
function patternRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] !== '*') {
        re += '[^/]*';
        continue;
      }
      i++;
      if (pattern[i + 1] === '/') i++;
      re += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\') {
      re += i + 1 < pattern.length ? escapeRegExp(pattern[++i] as string) : '\\\\';
    } else if (ch === '[') {
      const [cls, end] = characterClass(pattern, i);
      re += cls;
      i = end;
    } else {
      re += escapeRegExp(ch);
    }
  }
  return new RegExp(`^${re}$`, 'su');
}

/** `[...]` starting at `start` → a RegExp class and the index of its `]`. A class never matches `/`. */
function characterClass(pattern: string, start: number): [string, number] {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '^' || pattern[i] === '!') {
    negate = true;
    i++;
  }
  let body = '';
  for (let first = true; ; first = false) {
    const ch = pattern[i];
    if (ch === undefined) throw new Error('unclosed [');
    if (ch === ']' && !first) break;
    if (ch === '\\') {
      const next = pattern[++i];
      if (next === undefined) throw new Error('unclosed [');
      body += escapeClass(next);
    } else if (ch === '-' && !first && pattern[i + 1] !== ']') {
      body += '-';
    } else {
      body += escapeClass(ch);
    }
    i++;
  }
  return [negate ? `[^/${body}]` : `(?!/)[${body}]`, i];
}

function escapeRegExp(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function escapeClass(ch: string): string {
  return /[\\\]^[-]/.test(ch) ? `\\${ch}` : ch;
}

/** Go's path.Clean for relative paths: no empty or `.` segments, `..` resolved where it can be. */
export function cleanPath(path: string): string {
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (segment === '..' && rooted) continue;
    else out.push(segment);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}
