/**
 * Commands with their own subcommands (`hull volume ls`, `hull network create`, `hull registry
 * serve`): one table entry and one line in `hull --help`. Each subcommand parses its own options
 * with the shared grammar after the group stopped at its first positional.
 */
import { HullError } from '../errors.js';
import { formatOptions, parseArgs, type OptionSpec, type ParsedArgs } from './args.js';
import type { CliContext, Command } from './command.js';

export interface Subcommand {
  usage: string;
  summary: string;
  options: OptionSpec[];
  minArgs?: number;
  maxArgs?: number;
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}

export interface GroupSpec {
  name: string;
  summary: string;
  subs: Record<string, Subcommand>;
  /** Other spellings: list -> ls, remove -> rm. */
  aliases?: Record<string, string>;
  examples?: string[];
  usesEngine?: boolean;
}

/** Refuses a wrong number of positionals with the command's usage as the hint. */
export function checkArgCount(command: string, usage: string, n: number, min: number | undefined, max: number | undefined): void {
  if ((min === undefined || n >= min) && (max === undefined || n <= max)) return;
  const want = max === 0 ? 'no' : min === max ? `exactly ${min}` : max === undefined ? `at least ${min}` : !min ? `at most ${max}` : `${min} to ${max}`;
  throw new HullError('INVALID_ARGUMENT', `"hull ${command}" accepts ${want} argument${want.endsWith(' 1') ? '' : 's'}, got ${n}`, { hint: `usage: hull ${command} ${usage}` });
}

export function groupCommand(g: GroupSpec): Command {
  const width = Math.max(...Object.keys(g.subs).map((n) => n.length));
  const groupHelp = () =>
    [`Usage:  hull ${g.name} COMMAND`, '', g.summary, '', 'Commands:', ...Object.entries(g.subs).map(([n, s]) => `  ${n.padEnd(width)}   ${s.summary}`), '', `Run "hull ${g.name} COMMAND --help" for more information on a command.`, ''].join('\n');
  return {
    name: g.name,
    summary: g.summary,
    usage: 'COMMAND',
    description: groupHelp().split('\n').slice(2).join('\n').trimEnd(),
    ...(g.examples ? { examples: g.examples } : {}),
    options: [],
    subcommands: { ...g.subs, ...Object.fromEntries(Object.entries(g.aliases ?? {}).flatMap(([alias, to]) => (g.subs[to] ? [[alias, g.subs[to]]] : []))) },
    stopAtPositional: true,
    ...(g.usesEngine === false ? { usesEngine: false } : {}),
    async run(ctx, { positionals }) {
      const [given, ...rest] = positionals;
      if (given === undefined) {
        ctx.stdout.write(groupHelp());
        return 0;
      }
      const name = g.aliases?.[given] ?? given;
      const sub = g.subs[name];
      if (!sub) throw new HullError('INVALID_ARGUMENT', `Cannot run "hull ${g.name} ${given}": unknown command`, { hint: `commands: ${Object.keys(g.subs).join(', ')}` });
      if (rest.includes('--help') || rest.includes('-h')) {
        const options = formatOptions([...sub.options, { name: 'help', type: 'boolean', description: 'show this help' }]);
        ctx.stdout.write([`Usage:  hull ${g.name} ${name} ${sub.usage}`, '', sub.summary, '', 'Options:', options, ''].join('\n'));
        return 0;
      }
      const args = parseArgs(rest, sub.options, `${g.name} ${name}`);
      checkArgCount(`${g.name} ${name}`, sub.usage, args.positionals.length, sub.minArgs, sub.maxArgs);
      return sub.run(ctx, args);
    },
  };
}
