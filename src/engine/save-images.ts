/**
 * `save`: images to an archive that docker, podman and skopeo load. A file is written beside its
 * target and renamed when complete, so an interrupted save never leaves half an archive; a stream
 * (the CLI's stdout, an API response) is written as it goes.
 */
import { createWriteStream, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { HullError, errnoCode, errorMessage } from '../errors.js';
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
  // Opened here, so that a bad path is a clear error rather than a stream's 'error' event.
  const tmp = `${output}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644);
  } catch (err) {
    const why = errnoCode(err) === 'ENOENT' ? `no directory "${dirname(output)}"` : errnoCode(err) === 'EACCES' ? 'permission denied' : errorMessage(err);
    throw new HullError('INVALID_ARGUMENT', `Cannot save to "${output}": ${why}`, { hint: 'give -o a path in an existing, writable directory' });
  }
  const out = createWriteStream(tmp, { fd });
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
