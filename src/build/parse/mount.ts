/**
 * `RUN --mount=type=cache,target=/root/.cache,sharing=locked`: a CSV list of key=value options
 * (BuildKit's commands_runmount.go). The type decides which options apply; an option the type
 * does not use is refused rather than ignored, so a typo never silently does nothing.
 *
 * Values stay raw: the builder expands them with the stage's variables, as Docker does, except
 * `from` (Docker refuses variables there) and the numbers (mode, uid, gid, size), parsed here.
 */
import type { RunMount } from '../instructions.js';
import { ParseProblem } from './problem.js';
import { closest } from './suggest.js';

type MountType = RunMount['type'];

const ALIASES: Record<string, string> = { src: 'source', dst: 'target', destination: 'target', ro: 'readonly', rw: 'readwrite' };

/** Options each type accepts (after aliases). Docker's other options are listed in UNSUPPORTED. */
const ACCEPTED: Record<MountType, readonly string[]> = {
  bind: ['target', 'source', 'from', 'readonly', 'readwrite'],
  cache: ['target', 'id', 'sharing', 'from', 'source', 'readonly', 'readwrite', 'mode', 'uid', 'gid'],
  tmpfs: ['target', 'size'],
  secret: ['id', 'source', 'target', 'required', 'mode', 'uid', 'gid'],
  ssh: ['id', 'target', 'required'],
};
const UNSUPPORTED: Partial<Record<MountType, readonly string[]>> = { secret: ['env'], ssh: ['mode', 'uid', 'gid'] };
const ALL_KEYS = ['type', ...new Set(Object.values(ACCEPTED).flat()), ...Object.keys(ALIASES), 'env'];

export function parseMount(spec: string): RunMount {
  const options = new Map<string, string | true>();
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const rawKey = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const key = ALIASES[rawKey] ?? rawKey;
    if (eq < 0 && !['readonly', 'readwrite', 'required'].includes(key)) {
      throw new ParseProblem(`invalid --mount field "${field}": it must be a key=value pair`);
    }
    // readonly and readwrite decide one thing: the last one written wins.
    if (key === 'readonly' || key === 'readwrite') options.delete(key === 'readonly' ? 'readwrite' : 'readonly');
    options.delete(key);
    options.set(key, eq < 0 ? true : field.slice(eq + 1));
  }
  const type = mountType(options.get('type'));
  options.delete('type');
  for (const key of options.keys()) checkKey(type, key);
  const o = new MountOptions(options);
  switch (type) {
    case 'bind':
      return { type, target: o.target(), ...o.raw('source'), ...o.from(), readwrite: o.readwrite(false) };
    case 'cache':
      return {
        type, target: o.target(), ...o.raw('id'), sharing: o.sharing(), ...o.from(), ...o.raw('source'),
        readonly: !o.readwrite(true), ...o.fileInfo(),
      };
    case 'tmpfs':
      return { type, target: o.target(), ...o.size() };
    case 'secret':
      return { type, ...o.secretId(), ...o.raw('target'), required: o.bool('required'), ...o.fileInfo() };
    case 'ssh':
      return { type, ...o.raw('id'), ...o.raw('target'), required: o.bool('required') };
  }
}

function mountType(value: string | true | undefined): MountType {
  if (value === undefined) return 'bind';
  const type = value === true ? '' : value.toLowerCase();
  if (type in ACCEPTED) return type as MountType;
  const guess = closest(type, Object.keys(ACCEPTED));
  throw new ParseProblem(`unsupported mount type "${value === true ? '' : value}"`, guess !== undefined ? `did you mean type=${guess}?` : 'use type=bind, cache, tmpfs, secret or ssh');
}

function checkKey(type: MountType, key: string): void {
  if (ACCEPTED[type].includes(key)) return;
  if (UNSUPPORTED[type]?.includes(key)) throw new ParseProblem(`--mount option "${key}" for type=${type} is not supported by hull`);
  if (ALL_KEYS.includes(key)) throw new ParseProblem(`--mount option "${key}" does not apply to type=${type}`, `type=${type} accepts ${ACCEPTED[type].join(', ')}`);
  const guess = closest(key, ALL_KEYS);
  throw new ParseProblem(`unknown --mount option "${key}"`, guess !== undefined ? `did you mean ${guess}?` : `type=${type} accepts ${ACCEPTED[type].join(', ')}`);
}

/** Typed reads of the collected options; each returns a fragment to spread into the mount. */
class MountOptions {
  constructor(private readonly options: ReadonlyMap<string, string | true>) {}

  private value(key: string): string | undefined {
    const v = this.options.get(key);
    return v === true ? undefined : v;
  }

  raw<K extends string>(key: K): { [P in K]?: string } {
    const v = this.value(key);
    return (v === undefined || v === '' ? {} : { [key]: v }) as { [P in K]?: string };
  }

  target(): string {
    const target = this.value('target');
    if (target === undefined || target === '') throw new ParseProblem('--mount needs a target', 'add target=/path/in/container');
    return target;
  }

  from(): { from?: string } {
    const from = this.value('from');
    if (from === undefined || from === '') return {};
    const dollar = from.indexOf('$');
    if (dollar >= 0 && dollar !== from.length - 1) {
      throw new ParseProblem('--mount option "from" does not support variables', 'define a stage with FROM ${VAR} AS name and use from=name');
    }
    return { from };
  }

  bool(key: string): boolean {
    const v = this.options.get(key);
    if (v === undefined) return false;
    if (v === true) return true;
    return parseGoBool(key, v);
  }

  /** readwrite=..., or readonly=... inverted, or the type's default. */
  readwrite(byDefault: boolean): boolean {
    if (this.options.has('readwrite')) return this.bool('readwrite');
    if (this.options.has('readonly')) return !this.bool('readonly');
    return byDefault;
  }

  sharing(): 'shared' | 'private' | 'locked' {
    const v = (this.value('sharing') ?? 'shared').toLowerCase();
    if (v === 'shared' || v === 'private' || v === 'locked') return v;
    throw new ParseProblem(`unsupported sharing value "${this.value('sharing')}"`, 'use sharing=shared, private or locked');
  }

  fileInfo(): { mode?: number; uid?: number; gid?: number } {
    return { ...this.number('mode', 8), ...this.number('uid', 10), ...this.number('gid', 10) };
  }

  size(): { size?: number } {
    const v = this.value('size');
    if (v === undefined) return {};
    const size = ramInBytes(v);
    if (size === undefined) throw new ParseProblem(`invalid value "${v}" for size`, 'write a size such as 64m or 1g');
    return { size };
  }

  /** A secret is named by id=, or by source= (Docker's older spelling); not both. */
  secretId(): { id?: string } {
    const id = this.value('id');
    const source = this.value('source');
    if (id !== undefined && id !== '' && source !== undefined && source !== '') {
      throw new ParseProblem('a secret mount takes id= or source=, not both');
    }
    const name = id || source || undefined;
    if (name === undefined && !this.value('target')) throw new ParseProblem('a secret mount needs id= or target=');
    return name === undefined ? {} : { id: name };
  }

  private number<K extends string>(key: K, radix: 8 | 10): { [P in K]?: number } {
    const v = this.value(key);
    if (v === undefined) return {} as { [P in K]?: number };
    const digits = radix === 8 ? /^[0-7]+$/ : /^\d+$/;
    const n = digits.test(v) ? parseInt(v, radix) : NaN;
    if (!(n <= 0xffffffff)) throw new ParseProblem(`invalid value "${v}" for ${key}`, radix === 8 ? 'write an octal mode such as 0755' : 'write a number');
    return { [key]: n } as { [P in K]?: number };
  }
}

/** Go's strconv.ParseBool. */
function parseGoBool(key: string, value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new ParseProblem(`invalid value "${value}" for ${key}`, 'write true or false');
}

/** docker/go-units RAMInBytes: "64m", "1.5g", "512KiB", "1024"; binary multiples. */
export function ramInBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(text);
  if (match === null) return undefined;
  const power = match[2] === undefined ? 0 : 'kmgtp'.indexOf(match[2].toLowerCase()) + 1;
  return Math.trunc(parseFloat(match[1] as string) * 1024 ** power);
}

/** RFC 4180 fields as Go's encoding/csv reads one record: "quoted, fields" with "" for a quote. */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new ParseProblem(`invalid --mount "${text}": unterminated quoted field`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',') throw new ParseProblem(`invalid --mount "${text}": extraneous " in a quoted field`);
    } else {
      const end = text.indexOf(',', i);
      field = text.slice(i, end < 0 ? text.length : end);
      if (field.includes('"')) throw new ParseProblem(`invalid --mount "${text}": bare " in a field`, 'quote the whole field: "target=/a,b"');
      i = end < 0 ? text.length : end;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
  }
}
