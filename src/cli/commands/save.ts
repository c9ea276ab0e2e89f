import { createWriteStream, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { randomBytes } from '../../sys/random.js';
import { HullError, errnoCode, errorMessage } from '../../errors.js';
import { str } from '../args.js';
import type { Command } from '../command.js';
import { parseSaveFormat } from '../../images/save.js';
import { DirSink, TarSink } from '../../images/formats/entry-sink.js';

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
    const images = ctx.engine().images;
    if (format === 'oci-dir') {
      if (output === undefined) throw new HullError('INVALID_ARGUMENT', 'Cannot save as oci-dir: no directory given', { hint: 'name the directory with -o DIR' });
      await images.save(positionals, format, new DirSink(output));
      return 0;
    }
    if (output === undefined) {
      if (ctx.stdout.isTTY) {
        throw new HullError('INVALID_ARGUMENT', 'Cannot save to the terminal: the archive is binary', { hint: 'use -o FILE, or redirect STDOUT: hull save busybox > busybox.tar' });
      }
      await images.save(positionals, format, new TarSink(ctx.stdout));
      return 0;
    }
    let isDir = false;
    try {
      isDir = statSync(output).isDirectory();
    } catch {
      // a new file
    }
    if (isDir) throw new HullError('INVALID_ARGUMENT', `Cannot save to "${output}": it is a directory`, { hint: 'give a file name, or use --format oci-dir' });
    // Written beside the target and renamed when complete: an interrupted save leaves no half archive.
    const tmp = `${output}.${randomBytes(6).toString('hex')}.tmp`;
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o644); // opened here so that a bad path is an error, not an 'error' event
    } catch (err) {
      const why = errnoCode(err) === 'ENOENT' ? `no directory "${dirname(output)}"` : errnoCode(err) === 'EACCES' ? 'permission denied' : errorMessage(err);
      throw new HullError('INVALID_ARGUMENT', `Cannot save to "${output}": ${why}`, { hint: 'give -o a path in an existing, writable directory' });
    }
    const out = createWriteStream(tmp, { fd });
    try {
      await images.save(positionals, format, new TarSink(out));
      out.end();
      await once(out, 'close');
      renameSync(tmp, output);
    } catch (err) {
      out.destroy();
      rmSync(tmp, { force: true });
      throw err;
    }
    return 0;
  },
};

export default save;
