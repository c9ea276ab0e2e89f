/**
 * Streams a layer blob through the right decompressor, chosen by magic bytes rather than by the
 * media type (image-spec layer.md lets a registry serve either; the bytes are what counts):
 *   1f 8b        gzip (RFC 1952), members may be concatenated
 *   28 b5 2f fd  zstd (RFC 8878)
 *   anything else: an uncompressed tar.
 * Each uncompressed chunk goes synchronously to `sink`; nothing holds the whole layer in memory.
 *
 * zstd: Node 20 has no zstd in zlib, so fzstd (pure JS, no native build, streaming, one small
 * package) decodes it on the main thread. A frame header may ask for a window of up to 2 GiB,
 * which fzstd would allocate; frames asking for more than zstd's own default decoder limit
 * (128 MiB, ZSTD_WINDOWLOG_LIMIT_DEFAULT) are refused before that.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as zlibTypes from 'node:zlib';
import { lazyBuiltin } from '../sys/lazy-builtin.js';
import { Decompress } from 'fzstd';
import { errorMessage, isHullError } from '../errors.js';
import type { Compression } from '../oci/media-types.js';
import { layerError } from './layer-error.js';

const zlibModule = lazyBuiltin<typeof zlibTypes>('node:zlib');

const ZSTD_MAX_WINDOW = 128 * 1024 * 1024;

export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export interface DecompressOptions {
  layer: string;
  signal?: AbortSignal;
  /** Told the running total of compressed bytes read, before the chunks they produce reach `sink`. */
  onCompressed?: (total: number) => void;
}

type Source = NodeJS.ReadableStream | Readable;

/** Reads the whole of `input`, sending uncompressed chunks to `sink`; returns the compression found. */
export async function decompressTo(input: Source, sink: (chunk: Buffer) => void, opts: DecompressOptions): Promise<Compression> {
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let compressed = 0;
  const next = async (): Promise<Buffer | undefined> => {
    opts.signal?.throwIfAborted();
    const r = await it.next();
    if (r.done === true) return undefined;
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    compressed += b.length;
    opts.onCompressed?.(compressed);
    return b;
  };
  try {
    // Peek at least 4 bytes (or the whole input, if shorter) to choose the decompressor.
    const head: Buffer[] = [];
    let headLen = 0;
    while (headLen < 4) {
      const b = await next();
      if (b === undefined) break;
      head.push(b);
      headLen += b.length;
    }
    const first = Buffer.concat(head);
    const kind = detectCompression(first);
    async function* all(): AsyncGenerator<Buffer> {
      if (first.length > 0) yield first;
      for (let b = await next(); b !== undefined; b = await next()) yield b;
    }
    if (kind === 'none') {
      for await (const b of all()) sink(b);
    } else if (kind === 'gzip') {
      const gunzip = zlibModule().createGunzip({ chunkSize: 256 * 1024 });
      // pipeline() reports its own AbortError when the consumer throws; keep the sink's error.
      let sinkError: unknown;
      try {
        await pipeline(
          Readable.from(all(), { objectMode: false }),
          gunzip,
          async (src: AsyncIterable<Buffer>) => {
            for await (const b of src) {
              try {
                sink(b);
              } catch (err) {
                sinkError = err;
                throw err;
              }
            }
          },
          opts.signal ? { signal: opts.signal } : {},
        );
      } catch (err) {
        throw sinkError ?? err;
      }
    } else {
      await unzstd(all(), sink, opts.layer);
    }
    return kind;
  } catch (err) {
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('Z_')) {
      throw layerError('INVALID_FORMAT', opts.layer, undefined, `gzip data is corrupt: ${err.message}`, { cause: err });
    }
    throw err;
  } finally {
    await it.return?.();
  }
}

async function unzstd(src: AsyncIterable<Buffer>, sink: (chunk: Buffer) => void, layer: string): Promise<void> {
  const d = new Decompress((chunk) => sink(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  let atFrameStart = true;
  try {
    for await (const b of src) {
      // Only the first frame's header is checked: fzstd does not report later frame boundaries.
      if (atFrameStart) {
        checkZstdWindow(b, layer);
        atFrameStart = false;
      }
      d.push(b);
    }
    d.push(new Uint8Array(0), true);
  } catch (err) {
    if (isHullError(err) || (err instanceof Error && err.name === 'AbortError')) throw err;
    throw layerError('INVALID_FORMAT', layer, undefined, `zstd data is corrupt: ${errorMessage(err)}`, { cause: err });
  }
}

/** Frame header (RFC 8878 3.1.1.1): refuse a window above ZSTD_MAX_WINDOW before fzstd allocates it. */
function checkZstdWindow(b: Buffer, layer: string): void {
  const fhd = b[4];
  if (fhd === undefined) return;
  const singleSegment = (fhd >> 5) & 1;
  let window: number;
  if (!singleSegment) {
    const wd = b[5] ?? 0;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  } else {
    // single segment: the window is the frame content size
    const fcsFlag = fhd >> 6;
    const dictBytes = [0, 1, 2, 4][fhd & 3] ?? 0;
    const fcsBytes = [1, 2, 4, 8][fcsFlag] ?? 1;
    let fcs = 0;
    for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + (b[5 + dictBytes + i] ?? 0);
    window = fcsBytes === 2 ? fcs + 256 : fcs;
  }
  if (window > ZSTD_MAX_WINDOW) {
    throw layerError('LIMIT_EXCEEDED', layer, undefined, `zstd frame asks for a ${window}-byte window, past the limit of ${ZSTD_MAX_WINDOW}`);
  }
}
