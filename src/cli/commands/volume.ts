/**
 * `hull volume create|ls|inspect|rm|prune`: one command with its own subcommands, so the command
 * table keeps one entry and `hull --help` one line. Each subcommand parses its own options with
 * the shared parser, after `volume` stopped at the first positional.
 */
import { HullError, errorMessage, isHullError } from '../../errors.js';
import { parseKeyValues } from '../../engine/flags.js';
import { bool, list, str, type ParsedArgs } from '../args.js';
import { FORMAT_JSON_OPTION, FORMAT_OPTION, type CliContext } from '../command.js';
import { humanSize, renderTemplate, table, writeFormatted } from '../output.js';
import type { VolumeStore, Volume } from '../../volumes/volume-store.js';
import { groupCommand, type Subcommand } from '../group.js';
import { confirm } from '../prompt.js';

/** A volume subcommand: like any subcommand, given the engine's volume store. */
interface Sub extends Omit<Subcommand, 'run'> {
  run(ctx: CliContext, store: VolumeStore, args: ParsedArgs): Promise<number>;
}

function openStore(ctx: CliContext): VolumeStore {
  return ctx.engine().volumes;
}

const labelsText = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

const VOLUME_SUBS: Record<string, Sub> = {
  create: {
    usage: '[OPTIONS] [VOLUME]',
    summary: 'Create a volume (a random name when none is given)',
    options: [
      { name: 'label', short: 'l', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'set a label on the volume' },
      { name: 'driver', short: 'd', type: 'string', valueName: 'DRIVER', description: 'volume driver (only "local")' },
    ],
    maxArgs: 1,
    async run(ctx, store, { options, positionals }) {
      const driver = str(options, 'driver');
      if (driver !== undefined && driver !== 'local') throw new HullError('UNSUPPORTED', `Cannot create a volume with driver "${driver}": hull has only "local"`);
      const labels = parseKeyValues(list(options, 'label'));
      const volume = await store.create(positionals[0], { labels });
      ctx.stdout.write(`${volume.Name}\n`);
      return 0;
    },
  },
  ls: {
    usage: '[OPTIONS]',
    summary: 'List volumes',
    options: [{ name: 'quiet', short: 'q', type: 'boolean', description: 'only show volume names' }, FORMAT_JSON_OPTION],
    maxArgs: 0,
    async run(ctx, store, { options }) {
      const volumes = store.list();
      if (bool(options, 'quiet')) {
        ctx.stdout.write(volumes.map((v) => `${v.Name}\n`).join(''));
        return 0;
      }
      writeFormatted(
        ctx.stdout,
        str(options, 'format'),
        volumes,
        (vs) => table(['DRIVER', 'VOLUME NAME'], vs.map((v) => [v.Driver, v.Name])),
        (v: Volume) => ({ Driver: v.Driver, Name: v.Name, Labels: labelsText(v.Labels), Mountpoint: v.Mountpoint, Scope: v.Scope, CreatedAt: v.CreatedAt }),
      );
      return 0;
    },
  },
  inspect: {
    usage: '[OPTIONS] VOLUME [VOLUME...]',
    summary: 'Show volumes as JSON',
    options: [FORMAT_OPTION],
    minArgs: 1,
    async run(ctx, store, { options, positionals }) {
      const found: Volume[] = [];
      const missing: string[] = [];
      for (const name of positionals) {
        const v = store.find(name);
        if (v) found.push(v);
        else missing.push(name);
      }
      const format = str(options, 'format');
      if (format === undefined || format === 'json') ctx.stdout.write(JSON.stringify(found, null, 4) + '\n');
      else for (const v of found) ctx.stdout.write(renderTemplate(format, v) + '\n');
      if (missing.length > 0) throw new HullError('NOT_FOUND', `Cannot inspect volume${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}: no such volume`, { hint: 'see "hull volume ls"' });
      return 0;
    },
  },
  rm: {
    usage: '[OPTIONS] VOLUME [VOLUME...]',
    summary: 'Remove one or more volumes',
    options: [{ name: 'force', short: 'f', type: 'boolean', description: 'do not fail for volumes that do not exist' }],
    minArgs: 1,
    async run(ctx, store, { options, positionals }) {
      // docker: remove what can be removed, report the rest, fail at the end.
      const failures: unknown[] = [];
      for (const name of positionals) {
        try {
          await store.remove(name, { force: bool(options, 'force') });
          ctx.stdout.write(`${name}\n`);
        } catch (err) {
          failures.push(err);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) {
        const first = failures[0];
        throw new HullError(isHullError(first) ? first.code : 'INTERNAL', failures.map(errorMessage).join('\n'));
      }
      return 0;
    },
  },
  prune: {
    usage: '[OPTIONS]',
    summary: 'Remove unused anonymous volumes (all unused volumes with -a)',
    options: [
      { name: 'all', short: 'a', type: 'boolean', description: 'remove unused named volumes too' },
      { name: 'force', short: 'f', type: 'boolean', description: 'do not prompt for confirmation' },
    ],
    maxArgs: 0,
    async run(ctx, store, { options }) {
      const all = bool(options, 'all');
      if (!bool(options, 'force')) {
        const what = all ? 'all local volumes' : 'anonymous local volumes';
        if (!(await confirm(ctx, `WARNING! This will remove ${what} not used by at least one container.`))) return 0;
      }
      const { removed, spaceReclaimed } = await store.prune({ all });
      if (removed.length > 0) ctx.stdout.write(`Deleted Volumes:\n${removed.map((n) => `${n}\n`).join('')}\n`);
      ctx.stdout.write(`Total reclaimed space: ${humanSize(spaceReclaimed)}\n`);
      return 0;
    },
  },
};
const SUBS: Record<string, Subcommand> = Object.fromEntries(
  Object.entries(VOLUME_SUBS).map(([name, sub]) => [name, { ...sub, run: (ctx: CliContext, args: ParsedArgs) => sub.run(ctx, openStore(ctx), args) }]),
);

const volume = groupCommand({
  name: 'volume',
  summary: 'Manage volumes',
  subs: SUBS,
  aliases: { list: 'ls', remove: 'rm' },
  examples: ['hull volume create data', 'hull run --rm -v data:/data busybox sh -c "echo hi > /data/f"', 'hull volume ls', 'hull volume rm data'],
});

export default volume;
