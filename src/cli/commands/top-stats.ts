/** `hull top` and `hull stats`: what is running in containers, and what it uses. */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { HullError } from '../../errors.js';
import { bool, str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { humanSize, table, writeFormatted } from '../output.js';
import { execOrThrow } from '../../sys/exec.js';
import { cpuPercent, sampleStats } from '../../containers/stats.js';
import type { RuntimeSpec } from '../../oci/runtime-spec.js';
import type { ContainerRecord } from '../../containers/record.js';
import type { Engine } from '../../engine/engine.js';

export const top: Command = {
  name: 'top',
  summary: 'Display the running processes of a container',
  usage: 'CONTAINER [ps OPTIONS]',
  description: 'List the processes of a container as the host sees them (host pids), with ps columns (default: -ef).',
  options: [],
  stopAtPositional: true,
  minArgs: 1,
  async run(ctx, { positionals }) {
    const [name, ...psArgs] = positionals as [string, ...string[]];
    const engine = ctx.engine();
    const record = engine.containers.inspect(name);
    if (record.State.Status !== 'running') throw new HullError('CONFLICT', `Cannot list processes of container "${record.Name}": it is ${record.State.Status}`);
    const rt = engine.runtime;
    const pids = JSON.parse(await execOrThrow([rt.binary, '--root', rt.stateDir, 'ps', '--format', 'json', record.Id], `list processes of "${record.Name}"`)) as number[];
    const out = await execOrThrow(['ps', ...(psArgs.length > 0 ? psArgs : ['-f']), '-p', pids.join(',')], 'run ps');
    ctx.stdout.write(out);
    return 0;
  },
};

function cgroupPath(engine: Engine, r: ContainerRecord): string {
  const spec = JSON.parse(readFileSync(engine.containers.lifecycle.paths(r.Id).config, 'utf8')) as RuntimeSpec;
  return spec.linux.cgroupsPath ?? `/hull/${r.Id}`;
}

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
      const first = records.map((r) => sampleStats(cgroupPath(engine, r)));
      await new Promise((res) => setTimeout(res, 500));
      const rows = records.map((r, i) => {
        const b = sampleStats(cgroupPath(engine, r));
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
