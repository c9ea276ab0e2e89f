/**
 * One append through the S3 driver: the bytes become one new segment object, written as a single
 * PutObject when they fit in a part, else as a multipart upload whose parts are sent as they fill
 * (a write is acknowledged only once its part is stored: backpressure, at most one part in memory).
 * Nothing is visible until commit completes the segment; cancel aborts the multipart upload.
 */
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { Writable } from 'node:stream';
import { HullError } from '../../errors.js';
import type { FileWriter } from './driver.js';

export interface SegmentTarget {
  client: S3Client;
  bucket: string;
  /** Key of the segment object to create. */
  key: string;
  partSize: number;
  startSize: number;
}

export function segmentWriter(t: SegmentTarget): FileWriter {
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let uploadId: string | undefined;
  const parts: { ETag: string; PartNumber: number }[] = [];
  let pending: Promise<void> = Promise.resolve();
  let stream: Writable | undefined;
  let done = false;

  const takeBuffer = (): Buffer => {
    const body = Buffer.concat(buffered, bufferedBytes);
    buffered = [];
    bufferedBytes = 0;
    return body;
  };
  const sendPart = async (body: Buffer): Promise<void> => {
    uploadId ??= (await t.client.send(new CreateMultipartUploadCommand({ Bucket: t.bucket, Key: t.key }))).UploadId;
    const PartNumber = parts.length + 1;
    const res = await t.client.send(new UploadPartCommand({ Bucket: t.bucket, Key: t.key, UploadId: uploadId, PartNumber, Body: body, ContentLength: body.length }));
    parts.push({ ETag: res.ETag!, PartNumber });
  };

  return {
    startSize: t.startSize,
    writable(): Writable {
      if (stream) throw new HullError('INTERNAL', `Cannot reopen writer "${t.key}": writable() was already called`);
      stream = new Writable({
        highWaterMark: 1024 * 1024,
        write(chunk: Buffer, _enc, cb): void {
          buffered.push(chunk);
          bufferedBytes += chunk.length;
          if (bufferedBytes < t.partSize) return cb();
          pending = sendPart(takeBuffer());
          pending.then(() => cb(), cb);
        },
      });
      return stream;
    },
    async commit(): Promise<void> {
      if (done) return;
      done = true;
      await pending;
      if (uploadId === undefined) {
        // An empty append creates no segment: the file is unchanged.
        if (bufferedBytes === 0) return;
        const body = takeBuffer();
        await t.client.send(new PutObjectCommand({ Bucket: t.bucket, Key: t.key, Body: body, ContentLength: body.length }));
        return;
      }
      if (bufferedBytes > 0) await sendPart(takeBuffer());
      await t.client.send(new CompleteMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    },
    async cancel(): Promise<void> {
      if (done) return;
      done = true;
      buffered = [];
      bufferedBytes = 0;
      await pending.catch(() => undefined);
      if (uploadId !== undefined) await t.client.send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: uploadId }));
    },
  };
}
