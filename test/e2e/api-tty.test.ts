/**
 * Terminals through the Docker API: `docker exec -it` on a real pseudo-terminal (tmux), `docker
 * exec -t` piped (a raw stream, stdout and stderr merged), dockerode's hijacked TTY exec with
 * resize and exit code; logs and attach of a container created with a TTY.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { startApiService, type ApiService } from '../../src/testing/api-service.js';
import { startTmux } from '../../src/testing/tmux.js';

let env: HullEnv;
let api: ApiService;
before(async () => {
  env = await hullWithBusybox();
  api = await startApiService(env);
  await api.dockerOk(['run', '-d', '--name', 'box', 'busybox', 'sleep', '600']);
});
after(async () => {
  await api.stop();
  await env.cleanup();
});

const dockerCommand = (args: string) => `env DOCKER_HOST=${api.clientEnv.DOCKER_HOST} DOCKER_CONFIG=${api.clientEnv.DOCKER_CONFIG} docker ${args}`;

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('docker exec -it: a terminal of the right size that follows resizes, and the exit code', async () => {
  const t = startTmux(`${dockerCommand('exec -it box sh')}; echo EXITED $?; sleep 30`, 90, 20);
  try {
    await t.waitFor(/^\/ #/m, 30_000);
    t.send('tty; stty size', 'Enter');
    await t.waitFor(/^20 90$/m, 30_000);
    assert.match(t.screen(), /^\/dev\/pts\/\d+$/m);
    t.resize(120, 40);
    // The CLI sends POST /exec/{id}/resize on SIGWINCH: ask until the new size shows.
    await until('the resized terminal', async () => {
      t.send('stty size', 'Enter');
      await new Promise((r) => setTimeout(r, 300));
      return /^40 120$/m.test(t.screen());
    });
    t.send('echo to-stderr >&2; exit 4', 'Enter');
    await t.waitFor(/EXITED 4$/m, 30_000);
    assert.match(t.screen(), /^to-stderr$/m);
  } finally {
    t.kill();
  }
});

test('docker exec -t piped: one raw stream (no frame headers), stderr merged, CRLF line ends, exit code', async () => {
  const r = await api.docker(['exec', '-t', 'box', 'sh', '-c', 'tty; echo err >&2; exit 2']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /^\/dev\/pts\/\d+\r\nerr\r\n$/);
  assert.equal((await api.dockerOk(['exec', '-dt', 'box', 'sh', '-c', 'echo detached > /tmp/dt'])), '');
  await until('the detached exec', async () => (await api.docker(['exec', 'box', 'cat', '/tmp/dt'])).stdout === 'detached\n');
});

test('dockerode: hijacked TTY exec with stdin, resize before and after start, exit code in inspect', async () => {
  const docker = new Docker({ socketPath: api.socket });
  const exec = await docker.getContainer('box').exec({ Cmd: ['sh'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true });
  await exec.resize({ h: 12, w: 34 });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true } as Docker.ExecStartOptions)) as unknown as Duplex;
  let out = '';
  stream.on('data', (b: Buffer) => (out += b.toString('latin1')));
  const ended = new Promise((r) => stream.on('end', r));
  try {
    stream.write('stty size\n');
    // The size given before start is the pty's from its first byte (process.consoleSize).
    await until('the first size', () => /12 34/.test(out));
    await exec.resize({ h: 25, w: 81 });
    await until('the new size', async () => {
      stream.write('stty size\n');
      await new Promise((r) => setTimeout(r, 200));
      return /25 81/.test(out);
    });
    stream.write('exit 6\n');
    await ended;
  } finally {
    stream.destroy();
  }
  assert.ok(!out.includes('\u0001\u0000\u0000\u0000'), 'a TTY stream has no multiplexing headers');
  const info = await exec.inspect();
  assert.equal(info.ExitCode, 6);
  assert.equal(info.Running, false);
  assert.equal(info.ProcessConfig.tty, true);
  const bad = await fetchStatus(`/exec/${exec.id}/resize?h=x&w=2`);
  assert.equal(bad, 400);
});

async function fetchStatus(path: string): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: api.socket, path, method: 'POST' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a container created with Tty: docker logs is the raw terminal output; docker attach types into it', async () => {
  await api.dockerOk(['run', '-dit', '--name', 'term', 'busybox', 'sh', '-c', 'echo out; echo err >&2; read x; echo got-$x; sleep 600']);
  await until('the log', async () => (await api.docker(['logs', 'term'])).stdout.includes('err'));
  const logs = await api.docker(['logs', 'term']);
  assert.equal(logs.stdout, 'out\r\nerr\r\n', 'one stream, as the terminal showed it');
  assert.equal(logs.stderr, '');
  const docker = new Docker({ socketPath: api.socket });
  const raw = await fetchRaw('/containers/term/logs?stdout=1&stderr=1');
  assert.equal(raw, 'out\r\nerr\r\n', 'no multiplexing headers');
  const stream = (await docker.getContainer('term').attach({ stream: true, stdin: true, stdout: true, hijack: true })) as unknown as Duplex;
  let out = '';
  stream.on('data', (b: Buffer) => (out += b.toString('latin1')));
  try {
    stream.write('typed\n');
    await until('the attached output', () => out.includes('got-typed'));
    assert.ok(!out.includes('\u0001\u0000\u0000\u0000'));
  } finally {
    stream.destroy();
  }
});

async function fetchRaw(path: string): Promise<string> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: api.socket, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString('latin1')));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
