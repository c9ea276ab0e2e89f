import { bool, str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { humanSize, table, timeAgo, writeFormatted } from '../output.js';
import { shortId } from '../../engine/views.js';
import type { HistoryRow } from '../../images/history.js';

const CREATED_BY_WIDTH = 45;

function truncate(s: string, noTrunc: boolean): string {
  return noTrunc || s.length <= CREATED_BY_WIDTH ? s : `${s.slice(0, CREATED_BY_WIDTH - 1)}…`;
}

const history: Command = {
  name: 'history',
  summary: 'Show the history of an image',
  usage: '[OPTIONS] IMAGE',
  description: 'List the steps that built an image, newest first, with the size of the layer each made (0B for steps that changed only the config). Rows below the newest show <missing>: loaded and pulled images carry no intermediate images.',
  options: [
    { name: 'no-trunc', type: 'boolean', description: "don't truncate output" },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'only show image IDs' },
    { name: 'human', short: 'H', type: 'boolean', description: 'print sizes and dates in human readable format (default true)' },
    FORMAT_JSON_OPTION,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    const noTrunc = bool(options, 'no-trunc');
    const rows = await ctx.engine().images.history(positionals[0] as string);
    const id = (r: HistoryRow) => (r.id === '<missing>' || noTrunc ? r.id : shortId(r.id));
    if (bool(options, 'quiet')) {
      ctx.stdout.write(rows.map((r) => id(r) + '\n').join(''));
      return 0;
    }
    writeFormatted(
      ctx.stdout,
      str(options, 'format'),
      rows,
      (rs) =>
        table(
          ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
          rs.map((r) => [id(r), r.created ? timeAgo(r.created) : 'N/A', truncate(r.createdBy, noTrunc), humanSize(r.size), truncate(r.comment, noTrunc)]),
        ),
      (r) => ({ ID: id(r), CreatedAt: r.created ?? '', CreatedSince: r.created ? timeAgo(r.created) : 'N/A', CreatedBy: r.createdBy, Size: humanSize(r.size), SizeBytes: r.size, Comment: r.comment }),
    );
    return 0;
  },
};

export default history;
