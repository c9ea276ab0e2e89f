/**
 * Joins the pieces of a segmented S3 file into one object (the driver's move). One piece is a
 * server-side CopyObject. Several become a multipart upload: a piece of at least the minimum part
 * size, met at a part boundary, is copied server-side (UploadPartCopy, in ranges of at most
 * 1 GiB); smaller pieces are streamed through a bounded buffer and sent as parts, since S3 refuses
 * parts under 5 MiB except the last. CompleteMultipartUpload makes the object appear whole.
 */
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand, UploadPartCopyCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

export const MIN_PART = 5 * 1024 * 1024;
const MAX_COPY = 5 * 1024 * 1024 * 1024;
const COPY_RANGE = 1024 * 1024 * 1024;

export interface Piece {
  key: string;
  size: number;
}

export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export async function composeObject(client: S3Client, bucket: string, pieces: Piece[], dst: string, partSize: number): Promise<void> {
  const nonEmpty = pieces.filter((p) => p.size > 0);
  if (nonEmpty.length === 0) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: dst, Body: Buffer.alloc(0), ContentLength: 0 }));
    return;
  }
  if (nonEmpty.length === 1 && nonEmpty[0]!.size <= MAX_COPY) {
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: dst, CopySource: copySource(bucket, nonEmpty[0]!.key), MetadataDirective: 'REPLACE' }));
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: dst }));
  const parts: { ETag: string; PartNumber: number }[] = [];
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  const flush = async (): Promise<void> => {
    const body = Buffer.concat(buffered, bufferedBytes);
    buffered = [];
    bufferedBytes = 0;
    const PartNumber = parts.length + 1;
    const res = await client.send(new UploadPartCommand({ Bucket: bucket, Key: dst, UploadId, PartNumber, Body: body, ContentLength: body.length }));
    parts.push({ ETag: res.ETag!, PartNumber });
  };
  try {
    for (const piece of nonEmpty) {
      if (bufferedBytes === 0 && piece.size >= MIN_PART) {
        const n = Math.ceil(piece.size / COPY_RANGE);
        const step = Math.ceil(piece.size / n);
        for (let start = 0; start < piece.size; start += step) {
          const end = Math.min(start + step, piece.size) - 1;
          const PartNumber = parts.length + 1;
          const res = await client.send(new UploadPartCopyCommand({ Bucket: bucket, Key: dst, UploadId, PartNumber, CopySource: copySource(bucket, piece.key), CopySourceRange: `bytes=${start}-${end}` }));
          parts.push({ ETag: res.CopyPartResult!.ETag!, PartNumber });
        }
        continue;
      }
      const obj = await client.send(new GetObjectCommand({ Bucket: bucket, Key: piece.key }));
      for await (const chunk of obj.Body as Readable) {
        buffered.push(chunk as Buffer);
        bufferedBytes += (chunk as Buffer).length;
        if (bufferedBytes >= partSize) await flush();
      }
    }
    if (bufferedBytes > 0 || parts.length === 0) await flush();
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: dst, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: dst, UploadId })).catch(() => undefined);
    throw err;
  }
}
