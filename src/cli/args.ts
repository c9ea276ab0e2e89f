/**
 * A declarative, docker-style argument parser. Why not commander or util.parseArgs: docker's
 * grammar stops option parsing at the first positional for `run IMAGE CMD -x` (interspersed=false),
 * repeats options (-e A -e B), combines short booleans (-it) and takes values glued or separated
 * (-eK=V, -e K=V, --env=K=V). This file is that grammar and nothing more; help text comes from the
 * same specs, so it can never drift from what is parsed.
 */
import { HullError } from '../errors.js';

export interface OptionSpec {
  name: string;
  short?: string;
  type: 'boolean' | 'string';
  multiple?: boolean;
  valueName?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  options: OptionValues;
  positionals: string[];
}

function usageError(message: string, command: string): HullError {
  return new HullError('INVALID_ARGUMENT', message, { hint: `see "hull ${command} --help"` });
}

/**
 * Parses argv against `specs`. With `stopAtPositional`, everything after the first positional is
 * positional too (the container's command and its own flags).
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string, stopAtPositional = false): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const options: OptionValues = {};
  const positionals: string[] = [];
  const set = (spec: OptionSpec, value: string | boolean) => {
    if (spec.multiple) options[spec.name] = [...((options[spec.name] as string[] | undefined) ?? []), String(value)];
    else options[spec.name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw usageError(`unknown flag: --${name}`, command);
      if (spec.type === 'boolean') {
        const v = eq === -1 ? 'true' : arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw usageError(`invalid value "${v}" for --${name}: expected true or false`, command);
        set(spec, v === 'true');
      } else if (eq !== -1) set(spec, arg.slice(eq + 1));
      else {
        if (i + 1 >= argv.length) throw usageError(`flag needs an argument: --${name}`, command);
        set(spec, argv[++i] as string);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spec = byShort.get(arg[j] as string);
        if (!spec) throw usageError(`unknown shorthand flag: '${arg[j]}' in ${arg}`, command);
        if (spec.type === 'boolean') {
          set(spec, true);
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest !== '') set(spec, rest.startsWith('=') ? rest.slice(1) : rest);
        else if (i + 1 < argv.length) set(spec, argv[++i] as string);
        else throw usageError(`flag needs an argument: '${arg[j]}' in -${arg[j]}`, command);
        break;
      }
      continue;
    }
    positionals.push(arg);
    if (stopAtPositional) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
  }
  return { options, positionals };
}

export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.type === 'string' ? ` ${s.valueName ?? 'string'}` : ''}`;
    return [flag, s.description + (s.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(0, ...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}   ${d}`).join('\n');
}

export const str = (o: OptionValues, name: string): string | undefined => {
  const v = o[name];
  return typeof v === 'string' ? v : undefined;
};
export const bool = (o: OptionValues, name: string): boolean => o[name] === true;
export const list = (o: OptionValues, name: string): string[] => {
  const v = o[name];
  return Array.isArray(v) ? v : [];
};
