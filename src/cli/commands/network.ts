/**
 * `hull network create|ls|inspect|rm|prune|connect|disconnect`: one command with subcommands, like
 * `hull volume`. Each subcommand parses its own options with the shared parser.
 */
import { HullError } from '../../errors.js';
import { bool, list, str } from '../args.js';
import { FORMAT_JSON_OPTION, FORMAT_OPTION } from '../command.js';
import { forEach } from '../each.js';
import { groupCommand, type Subcommand } from '../group.js';
import { confirm } from '../prompt.js';
import { renderTemplate, table, writeFormatted } from '../output.js';
import { checkIpFlag, parseKeyValues } from '../../engine/flags.js';
import type { NetworkRecord } from '../../network/network-store.js';


const labelsText = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

const SUBS: Record<string, Subcommand> = {
  create: {
    usage: '[OPTIONS] NETWORK',
    summary: 'Create a bridge network (a free /24 from 10.88.0.0 upward unless --subnet)',
    options: [
      { name: 'subnet', type: 'string', valueName: 'CIDR', description: 'IPv4 subnet, e.g. 10.90.0.0/24 (must not overlap the host\'s routes or other networks)' },
      { name: 'gateway', type: 'string', valueName: 'IP', description: 'gateway address on the bridge (default: the first address of the subnet)' },
      { name: 'internal', type: 'boolean', description: 'no outbound route and no forwarding in or out; names still resolve inside' },
      { name: 'label', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'set a label on the network' },
      { name: 'driver', short: 'd', type: 'string', valueName: 'DRIVER', description: 'network driver (only "bridge")' },
    ],
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, { options, positionals }) {
      const driver = str(options, 'driver');
      if (driver !== undefined && driver !== 'bridge') throw new HullError('UNSUPPORTED', `Cannot create a network with driver "${driver}": hull has only "bridge"`);
      const gateway = str(options, 'gateway');
      const subnet = str(options, 'subnet');
      const net = await ctx.engine().networks.create(positionals[0] as string, {
        ...(subnet !== undefined ? { subnet } : {}),
        ...(gateway !== undefined ? { gateway: checkIpFlag(gateway, '--gateway') } : {}),
        internal: bool(options, 'internal'),
        labels: parseKeyValues(list(options, 'label')),
      });
      ctx.stdout.write(`${net.Id}\n`);
      return 0;
    },
  },
  ls: {
    usage: '[OPTIONS]',
    summary: 'List networks',
    options: [{ name: 'quiet', short: 'q', type: 'boolean', description: 'only show network IDs' }, { name: 'no-trunc', type: 'boolean', description: "don't truncate IDs" }, FORMAT_JSON_OPTION],
    maxArgs: 0,
    async run(ctx, { options }) {
      const nets = ctx.engine().networks.list();
      const id = (n: NetworkRecord) => (bool(options, 'no-trunc') ? n.Id : n.Id.slice(0, 12));
      if (bool(options, 'quiet')) {
        ctx.stdout.write(nets.map((n) => `${id(n)}\n`).join(''));
        return 0;
      }
      writeFormatted(
        ctx.stdout,
        str(options, 'format'),
        nets,
        (ns) => table(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE', 'SUBNET', 'INTERNAL'], ns.map((n) => [id(n), n.Name, n.Driver, n.Scope, n.Subnet, String(n.Internal)])),
        (n) => ({ ID: id(n), Name: n.Name, Driver: n.Driver, Scope: n.Scope, Subnet: n.Subnet, Gateway: n.Gateway, Internal: n.Internal, Bridge: n.Bridge, Labels: labelsText(n.Labels), CreatedAt: n.Created }),
      );
      return 0;
    },
  },
  inspect: {
    usage: '[OPTIONS] NETWORK [NETWORK...]',
    summary: 'Show networks as JSON, with the containers attached now',
    options: [FORMAT_OPTION],
    minArgs: 1,
    async run(ctx, { options, positionals }) {
      const networks = ctx.engine().networks;
      const found = positionals.map((p) => networks.inspectJson(networks.get(p)));
      const format = str(options, 'format');
      if (format === undefined || format === 'json') ctx.stdout.write(JSON.stringify(found, null, 4) + '\n');
      else for (const n of found) ctx.stdout.write(renderTemplate(format, n) + '\n');
      return 0;
    },
  },
  rm: {
    usage: 'NETWORK [NETWORK...]',
    summary: 'Remove networks no container refers to (the bridge, its rules and leases go with them)',
    options: [{ name: 'force', short: 'f', type: 'boolean', description: 'do not fail for networks that do not exist' }],
    minArgs: 1,
    async run(ctx, { options, positionals }) {
      const networks = ctx.engine().networks;
      const names = bool(options, 'force') ? positionals.filter((p) => networks.store.find(p)) : positionals;
      return forEach(ctx, names, async (name) => {
        await networks.remove(name);
        return name;
      });
    },
  },
  prune: {
    usage: '[OPTIONS]',
    summary: 'Remove user networks no container refers to',
    options: [{ name: 'force', short: 'f', type: 'boolean', description: 'do not prompt for confirmation' }],
    maxArgs: 0,
    async run(ctx, { options }) {
      if (!bool(options, 'force') && !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))) return 0;
      const removed = await ctx.engine().networks.prune();
      if (removed.length > 0) ctx.stdout.write(`Deleted Networks:\n${removed.map((n) => `${n}\n`).join('')}`);
      return 0;
    },
  },
  connect: {
    usage: '[OPTIONS] NETWORK CONTAINER',
    summary: 'Connect a container to a network (now if it runs, and at every start)',
    options: [
      { name: 'alias', type: 'string', multiple: true, valueName: 'ALIAS', description: 'another name for the container on this network' },
      { name: 'ip', type: 'string', valueName: 'IPV4', description: 'fixed address on this network' },
    ],
    minArgs: 2,
    maxArgs: 2,
    async run(ctx, { options, positionals }) {
      const [network, container] = positionals as [string, string];
      const ip = str(options, 'ip');
      await ctx.engine().containers.connectNetwork(container, network, { Aliases: list(options, 'alias'), ...(ip !== undefined ? { IPAMConfig: { IPv4Address: checkIpFlag(ip) } } : {}) });
      return 0;
    },
  },
  disconnect: {
    usage: 'NETWORK CONTAINER',
    summary: 'Disconnect a container from a network',
    options: [{ name: 'force', short: 'f', type: 'boolean', description: 'accepted for docker compatibility' }],
    minArgs: 2,
    maxArgs: 2,
    async run(ctx, { positionals }) {
      const [network, container] = positionals as [string, string];
      await ctx.engine().containers.disconnectNetwork(container, network);
      return 0;
    },
  },
};
const network = groupCommand({
  name: 'network',
  summary: 'Manage networks',
  subs: SUBS,
  aliases: { list: 'ls', remove: 'rm' },
  examples: ['hull network create app', 'hull run -d --network app --name web busybox httpd -f -p 80 -h /var/www', 'hull run --rm --network app busybox wget -qO- http://web/', 'hull network rm app'],
});

export default network;
