// Concurrency and crash safety: many clients at once, and SIGKILL of a server process mid-upload.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { digestOf, pushBlob, request, startTestRegistry, tempDir, type TestRegistry } from './testing/harness.js';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serve-entry.js');

/** Every file under blobs/ must hash to the digest its path names. */
async function verifyBlobStore(root: string): Promise<number> {
  let n = 0;
  const base = path.join(root, 'blobs', 'sha256');
  for (const prefix of await fs.readdir(base).catch(() => [])) {
    for (const hex of await fs.readdir(path.join(base, prefix))) {
      const data = await fs.readFile(path.join(base, prefix, hex));
      assert.equal(createHash('sha256').update(data).digest('hex'), hex, `blob ${hex} is corrupt`);
      n++;
    }
  }
  return n;
}

describe('many clients at once', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startTestRegistry();
  });
  after(async () => {
    await reg.close();
  });

  test('32 clients push the same blob (monolithic and chunked) and 32 push different blobs', async () => {
    const same = randomBytes(300 * 1024);
    const sameDigest = digestOf(same);
    const chunked = async (repo: string, data: Buffer): Promise<number> => {
      const loc = (await request(reg.url, 'POST', `/v2/${repo}/blobs/uploads/`)).headers.location!;
      const half = data.length >> 1;
      await request(reg.url, 'PATCH', loc, { body: data.subarray(0, half), headers: { 'Content-Range': `0-${half - 1}` } });
      await request(reg.url, 'PATCH', loc, { body: data.subarray(half), headers: { 'Content-Range': `${half}-${data.length - 1}` } });
      return (await request(reg.url, 'PUT', `${loc}?digest=${digestOf(data)}`)).status;
    };
    const different = Array.from({ length: 32 }, (_, i) => randomBytes(64 * 1024 + i));
    const results = await Promise.all([
      ...Array.from({ length: 16 }, (_, i) => pushBlob(reg.url, `conc/r${i % 4}`, same).then(() => 201)),
      ...Array.from({ length: 16 }, (_, i) => chunked(`conc/r${i % 4}`, same)),
      ...different.map((d, i) => (i % 2 ? pushBlob(reg.url, 'conc/diff', d).then(() => 201) : chunked('conc/diff', d))),
    ]);
    assert.ok(results.every((s) => s === 201), `statuses: ${results.join(',')}`);
    for (let i = 0; i < 4; i++) assert.deepEqual((await request(reg.url, 'GET', `/v2/conc/r${i}/blobs/${sameDigest}`)).body, same);
    for (const d of different) assert.deepEqual((await request(reg.url, 'GET', `/v2/conc/diff/blobs/${digestOf(d)}`)).body, d);
    assert.equal(await verifyBlobStore(reg.root), 33, 'the shared blob is stored once');
  });
});

function startChild(root: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY, '--root', root, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

/** Starts a PATCH that sends `first` and then waits forever; resolves once the server has the bytes. */
function hangingPatch(url: string, loc: string, first: Buffer): Promise<http.ClientRequest> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'PATCH', path: loc, headers: { 'Transfer-Encoding': 'chunked' } });
    req.on('error', () => undefined); // the server dies under it
    req.write(first, () => setTimeout(() => resolve(req), 50));
  });
}

describe('SIGKILL during uploads', () => {
  test('no corrupt blob is ever served; completed blobs verify; interrupted uploads resume or vanish', async () => {
    const root = await tempDir('hull-crash-');
    try {
      const first = await startChild(root);
      const completed = Array.from({ length: 6 }, () => randomBytes(200 * 1024));
      await Promise.all(completed.map((d) => pushBlob(first.url, 'crash/app', d)));

      // Uploads in flight when the process dies: chunked sessions with bytes on disk, and
      // monolithic POSTs whose bodies are half sent.
      const pending = Array.from({ length: 4 }, () => randomBytes(512 * 1024));
      const sessions: string[] = [];
      const hanging: http.ClientRequest[] = [];
      for (const d of pending) {
        const loc = (await request(first.url, 'POST', '/v2/crash/app/blobs/uploads/')).headers.location!;
        sessions.push(loc);
        hanging.push(await hangingPatch(first.url, loc, d.subarray(0, 100 * 1024)));
      }
      for (const d of pending) {
        const u = new URL(first.url);
        const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: `/v2/crash/app/blobs/uploads/?digest=${digestOf(d)}`, headers: { 'Content-Length': String(d.length) } });
        req.on('error', () => undefined);
        req.write(d.subarray(0, 200 * 1024));
        hanging.push(req);
      }
      await new Promise((r) => setTimeout(r, 100));
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      hanging.forEach((r) => r.destroy());

      const second = await startChild(root);
      try {
        await verifyBlobStore(root);
        for (const d of completed) {
          const res = await request(second.url, 'GET', `/v2/crash/app/blobs/${digestOf(d)}`);
          assert.equal(res.status, 200);
          assert.equal(digestOf(res.body), digestOf(d));
        }
        for (const d of pending) {
          const res = await request(second.url, 'GET', `/v2/crash/app/blobs/${digestOf(d)}`);
          assert.equal(res.status, 404, 'an interrupted blob is not visible');
        }
        // Resume each interrupted session from where the server says it is.
        for (const [i, loc] of sessions.entries()) {
          const status = await request(second.url, 'GET', loc);
          assert.equal(status.status, 204);
          const have = Number(/^0-(\d+)$/.exec(String(status.headers.range))![1]) + 1;
          const d = pending[i]!;
          assert.deepEqual((await fs.readFile(path.join(root, 'repositories', 'crash', 'app', '_uploads', loc.split('/').pop()!))).subarray(0, have), d.subarray(0, have));
          const rest = await request(second.url, 'PATCH', loc, { body: d.subarray(have), headers: { 'Content-Range': `${have}-${d.length - 1}` } });
          assert.equal(rest.status, 202);
          assert.equal((await request(second.url, 'PUT', `${loc}?digest=${digestOf(d)}`)).status, 201);
          assert.equal(digestOf((await request(second.url, 'GET', `/v2/crash/app/blobs/${digestOf(d)}`)).body), digestOf(d));
        }
        await verifyBlobStore(root);
      } finally {
        second.child.kill('SIGTERM');
        await new Promise((r) => second.child.once('exit', r));
      }
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
