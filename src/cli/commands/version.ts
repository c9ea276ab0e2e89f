import { str } from '../args.js';
import type { Command } from '../command.js';
import { renderTemplate } from '../output.js';
import { hullVersion } from '../../version.js';
import { hostPlatform, formatPlatform } from '../../engine/platform.js';

const version: Command = {
  name: 'version',
  summary: 'Show the hull version',
  usage: '[OPTIONS]',
  options: [{ name: 'format', short: 'f', type: 'string', valueName: 'FORMAT', description: 'json, or a Go-style template such as {{.Version}}' }],
  maxArgs: 0,
  usesEngine: false,
  async run(ctx, { options }) {
    const info = { Version: hullVersion(), ApiVersion: 'none yet', NodeVersion: process.version, OsArch: formatPlatform(hostPlatform()) };
    const format = str(options, 'format');
    if (format === 'json') ctx.stdout.write(JSON.stringify(info) + '\n');
    else if (format !== undefined) ctx.stdout.write(renderTemplate(format, info) + '\n');
    else ctx.stdout.write(`hull version ${info.Version}\n  Node.js:  ${info.NodeVersion}\n  OS/Arch:  ${info.OsArch}\n`);
    return 0;
  },
};

export default version;
