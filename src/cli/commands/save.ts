import { HullError } from '../../errors.js';
import { str } from '../args.js';
import type { Command } from '../command.js';
import { parseSaveFormat } from '../../engine/flags.js';

const save: Command = {
  name: 'save',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description:
    'Write images with their names to an archive that "hull load", "docker load", "podman load" and skopeo read. ' +
    'docker-archive (the default) is the classic docker save layout with uncompressed layers; oci-archive is a tar of an OCI image layout; ' +
    'oci-dir writes the layout as a directory (-o names it; an existing layout is added to). An image given by ID is saved without a name.',
  examples: ['hull save -o busybox.tar busybox', 'hull save --format oci-archive busybox:latest > busybox-oci.tar', 'hull save --format oci-dir -o ./layout busybox'],
  options: [
    { name: 'output', short: 'o', type: 'string', valueName: 'FILE', description: 'write to a file (or, for oci-dir, a directory) instead of STDOUT' },
    { name: 'format', type: 'string', valueName: 'FORMAT', description: 'docker-archive (default), oci-archive or oci-dir' },
  ],
  minArgs: 1,
  async run(ctx, { options, positionals }) {
    const format = parseSaveFormat(str(options, 'format'));
    const output = str(options, 'output');
    const engine = ctx.engine();
    if (format === 'oci-dir') {
      if (output === undefined) throw new HullError('INVALID_ARGUMENT', 'Cannot save as oci-dir: no directory given', { hint: 'name the directory with -o DIR' });
      await engine.saveImages(positionals, format, { dir: output });
    } else if (output === undefined) {
      if (ctx.stdout.isTTY) throw new HullError('INVALID_ARGUMENT', 'Cannot save to the terminal: the archive is binary', { hint: 'use -o FILE, or redirect STDOUT: hull save busybox > busybox.tar' });
      await engine.saveImages(positionals, format, { stream: ctx.stdout });
    } else await engine.saveImages(positionals, format, { file: output });
    return 0;
  },
};

export default save;
