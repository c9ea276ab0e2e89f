/**
 * bzip2 and xz, which docker accepts for build contexts (and Node's zlib does not decode), through
 * Debian's own `bzip2` and `xz` binaries in a child process rather than an npm decoder: they are
 * the reference implementations, native-speed, maintained by the distribution with its security
 * updates, stream without holding the input, keep a malformed or hostile input's decoding out of
 * the service's process, and add nothing to the service's memory (nothing is loaded until a
 * context needs them). xz's decoder memory is capped (`--memlimit-decompress`), as zstd's window
 * is in decompress.ts. The JS choices were an unmaintained bzip2 stream (unbzip2-stream) and a
 * native xz binding that builds on install (lzma-native).
 *
 *   42 5a 68 ('BZh')      bzip2
 *   fd 37 7a 58 5a 00     xz
 */
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { peekStream } from './peek.js';
import { escapeControlChars, HullError } from '../errors.js';

export type ExternalCompression = 'bzip2' | 'xz';

const XZ_MEMLIMIT = '256MiB';

/** Pure: bzip2 or xz by magic bytes, else undefined. */
export function detectExternalCompression(head: Uint8Array): ExternalCompression | undefined {
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
  return undefined;
}

/**
 * The input as it arrives, or decompressed when it is bzip2 or xz. The returned stream errors
 * (INVALID_FORMAT) when the decoder fails, so a truncated or corrupt input is never taken for a
 * short archive.
 */
export async function decompressExternal(input: Readable | NodeJS.ReadableStream, what: string, signal?: AbortSignal): Promise<Readable> {
  const { head, stream: source } = await peekStream(input, 6);
  const kind = detectExternalCompression(head);
  if (kind === undefined) return source;
  const args = kind === 'xz' ? ['-dc', `--memlimit-decompress=${XZ_MEMLIMIT}`] : ['-dc'];
  const child = spawn(kind, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
  const out = new PassThrough();
  let stderr = '';
  let failed: Error | undefined;
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.on('error', (err: NodeJS.ErrnoException) => {
    failed = err.code === 'ENOENT'
      ? new HullError('UNSUPPORTED', `Cannot read ${what}: it is ${kind}-compressed and the ${kind} program is not installed`, { hint: `install it (apt-get install ${kind === 'xz' ? 'xz-utils' : 'bzip2'}), or send the context as a plain or gzip tar` })
      : err;
    out.destroy(failed);
  });
  child.stdin.on('error', () => {}); // the decoder stopped reading: its exit status says why
  source.on('error', (err) => child.kill() && out.destroy(err));
  source.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (failed) return;
    if (code === 0) out.end();
    else out.destroy(new HullError('INVALID_FORMAT', `Cannot read ${what}: the ${kind} data is corrupt or truncated (${escapeControlChars(stderr.trim().split('\n')[0] || `exit ${code}`)})`));
  });
  return out;
}
