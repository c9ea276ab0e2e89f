/**
 * POST /build through the docker CLI's classic builder (build args, .dockerignore, tags, cache),
 * and hostile contexts sent straight to the socket: entries with `..`, absolute paths, a symlink
 * out and a dockerfile path out of the context are refused or contained, and write nothing outside.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { runProcess, startApiService, type ApiService } from '../../src/testing/api-service.js';

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

test('docker build: build args, .dockerignore, tags; the image runs; a rebuild uses the cache', async () => {
  const ctx = join(env.dir, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nARG V=1\nCOPY . /src/\nRUN echo built-$V > /b.txt\nCMD ["sh", "-c", "cat /b.txt; ls /src"]\n');
  writeFileSync(join(ctx, 'kept.txt'), 'kept\n');
  writeFileSync(join(ctx, 'secret.txt'), 'secret\n');
  writeFileSync(join(ctx, '.dockerignore'), 'secret.txt\n');
  const out = await api.dockerOk(['build', '--build-arg', 'V=7', '-t', 'built:1', '-t', 'built:also', ctx]);
  assert.match(out, /Step 4\/5 : RUN echo built-\$V > \/b\.txt/);
  assert.match(out, /Successfully built [a-f0-9]{12}/);
  assert.match(out, /Successfully tagged built:also/);
  const ran = await api.dockerOk(['run', '--rm', 'built:1']);
  assert.match(ran, /^built-7\n/);
  assert.match(ran, /kept\.txt/);
  assert.doesNotMatch(ran, /secret\.txt/);
  assert.match(await api.dockerOk(['build', '--build-arg', 'V=7', '-t', 'built:1', ctx]), /Using cache/);
  assert.match(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), /built:also/);
  const failing = await api.docker(['build', '-t', 'broken:1', '-f', join(ctx, 'Broken'), ctx], { env: {} });
  assert.equal(failing.code, 1);
});

test('docker build - < context.tar.bz2 / .tar.xz: the CLI sends the compressed archive as it is; a truncated one is refused', async () => {
  const ctx = join(env.dir, 'ctx-compressed');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY hello.txt /\nCMD ["cat", "/hello.txt"]\n');
  writeFileSync(join(ctx, 'hello.txt'), 'from a compressed context\n');
  const tar = join(env.dir, 'ctx-compressed.tar');
  await runProcess(['tar', '-C', ctx, '-cf', tar, '.']);
  for (const [tool, ext] of [['bzip2', 'bz2'], ['xz', 'xz']] as const) {
    await runProcess([tool, '-kf', tar]);
    const archive = readFileSync(`${tar}.${ext}`);
    const out = await api.dockerOk(['build', '-t', `compressed-${ext}:1`, '-'], { input: archive });
    assert.match(out, /Successfully tagged/, tool);
    assert.equal(await api.dockerOk(['run', '--rm', `compressed-${ext}:1`]), 'from a compressed context\n', tool);
    const truncated = await api.docker(['build', '-'], { input: archive.subarray(0, archive.length - 40) });
    assert.notEqual(truncated.code, 0, tool);
    assert.match(truncated.stderr + truncated.stdout, new RegExp(`the ${tool} data is corrupt or truncated`), tool);
  }
});

/** A tar made by Python's tarfile, which writes whatever names it is given. */
async function hostileTar(name: string, script: string): Promise<string> {
  const file = join(env.dir, `${name}.tar`);
  const r = await runProcess(['/usr/bin/python3', '-c', `import tarfile, io\nt = tarfile.open(${JSON.stringify(file)}, 'w')\ndef add(n, data=b'x', kind=tarfile.REGTYPE, link=''):\n    i = tarfile.TarInfo(n); i.type = kind; i.linkname = link; i.size = len(data) if kind == tarfile.REGTYPE else 0\n    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)\nadd('Dockerfile', b'FROM busybox\\nCOPY . /x/\\n')\n${script}\nt.close()\n`]);
  assert.equal(r.code, 0, r.stderr);
  return file;
}

async function postBuild(tar: string, query = ''): Promise<string> {
  const r = await runProcess(['curl', '-sS', '--unix-socket', api.socket, '-X', 'POST', '-H', 'Content-Type: application/x-tar', '--data-binary', `@${tar}`, `http://x/v1.47/build?t=hostile:1${query}`]);
  return r.stdout;
}

test('hostile build contexts are refused or contained and write nothing outside', async () => {
  const victim = join(env.dir, 'victim');
  const cases: Array<[string, string, RegExp]> = [
    ['dotdot', `add('../../victim-dotdot')`, /errorDetail/],
    ['absolute', `add(${JSON.stringify(join(env.dir, 'victim-abs'))})`, /errorDetail|Successfully built/],
    ['symlink-out', `add('link', kind=tarfile.SYMTYPE, link=${JSON.stringify(env.dir)})\nadd('link/victim-link')`, /errorDetail|Successfully built/],
  ];
  for (const [name, script, expected] of cases) {
    const out = await postBuild(await hostileTar(name, script));
    assert.match(out, expected, `${name}: ${out}`);
  }
  for (const f of ['victim-dotdot', 'victim-abs', 'victim-link']) assert.ok(!existsSync(join(env.dir, f)), `${f} was not written outside the context`);
  assert.ok(!existsSync(victim));
  const escape = await postBuild(await hostileTar('plain', ''), '&dockerfile=../../etc/passwd');
  assert.match(escape, /must be a path inside the build context/);
  const linked = await postBuild(await hostileTar('linked', `add('Evil', kind=tarfile.SYMTYPE, link='/etc/shadow')`), '&dockerfile=Evil');
  assert.match(linked, /leaves the build context/);
});

test('docker builder prune and docker system prune empty the build cache (POST /build/prune); limits are refused', async () => {
  const ctx = join(env.dir, 'ctx-prune');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo cached > /c.txt\n');
  await api.dockerOk(['build', '-t', 'prunable:1', ctx]);
  assert.match(await api.dockerOk(['build', '-t', 'prunable:1', ctx]), /Using cache/);
  assert.match(await api.dockerOk(['builder', 'prune', '-f']), /Total reclaimed space/);
  assert.doesNotMatch(await api.dockerOk(['build', '-t', 'prunable:1', ctx]), /Using cache/, 'the cache is gone');
  const system = await api.docker(['system', 'prune', '-f']);
  assert.equal(system.code, 0, system.stderr);
  const keep = await api.docker(['builder', 'prune', '-f', '--keep-storage', '1g']);
  assert.notEqual(keep.code, 0);
  assert.match(keep.stderr, /hull empties the whole build cache/);
});
