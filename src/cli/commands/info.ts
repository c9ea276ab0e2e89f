import { str } from '../args.js';
import type { Command } from '../command.js';
import { renderTemplate } from '../output.js';

const info: Command = {
  name: 'info',
  summary: 'Show how hull is set up on this host',
  usage: '[OPTIONS]',
  options: [{ name: 'format', short: 'f', type: 'string', valueName: 'FORMAT', description: 'json, or a Go-style template such as {{.Driver}}' }],
  maxArgs: 0,
  async run(ctx, { options }) {
    const data = await ctx.engine().info();
    const format = str(options, 'format');
    if (format === 'json') ctx.stdout.write(JSON.stringify(data, null, 2) + '\n');
    else if (format !== undefined) ctx.stdout.write(renderTemplate(format, data) + '\n');
    else {
      const { Rootless: rootless, ...plain } = data;
      const width = Math.max(...Object.keys(plain).map((k) => k.length));
      ctx.stdout.write(Object.entries(plain).map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${String(v)}\n`).join(''));
      ctx.stdout.write(`${'Rootless:'.padEnd(width + 2)}${rootless ? 'true' : 'false'}\n`);
      if (rootless) {
        const { Rootless: _, Layout: layout, ...rest } = rootless;
        for (const [k, v] of Object.entries(rest)) ctx.stdout.write(`  ${k}: ${String(v)}\n`);
        for (const [k, v] of Object.entries(layout)) ctx.stdout.write(`  ${k}: ${v}\n`);
      }
    }
    return 0;
  },
};

export default info;
