/** hull build end to end: what a user checks after building on a busybox base. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

let contexts = 0;
/** A fresh context directory with these files (a trailing / makes a directory). */
function context(files: Record<string, string>): string {
  const dir = join(env.dir, `ctx-${++contexts}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(name.endsWith('/') ? p : dirname(p), { recursive: true });
    if (!name.endsWith('/')) writeFileSync(p, text);
  }
  return dir;
}

interface ImageJson {
  Id: string;
  Author: string;
  Config: Record<string, unknown>;
  RootFS: { Layers: string[] };
  History: Array<{ created_by?: string; empty_layer?: boolean }>;
}

async function inspect(name: string): Promise<ImageJson> {
  return (JSON.parse(await env.ok(['inspect', '--type', 'image', name])) as ImageJson[])[0] as ImageJson;
}

const run = (image: string, script: string) => env.ok(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', image, '-c', script]);

test('a single-stage build: the config docker build gives, files with their owners and modes, history', async () => {
  const dir = context({
    'Containerfile': [
      'FROM busybox',
      'ARG VERSION=1.0',
      'ENV APP_HOME=/srv/app GREETING="hello world"',
      'LABEL org.example.version=$VERSION maintainer.team=core',
      'WORKDIR $APP_HOME',
      'COPY --chown=tester:staff --chmod=640 config.txt conf/',
      'COPY src/ ./src/',
      'RUN echo "built $VERSION" > built.txt && mkdir -p /data && echo $GREETING > /data/greeting',
      'USER tester',
      'EXPOSE 8080 53/udp',
      'VOLUME /data',
      'STOPSIGNAL SIGINT',
      'HEALTHCHECK --interval=5s --retries=3 CMD wget -q -O- http://localhost:8080/ || exit 1',
      'SHELL ["/bin/sh", "-ec"]',
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD cat built.txt',
      'ONBUILD RUN echo child',
      '',
    ].join('\n'),
    'config.txt': 'key=value\n',
    'src/main.sh': 'echo main\n',
    'src/lib/util.sh': 'echo util\n',
  });
  const out = await env.ok(['build', '-t', 'single:1', dir]);
  assert.match(out, /^STEP 1\/17: FROM busybox$/m);
  assert.match(out, /^STEP 8\/17: RUN echo "built \$VERSION"/m);
  const id = out.trim().split('\n').at(-1) as string;
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  const image = await inspect('single:1');
  assert.equal(image.Id, id);
  const c = image.Config;
  assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_HOME=/srv/app', 'GREETING=hello world']);
  assert.equal(c.WorkingDir, '/srv/app');
  assert.equal(c.User, 'tester');
  assert.deepEqual(c.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.deepEqual(c.Labels, { 'org.example.version': '1.0', 'maintainer.team': 'core' });
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q -O- http://localhost:8080/ || exit 1'], Interval: 5e9, Retries: 3 });
  assert.deepEqual(c.Shell, ['/bin/sh', '-ec']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c']);
  // The shell form wraps the SHELL in force at that point.
  assert.deepEqual(c.Cmd, ['/bin/sh', '-ec', 'cat built.txt']);
  assert.deepEqual(c.OnBuild, ['RUN echo child']);
  // Three layer steps on the one-layer base; every config step is an empty_layer entry.
  assert.equal(image.RootFS.Layers.length, 4);
  const history = image.History.slice(1);
  assert.equal(history.length, 16);
  assert.deepEqual(history.map((h) => h.empty_layer === true), [true, true, true, true, false, false, false, true, true, true, true, true, true, true, true, true]);
  assert.equal(history[6]?.created_by, '|1 VERSION=1.0 /bin/sh -c echo "built $VERSION" > built.txt && mkdir -p /data && echo $GREETING > /data/greeting');
  assert.match(history[1]?.created_by ?? '', /^\/bin\/sh -c #\(nop\) ENV APP_HOME=\/srv\/app/);
  assert.match(history[4]?.created_by ?? '', /^\/bin\/sh -c #\(nop\) COPY file:[a-f0-9]{64} in conf\/ $/);

  // ENTRYPOINT ["/bin/sh", "-c"] with that CMD runs `/bin/sh -c /bin/sh -ec "cat built.txt"`, as docker would.
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'single:1', 'cat built.txt']), 'built 1.0\n');
  const listing = await run('single:1', 'cd /srv/app && stat -c "%n %u:%g %a" conf conf/config.txt src src/main.sh src/lib/util.sh built.txt && cat conf/config.txt /data/greeting && id -un');
  assert.equal(listing, ['conf 1000:50 755', 'conf/config.txt 1000:50 640', 'src 0:0 755', 'src/main.sh 0:0 644', 'src/lib/util.sh 0:0 644', 'built.txt 0:0 644', 'key=value', 'hello world', 'tester', ''].join('\n'));
});

test('multi-stage: COPY --from a stage, only the stages the target needs are built, --target', async () => {
  const dir = context({
    'Containerfile': [
      'ARG BASE=busybox',
      'FROM $BASE AS builder',
      'RUN mkdir /out && echo compiled > /out/app && chown 1000:50 /out/app && chmod 750 /out/app',
      'FROM busybox AS unused',
      'RUN echo THIS-STAGE-RAN',
      'FROM builder AS tested',
      'RUN echo tested > /out/tested',
      'FROM busybox',
      'COPY --from=builder /out/app /usr/local/bin/',
      'COPY --from=0 /out /copied',
      'CMD ["cat", "/usr/local/bin/app"]',
      '',
    ].join('\n'),
  });
  const out = await env.ok(['build', '-t', 'multi:final', dir]);
  assert.doesNotMatch(out, /THIS-STAGE-RAN|RUN echo tested/, 'stages the target does not need are skipped');
  assert.match(out, /^STEP 1\/6: FROM \$BASE AS builder$/m);
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'multi:final']), 'compiled\n');
  assert.equal(await run('multi:final', 'stat -c "%u:%g %a" /usr/local/bin/app /copied/app; ls /copied'), '1000:50 750\n1000:50 750\napp\n', '--from keeps owners and modes');
  const final = await inspect('multi:final');
  assert.equal(final.RootFS.Layers.length, 3, 'the builder stage layers are not in the final image');

  const targeted = await env.ok(['build', '--target', 'tested', '-t', 'multi:tested', dir]);
  assert.match(targeted, /RUN echo tested/);
  assert.doesNotMatch(targeted, /THIS-STAGE-RAN|COPY --from/);
  assert.equal(await run('multi:tested', 'cat /out/tested /out/app'), 'tested\ncompiled\n');

  const missing = await env.hull(['build', '--target', 'nosuch', dir]);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /Cannot build target "nosuch"/);
});

test('.dockerignore: ignored files are not in the context, exceptions put files back', async () => {
  const dir = context({
    'Containerfile': 'FROM busybox\nCOPY . /ctx/\n',
    '.dockerignore': '*.log\nsecrets/\nbuild\n!build/keep.txt\n',
    'app.txt': 'app\n',
    'debug.log': 'noise\n',
    'secrets/key': 'k\n',
    'build/out.o': 'o\n',
    'build/keep.txt': 'keep\n',
    'sub/nested.log': 'nested\n',
  });
  await env.ok(['build', '-t', 'ignored', dir]);
  const files = (await run('ignored', 'cd /ctx && find . -type f | sort')).trim().split('\n');
  assert.deepEqual(files, ['./.dockerignore', './Containerfile', './app.txt', './build/keep.txt', './sub/nested.log']);

  writeFileSync(join(dir, 'Containerfile'), 'FROM busybox\nCOPY debug.log /\n');
  const r = await env.hull(['build', dir]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Cannot copy "debug.log": no such file or directory in the build context/);
});

test('the cache: a rebuild reuses every step and gives the same image; one changed file reruns only its step and those after', async () => {
  const dir = context({
    'Containerfile': ['FROM busybox', 'RUN echo first-run >> /runs', 'COPY a.txt /a.txt', 'COPY b.txt /b.txt', 'RUN echo second-run >> /runs', 'ENV DONE=1', ''].join('\n'),
    'a.txt': 'a\n',
    'b.txt': 'b\n',
  });
  const first = await env.ok(['build', '-t', 'cached', dir]);
  assert.doesNotMatch(first, /Using cache/);
  const second = await env.ok(['build', '-t', 'cached', dir]);
  assert.equal(second.match(/--> Using cache/g)?.length, 5, 'every step after FROM comes from the cache');
  assert.equal(second.trim().split('\n').at(-1), first.trim().split('\n').at(-1), 'the same image ID');

  writeFileSync(join(dir, 'b.txt'), 'b changed\n');
  const third = await env.ok(['build', '-t', 'cached', dir]);
  const steps = third.split(/^STEP /m).slice(1);
  const cachedSteps = steps.filter((s) => s.includes('--> Using cache')).map((s) => s.split(':')[0]);
  assert.deepEqual(cachedSteps, ['2/6', '3/6'], 'the RUN and COPY before the changed file are cached; COPY b.txt and what follows are not');
  assert.equal(await run('cached', 'cat /b.txt /runs'), 'b changed\nfirst-run\nsecond-run\n');

  // A mode change is a change too.
  chmodSync(join(dir, 'a.txt'), 0o600);
  const fourth = await env.ok(['build', '-t', 'cached', dir]);
  assert.equal(fourth.match(/--> Using cache/g)?.length, 1);

  const noCache = await env.ok(['build', '--no-cache', '-t', 'cached', dir]);
  assert.doesNotMatch(noCache, /Using cache/);

  // builder prune empties the cache; the tagged image stays.
  const pruned = await env.ok(['builder', 'prune', '-f']);
  assert.match(pruned, /Total reclaimed space/);
  assert.equal(await run('cached', 'cat /a.txt'), 'a\n');
  const afterPrune = await env.ok(['build', '-t', 'cached', dir]);
  assert.doesNotMatch(afterPrune, /Using cache/);
});

test('the cache: RUN --mount=type=bind reruns when the bound context files or the stage named by from= change', async () => {
  const dir = context({
    'Containerfile': [
      'FROM busybox AS tool',
      'COPY tool.txt /tool.txt',
      'FROM busybox',
      'RUN --mount=type=bind,source=conf,target=/conf cat /conf/a > /from-context',
      'RUN --mount=type=bind,from=tool,source=/tool.txt,target=/t cat /t > /from-stage',
      '',
    ].join('\n'),
    'conf/a': 'v1\n',
    'tool.txt': 't1\n',
  });
  const build = async () => env.ok(['build', '--network', 'none', '-t', 'bound', dir]);
  const cachedRuns = (out: string) => out.split(/^STEP /m).filter((s) => s.startsWith('4/5') || s.startsWith('5/5')).map((s) => s.includes('--> Using cache'));
  await build();
  assert.deepEqual(cachedRuns(await build()), [true, true]);
  writeFileSync(join(dir, 'conf/a'), 'v2\n');
  assert.deepEqual(cachedRuns(await build()), [false, false], 'the context file changed: the step and the one after it run');
  writeFileSync(join(dir, 'tool.txt'), 't2\n');
  assert.deepEqual(cachedRuns(await build()), [true, false], 'the stage changed: only the step that mounts it runs');
  assert.equal(await run('bound', 'cat /from-context /from-stage'), 'v2\nt2\n');
});

test('a RUN failure names the step and the exit status, and leaves no image', async () => {
  const dir = context({ 'Containerfile': 'FROM busybox\nRUN echo before-failure\nRUN echo failing-now >&2; exit 3\nRUN echo never\n' });
  const before = (await env.ok(['images', '-q', '--no-trunc'])).trim().split('\n').sort();
  const r = await env.hull(['build', '-t', 'broken:1', dir]);
  assert.equal(r.code, 125);
  assert.match(r.stdout, /STEP 3\/4: RUN echo failing-now/);
  assert.doesNotMatch(r.stdout, /echo never|^never$/m);
  assert.match(r.stderr, /failing-now/);
  assert.match(r.stderr, /Error: Cannot build at STEP 3 "RUN echo failing-now >&2; exit 3" \(.*Containerfile:3\): exit status 3/);
  assert.match(r.stderr, /hint: /);
  assert.notEqual((await env.hull(['inspect', '--type', 'image', 'broken:1'])).code, 0);
  assert.deepEqual((await env.ok(['images', '-q', '--no-trunc'])).trim().split('\n').sort(), before);
  const mounts = spawnSync('grep', ['-c', env.dir, '/proc/self/mountinfo'], { encoding: 'utf8' }).stdout.trim();
  assert.equal(mounts, '0', 'nothing stays mounted');
});

test('ADD extracts a local tar, heredocs, build args, secrets, ONBUILD triggers in a child build', async () => {
  const dir = context({ 'payload/dir/file.txt': 'from tar\n', 'token.txt': 's3cret\n' });
  spawnSync('tar', ['-czf', join(dir, 'payload.tar.gz'), '-C', join(dir, 'payload'), '.']);
  writeFileSync(join(dir, 'Containerfile'), [
    'FROM busybox',
    'ARG WHO',
    'ADD payload.tar.gz /opt/',
    'COPY <<EOF /etc/motd',
    'welcome $WHO',
    'EOF',
    'RUN <<EOF',
    'echo "heredoc for $WHO" > /heredoc.txt',
    'EOF',
    'RUN <<EOF',
    '#!/bin/sh -e',
    'echo "script with its own interpreter line" > /shebang.txt',
    'EOF',
    'RUN --mount=type=secret,id=token cat /run/secrets/token > /seen-secret',
    'ONBUILD RUN echo triggered > /trigger.txt',
    '',
  ].join('\n'));
  await env.ok(['build', '--build-arg', 'WHO=tester', '--secret', `id=token,src=${join(dir, 'token.txt')}`, '-t', 'features', dir]);
  assert.equal(await run('features', 'cat /opt/dir/file.txt /etc/motd /heredoc.txt /shebang.txt /seen-secret'), 'from tar\nwelcome tester\nheredoc for tester\nscript with its own interpreter line\ns3cret\n');
  // The secret's mount point and the script's are not left in the image.
  assert.equal(await run('features', 'ls -a / | grep -c -e "^run$" -e hull-heredoc || true'), '0\n');

  const child = context({ 'Containerfile': 'FROM features\nRUN cat /trigger.txt\n' });
  const out = await env.ok(['build', '-t', 'child', child]);
  assert.match(out, /^triggered$/m);
  assert.equal((await inspect('child')).Config.OnBuild ?? null, null, 'triggers are not inherited further');
});

test('platform args: TARGETARCH and friends without --build-arg, in FROM lines and after ARG in a stage', async () => {
  const { hostPlatform } = await import('../../src/oci/platform.js');
  const arch = hostPlatform().architecture;
  const dir = context({ 'Containerfile': 'FROM --platform=$BUILDPLATFORM busybox\nARG TARGETARCH TARGETPLATFORM\nRUN echo "$TARGETARCH $TARGETPLATFORM [$BUILDARCH]" > /arch\n' });
  await env.ok(['build', '--network', 'none', '-t', 'arch', dir]);
  assert.equal(await run('arch', 'cat /arch'), `${arch} linux/${arch} []\n`, 'BUILDARCH was not declared in the stage');
  await env.ok(['build', '--network', 'none', '--build-arg', 'TARGETARCH=given', '-t', 'arch', dir]);
  assert.equal(await run('arch', 'cat /arch'), `given linux/${arch} []\n`, 'a --build-arg wins');
});

test('-f, --label, --iidfile and --quiet', async () => {
  const dir = context({ 'build/app.Containerfile': 'FROM busybox\nLABEL a=1\n' });
  const iid = join(env.dir, 'iid');
  const out = await env.ok(['build', '-q', '-f', join(dir, 'build/app.Containerfile'), '--label', 'b=2', '--iidfile', iid, '-t', 'labelled', dir]);
  const id = out.trim();
  assert.match(id, /^sha256:[a-f0-9]{64}$/, 'only the ID is printed');
  assert.equal(spawnSync('cat', [iid], { encoding: 'utf8' }).stdout, id);
  assert.deepEqual((await inspect('labelled')).Config.Labels, { a: '1', b: '2' });
});

test('output: podman\'s lines in a pipe; on a terminal one line per step with CACHED or its time; --quiet shows a failed step\'s output; a closed stdout does not stop the build', async () => {
  const { HULL_BIN } = await import('../../src/testing/hull-cli.js');
  const dir = context({ 'Containerfile': 'FROM busybox\nRUN printf no-newline\nRUN echo to-stderr >&2\nENV A=1\n' });
  const plain = await env.hull(['build', '--network', 'none', '-t', 'shown', dir]);
  assert.equal(plain.code, 0);
  assert.ok(!plain.stdout.includes('\x1b'), 'no escape sequences in a pipe');
  // Output without a final newline is ended, so the state line starts a line of its own.
  assert.match(plain.stdout, /^STEP 2\/4: RUN printf no-newline\nno-newline\n--> [a-f0-9]{12}\n/m);
  assert.match(plain.stderr, /^to-stderr$/m);

  // `script` gives hull a terminal; the rebuild's steps come from the cache.
  const hull = `${HULL_BIN} --root ${env.root} --runroot ${env.runroot}`;
  const onTerminal = (command: string, extraEnv: NodeJS.ProcessEnv = {}) =>
    spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, ...extraEnv } }).stdout.replace(/\r\n/g, '\n');
  // Escape sequences shown as <ESC> (bold step, dim time, cyan CACHED).
  const styled = onTerminal(`${hull} build --network none -t shown ${dir}`, { NO_COLOR: '', TERM: 'xterm' }).split('\x1b').join('<ESC>');
  assert.match(styled, /^<ESC>\[1mSTEP 1\/4:<ESC>\[22m FROM busybox <ESC>\[2m\d+\.\ds<ESC>\[22m$/m);
  assert.match(styled, /^<ESC>\[1mSTEP 2\/4:<ESC>\[22m RUN printf no-newline <ESC>\[36mCACHED<ESC>\[39m$/m);
  const cached = onTerminal(`${hull} build --network none -t shown ${dir}`, { NO_COLOR: '1' }).trim().split('\n');
  assert.match(cached[0] ?? '', /^STEP 1\/4: FROM busybox \d+\.\ds$/);
  assert.deepEqual(cached.slice(1, -1), ['STEP 2/4: RUN printf no-newline CACHED', 'STEP 3/4: RUN echo to-stderr >&2 CACHED', 'STEP 4/4: ENV A=1 CACHED', 'Successfully tagged shown:latest']);
  assert.match(cached.at(-1) ?? '', /^sha256:[a-f0-9]{64}$/);
  // A step that runs: its line, its output, then how long it took.
  const ran = onTerminal(`${hull} build --no-cache --network none ${dir}`, { NO_COLOR: '1' });
  assert.match(ran, /^STEP 2\/4: RUN printf no-newline\nno-newline\n--> done in \d+\.\ds\nSTEP 3\/4: RUN echo to-stderr >&2\nto-stderr\n--> done in \d+\.\ds\nSTEP 4\/4: ENV A=1 \d+\.\ds$/m);

  // --quiet: only the ID; when a step fails, that step's output (not the earlier ones') before the error.
  writeFileSync(join(dir, 'Containerfile'), 'FROM busybox\nRUN echo earlier-step\nRUN echo failing-output; exit 5\n');
  const quiet = await env.hull(['build', '-q', '--network', 'none', dir]);
  assert.equal(quiet.code, 125);
  assert.equal(quiet.stdout, '');
  assert.match(quiet.stderr, /^failing-output\nError: Cannot build at STEP 3 /);

  // `| head -1` closes stdout after the first line: the build still finishes and tags its image.
  writeFileSync(join(dir, 'Containerfile'), 'FROM busybox\nRUN for i in $(seq 1 2000); do echo line $i; done\nENV B=2\n');
  const piped = spawnSync('bash', ['-c', `set -o pipefail; ${hull} build --network none -t piped ${dir} | head -1`], { encoding: 'utf8' });
  assert.equal(piped.stdout, 'STEP 1/3: FROM busybox\n');
  assert.equal(piped.status, 0, piped.stderr);
  assert.deepEqual((await inspect('piped')).Config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'B=2']);
});

test('SIGINT stops a build: the running step is killed, the error says cancelled, nothing stays mounted', async () => {
  const { spawn } = await import('node:child_process');
  const { HULL_BIN } = await import('../../src/testing/hull-cli.js');
  const dir = context({ 'Containerfile': 'FROM busybox\nRUN echo started; sleep 30\nRUN echo never\n' });
  const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'build', '--network', 'none', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (/^started$/m.test(stdout)) child.kill('SIGINT');
    });
    child.on('close', resolve);
  });
  assert.equal(code, 125);
  assert.doesNotMatch(stdout, /never/);
  assert.match(stderr, /Error: Cannot build at STEP 2 "RUN echo started; sleep 30" \(.*Containerfile:2\): cancelled/);
  assert.equal(spawnSync('grep', ['-c', env.dir, '/proc/self/mountinfo'], { encoding: 'utf8' }).stdout.trim(), '0');
});

test('SIGKILL during a build at several points leaves no image and a usable store; the next build cleans up and succeeds', async () => {
  const { spawn } = await import('node:child_process');
  const { HULL_BIN } = await import('../../src/testing/hull-cli.js');
  const dir = context({
    'Containerfile': ['FROM busybox', 'COPY data /data', 'RUN for i in $(seq 1 20); do head -c 200000 /dev/urandom > /data/r$i; done', 'RUN sleep 1 && echo slow > /slow', 'CMD ["cat", "/slow"]', ''].join('\n'),
    'data/a': 'a\n',
  });
  for (const delay of [150, 400, 900, 1600]) {
    // --no-cache: every attempt does the work again, so each kill lands mid-build.
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'build', '--no-cache', '--network', 'none', '-t', `crash:${delay}`, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise((r) => child.on('close', r));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await closed;
    assert.equal(stderr, '', 'the build had not failed on its own');
    const names = (await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n');
    // Either the build finished before the kill (a whole image) or nothing of it is listed.
    for (const name of names.filter((n) => n === `crash:${delay}`)) assert.equal(await env.ok(['run', '--rm', '--network', 'none', name]), 'slow\n');
  }
  await env.ok(['build', '--network', 'none', '-t', 'crash:final', dir]);
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'crash:final']), 'slow\n');
  assert.equal(await run('crash:final', 'ls /data | wc -l'), '21\n');
  // The builds killed before left nothing mounted, no step running, no build directory.
  const mounts = spawnSync('grep', ['-c', join(env.runroot, 'build'), '/proc/self/mountinfo'], { encoding: 'utf8' }).stdout.trim();
  assert.equal(mounts, '0');
  assert.deepEqual(spawnSync('ls', [join(env.runroot, 'build')], { encoding: 'utf8' }).stdout, '');
});
