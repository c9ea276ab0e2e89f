/**
 * One engine, many clients: 20 dockerode clients create, start, wait for and remove containers
 * through the socket while hull CLI processes do the same on the same store. Every container gives
 * its own exit code and output, and the store ends empty and consistent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { startApiService, type ApiService } from '../../src/testing/api-service.js';

let env: HullEnv;
let api: ApiService;
before(async () => {
  env = await hullWithBusybox();
  api = await startApiService(env);
});
after(async () => {
  await api.stop();
  await env.cleanup();
});

async function throughApi(i: number): Promise<{ code: number; out: string }> {
  const docker = new Docker({ socketPath: api.socket });
  const c = await docker.createContainer({ Image: 'busybox', name: `api-${i}`, Cmd: ['sh', '-c', `echo api-${i}; exit ${i % 7}`], HostConfig: { NetworkMode: 'none' } });
  const stream = await c.attach({ stream: true, stdout: true, stderr: true, hijack: true });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (b: Buffer) => chunks.push(b));
  c.modem.demuxStream(stream, out, new PassThrough().resume());
  const ended = new Promise((resolve) => stream.on('end', resolve));
  const waited = c.wait({ condition: 'next-exit' });
  await c.start();
  const { StatusCode } = (await waited) as { StatusCode: number };
  await ended;
  await c.remove();
  return { code: StatusCode, out: Buffer.concat(chunks).toString() };
}

test('20 API clients and 5 hull CLI processes create, start and remove containers at once', async () => {
  const api20 = Array.from({ length: 20 }, (_, i) => throughApi(i));
  const cli5 = Array.from({ length: 5 }, (_, i) => env.hull(['run', '--rm', '--network', 'none', '--name', `cli-${i}`, 'busybox', 'sh', '-c', `echo cli-${i}; exit ${i + 1}`]));
  const [apiResults, cliResults] = await Promise.all([Promise.all(api20), Promise.all(cli5)]);
  apiResults.forEach((r, i) => assert.deepEqual(r, { code: i % 7, out: `api-${i}\n` }, `api client ${i}`));
  cliResults.forEach((r, i) => assert.deepEqual([r.code, r.stdout], [i + 1, `cli-${i}\n`], `cli ${i}: ${r.stderr}`));
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '', 'nothing is left behind');
  assert.equal((await api.dockerOk(['ps', '-aq'])).trim(), '');
  const check = await env.hull(['system', 'check']);
  assert.equal(check.code, 0, `the store is consistent: ${check.stdout}${check.stderr}`);
});
