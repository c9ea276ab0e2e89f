import { HullError } from '../../errors.js';
import type { Command } from '../command.js';

/** "ctr:/path" -> [ctr, /path]; a local path (with no colon before a slash) -> undefined. */
function splitContainerPath(arg: string): [string, string] | undefined {
  const colon = arg.indexOf(':');
  if (colon <= 0 || arg.slice(0, colon).includes('/')) return undefined;
  return [arg.slice(0, colon), arg.slice(colon + 1) || '/'];
}

const cp: Command = {
  name: 'cp',
  summary: 'Copy files between a container and the host',
  usage: 'CONTAINER:SRC_PATH DEST_PATH|-  or  SRC_PATH|- CONTAINER:DEST_PATH',
  description: 'Copy files or directories out of or into a container (running or not). "-" reads or writes a tar stream on standard input or output.\nCopies into a container never write outside it, whatever its symlinks or the tar stream say.',
  examples: ['hull cp web:/etc/hosts ./hosts', 'hull cp ./site web:/var/www', 'tar -c site | hull cp - web:/var/www', 'hull cp web:/var/log - | tar -t'],
  options: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, { positionals }) {
    const [src, dst] = positionals as [string, string];
    const from = splitContainerPath(src);
    const to = splitContainerPath(dst);
    if ((from && to) || (!from && !to)) {
      throw new HullError('INVALID_ARGUMENT', 'Cannot copy: exactly one of the two paths must be CONTAINER:PATH', { hint: 'e.g. hull cp web:/etc/hosts ./hosts' });
    }
    const containers = ctx.engine().containers;
    if (from) await containers.copyFrom(from[0], from[1], dst === '-' ? ctx.stdout : dst);
    else if (to) await containers.copyTo(to[0], src === '-' ? process.stdin : src, to[1]);
    return 0;
  },
};

export default cp;
