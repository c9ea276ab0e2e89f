// Webhook notifications: distribution's envelope, delivered to a real HTTP receiver that fails
// first and recovers later, and a receiver that hangs does not hold up any request.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { digestOf, makeImage, pushImage, request, startTestRegistry, type TestRegistry } from '../testing/harness.js';
import { ENVELOPE_MEDIA_TYPE, type RegistryEvent } from './events.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Receiver {
  url: string;
  events: RegistryEvent[];
  contentTypes: string[];
  attempts: number;
  /** Answer 500 to this many deliveries first. */
  failFirst: number;
  hang: boolean;
  close(): Promise<void>;
}

async function startReceiver(failFirst = 0): Promise<Receiver> {
  const r: Receiver = { url: '', events: [], contentTypes: [], attempts: 0, failFirst, hang: false, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.attempts++;
      if (r.hang) return; // never answers
      if (r.attempts <= r.failFirst) {
        res.statusCode = 500;
        res.end('down for maintenance');
        return;
      }
      r.contentTypes.push(String(req.headers['content-type']));
      r.events.push(...(JSON.parse(Buffer.concat(chunks).toString()) as { events: RegistryEvent[] }).events);
      res.end();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  r.close = async () => {
    server.closeAllConnections();
    await new Promise((res) => server.close(res));
  };
  return r;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
}

describe('webhook notifications', () => {
  let receiver: Receiver;
  let reg: TestRegistry;
  before(async () => {
    receiver = await startReceiver(2);
    reg = await startTestRegistry({}, (c) => {
      c.notifications = [{ name: 'test', url: receiver.url, headers: { 'X-Token': ['abc'] }, timeoutMs: 2000, backoffMs: 20, ignoredActions: [], ignoredMediaTypes: [], maxQueue: 1000 }];
    });
  });
  after(async () => {
    await reg.close();
    await receiver.close();
  });

  test('push, pull and delete events arrive in distribution\'s envelope after the receiver recovers', async () => {
    const img = await makeImage('notify');
    assert.equal((await pushImage(reg.url, 'hook/app', img, 'v1')).status, 201);
    await until('the manifest push event arrives despite two failed deliveries', () => receiver.events.some((e) => e.action === 'push' && e.target.tag === 'v1'));
    assert.ok(receiver.attempts >= 3, 'the first deliveries failed and were retried');
    assert.equal(receiver.contentTypes[0], ENVELOPE_MEDIA_TYPE);
    const manifestPush = receiver.events.find((e) => e.action === 'push' && e.target.tag === 'v1')!;
    assert.equal(manifestPush.target.repository, 'hook/app');
    assert.equal(manifestPush.target.digest, img.manifestDigest);
    assert.equal(manifestPush.target.mediaType, OCI_MANIFEST);
    assert.equal(manifestPush.target.size, img.manifest.length);
    assert.equal(manifestPush.target.url, `${reg.url}/v2/hook/app/manifests/${img.manifestDigest}`);
    assert.equal(manifestPush.request.method, 'PUT');
    assert.ok(manifestPush.id && manifestPush.timestamp && manifestPush.source.instanceID);
    const blobPushes = receiver.events.filter((e) => e.action === 'push' && e.target.digest !== img.manifestDigest).map((e) => e.target.digest);
    assert.deepEqual(blobPushes.sort(), [digestOf(img.config), digestOf(img.layer)].sort());
    // Order is kept: blobs before the manifest that names them.
    assert.equal(receiver.events.findIndex((e) => e === manifestPush), 2);

    await request(reg.url, 'GET', '/v2/hook/app/manifests/v1', { headers: { Accept: OCI_MANIFEST } });
    await request(reg.url, 'HEAD', '/v2/hook/app/manifests/v1', { headers: { Accept: OCI_MANIFEST } });
    await request(reg.url, 'DELETE', `/v2/hook/app/manifests/${img.manifestDigest}`);
    await until('the delete event arrives', () => receiver.events.some((e) => e.action === 'delete'));
    const pulls = receiver.events.filter((e) => e.action === 'pull');
    assert.equal(pulls.length, 1, 'a GET is a pull; a HEAD is not');
    assert.equal(pulls[0]!.target.tag, 'v1');
    assert.equal(receiver.events.find((e) => e.action === 'delete')!.target.digest, img.manifestDigest);
  });

  test('a receiver that never answers does not hold up requests; events wait for it', async () => {
    receiver.hang = true;
    const img = await makeImage('hanging receiver');
    assert.equal((await pushImage(reg.url, 'hook/hang', img, 'v1')).status, 201);
    assert.equal((await request(reg.url, 'GET', '/v2/hook/hang/manifests/v1', { headers: { Accept: OCI_MANIFEST } })).status, 200);
    receiver.hang = false;
    await until('events are delivered once the receiver answers again (after the 2 s timeout)', () => receiver.events.some((e) => e.target.repository === 'hook/hang' && e.action === 'pull'));
  });
});
