/**
 * `save`: images to an archive that docker, podman and skopeo load. A file is written beside its
 * target and renamed when complete, so an interrupted save never leaves half an archive; a stream
 * (the CLI's stdout, an API response) is written as it goes.
 */
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { HullError, errnoCode } from '../errors.js';
import { randomBytes } from '../sys/random.js';
import { DirSink, TarSink } from '../images/formats/entry-sink.js';
import type { ImageService } from '../images/image-service.js';
import type { SaveFormat } from '../images/save.js';

export type SaveTarget = { dir: string } | { file: string } | { stream: Writable };

export async function saveImages(images: ImageService, refs: readonly string[], format: SaveFormat, target: SaveTarget): Promise<void> {
  if ('dir' in target) return images.save(refs, format, new DirSink(target.dir));
  if (format === 'oci-dir') throw new HullError('INVALID_ARGUMENT', 'Cannot save as oci-dir: no directory given', { hint: 'name the directory with -o DIR' });
  if ('stream' in target) return images.save(refs, format, new TarSink(target.stream));
  const output = target.file;
  let isDir = false;
  try {
    isDir = statSync(output).isDirectory();
  } catch {
    // a new file
  }
  if (isDir) throw new HullError('INVALID_ARGUMENT', `Cannot save to "${output}": it is a directory`, { hint: 'give a file name, or use --format oci-dir' });
  try {
    statSync(dirname(output));
  } catch (err) {
    throw new HullError('NOT_FOUND', `Cannot save to "${output}": ${errnoCode(err) === 'ENOENT' ? `the directory "${dirname(output)}" does not exist` : (err as Error).message}`, { hint: 'create the directory first, or give another path' });
  }
  const tmp = `${output}.${randomBytes(6).toString('hex')}.tmp`;
  const out = createWriteStream(tmp, { flags: 'wx' });
  try {
    await images.save(refs, format, new TarSink(out));
    out.end();
    await once(out, 'close');
    renameSync(tmp, output);
  } catch (err) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw err;
  }
}
