import { str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { humanSize, table, writeFormatted } from '../output.js';
import { diskUsage } from '../../volumes/volume-store.js';
import { volumesInUse } from '../../volumes/in-use.js';

export interface DfRow {
  Type: 'Images' | 'Containers' | 'Local Volumes';
  TotalCount: number;
  Active: number;
  Size: number;
  Reclaimable: number;
}

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
    const engine = ctx.engine();
    const snapshotter = await engine.snapshotter();
    const images = await engine.images.diskUsage();
    const containers = engine.containers.list(true);
    const upper = (id: string) => {
      try {
        return diskUsage(snapshotter.viewUpperDir(id));
      } catch {
        return 0;
      }
    };
    const cSizes = containers.map((c) => ({ running: c.State.Status === 'running' || c.State.Status === 'paused', size: upper(c.Id) }));
    const volumes = engine.volumes.list();
    const used = volumesInUse(containers);
    const vSizes = volumes.map((v) => ({ used: used.has(v.Name), size: diskUsage(v.Mountpoint) }));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const rows: DfRow[] = [
      { Type: 'Images', TotalCount: images.total, Active: images.active, Size: images.size, Reclaimable: images.reclaimable },
      { Type: 'Containers', TotalCount: containers.length, Active: cSizes.filter((c) => c.running).length, Size: sum(cSizes.map((c) => c.size)), Reclaimable: sum(cSizes.filter((c) => !c.running).map((c) => c.size)) },
      { Type: 'Local Volumes', TotalCount: volumes.length, Active: vSizes.filter((v) => v.used).length, Size: sum(vSizes.map((v) => v.size)), Reclaimable: sum(vSizes.filter((v) => !v.used).map((v) => v.size)) },
    ];
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
