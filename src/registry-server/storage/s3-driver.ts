/**
 * S3StorageDriver: the StorageDriver on any S3-compatible object store, through the AWS SDK for
 * JavaScript v3 (@aws-sdk/client-s3: the maintained client, SigV4, retries, every S3 flavour).
 *
 * Mapping: a driver path /a/b is the key <rootdirectory>/a/b; "directories" are key prefixes
 * (ListObjectsV2 with a '/' delimiter). Small files are single objects (PutObject is atomic).
 *
 * Appendable files (upload sessions) cannot be objects appended in place, so a file opened by
 * writer() is a *segmented* file: its own object (empty, or the bytes it had before, carrying the
 * metadata hull-segmented=1) followed by segment objects <key>/.seg/<16-digit offset>, one per
 * committed append (see s3-writer.ts). Its size and bytes are the concatenation; all of it lives
 * in the bucket, so any replica resumes the upload. move() joins the pieces into the destination
 * object (s3-compose.ts: server-side copies where S3 allows) and deletes the source.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import type { BlobReader, FileInfo, FileWriter, StorageDriver } from './driver.js';
import { composeObject, copySource, MIN_PART, type Piece } from './s3-compose.js';
import { segmentWriter } from './s3-writer.js';

export interface S3DriverOptions {
  bucket: string;
  region?: string;
  /** Any S3-compatible endpoint (radosgw, MinIO, ...); default: AWS for the region. */
  endpoint?: string;
  /** Key prefix for everything this registry stores. */
  rootDirectory?: string;
  /** Bucket in the path (http://host/bucket/key), as most self-hosted S3 servers need. */
  forcePathStyle?: boolean;
  /** Static credentials; without them the SDK's default chain (environment, profile, IMDS). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Bytes buffered per part of a multipart upload (min 5 MiB, default 8 MiB). */
  partSize?: number;
  /** Seconds a presigned blob URL is valid; undefined: blob GETs are not redirected. */
  redirectExpiresIn?: number;
}

const SEGMENTED = 'hull-segmented';
const SEG_DIR = '.seg';

interface Layout {
  /** The file's own object (absent only for a missing file). */
  head: { size: number; modTime: Date; segmented: boolean };
  /** Segment objects in offset order (empty unless segmented). */
  segments: (Piece & { modTime: Date })[];
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function checkPath(p: string): void {
  if (!p.startsWith('/') || p.includes('\0') || p.split('/').some((c, i) => (i > 0 && c === '') || c === '..' || c === '.' || c.startsWith('.'))) {
    if (p !== '/') throw new HullError('INVALID_ARGUMENT', `Cannot use storage path "${p}": it must be absolute, without empty, "." or "."-prefixed components`);
  }
}

export class S3StorageDriver implements StorageDriver {
  readonly kind = 's3';
  readonly client: S3Client;
  readonly bucket: string;
  private readonly root: string;
  private readonly partSize: number;

  constructor(o: S3DriverOptions) {
    this.bucket = o.bucket;
    this.root = (o.rootDirectory ?? '').replace(/^\/+|\/+$/g, '');
    this.partSize = Math.max(o.partSize ?? 8 * 1024 * 1024, MIN_PART);
    const expiresIn = o.redirectExpiresIn;
    if (expiresIn !== undefined) this.redirectUrl = async (p) => getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.key(p) }), { expiresIn });
    const agentOptions = { keepAlive: true, maxSockets: 256 };
    this.client = new S3Client({
      region: o.region ?? 'us-east-1',
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
      ...(o.accessKeyId && o.secretAccessKey ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) } } : {}),
      // Checksums only where S3 requires them: self-hosted servers (radosgw 16) refuse the
      // newer trailing CRC checksums; the registry verifies every blob's digest itself.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { httpAgent: new http.Agent(agentOptions), httpsAgent: new https.Agent(agentOptions) },
    });
  }

  private key(p: string): string {
    checkPath(p);
    const rel = p.slice(1);
    return this.root === '' ? rel : rel === '' ? this.root : `${this.root}/${rel}`;
  }

  private segmentKey(key: string, offset: number): string {
    return `${key}/${SEG_DIR}/${String(offset).padStart(16, '0')}`;
  }

  async getContent(p: string): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(p) }));
      if (res.Metadata?.[SEGMENTED] === '1') {
        res.Body?.transformToWebStream().cancel().catch(() => undefined);
        const reader = await this.reader(p);
        if (!reader) return undefined;
        const chunks: Buffer[] = [];
        for await (const c of reader.stream()) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      }
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async putContent(p: string, data: string | Uint8Array): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(p), Body: body, ContentLength: body.length }));
  }

  /** The objects a file is made of; undefined when it does not exist. */
  private async layout(key: string): Promise<Layout | undefined> {
    let head: Layout['head'];
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      head = { size: res.ContentLength ?? 0, modTime: res.LastModified ?? new Date(0), segmented: res.Metadata?.[SEGMENTED] === '1' };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (!head.segmented) return { head, segments: [] };
    const segments: Layout['segments'] = [];
    for await (const o of this.listAll(`${key}/${SEG_DIR}/`)) segments.push({ key: o.Key!, size: o.Size ?? 0, modTime: o.LastModified ?? new Date(0) });
    segments.sort((a, b) => (a.key < b.key ? -1 : 1));
    return { head, segments };
  }

  private async *listAll(prefix: string, delimiter?: string): AsyncGenerator<{ Key?: string; Size?: number; LastModified?: Date; Prefix?: string }> {
    let token: string | undefined;
    do {
      const res: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(delimiter ? { Delimiter: delimiter } : {}), ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const c of res.CommonPrefixes ?? []) yield { Prefix: c.Prefix! };
      for (const o of res.Contents ?? []) yield o;
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  private pieces(key: string, l: Layout): Piece[] {
    return [{ key, size: l.head.size }, ...l.segments];
  }

  async reader(p: string): Promise<BlobReader | undefined> {
    const key = this.key(p);
    // One GetObject instead of HEAD + GET: its headers give the size, and a full read (the
    // common case) streams the body already open. A segmented file falls back to its layout.
    let first: GetObjectCommandOutput;
    try {
      first = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    let open: Readable | undefined = first.Body as Readable;
    let pieces: Piece[] = [{ key, size: first.ContentLength ?? 0 }];
    if (first.Metadata?.[SEGMENTED] === '1') {
      open.destroy();
      open = undefined;
      const l = await this.layout(key);
      if (!l) return undefined;
      pieces = this.pieces(key, l);
    }
    const size = pieces.reduce((n, x) => n + x.size, 0);
    const { client, bucket } = this;
    const take = (): Readable | undefined => {
      const body = open;
      open = undefined;
      return body;
    };
    return {
      size,
      stream(start = 0, end = Math.max(size - 1, 0)): Readable {
        const whole = pieces.length === 1 && start === 0 && end === size - 1 ? take() : undefined;
        if (whole) return whole;
        take()?.destroy();
        async function* bytes(): AsyncGenerator<Buffer> {
          let offset = 0;
          for (const piece of pieces) {
            const from = Math.max(start, offset);
            const to = Math.min(end, offset + piece.size - 1);
            offset += piece.size;
            if (piece.size === 0 || from > to) continue;
            const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: piece.key, Range: `bytes=${from - (offset - piece.size)}-${to - (offset - piece.size)}` }));
            // Readable.from pulls only as fast as the consumer reads: backpressure to the socket.
            for await (const chunk of res.Body as Readable) yield chunk as Buffer;
          }
        }
        return Readable.from(bytes(), { objectMode: false, highWaterMark: 256 * 1024 });
      },
      async close(): Promise<void> {
        take()?.destroy();
      },
    };
  }

  async writer(p: string): Promise<FileWriter> {
    const key = this.key(p);
    let l = await this.layout(key);
    if (!l?.head.segmented) {
      // Stale segments of an earlier file by this name would be counted: clear them first.
      await this.deletePrefix(`${key}/${SEG_DIR}/`);
      if (l) await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: copySource(this.bucket, key), MetadataDirective: 'REPLACE', Metadata: { [SEGMENTED]: '1' } }));
      else await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.alloc(0), ContentLength: 0, Metadata: { [SEGMENTED]: '1' } }));
      l = { head: { size: l?.head.size ?? 0, modTime: new Date(), segmented: true }, segments: [] };
    }
    const startSize = this.pieces(key, l).reduce((n, x) => n + x.size, 0);
    return segmentWriter({ client: this.client, bucket: this.bucket, key: this.segmentKey(key, startSize), partSize: this.partSize, startSize });
  }

  async stat(p: string): Promise<FileInfo | undefined> {
    const key = this.key(p);
    const l = await this.layout(key);
    if (l) {
      const size = this.pieces(key, l).reduce((n, x) => n + x.size, 0);
      const modTime = l.segments.reduce((t, s) => (s.modTime > t ? s.modTime : t), l.head.modTime);
      return { path: p, size, isDir: false, modTime };
    }
    const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key === '' ? '' : `${key}/`, MaxKeys: 1 }));
    if ((res.KeyCount ?? 0) === 0) return undefined;
    return { path: p, size: 0, isDir: true, modTime: new Date(0) };
  }

  async list(p: string): Promise<string[]> {
    const key = this.key(p);
    const prefix = key === '' ? '' : `${key}/`;
    const names = new Set<string>();
    for await (const o of this.listAll(prefix, '/')) {
      const name = (o.Prefix ?? o.Key!).slice(prefix.length).replace(/\/$/, '');
      if (name !== '' && !name.startsWith('.')) names.add(name);
    }
    return [...names].sort();
  }

  async move(src: string, dst: string): Promise<void> {
    const srcKey = this.key(src);
    const l = await this.layout(srcKey);
    if (!l) throw new HullError('NOT_FOUND', `Cannot move "${src}": it does not exist`);
    await composeObject(this.client, this.bucket, this.pieces(srcKey, l), this.key(dst), this.partSize);
    await this.delete(src);
  }

  async delete(p: string): Promise<void> {
    const key = this.key(p);
    await this.deleteKeys([key]);
    await this.deletePrefix(key === '' ? '' : `${key}/`);
  }

  /** Present only when redirects are configured, so callers skip the lookup otherwise. */
  readonly redirectUrl?: (p: string) => Promise<string | undefined>;

  private async deletePrefix(prefix: string): Promise<void> {
    let batch: string[] = [];
    for await (const o of this.listAll(prefix)) {
      batch.push(o.Key!);
      if (batch.length === 1000) {
        await this.deleteKeys(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.deleteKeys(batch);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    const res = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
    const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    if (failed.length > 0) throw new HullError('INTERNAL', `Cannot delete "${failed[0]!.Key}" from bucket "${this.bucket}": ${failed[0]!.Code} ${failed[0]!.Message ?? ''}`);
  }
}
