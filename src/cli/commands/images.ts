import { bool, str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { humanSize, table, timeAgo, writeFormatted } from '../output.js';
import { displayName } from '../../images/image-store.js';
import { shortId } from '../../oci/digest.js';

interface Row {
  repository: string;
  tag: string;
  id: string;
  created: string;
  size: number;
}

const images: Command = {
  name: 'images',
  summary: 'List images',
  usage: '[OPTIONS]',
  options: [
    { name: 'quiet', short: 'q', type: 'boolean', description: 'only show image IDs' },
    { name: 'no-trunc', type: 'boolean', description: "don't truncate output" },
    FORMAT_JSON_OPTION,
  ],
  maxArgs: 0,
  async run(ctx, { options }) {
    const service = ctx.engine().images;
    const noTrunc = bool(options, 'no-trunc');
    const rows: Row[] = service.list().flatMap((record) => {
      const size = service.details(record).size;
      const id = noTrunc ? record.id : shortId(record.id);
      const names = record.names.length > 0 ? record.names : ['<none>:<none>'];
      return names.map((n) => {
        const display = n === '<none>:<none>' ? n : displayName(n);
        const colon = display.lastIndexOf(':');
        return { repository: display.slice(0, colon), tag: display.slice(colon + 1), id, created: record.created, size };
      });
    });
    if (bool(options, 'quiet')) {
      ctx.stdout.write([...new Set(rows.map((r) => r.id))].map((id) => id + '\n').join(''));
      return 0;
    }
    writeFormatted(
      ctx.stdout,
      str(options, 'format'),
      rows,
      (rs) => table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rs.map((r) => [r.repository, r.tag, r.id, timeAgo(r.created), humanSize(r.size)])),
      (r) => ({ Repository: r.repository, Tag: r.tag, ID: r.id, CreatedAt: r.created, CreatedSince: timeAgo(r.created), Size: humanSize(r.size), VirtualSize: r.size }),
    );
    return 0;
  },
};

export default images;
