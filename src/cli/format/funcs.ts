/**
 * The functions a template may call: Go's predefined ones (text/template "Functions") and the
 * ones docker adds (docker/cli templates.Parse: json, split, join, title, lower, upper, pad,
 * truncate). Parameter types are checked as Go's reflection does, with its messages.
 */
import { compareKeys, formatValue, goType, sprint, sprintf, sprintln } from './gofmt.js';

/** s: string, i: integer, a: any, ss: a list of strings. */
type Param = 's' | 'i' | 'a' | 'ss';

export interface TemplateFunction {
  params: Param[];
  /** The last parameter repeats (Go's ...T). */
  variadic?: boolean;
  call(args: unknown[]): unknown;
}

/** An error a function returns: Go reports it as `error calling NAME: MESSAGE`. */
export class FunctionError extends Error {}

/** Go's truth: false, 0, "", nil and empty lists and maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const PARAM_TYPE: Record<Param, string> = { s: 'string', i: 'int', a: 'interface {}', ss: '[]string' };

/** Go checks a constant argument against the parameter before running: "expected string; found 3". */
export function checkConstant(p: Param, v: unknown, text: string): void {
  if (p === 's' && typeof v !== 'string') throw new TypeError(`expected string; found ${text}`);
  if (p === 'i' && !(typeof v === 'number' && Number.isInteger(v))) throw new TypeError(`expected integer; found ${text}`);
  if (p === 'ss') throw new TypeError(`can't handle ${text} for arg of type []string`);
}

export function checkParam(p: Param, v: unknown): void {
  const ok =
    p === 'a' ||
    (p === 's' && typeof v === 'string') ||
    (p === 'i' && typeof v === 'number' && Number.isInteger(v)) ||
    (p === 'ss' && Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (!ok) throw new TypeError(`wrong type for value; expected ${PARAM_TYPE[p]}; got ${goType(v)}`);
}

function basicKind(v: unknown): 'string' | 'number' | 'bool' | undefined {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return undefined;
}

/** eq arg1 arg2 ...: arg1 equals any of the others (Go's eq, comparable basic kinds only). */
function eq(args: unknown[]): boolean {
  const [a, ...rest] = args;
  if (rest.length === 0) throw new FunctionError('missing argument for comparison');
  const ka = basicKind(a);
  if (ka === undefined && a !== null && a !== undefined) throw new FunctionError('non-comparable type');
  for (const b of rest) {
    const kb = basicKind(b);
    if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
    if (ka === undefined || kb === undefined) {
      if (kb === undefined && b !== null && b !== undefined) throw new FunctionError('non-comparable type');
      if (a === undefined || b === undefined) throw new FunctionError('invalid type for comparison');
      continue;
    }
    if (ka !== kb) throw new FunctionError('incompatible types for comparison');
    if (a === b) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === undefined || kb === undefined || ka === 'bool' || kb === 'bool') throw new FunctionError(ka === kb || ka === undefined || ka === 'bool' ? 'invalid type for comparison' : 'incompatible types for comparison');
  if (ka !== kb) throw new FunctionError('incompatible types for comparison');
  return (a as number | string) < (b as number | string);
}

function index(args: unknown[]): unknown {
  let v = args[0];
  if (v === undefined || v === null) throw new FunctionError('index of untyped nil');
  for (const key of args.slice(1)) {
    if (typeof v === 'string' || Array.isArray(v)) {
      if (typeof key !== 'number' || !Number.isInteger(key)) throw new FunctionError(`cannot index slice/array with type ${goType(key)}`);
      if (key < 0 || key >= (typeof v === 'string' ? Buffer.byteLength(v) : v.length)) throw new FunctionError(`index out of range: ${key}`);
      v = typeof v === 'string' ? (Buffer.from(v)[key] as number) : v[key];
    } else if (typeof v === 'object' && v !== null) {
      if (typeof key !== 'string') throw new FunctionError(`value has type ${goType(key)}; should be string`);
      v = Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
    } else throw new FunctionError(`can't index item of type ${goType(v)}`);
  }
  return v;
}

function slice(args: unknown[]): unknown {
  const [v, ...idx] = args;
  if (v === undefined || v === null) throw new FunctionError('slice of untyped nil');
  if (typeof v !== 'string' && !Array.isArray(v)) throw new FunctionError(`can't slice item of type ${goType(v)}`);
  if (idx.length > 3 || (typeof v === 'string' && idx.length > 2)) throw new FunctionError(`too many slice indexes: ${idx.length}`);
  const len = typeof v === 'string' ? Buffer.byteLength(v) : v.length;
  const [from = 0, to = len] = idx as number[];
  for (const i of idx) if (typeof i !== 'number' || !Number.isInteger(i)) throw new FunctionError(`cannot index slice/array with type ${goType(i)}`);
  if (from < 0 || to > len || from > to) throw new FunctionError(`index out of range: ${from > to ? from : to}`);
  return typeof v === 'string' ? Buffer.from(v).subarray(from, to).toString() : v.slice(from, to);
}

function length(v: unknown): number {
  // Go's own words for len of a missing value (reflect on an invalid Value).
  if (v === undefined || v === null) throw new FunctionError('reflect: call of reflect.Value.Type on zero Value');
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'object' && v !== null) return Object.keys(v).length;
  throw new FunctionError(`len of type ${goType(v)}`);
}

/** strings.Title: the first letter of each word in upper case. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    // Go's isSeparator: ASCII other than letters, digits and _, and Unicode spaces.
    const sep = prev <= '\x7f' ? !/[A-Za-z0-9_]/.test(prev) : /\s/u.test(prev);
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

/** encoding/json as docker's `json` function calls it: SetEscapeHTML(false), no trailing newline. */
export function toJson(v: unknown): string {
  return JSON.stringify(v ?? null, (_k, x: unknown) => (isPlainMap(x) ? sortedMap(x) : x)) ?? 'null';
}

/**
 * Go encodes a map with its keys sorted, a struct in field order. hull's values are JSON, so a
 * map whose keys all start with a capital letter is taken for one of docker's structs (State,
 * Config) and keeps its order; any other (Labels) is sorted.
 */
function isPlainMap(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const keys = Object.keys(x);
  return keys.length > 0 && !keys.every((k) => /^[A-Z]/.test(k));
}

function sortedMap(x: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x).sort(compareKeys)) out[k] = x[k];
  return out;
}

const htmlEscape = (s: string) => s.replace(/[&<>"'\0]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;', '\0': '\uFFFD' })[c] ?? c);

export const FUNCTIONS: Record<string, TemplateFunction> = {
  // Go's predefined functions. `and` and `or` are evaluated lazily by the executor.
  and: { params: ['a', 'a'], variadic: true, call: (a) => a.find((x) => !isTrue(x)) ?? a[a.length - 1] },
  or: { params: ['a', 'a'], variadic: true, call: (a) => a.find((x) => isTrue(x)) ?? a[a.length - 1] },
  not: { params: ['a'], call: ([a]) => !isTrue(a) },
  len: { params: ['a'], call: ([a]) => length(a) },
  index: { params: ['a', 'a'], variadic: true, call: index },
  slice: { params: ['a', 'a'], variadic: true, call: slice },
  print: { params: ['a'], variadic: true, call: sprint },
  println: { params: ['a'], variadic: true, call: sprintln },
  printf: { params: ['s', 'a'], variadic: true, call: ([f, ...a]) => sprintf(f as string, a) },
  eq: { params: ['a', 'a'], variadic: true, call: eq },
  ne: { params: ['a', 'a'], call: ([a, b]) => !eq([a, b]) },
  lt: { params: ['a', 'a'], call: ([a, b]) => lt(a, b) },
  le: { params: ['a', 'a'], call: ([a, b]) => lt(a, b) || eq([a, b]) },
  gt: { params: ['a', 'a'], call: ([a, b]) => !lt(a, b) && !eq([a, b]) },
  ge: { params: ['a', 'a'], call: ([a, b]) => !lt(a, b) },
  html: { params: ['a'], variadic: true, call: (a) => htmlEscape(sprint(a)) },
  js: {
    params: ['a'],
    variadic: true,
    // eslint-disable-next-line no-control-regex -- escaping control characters is the point
    call: (a) => sprint(a).replace(/[\\'"<>&=]|[\u0000-\u001f]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "\\'" : c === '"' ? '\\"' : `\\u${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`)),
  },
  urlquery: { params: ['a'], variadic: true, call: (a) => encodeURIComponent(sprint(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}`) },
  // docker's functions (docker/cli templates/templates.go).
  json: { params: ['a'], call: ([a]) => toJson(a) },
  split: { params: ['s', 's'], call: ([s, sep]) => (sep === '' ? [...(s as string)] : (s as string).split(sep as string)) },
  join: { params: ['ss', 's'], call: ([l, sep]) => (l as string[]).join(sep as string) },
  title: { params: ['s'], call: ([s]) => title(s as string) },
  lower: { params: ['s'], call: ([s]) => (s as string).toLowerCase() },
  upper: { params: ['s'], call: ([s]) => (s as string).toUpperCase() },
  pad: { params: ['s', 'i', 'i'], call: ([s, l, r]) => (s === '' ? '' : ' '.repeat(Math.max(0, l as number)) + (s as string) + ' '.repeat(Math.max(0, r as number))) },
  truncate: { params: ['s', 'i'], call: ([s, n]) => ((s as string).length < (n as number) ? s : (s as string).slice(0, Math.max(0, n as number))) },
};

/**
 * docker's table headers are the template run against a map of column names, with these
 * functions replaced by ones that return the name untouched (templates.HeaderFunctions); `pad`
 * is kept so that a padded column's header lines up.
 */
export const HEADER_FUNCTIONS: Record<string, TemplateFunction> = {
  ...FUNCTIONS,
  json: { params: ['s'], call: ([s]) => s },
  split: { params: ['s', 's'], call: ([s]) => s },
  join: { params: ['s', 's'], call: ([s]) => s },
  title: { params: ['s'], call: ([s]) => s },
  lower: { params: ['s'], call: ([s]) => s },
  upper: { params: ['s'], call: ([s]) => s },
  truncate: { params: ['s', 'i'], call: ([s]) => s },
};

export { compareKeys, formatValue };
