/**
 * The two shapes that cross between the image store and the archive formats: an image to write
 * (`SavedImage`, what save.ts hands a writer) and an image found in an archive (`ArchivedImage`,
 * what a reader hands load.ts). Readers only locate and parse; load.ts verifies and ingests.
 */
import { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';
import type { ImageConfig } from '../../oci/image-config.js';
import type { ImageManifest } from '../../oci/manifest.js';
import { decompressTo } from '../../archive/decompress.js';

export interface SavedImage {
  id: Digest;
  /** Fully qualified names to record in the archive (docker.io/library/busybox:latest). */
  names: string[];
  manifest: ImageManifest;
  manifestBytes: Buffer;
  manifestDigest: Digest;
  manifestMediaType: string;
  config: ImageConfig;
  configBytes: Buffer;
}

/** What a writer reads from the store. */
export interface BlobSource {
  openRead(digest: Digest): Readable;
  size(digest: Digest): number;
}

export interface ArchivedLayer {
  /** The archive entry holding the layer. */
  entry: string;
  /** Declared by an OCI manifest; docker-archive layers carry none (their diff_id is checked instead). */
  digest?: Digest;
  size?: number;
  mediaType?: string;
}

export interface ArchivedImage {
  /** Fully qualified names (RepoTags, ref.name annotations); empty for an untagged image. */
  names: string[];
  config: { entry: string; digest?: Digest };
  /** OCI layouts: the manifest's exact bytes, kept so its digest stays the same. */
  manifest?: { bytes: Buffer; digest: Digest; mediaType: string };
  layers: ArchivedLayer[];
}

/**
 * The uncompressed bytes of a layer blob (gzip, zstd or plain, by its magic bytes) as an async
 * iterable with backpressure: the compressed input is read only as fast as chunks are consumed.
 */
export async function* decompressedChunks(input: Readable, what: string): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  let stopped = false;
  async function* gated(): AsyncGenerator<Buffer> {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      while (queue.length > 4 && !stopped) await new Promise<void>((r) => (wakeProducer = r));
      if (stopped) return;
      yield chunk;
    }
  }
  void decompressTo(Readable.from(gated(), { objectMode: false }), (b) => {
    queue.push(b);
    wakeConsumer?.();
  }, { layer: what }).then(
    () => {
      finished = true;
      wakeConsumer?.();
    },
    (err: unknown) => {
      failure = err;
      finished = true;
      wakeConsumer?.();
    },
  );
  try {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        wakeProducer?.();
        yield next;
        continue;
      }
      if (finished) {
        if (failure !== undefined) throw failure;
        return;
      }
      await new Promise<void>((r) => (wakeConsumer = r));
      wakeConsumer = undefined;
    }
  } finally {
    stopped = true;
    wakeProducer?.();
    input.destroy();
  }
}
