/**
 * Instruction flags (`COPY --from=x`, `RUN --mount=...`), with BuildKit's BFlags rules: a string
 * flag needs `=value` and may be given once; a bool flag is `--x`, `--x=true` or `--x=false`; a
 * list flag may repeat. Flags Docker knows but hull does not implement get their own message, so
 * nobody mistakes them for typos.
 */
import { ParseProblem } from './problem.js';
import { closest } from './suggest.js';

export type FlagKind = 'string' | 'bool' | 'list';

export interface FlagSpec {
  accepted: Readonly<Record<string, FlagKind>>;
  /** Flags Docker accepts here that hull does not support. */
  unsupported?: readonly string[];
}

export class Flags {
  private readonly strings = new Map<string, string>();
  private readonly bools = new Map<string, boolean>();
  private readonly lists = new Map<string, string[]>();

  /** The value, or undefined when absent or given empty (`--chown=`), as Docker treats both. */
  string(name: string): string | undefined {
    const value = this.strings.get(name);
    return value === '' ? undefined : value;
  }

  bool(name: string): boolean {
    return this.bools.get(name) ?? false;
  }

  list(name: string): string[] {
    return this.lists.get(name) ?? [];
  }

  static parse(instruction: string, words: readonly string[], spec: FlagSpec): Flags {
    const flags = new Flags();
    for (const word of words) {
      const eq = word.indexOf('=');
      const name = (eq < 0 ? word : word.slice(0, eq)).slice(2);
      const value = eq < 0 ? undefined : word.slice(eq + 1);
      const kind = spec.accepted[name];
      if (kind === undefined) throw unknownFlag(instruction, name, spec);
      if (kind === 'list') {
        if (value === undefined) throw new ParseProblem(`missing a value on flag --${name}`, `write --${name}=VALUE`);
        flags.lists.set(name, [...flags.list(name), value]);
        continue;
      }
      if (flags.strings.has(name) || flags.bools.has(name)) throw new ParseProblem(`duplicate flag specified: --${name}`);
      if (kind === 'string') {
        if (value === undefined) throw new ParseProblem(`missing a value on flag --${name}`, `write --${name}=VALUE`);
        flags.strings.set(name, value);
      } else {
        flags.bools.set(name, parseBoolFlag(name, value));
      }
    }
    return flags;
  }
}

function parseBoolFlag(name: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  if (value === '') throw new ParseProblem(`missing a value on flag --${name}`, `write --${name} or --${name}=false`);
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new ParseProblem(`expecting a boolean value for flag --${name}, not "${value}"`);
}

function unknownFlag(instruction: string, name: string, spec: FlagSpec): ParseProblem {
  if (spec.unsupported?.includes(name)) {
    return new ParseProblem(`flag --${name} of ${instruction} is not supported by hull`, 'remove the flag');
  }
  const known = Object.keys(spec.accepted);
  if (known.length === 0) return new ParseProblem(`unknown flag --${name}: ${instruction} takes no flags`);
  const guess = closest(name, known);
  const hint = guess !== undefined ? `did you mean --${guess}?` : `${instruction} accepts ${known.map((k) => `--${k}`).join(', ')}`;
  return new ParseProblem(`unknown flag --${name} for ${instruction}`, hint);
}
