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
      const width = Math.max(...Object.keys(data).map((k) => k.length));
      ctx.stdout.write(Object.entries(data).map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${String(v)}\n`).join(''));
    }
    return 0;
  },
};

export default info;
