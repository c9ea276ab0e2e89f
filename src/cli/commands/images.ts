import { bool, str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { humanSize, table, timeAgo, writeFormatted } from '../output.js';
import { imageRows } from '../../engine/views.js';

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
    const rows = imageRows(ctx.engine().images, bool(options, 'no-trunc'));
    if (bool(options, 'quiet')) {
      ctx.stdout.write([...new Set(rows.map((r) => r.ID))].map((id) => id + '\n').join(''));
      return 0;
    }
    writeFormatted(
      ctx.stdout,
      str(options, 'format'),
      rows,
      (rs) => table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rs.map((r) => [r.Repository, r.Tag, r.ID, timeAgo(r.CreatedAt), humanSize(r.Size)])),
      (r) => ({ Repository: r.Repository, Tag: r.Tag, ID: r.ID, Digest: r.Digest, CreatedAt: r.CreatedAt, CreatedSince: timeAgo(r.CreatedAt), Size: humanSize(r.Size), VirtualSize: r.Size }),
    );
    return 0;
  },
};

export default images;
