import { bool, list, str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { humanSize, table, timeAgo, writeFormatted } from '../output.js';
import { imageRows, parseImageFilters } from '../../engine/views.js';

const images: Command = {
  name: 'images',
  summary: 'List images',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  options: [
    { name: 'quiet', short: 'q', type: 'boolean', description: 'only show image IDs' },
    { name: 'no-trunc', type: 'boolean', description: "don't truncate output" },
    { name: 'all', short: 'a', type: 'boolean', description: 'show all images (hull keeps no intermediate images: the same list)' },
    { name: 'digests', type: 'boolean', description: 'show manifest digests' },
    { name: 'filter', short: 'f', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'dangling=true|false, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, since=IMAGE' },
    FORMAT_JSON_OPTION,
  ],
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const rows = imageRows(ctx.engine().images, bool(options, 'no-trunc'), { filters: parseImageFilters(list(options, 'filter')), ...(positionals[0] ? { reference: positionals[0] } : {}) });
    if (bool(options, 'quiet')) {
      ctx.stdout.write([...new Set(rows.map((r) => r.ID))].map((id) => id + '\n').join(''));
      return 0;
    }
    writeFormatted(
      ctx.stdout,
      str(options, 'format'),
      rows,
      (rs) => (bool(options, 'digests')
        ? table(['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID', 'CREATED', 'SIZE'], rs.map((r) => [r.Repository, r.Tag, r.Digest, r.ID, timeAgo(r.CreatedAt), humanSize(r.Size)]))
        : table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rs.map((r) => [r.Repository, r.Tag, r.ID, timeAgo(r.CreatedAt), humanSize(r.Size)]))),
      (r) => ({ Repository: r.Repository, Tag: r.Tag, ID: r.ID, Digest: r.Digest, CreatedAt: r.CreatedAt, CreatedSince: timeAgo(r.CreatedAt), Size: humanSize(r.Size), VirtualSize: r.Size }),
    );
    return 0;
  },
};

export default images;
