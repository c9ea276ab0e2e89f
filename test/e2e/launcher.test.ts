/**
 * bin/hull's two resident commands, started as a user starts them: `hull registry serve` and
 * `hull system service` answer their protocol, run in a node started with their own flags (what
 * `ps` shows), and stop cleanly on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HULL_BIN } from '../../src/testing/hull-cli.js';
import { REGISTRY_SERVE_NODE_FLAGS } from '../../src/registry-server/index.js';

interface Started { child: ChildProcess; output(): string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

/** Starts bin/hull and resolves once its output matches `ready` (rejects if it exits first). */
function startHull(args: string[], ready: RegExp): Promise<Started> {
  const child = spawn(HULL_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const check = (b: Buffer) => {
      text += b.toString();
      if (ready.test(text)) resolve({ child, output: () => text, exited });
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    void exited.then(({ code }) => reject(new Error(`bin/hull ${args.join(' ')} exited ${code}: ${text}`)));
  });
}

/** What `ps` shows: the process's argv, and one variable of its environment. */
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

function get(o: { url?: string; socketPath?: string; path: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const done = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    };
    const req = o.url ? request(new URL(o.path, o.url), done) : request({ socketPath: o.socketPath, path: o.path }, done);
    req.on('error', reject).end();
  });
}

test('hull registry serve: node with the registry\'s flags, /v2/ answers, SIGTERM stops it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-launcher-'));
  try {
    const reg = await startHull(['registry', 'serve', '--root', join(dir, 'registry'), '--addr', '127.0.0.1:0'], /hull registry listening on (http:\/\/\S+)/);
    const url = /hull registry listening on (http:\/\/\S+)/.exec(reg.output())?.[1] as string;
    const argv = cmdline(reg.child.pid as number);
    assert.equal(argv[0], 'node', 'the launcher execs node in its own place');
    for (const flag of REGISTRY_SERVE_NODE_FLAGS) assert.ok(argv.slice(0, argv.indexOf('--')).includes(flag), `node runs with ${flag}: ${argv.join(' ')}`);
    const v2 = await get({ url, path: '/v2/' });
    assert.equal(v2.status, 200);
    assert.equal(v2.headers['docker-distribution-api-version'], 'registry/2.0');
    reg.child.kill('SIGTERM');
    assert.deepEqual(await reg.exited, { code: 0, signal: null });
    await assert.rejects(get({ url, path: '/v2/' }), /ECONNREFUSED/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hull system service (global options first): node with the service\'s flags and allocator settings, /_ping answers, SIGTERM stops it', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-launcher-'));
  const socketPath = join(dir, 'api.sock');
  try {
    const svc = await startHull(['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), 'system', 'service', '--time', '0', `unix://${socketPath}`], /: listening/);
    const pid = svc.child.pid as number;
    const argv = cmdline(pid);
    assert.equal(argv[0], 'node');
    const nodeFlags = argv.slice(0, argv.indexOf('--'));
    assert.ok(nodeFlags.includes('--max-semi-space-size=1') && nodeFlags.includes('--expose-gc'), argv.join(' '));
    assert.ok(environ(pid).includes('MALLOC_ARENA_MAX=2'));
    const ping = await get({ socketPath, path: '/_ping' });
    assert.equal(ping.status, 200);
    assert.equal(ping.body, 'OK');
    svc.child.kill('SIGTERM');
    assert.deepEqual(await svc.exited, { code: 0, signal: null });
    await assert.rejects(get({ socketPath, path: '/_ping' }), /ENOENT|ECONNREFUSED/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

