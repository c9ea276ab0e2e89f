// The shared StorageDriver conformance suite on the S3 driver, against a real radosgw (Ceph).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeDriverConformance } from '../testing/driver-conformance.js';
import { radosgwAvailable, startRadosgw, type Radosgw } from '../testing/radosgw.js';
import { createTestBucket } from '../testing/s3.js';
import { S3StorageDriver, type S3DriverOptions } from './s3-driver.js';

const available = await radosgwAvailable();
let rgw: Radosgw | undefined;
let options: S3DriverOptions;
const drivers: S3StorageDriver[] = [];
before(async () => {
  if (!available) return;
  rgw = await startRadosgw();
  options = await createTestBucket(rgw);
});
after(async () => {
  drivers.forEach((d) => d.client.destroy());
  await rgw?.stop();
});

function open(extra: Partial<S3DriverOptions> = {}): S3StorageDriver {
  const d = new S3StorageDriver({ ...options, rootDirectory: 'registry', partSize: 5 * 1024 * 1024, ...extra });
  drivers.push(d);
  return d;
}

if (!available) {
  test('S3 driver on radosgw', { skip: 'Ceph is not installed (scripts/setup.sh installs ceph-mon, ceph-osd, radosgw)' }, () => undefined);
} else {
  describeDriverConformance('s3 (radosgw)', async () => open());

  test('rootdirectory keeps the registry under its prefix', async () => {
    const d = open({ rootDirectory: 'other/root' });
    await d.putContent('/x/y', 'z');
    assert.deepEqual(await open({ rootDirectory: 'other' }).list('/root/x'), ['y']);
    assert.equal(await open().getContent('/x/y'), undefined);
  });

  test('presigned redirect URLs serve the object to a plain HTTP client', async () => {
    const d = open({ redirectExpiresIn: 60 });
    await d.putContent('/blobs/presigned', 'straight from the bucket');
    const url = await d.redirectUrl!('/blobs/presigned');
    assert.ok(url?.startsWith(rgw!.endpoint));
    const res = await fetch(url!);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'straight from the bucket');
    assert.equal(open().redirectUrl, undefined, 'no redirects unless configured');
  });

  test('wrong credentials are a clear error, not a missing file', async () => {
    const d = open({ secretAccessKey: 'wrong' });
    await assert.rejects(d.getContent('/x/y'), (err: Error) => /signature|denied|SignatureDoesNotMatch|Forbidden/i.test(`${err.name} ${err.message}`));
  });
}
