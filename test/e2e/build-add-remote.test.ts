/**
 * ADD of URLs and git repositories in `hull build`, from a static server on loopback (git's dumb
 * HTTP protocol for the repository): a download keeps its name, is never unpacked, gets mode 0600
 * and the server's Last-Modified; --checksum is checked; a repository's files land in the
 * destination (`#REF:DIR`), with `.git` only under --keep-git-dir; an unchanged download hits the
 * cache on a rebuild; mixing URLs and context files in one ADD is refused with a message.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { runProcess } from '../../src/testing/api-service.js';
import { serveDirectory, STATIC_LAST_MODIFIED } from '../../src/testing/static-server.js';

let env: HullEnv;
let web: Awaited<ReturnType<typeof serveDirectory>>;

async function sh(argv: string[], cwd?: string): Promise<void> {
  const r = await runProcess(argv, cwd ? { cwd } : {});
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

before(async () => {
  env = await hullWithBusybox();
  const www = join(env.dir, 'www');
  mkdirSync(join(www, 'pkg'), { recursive: true });
  writeFileSync(join(www, 'tool.txt'), 'a downloaded tool\n');
  writeFileSync(join(www, 'pkg', 'inside.txt'), 'inside\n');
  await sh(['tar', '-C', join(www, 'pkg'), '-czf', join(www, 'pkg.tar.gz'), '.']);
  const repo = join(env.dir, 'repo');
  mkdirSync(join(repo, 'app'), { recursive: true });
  writeFileSync(join(repo, 'app', 'msg.txt'), 'from the repository\n');
  writeFileSync(join(repo, 'README'), 'top\n');
  const git = (...args: string[]) => sh(['git', '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], repo);
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('commit', '-q', '-m', 'one');
  await git('update-server-info');
  await sh(['cp', '-a', join(repo, '.git'), join(www, 'repo.git')]);
  web = await serveDirectory(www);
});
after(async () => {
  await web?.close();
  await env.cleanup();
});

function context(name: string, containerfile: string): string {
  const dir = join(env.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Containerfile'), containerfile);
  writeFileSync(join(dir, 'local.txt'), 'local\n');
  return dir;
}

test('ADD URL downloads (named, not unpacked, 0600, Last-Modified, --checksum) and ADD GIT-URL copies the repository', async () => {
  const sum = createHash('sha256').update(readFileSync(join(env.dir, 'www', 'tool.txt'))).digest('hex');
  const ctx = context('ctx-add', [
    'FROM busybox',
    `ADD ${web.base}/tool.txt /opt/`,
    `ADD ${web.base}/pkg.tar.gz /opt/pkg.tar.gz`,
    `ADD --checksum=sha256:${sum} ${web.base}/tool.txt /opt/checked.txt`,
    `ADD ${web.base}/repo.git#main:app /src/`,
    `ADD --keep-git-dir=true ${web.base}/repo.git /full/`,
    '',
  ].join('\n'));
  const first = await env.ok(['build', '-t', 'added:1', ctx]);
  assert.doesNotMatch(first, /Using cache/);
  const out = await env.ok(['run', '--rm', '--network', 'none', 'added:1', 'sh', '-c',
    'cat /opt/tool.txt /opt/checked.txt /src/msg.txt; stat -c "%a %Y" /opt/tool.txt; ls /opt; ls -a /full; test -e /src/.git || echo no-git-in-src']);
  const mtime = Date.parse(STATIC_LAST_MODIFIED) / 1000;
  assert.equal(out, `a downloaded tool\na downloaded tool\nfrom the repository\n600 ${mtime}\nchecked.txt\npkg.tar.gz\ntool.txt\n.\n..\n.git\nREADME\napp\nno-git-in-src\n`);
  const second = await env.ok(['build', '-t', 'added:1', ctx]);
  assert.equal(second.match(/--> Using cache/g)?.length, 5, 'unchanged downloads and repositories hit the cache');
});

test('a wrong --checksum, a URL that names no file, and URLs mixed with context files are refused', async () => {
  const cases: Array<[string, RegExp]> = [
    [`ADD --checksum=sha256:${'0'.repeat(64)} ${web.base}/tool.txt /x`, /its digest is sha256:[a-f0-9]{64}, --checksum expects sha256:0{64}/],
    [`ADD ${web.base}/ /x/`, /its path names no file/],
    [`ADD ${web.base}/tool.txt local.txt /x/`, /URLs and files of the build context in one ADD/],
    [`ADD ${web.base}/missing.txt /x`, /the server answered 404/],
    [`ADD ${web.base}/repo.git#-x /x`, /the git reference "-x" is not a branch, tag or commit name/],
  ];
  for (const [line, message] of cases) {
    const r = await env.hull(['build', context(`ctx-bad-${cases.findIndex((c) => c[0] === line)}`, `FROM busybox\n${line}\n`)]);
    assert.equal(r.code, 125, line);
    assert.match(r.stderr, message, line);
  }
});
