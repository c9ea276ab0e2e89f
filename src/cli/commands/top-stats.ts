/** `hull top` and `hull stats`: what is running in containers, and what it uses. */
import { totalmem } from 'node:os';
import { bool, str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { humanSize, table, writeFormatted } from '../output.js';
import { cpuPercent } from '../../engine/views.js';

export const top: Command = {
  name: 'top',
  summary: 'Display the running processes of a container',
  usage: 'CONTAINER [ps OPTIONS]',
  description: 'List the processes of a container as the host sees them (host pids), with ps columns (default: -ef; any ps options, e.g. aux).',
  options: [],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, { positionals }) {
    const [name, ...psArgs] = positionals as [string, ...string[]];
    const { Titles, Processes } = await ctx.engine().containers.top(name, psArgs);
    ctx.stdout.write(table(Titles, Processes));
    return 0;
  },
};

export const stats: Command = {
  name: 'stats',
  summary: 'Display resource usage of running containers',
  usage: '[OPTIONS] [CONTAINER...]',
  options: [
    { name: 'no-stream', type: 'boolean', description: 'print one sample and exit' },
    { name: 'all', short: 'a', type: 'boolean', description: 'show all containers (default: running)' },
    FORMAT_JSON_OPTION,
  ],
  async run(ctx, { options, positionals }) {
    const engine = ctx.engine();
    const pick = () => (positionals.length > 0 ? positionals.map((n) => engine.containers.inspect(n)) : engine.containers.list(bool(options, 'all'))).filter((r) => r.State.Status === 'running');
    const hostMemory = totalmem();
    const render = async () => {
      const records = pick();
      const first = records.map((r) => engine.containers.stats(r.Id));
      await new Promise((res) => setTimeout(res, 500));
      const rows = records.map((r, i) => {
        const b = engine.containers.stats(r.Id);
        const limit = Number.isFinite(b.memoryLimit) ? Math.min(b.memoryLimit, hostMemory) : hostMemory;
        return { ID: r.Id.slice(0, 12), Name: r.Name, CPUPerc: `${cpuPercent(first[i] as typeof b, b).toFixed(2)}%`, MemUsage: `${humanSize(b.memoryUsage)} / ${humanSize(limit)}`, MemPerc: `${((b.memoryUsage / limit) * 100).toFixed(2)}%`, PIDs: String(b.pids), NetIO: '0B / 0B', BlockIO: '-' };
      });
      writeFormatted(ctx.stdout, str(options, 'format'), rows, (rs) => table(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'PIDS'], rs.map((x) => [x.ID, x.Name, x.CPUPerc, x.MemUsage, x.MemPerc, x.NetIO, x.PIDs])), (x) => x);
    };
    if (bool(options, 'no-stream')) {
      await render();
      return 0;
    }
    for (;;) {
      if (process.stdout.isTTY) ctx.stdout.write('\x1b[2J\x1b[H');
      await render();
      await new Promise((res) => setTimeout(res, 500));
    }
  },
};
