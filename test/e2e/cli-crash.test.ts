/**
 * No command crashes (issue 15, "Crashes and hangs"): every command and group subcommand is run
 * with bad arguments, and with its stdout closed (`| head -0`); none may print a stack trace. Also
 * the specific crashes the issue found: `--root` under /proc, `save -o` into a missing directory,
 * and an env file that would configure hull's own Node process.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands.js';
import { loadCompletionModel } from '../../src/cli/commands/completion.js';
import { HULL_BIN, hullWithBusybox, type HullEnv, type HullResult } from '../../src/testing/hull-cli.js';

const STACK = /^\s+at .+:\d+:\d+\)?$|node:internal|Unhandled 'error' event|^\s+\^$|^\w*Error: .*\n\s+at /m;

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

/** Every way to name a command: `ps`, `image ls`, `volume create`... */
async function allCommands(): Promise<string[][]> {
  const paths = Object.keys(COMMANDS).map((n) => [n]);
  for (const c of await loadCompletionModel()) for (const s of c.subs ?? []) paths.push([c.name, s.name]);
  return paths;
}

/** Runs hull; with `closeStdout` the reading end of its stdout is closed before it writes. */
function run(args: string[], closeStdout: boolean, extraEnv: NodeJS.ProcessEnv = {}): Promise<HullResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, ...args], { env: { ...process.env, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    if (closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    // A hang is a failure too; this bound only ends the test, it measures nothing.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code: code ?? (signal === 'SIGKILL' ? -9 : -1), stdout: out, stderr: err });
    });
    child.stdin.end();
  });
}

function assertNoCrash(args: string[], r: HullResult): void {
  const what = `hull ${args.join(' ')}`;
  assert.doesNotMatch(r.stderr, STACK, `${what} printed a stack trace:\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, STACK, `${what} printed a stack trace on stdout`);
  assert.notEqual(r.code, -9, `${what} hung`);
}

/** Runs `check` on each item, `width` at a time (each is a hull process that mostly starts Node). */
async function eachAtOnce<T>(items: T[], width: number, check: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await check(item);
  }));
}

test('every command and subcommand refuses bad arguments without a stack trace', async () => {
  const cases = (await allCommands()).flatMap((path) => [['--no-such-flag'], ['no\x1bsuch', '--', '-x'], ['-f']].map((bad) => [...path, ...bad]));
  // Three at a time: the store takes concurrent commands (`system prune -f` among them), as it must.
  await eachAtOnce(cases, 3, async (args) => {
    const r = await run(args, false);
    assertNoCrash(args, r);
    // hull's own error lines (run's "Unable to find image" progress line is the command's: see the report).
    const errorLines = r.stderr.split('\n').filter((l) => /^(Error|hint):/.test(l));
    assert.ok(!errorLines.join('\n').includes('\x1b'), `hull ${args.join(' ')}: a control character from the arguments reached the terminal`);
  });
});

test('a closed stdout ends any command quietly', async () => {
  // Made here: the bad-arguments test runs `container prune -f`.
  await env.ok(['run', '--name', 'talker', 'busybox', 'sh', '-c', 'seq 1 200']);
  const paths = await allCommands();
  const cases = [
    ...paths.map((p) => [...p, '--help']),
    ['--help'],
    ['ps', '-a'],
    ['ps', '-a', '--format', '{{.Names}}'],
    ['images'],
    ['images', '--format', 'table {{.Repository}}\t{{.Tag}}'],
    ['logs', 'talker'],
    ['inspect', 'talker'],
    ['history', 'busybox'],
    ['save', 'busybox'],
    ['completion', 'bash'],
    ['run', '--rm', 'busybox', 'seq', '1', '100000'],
  ];
  for (const args of cases) {
    const r = await run(args, true);
    assertNoCrash(args, r);
    assert.equal(r.stderr, '', `hull ${args.join(' ')} was not quiet`);
    // run relays the container's exit (its process wrote to the closed pipe itself).
    if (args[0] !== 'run') assert.ok(r.code === 0 || r.code === 141, `hull ${args.join(' ')} exited ${r.code}`);
  }
});

test('--root where no directory can be made fails with a clear error instead of spinning', async () => {
  const r = await run(['--root', '/proc/sdx', 'ps'], false);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /Cannot create directory "\/proc\/sdx": the file system there does not allow it/);
});

test('save -o into a missing directory is a clear error', async () => {
  const r = await run(['save', '-o', '/nonexistent/x.tar', 'busybox'], false);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /Cannot save to "\/nonexistent\/x.tar": no directory "\/nonexistent"/);
});

test("--env-file never configures hull's own Node process", async () => {
  const file = join(env.dir, 'evil.env');
  writeFileSync(file, 'NODE_OPTIONS=--require /nonexistent/preload.js\nGREETING=hi\n');
  const r = await run(['run', '--rm', '--env-file', file, 'busybox', 'sh', '-c', 'echo "$GREETING $NODE_OPTIONS"'], false);
  assertNoCrash(['run', '--env-file', file], r);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi --require /nonexistent/preload.js\n', 'the container gets the variables; hull does not');
  const missing = await run(['--root', env.root, 'run', '--rm', '--env-file', '/nonexistent/env', 'busybox', 'true'], false);
  assertNoCrash(['run', '--env-file', '/nonexistent/env'], missing);
  assert.equal(missing.code, 125);
  assert.doesNotMatch(missing.stderr, /^node:/m, 'node itself must not read the file');
  assert.match(missing.stderr, /\/nonexistent\/env/);
});
