import { bool, list, str } from '../args.js';
import { parseFilters } from '../../engine/flags.js';
import { psRow } from '../../engine/views.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { table, timeAgo, writeFormatted } from '../output.js';
import type { ContainerRecord } from '../../engine/requests.js';

function quoteCommand(r: ContainerRecord, noTrunc: boolean): string {
  const cmd = [r.Path, ...r.Args].join(' ');
  return JSON.stringify(noTrunc || cmd.length <= 20 ? cmd : `${cmd.slice(0, 19)}…`);
}

const ps: Command = {
  name: 'ps',
  summary: 'List containers',
  usage: '[OPTIONS]',
  description: 'List running containers (all of them with -a). State is checked against the runtime, so it is right even when a container ended while no hull command ran.',
  options: [
    { name: 'all', short: 'a', type: 'boolean', description: 'show all containers (default shows just running)' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'only display container IDs' },
    { name: 'no-trunc', type: 'boolean', description: "don't truncate output" },
    { name: 'filter', short: 'f', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'id, name (regular expression), status, exited, label, ancestor, network, volume, health, publish, expose, before, since (same key: any; different keys: all)' },
    { name: 'last', short: 'n', type: 'string', valueName: 'N', description: 'show the N most recently created containers (all states)' },
    { name: 'latest', short: 'l', type: 'boolean', description: 'show the most recently created container (all states)' },
    { name: 'pod', short: 'p', type: 'boolean', description: 'show the pod of each container (POD ID and PODNAME columns, {{.Pod}} {{.PodName}})' },
    { name: 'size', short: 's', type: 'boolean', description: 'show the size of each container\'s writable layer (SIZE column, {{.Size}})' },
    FORMAT_JSON_OPTION,
  ],
  maxArgs: 0,
  async run(ctx, { options }) {
    const filters = parseFilters(list(options, 'filter'));
    const last = bool(options, 'latest') ? 1 : str(options, 'last') === undefined ? undefined : Number(str(options, 'last'));
    // A status filter or -n looks at all containers, as docker does.
    const all = bool(options, 'all') || last !== undefined || filters.some(([k]) => k === 'status' || k === 'exited');
    const engine = ctx.engine();
    const records = (await engine.containers.listReconciled(all, filters)).slice(0, last);
    const noTrunc = bool(options, 'no-trunc');
    const sizes = bool(options, 'size') ? await engine.containerSizes() : undefined;
    const podNames = bool(options, 'pod') ? new Map((await engine.pods.list()).map((p) => [p.Id, p.Name])) : undefined;
    const podOf = (r: ContainerRecord) => (r.Pod ? { Pod: noTrunc ? r.Pod : r.Pod.slice(0, 12), PodName: podNames?.get(r.Pod) ?? '' } : { Pod: '', PodName: '' });
    const row = (r: ContainerRecord): Record<string, unknown> => ({ ...psRow(r, engine.options.runroot, noTrunc, sizes?.get(r.Id)), ...(podNames ? podOf(r) : {}) });
    const id = (r: ContainerRecord) => (noTrunc ? r.Id : r.Id.slice(0, 12));
    if (bool(options, 'quiet')) {
      ctx.stdout.write(records.map((r) => id(r) + '\n').join(''));
      return 0;
    }
    writeFormatted(
      ctx.stdout,
      str(options, 'format'),
      records,
      (rs) => table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', ...(sizes ? ['SIZE'] : []), ...(podNames ? ['POD ID', 'PODNAME'] : [])], rs.map((r) => {
        const v = row(r);
        return [id(r), r.Config.Image, quoteCommand(r, noTrunc), timeAgo(r.Created), v.Status as string, v.Ports as string, r.Name, ...(sizes ? [v.Size as string] : []), ...(podNames ? [podOf(r).Pod, podOf(r).PodName] : [])];
      })),
      row,
    );
    return 0;
  },
};

export default ps;
