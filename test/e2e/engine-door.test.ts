/**
 * What moved into the engine, seen through the CLI as a user sees it: --rm as the engine's
 * AutoRemove (anonymous volumes go too), the pull policy, relative bind paths, DNS options,
 * TERM for terminals, top filtered by the container's processes, and the PORTS column.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

test('run --rm removes the container and its anonymous volumes, in the foreground too', async () => {
  const before = (await env.ok(['volume', 'ls', '-q'])).trim();
  assert.equal(await env.ok(['run', '--rm', '-v', '/data', 'busybox', 'sh', '-c', 'echo x > /data/f; cat /data/f']), 'x\n');
  assert.equal((await env.ok(['volume', 'ls', '-q'])).trim(), before);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
});

test('--pull never refuses a missing image without asking a registry; --pull with a bad policy is refused', async () => {
  const r = await env.hull(['run', '--rm', '--pull', 'never', 'localhost:1/absent', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /no such image, and the pull policy is "never"/);
  assert.doesNotMatch(r.stderr, /Unable to find image/);
  const bad = await env.hull(['run', '--rm', '--pull', 'sometimes', 'busybox', 'true']);
  assert.match(bad.stderr, /pull policy "sometimes"/);
});

test('a malformed image name fails as such, before any "Unable to find image"', async () => {
  const r = await env.hull(['run', '--rm', 'Bad:Ref:x', 'true']);
  assert.equal(r.code, 125);
  assert.doesNotMatch(r.stderr, /Unable to find image/);
});

test('-v ./dir:/w and -v .:/w bind paths relative to the working directory, as docker 23+ does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-rel-'));
  try {
    writeFileSync(join(dir, 'hello.txt'), 'hi\n');
    assert.equal(await env.ok(['run', '--rm', '-v', '.:/w', 'busybox', 'cat', '/w/hello.txt'], { cwd: dir }), 'hi\n');
    assert.equal(await env.ok(['run', '--rm', '-v', './:/w:ro', 'busybox', 'cat', '/w/hello.txt'], { cwd: dir }), 'hi\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--dns-search and --dns-option reach resolv.conf; bad ones are refused', async () => {
  const conf = await env.ok(['run', '--rm', '--dns-search', 'example.test', '--dns-option', 'ndots:2', 'busybox', 'cat', '/etc/resolv.conf']);
  assert.match(conf, /^search example\.test$/m);
  assert.match(conf, /^options .*ndots:2/m);
  const bad = await env.hull(['run', '--rm', '--dns-search', 'a b', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /--dns-search "a b"/);
});

test('-t sets TERM=xterm when the image does not; exec -t outside a terminal says why it cannot', async () => {
  const out = await env.ok(['run', '--rm', '-t', 'busybox', 'sh', '-c', 'echo "term=$TERM"']);
  assert.match(out, /term=xterm/);
  const id = (await env.ok(['run', '-d', 'busybox', 'sleep', '60'])).trim();
  try {
    const noTerminal = await env.hull(['exec', '-t', id, 'sh', '-c', 'echo "term=$TERM"']);
    assert.equal(noTerminal.code, 125);
    assert.match(noTerminal.stderr, /not running in a terminal/);
    assert.doesNotMatch(noTerminal.stderr, /level=error/);
    assert.match(await env.ok(['exec', id, 'sh', '-c', 'echo "term=${TERM:-none}"']), /term=none/);
  } finally {
    await env.hull(['rm', '-f', id]);
  }
});

test('top with BSD-style options lists only the container\'s processes', async () => {
  const id = (await env.ok(['run', '-d', 'busybox', 'sleep', '61'])).trim();
  try {
    const out = await env.ok(['top', id, 'aux']);
    const rows = out.trim().split('\n').slice(1);
    assert.equal(rows.length, 1, out);
    assert.match(rows[0] as string, /sleep 61/);
    assert.match(out.split('\n')[0] as string, /PID/);
  } finally {
    await env.hull(['rm', '-f', id]);
  }
});

test('ps shows published ports in the PORTS column and {{.Ports}}', async () => {
  const id = (await env.ok(['run', '-d', '-p', '127.0.0.1::80', 'busybox', 'sleep', '62'])).trim();
  try {
    const port = (await env.ok(['port', id, '80'])).trim();
    const ports = (await env.ok(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}'])).trim();
    assert.equal(ports, `${port}->80/tcp`);
    assert.match(await env.ok(['ps']), new RegExp(`${port.replace(/\./g, '\\.')}->80/tcp`));
  } finally {
    await env.hull(['rm', '-f', id]);
  }
});
