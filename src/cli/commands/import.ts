import { createReadStream, statSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { bool, list, str } from '../args.js';
import type { Command } from '../command.js';

const importCmd: Command = {
  name: 'import',
  summary: 'Import a root filesystem tarball as an image',
  usage: '[OPTIONS] FILE|- [NAME[:TAG]]',
  description: 'Create a one-layer image from a tarball of a root filesystem (plain, gzip or zstd), like "docker import". Use - to read from standard input. Prints the new image ID.',
  examples: ['hull import rootfs.tar.gz busybox:latest', 'hull import --change \'CMD ["sh"]\' --change "ENV LANG=C.UTF-8" - myimage < rootfs.tar'],
  options: [
    { name: 'change', short: 'c', type: 'string', multiple: true, valueName: 'INSTRUCTION', description: 'apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR' },
    { name: 'message', short: 'm', type: 'string', valueName: 'TEXT', description: "set the history entry's comment" },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print nothing (the ID is still the exit-status-bearing result)' },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { options, positionals }) {
    const [file, name] = positionals as [string, string?];
    if (file !== '-') {
      let isFile = false;
      try {
        isFile = statSync(file).isFile();
      } catch {
        // reported below
      }
      if (!isFile) throw new HullError('NOT_FOUND', `Cannot import "${file}": no such file`, { hint: 'give the path of a .tar, .tar.gz or .tar.zst file, or - for standard input' });
    }
    const input = file === '-' ? process.stdin : createReadStream(file);
    const message = str(options, 'message');
    const image = await ctx.engine().images.importTarball(input, {
      ...(name !== undefined ? { name } : {}),
      changes: list(options, 'change'),
      ...(message !== undefined ? { message } : {}),
      source: file === '-' ? 'stdin' : file,
    });
    if (!bool(options, 'quiet')) ctx.stdout.write(`${image.id}\n`);
    return 0;
  },
};

export default importCmd;
