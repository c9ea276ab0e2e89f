// The shared StorageDriver conformance suite on the filesystem driver.
import * as fs from 'node:fs/promises';
import { after } from 'node:test';
import { describeDriverConformance } from '../testing/driver-conformance.js';
import { tempDir } from '../testing/harness.js';
import { FsStorageDriver } from './fs-driver.js';

const root = await tempDir('hull-fsdriver-');
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
describeDriverConformance('filesystem', async () => new FsStorageDriver(root, { fsync: true }));
