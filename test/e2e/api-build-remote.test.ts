/**
 * Remote build contexts and build credentials: docker-py builds from a git repository (served over
 * git's dumb HTTP protocol on loopback), a tar archive and a lone Dockerfile by URL (`remote=`);
 * `hull build URL` does the same from the CLI; hostile and broken URLs are refused with a message.
 * The docker CLI's classic builder sends X-Registry-Config, and a base image behind htpasswd auth
 * is pulled with it (and `hull build --creds` pulls it too).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { serveDirectory } from '../../src/testing/static-server.js';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { runProcess, startApiService, type ApiService } from '../../src/testing/api-service.js';
import { haveReferenceRegistry, startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';

let env: HullEnv;
let api: ApiService;
let web: Awaited<ReturnType<typeof serveDirectory>>;
let base: string;

async function sh(argv: string[], cwd?: string): Promise<void> {
  const r = await runProcess(argv, cwd ? { cwd } : {});
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

before(async () => {
  env = await hullWithBusybox();
  api = await startApiService(env);
  const www = join(env.dir, 'www');
  // A git repository whose main branch has the context in app/, and a tag whose Dockerfile differs.
  const repo = join(env.dir, 'repo');
  mkdirSync(join(repo, 'app'), { recursive: true });
  writeFileSync(join(repo, 'app', 'Dockerfile'), 'FROM busybox\nCOPY msg.txt /\nCMD ["cat", "/msg.txt"]\n');
  writeFileSync(join(repo, 'app', 'msg.txt'), 'from git main\n');
  const git = (...args: string[]) => sh(['git', '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], repo);
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('commit', '-q', '-m', 'one');
  await git('tag', 'v1');
  writeFileSync(join(repo, 'app', 'msg.txt'), 'from git main, later\n');
  await git('commit', '-q', '-am', 'two');
  await git('update-server-info');
  mkdirSync(www);
  await sh(['cp', '-a', join(repo, '.git'), join(www, 'repo.git')]);
  // A context archive and a Dockerfile alone.
  const ctx = join(env.dir, 'tarctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY hello.txt /\nCMD ["cat", "/hello.txt"]\n');
  writeFileSync(join(ctx, 'hello.txt'), 'from a tarball\n');
  await sh(['tar', '-C', ctx, '-czf', join(www, 'ctx.tar.gz'), '.']);
  writeFileSync(join(www, 'Dockerfile.txt'), 'FROM busybox\nRUN echo from-a-url > /u.txt\nCMD ["cat", "/u.txt"]\n');
  web = await serveDirectory(www);
  base = web.base;
});
after(async () => {
  await web?.close();
  await api.stop();
  await env.cleanup();
});

test('docker-py builds from a git repository (#ref:dir), a tar.gz and a Dockerfile by URL', async () => {
  const r = await api.python(`
for tag, url in [('remote-git:1', '${base}/repo.git#main:app'), ('remote-git:v1', '${base}/repo.git#v1:app'), ('remote-tar:1', '${base}/ctx.tar.gz'), ('remote-file:1', '${base}/Dockerfile.txt')]:
    image, logs = client.images.build(path=url, tag=tag)
    print(tag, client.containers.run(tag, remove=True, network_mode='none').decode().strip())
`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'remote-git:1 from git main, later',
    'remote-git:v1 from git main',
    'remote-tar:1 from a tarball',
    'remote-file:1 from-a-url',
  ]);
  assert.deepEqual(readdirSync(join(env.runroot, 'build-contexts')), [], 'no scratch directory is left');
});

test('hull build URL builds a git repository from the CLI', async () => {
  const out = await env.ok(['build', '-q', '-t', 'cli-git:1', `${base}/repo.git#main:app`]);
  assert.match(out.trim(), /^sha256:[a-f0-9]{64}$/);
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'cli-git:1']), 'from git main, later\n');
});

test('bad remote contexts are refused with a message that names the problem', async () => {
  const cases: Array<[string, RegExp]> = [
    [`${base}/repo.git#--upload-pack=touch /tmp/pwned:app`, /the git reference "--upload-pack=touch \/tmp\/pwned" is not a branch, tag or commit name/],
    [`${base}/repo.git#main:../..`, /must be inside the repository/],
    [`${base}/repo.git#main:nosuch`, /the repository has no directory "nosuch"/],
    [`${base}/repo.git#nosuchbranch`, /Cannot fetch .* at "nosuchbranch"/],
    [`${base}/missing.tar.gz`, /the server answered 404/],
  ];
  for (const [url, message] of cases) {
    const r = await api.python(`
try:
    client.images.build(path=${JSON.stringify(url)}, tag='bad:1')
    print('built')
except (docker.errors.BuildError, docker.errors.APIError) as e:
    print('refused:', e)
`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^refused: /, url);
    assert.match(r.stdout, message, url);
  }
  assert.equal(existsSync('/tmp/pwned'), false);
  // docker-py refuses other schemes itself: straight to the socket, the service answers 400.
  const local = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath: api.socket, method: 'POST', path: `/v1.41/build?remote=${encodeURIComponent('file:///etc')}` }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(local.status, 400);
  assert.match(local.body, /a remote context is an http\(s\) URL or a git repository/);
});

test('the classic builder sends X-Registry-Config: a base image behind htpasswd auth is pulled with it', { skip: haveReferenceRegistry() ? false : 'docker-registry is not installed' }, async () => {
  const reg: ReferenceRegistry = await startReferenceRegistry({ htpasswd: { username: 'builder', password: 'b-s3cret' } });
  try {
    const image = `${reg.host}/private/bb:1`;
    await env.ok(['tag', 'busybox', image]);
    await env.ok(['push', '--creds', 'builder:b-s3cret', image]);
    await env.ok(['rmi', image]);
    const ctx = join(env.dir, 'private-ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${image}\nCMD ["echo", "built on a private base"]\n`);
    // The docker CLI's own login file (DOCKER_CONFIG of the test): it sends every entry as X-Registry-Config.
    const config = join(env.dir, 'docker-config-private');
    mkdirSync(config);
    const anonymous = await api.docker(['build', '-t', 'private-built:1', ctx], { env: { DOCKER_CONFIG: config } });
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr + anonymous.stdout, /401|UNAUTHORIZED|unauthorized/i);
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('builder:b-s3cret').toString('base64') } } }));
    const out = await api.dockerOk(['build', '-t', 'private-built:1', ctx], { env: { DOCKER_CONFIG: config } });
    assert.match(out, /Successfully tagged private-built:1/);
    assert.equal(await api.dockerOk(['run', '--rm', '--network', 'none', 'private-built:1']), 'built on a private base\n');
    // hull build takes podman's --creds for its base images.
    await env.ok(['rmi', 'private-built:1', image]);
    const denied = await env.hull(['build', '--pull', '-t', 'private-cli:1', ctx], { env: { REGISTRY_AUTH_FILE: join(env.dir, 'no-auth.json') } });
    assert.notEqual(denied.code, 0);
    await env.ok(['build', '--creds', 'builder:b-s3cret', '-t', 'private-cli:1', ctx]);
  } finally {
    await reg.close();
  }
});
