import { bool } from '../args.js';
import type { Command } from '../command.js';
import { parseLogFlags } from '../log-flags.js';
import type { LogRecord } from '../../engine/requests.js';

const logs: Command = {
  name: 'logs',
  summary: "Fetch a container's logs",
  usage: '[OPTIONS] CONTAINER',
  description: "Print what the container wrote to stdout and stderr (kept by its monitor, including for foreground runs), each to the same stream here.",
  examples: ['hull logs -f --tail 10 web', 'hull logs --since 5m --timestamps web'],
  options: [
    { name: 'follow', short: 'f', type: 'boolean', description: 'keep printing new output until the container stops' },
    { name: 'tail', short: 'n', type: 'string', valueName: 'N', description: 'number of lines to show from the end ("all" by default)' },
    { name: 'since', type: 'string', valueName: 'TIME', description: 'only output since TIME (RFC 3339, Unix time, or a duration such as 10m)' },
    { name: 'until', type: 'string', valueName: 'TIME', description: 'only output before TIME' },
    { name: 'timestamps', short: 't', type: 'boolean', description: 'prefix each line with its timestamp' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const o = parseLogFlags(options);
    const timestamps = bool(options, 'timestamps');
    const write = (r: LogRecord) => (r.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(timestamps ? `${r.time.replace(/\+00:00$/, 'Z')} ${r.text}` : r.text);
    await ctx.engine().containers.logs(positionals[0] as string, o, write);
    return 0;
  },
};

export default logs;
