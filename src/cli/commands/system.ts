import { str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { humanSize, table, writeFormatted } from '../output.js';
import type { DfRow } from '../../engine/system.js';

function reclaimable(r: DfRow): string {
  const pct = r.Size === 0 ? 0 : Math.round((r.Reclaimable / r.Size) * 100);
  return `${humanSize(r.Reclaimable)} (${pct}%)`;
}

const df: Command = {
  name: 'system df',
  summary: 'Show disk usage',
  usage: '[OPTIONS]',
  description:
    'Show the space images, containers and volumes use. Images: the distinct blobs and unpacked layers of all images; reclaimable is what "hull image prune -a" frees. ' +
    'Containers: their writable layers; reclaimable, those of stopped containers. Volumes: their content; reclaimable, volumes no container uses.',
  options: [FORMAT_JSON_OPTION],
  maxArgs: 0,
  async run(ctx, { options }) {
    const rows = await ctx.engine().diskUsage();
    writeFormatted(
      ctx.stdout,
      str(options, 'format'),
      rows,
      (rs) => table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], rs.map((r) => [r.Type, String(r.TotalCount), String(r.Active), humanSize(r.Size), reclaimable(r)])),
      (r) => ({ ...r, SizeHuman: humanSize(r.Size), ReclaimableHuman: reclaimable(r) }),
    );
    return 0;
  },
};

export default df;
