// The registry's HTTP test suites (spec behaviour, bad input, auth) run again with every test
// registry on S3: one real radosgw for all of them, a fresh bucket per registry (harness.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { radosgwAvailable, startRadosgw, type Radosgw } from '../testing/radosgw.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUITES = ['http/blobs.test.js', 'http/manifests.test.js', 'http/bad-input.test.js', 'auth/auth.test.js'].map((f) => path.join(here, '..', f));
const available = await radosgwAvailable();
let rgw: Radosgw | undefined;
before(async () => {
  if (available) rgw = await startRadosgw();
});
after(async () => {
  await rgw?.stop();
});

test('the HTTP suites pass on an S3-backed registry (radosgw)', { skip: available ? false : 'Ceph is not installed (scripts/setup.sh installs it)' }, async () => {
  const { NODE_TEST_CONTEXT: _nested, ...parentEnv } = process.env;
  const env = { ...parentEnv, HULL_TEST_REGISTRY_S3: JSON.stringify({ endpoint: rgw!.endpoint, accessKeyId: rgw!.accessKeyId, secretAccessKey: rgw!.secretAccessKey, region: rgw!.region }) };
  const child = spawn(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', ...SUITES], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const failed = out.split('\n').filter((l) => /^\s*not ok /.test(l));
  assert.equal(code, 0, `failing on S3:\n${failed.join('\n')}\n${out.slice(-4000)}`);
  const passed = Number(/^# pass (\d+)$/m.exec(out)?.[1] ?? 0);
  assert.ok(passed >= 30, `only ${passed} tests ran on S3`);
  // harness.ts refuses to start a test registry that is not on S3 while the variable is set.
});
