/** The StorageDriver a config asks for: S3 when storage.s3 is set, else the filesystem root. */
import type { RegistryConfig } from '../config.js';
import type { StorageDriver } from './driver.js';
import { FsStorageDriver } from './fs-driver.js';
import { S3StorageDriver } from './s3-driver.js';

export function openStorageDriver(config: RegistryConfig): StorageDriver {
  return config.s3 ? new S3StorageDriver(config.s3) : new FsStorageDriver(config.root, { fsync: config.fsync });
}
