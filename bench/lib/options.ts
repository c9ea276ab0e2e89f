/** Command-line options of `npm run bench -- [--quick] [--only NAME[,NAME]] [--list] [--no-docs]`. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  only: string[];
  list: boolean;
  docs: boolean;
}

export function parseOptions(argv: string[], known: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      list: { type: 'boolean', default: false },
      'no-docs': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`Usage: npm run bench -- [--quick] [--only NAME[,NAME...]] [--list] [--no-docs]\n  scenarios: ${known.join(', ')}\n`);
    process.exit(0);
  }
  const only = (values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const name of only) if (!known.includes(name)) throw new Error(`unknown scenario "${name}"; known: ${known.join(', ')}`);
  return { quick: values.quick ?? false, only, list: values.list ?? false, docs: !values['no-docs'] };
}
