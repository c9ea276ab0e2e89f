/**
 * Variable interpolation in compose files (compose-spec interpolation.md): `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`,
 * `${VAR+alt}`, `$$` for a literal dollar, and nesting inside the default/alt/error word.
 * A `$` that starts no valid name is kept as it is. Interpolation applies to values, never keys.
 */
import { OverrideTag, ResetTag, type Path } from './yaml-source.js';

export type Lookup = (name: string) => string | undefined;

/** What went wrong, for the caller to turn into a message that names the file, key and line. */
export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly kind: 'required' | 'syntax',
  ) {
    super(message);
  }
}

const NAME_START = /[_a-zA-Z]/;
const NAME_CHAR = /[_a-zA-Z0-9]/;

export interface InterpolateResult {
  value: string;
  /** Names used without a value and without a default (Compose warns and uses ""). */
  unset: string[];
}

/** Substitutes every variable in `template`; throws InterpolationError. */
export function interpolateString(template: string, lookup: Lookup): InterpolateResult {
  const unset: string[] = [];
  const value = substitute(template, lookup, unset);
  return { value, unset };
}

function substitute(s: string, lookup: Lookup, unset: string[]): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = matchingBrace(s, i + 2);
      if (end === -1) throw new InterpolationError(`invalid interpolation format: ${JSON.stringify(s.slice(i))} has no closing "}"`, 'syntax');
      out += braced(s.slice(i + 2, end), lookup, unset);
      i = end + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < s.length && NAME_CHAR.test(s[j] as string)) j++;
      const name = s.slice(i + 1, j);
      const v = lookup(name);
      if (v === undefined) unset.push(name);
      out += v ?? '';
      i = j;
    } else {
      out += '$';
      i++;
    }
  }
  return out;
}

/** Index of the `}` closing a `${` whose body starts at `from`, counting nested `${`. */
function matchingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '$') i++;
    else if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(body: string, lookup: Lookup, unset: string[]): string {
  let j = 0;
  if (!NAME_START.test(body[0] ?? '')) throw new InterpolationError(`invalid interpolation format: "\${${body}}" needs a variable name`, 'syntax');
  while (j < body.length && NAME_CHAR.test(body[j] as string)) j++;
  const name = body.slice(0, j);
  const rest = body.slice(j);
  const value = lookup(name);
  if (rest === '') {
    if (value === undefined) unset.push(name);
    return value ?? '';
  }
  const colon = rest.startsWith(':');
  const op = rest[colon ? 1 : 0];
  const word = rest.slice(colon ? 2 : 1);
  // With ":" an empty value counts as unset (POSIX sh parameter expansion, which compose follows).
  const missing = value === undefined || (colon && value === '');
  switch (op) {
    case '-':
      return missing ? substitute(word, lookup, unset) : (value as string);
    case '?':
      if (missing) {
        const detail = substitute(word, lookup, unset);
        throw new InterpolationError(`required variable ${name} is missing a value${detail ? `: ${detail}` : ''}`, 'required');
      }
      return value as string;
    case '+':
      return missing ? '' : substitute(word, lookup, unset);
    default:
      throw new InterpolationError(`invalid interpolation format: "\${${body}}": unknown operator after ${name}`, 'syntax');
  }
}

/**
 * Interpolates every string value in a parsed file (keys untouched), keeping `!reset` and
 * `!override` markers. `onError` adds the path to an error; `onUnset` collects warnings.
 */
export function interpolateTree(value: unknown, lookup: Lookup, onError: (path: Path, err: InterpolationError) => never, onUnset: (name: string, path: Path) => void, path: (string | number)[] = []): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    try {
      const r = interpolateString(value, lookup);
      for (const name of r.unset) onUnset(name, path);
      return r.value;
    } catch (err) {
      if (err instanceof InterpolationError) onError(path, err);
      throw err;
    }
  }
  if (value instanceof ResetTag) return value;
  if (value instanceof OverrideTag) return new OverrideTag(interpolateTree(value.value, lookup, onError, onUnset, path));
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, lookup, onError, onUnset, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k.startsWith('x-') && path.length <= 1 ? v : interpolateTree(v, lookup, onError, onUnset, [...path, k]);
    return out;
  }
  return value;
}
