import { createReadStream, statSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { bool, str } from '../args.js';
import type { Command } from '../command.js';
import { displayName } from '../../engine/views.js';

const load: Command = {
  name: 'load',
  summary: 'Load images from a tar archive or STDIN',
  usage: '[OPTIONS]',
  description:
    'Load the images of a docker-archive (hull/docker/podman save) or an OCI image layout (a tar of one, or its directory), gzip\'d or not. ' +
    'Every blob is checked against its digest before anything is stored; a damaged archive is refused and leaves the store as it was.',
  examples: ['hull load -i busybox.tar', 'gunzip -c images.tar.gz | hull load', 'hull load -i ./oci-layout-dir'],
  options: [
    { name: 'input', short: 'i', type: 'string', valueName: 'FILE', description: 'read from a file or an OCI layout directory instead of STDIN' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print nothing' },
  ],
  maxArgs: 0,
  async run(ctx, { options }) {
    const file = str(options, 'input');
    let loaded;
    if (file === undefined || file === '-') {
      if (process.stdin.isTTY) throw new HullError('INVALID_ARGUMENT', 'Cannot load from the terminal: no archive on STDIN', { hint: 'use -i FILE, or redirect STDIN: hull load < busybox.tar' });
      loaded = await ctx.engine().images.load(process.stdin, 'stdin');
    } else {
      let st;
      try {
        st = statSync(file);
      } catch {
        throw new HullError('NOT_FOUND', `Cannot load "${file}": no such file`, { hint: 'give the path of an archive written by "hull save" or "docker save"' });
      }
      loaded = await ctx.engine().images.load(st.isDirectory() ? { dir: file } : createReadStream(file), file);
    }
    if (!bool(options, 'quiet')) {
      for (const image of loaded) {
        if (image.names.length === 0) ctx.stdout.write(`Loaded image ID: ${image.id}\n`);
        for (const n of image.names) ctx.stdout.write(`Loaded image: ${displayName(n)}\n`);
      }
    }
    return 0;
  },
};

export default load;
