/** Test helpers for the S3 driver: a fresh bucket on a (real) S3 server, and drivers on it. */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { S3StorageDriver, type S3DriverOptions } from '../storage/s3-driver.js';
import type { Radosgw } from './radosgw.js';

export async function createTestBucket(rgw: Radosgw, prefix = 'hull-test'): Promise<S3DriverOptions> {
  const options: S3DriverOptions = {
    bucket: `${prefix}-${randomBytes(6).toString('hex')}`,
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    accessKeyId: rgw.accessKeyId,
    secretAccessKey: rgw.secretAccessKey,
  };
  const driver = new S3StorageDriver(options);
  await driver.client.send(new CreateBucketCommand({ Bucket: options.bucket }));
  driver.client.destroy();
  return options;
}
