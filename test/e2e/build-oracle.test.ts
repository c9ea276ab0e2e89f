/**
 * buildah as the oracle: the same Containerfiles built by `buildah bud` (Debian's buildah, with a
 * private --root/--runroot and the vfs driver, the busybox base handed over with `hull save`) must
 * give the same config fields and the same file tree (names, types, modes, owners, contents, link
 * targets; not mtimes) as `hull build`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readdirSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
let buildahArgs: string[];

function sh(argv: string[], what: string): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

before(async () => {
  env = await hullWithBusybox();
  buildahArgs = ['buildah', '--root', join(env.dir, 'buildah-root'), '--runroot', join(env.dir, 'buildah-run'), '--storage-driver', 'vfs'];
  const archive = join(env.dir, 'busybox-docker.tar');
  await env.ok(['save', '--format', 'docker-archive', '-o', archive, 'busybox']);
  sh([...buildahArgs, 'pull', '-q', `docker-archive:${archive}`], 'buildah pull');
  sh([...buildahArgs, 'tag', 'localhost/busybox:latest', 'docker.io/library/busybox:latest'], 'buildah tag');
});
after(async () => {
  spawnSync('buildah', [...buildahArgs.slice(1), 'rm', '--all']);
  // buildah's vfs layers hold files owned by other users and read-only dirs: its own rmi removes them.
  spawnSync('buildah', [...buildahArgs.slice(1), 'rmi', '--all', '--force']);
  await env.cleanup();
});

/** Every entry under `dir`: path, type, mode, owner, and content hash or link target. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, r));
      const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
      const detail = kind === 'f' ? createHash('sha256').update(readFileSync(join(dir, r))).digest('hex').slice(0, 16) : kind === 'l' ? readlinkSync(join(dir, r)) : '';
      out.push(`${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} /${r} ${detail}`);
      if (kind === 'd') walk(r);
    }
  };
  walk('');
  return out;
}

/** An image's filesystem, through `hull export`, unpacked with owners kept. */
async function exportTree(image: string, name: string): Promise<string[]> {
  await env.ok(['create', '--name', name, '--network', 'none', image, 'true']);
  const tar = join(env.dir, `${name}.tar`);
  await env.ok(['export', '-o', tar, name]);
  const dir = join(env.dir, `${name}-fs`);
  mkdirSync(dir);
  sh(['tar', '--numeric-owner', '-xpf', tar, '-C', dir], 'tar -x');
  return tree(dir);
}

interface ImageJson {
  Config: Record<string, unknown>;
  History: Array<{ created_by?: string; empty_layer?: boolean }>;
  RootFS: { Layers: string[] };
}

async function both(name: string, files: Record<string, string>, setup?: (dir: string) => void): Promise<{ hull: ImageJson; buildah: ImageJson; hullTree: string[]; buildahTree: string[] }> {
  const dir = join(env.dir, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  setup?.(dir);
  await env.ok(['build', '-q', '-t', `hull-${name}`, dir]);
  sh([...buildahArgs, 'bud', '-q', '--layers', '--format', 'docker', '--runtime', 'runc', '--network', 'none', '-t', `buildah-${name}`, dir], 'buildah bud');
  const archive = join(env.dir, `${name}-buildah.tar`);
  sh([...buildahArgs, 'push', '-q', `buildah-${name}`, `docker-archive:${archive}:buildah-${name}:latest`], 'buildah push');
  await env.ok(['load', '-i', archive]);
  const inspect = async (image: string) => (JSON.parse(await env.ok(['inspect', '--type', 'image', image])) as ImageJson[])[0] as ImageJson;
  return { hull: await inspect(`hull-${name}`), buildah: await inspect(`buildah-${name}`), hullTree: await exportTree(`hull-${name}`, `hull-${name}`), buildahTree: await exportTree(`buildah-${name}`, `buildah-${name}`) };
}

const CONFIG_FIELDS = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal', 'Healthcheck', 'OnBuild', 'Shell'];

function configFields(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of CONFIG_FIELDS) {
    let v = c[f];
    if (f === 'Labels' && v && typeof v === 'object') v = Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'io.buildah.version'));
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0)) continue;
    out[f] = v;
  }
  return out;
}

test('a single-stage Containerfile: same config, same history shape, same files as buildah bud', async () => {
  const r = await both('single', {
    'Containerfile': [
      'FROM busybox',
      'ARG VERSION=2.1',
      'ENV APP=/srv/app MODE="production ready"',
      'LABEL org.example.version=$VERSION team=core',
      'WORKDIR $APP',
      'COPY conf/ ./conf/',
      'COPY --chown=tester:staff --chmod=640 secret.txt /etc/app/',
      'COPY tree /opt/tree',
      'ADD bundle.tar /opt/bundle/',
      'RUN mkdir -p /data && echo "$MODE $VERSION" > /data/mode && ln -s /data/mode /srv/app/mode-link && chown -R 1000:50 /data',
      'USER tester',
      'EXPOSE 8080 53/udp',
      'VOLUME ["/data"]',
      'STOPSIGNAL SIGTERM',
      'HEALTHCHECK --interval=10s --timeout=3s --retries=2 CMD wget -q -O- http://localhost:8080/ || exit 1',
      'SHELL ["/bin/sh", "-ec"]',
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["cat /data/mode"]',
      'ONBUILD RUN echo child',
      '',
    ].join('\n'),
    'conf/app.conf': 'listen 8080\n',
    'conf/nested/extra.conf': 'extra\n',
    'secret.txt': 'not really\n',
    'tree/a': 'a\n',
    'tree/sub/b': 'b\n',
    'bundle/x.txt': 'x\n',
  }, (dir) => {
    sh(['tar', '--numeric-owner', '--owner=0', '--group=0', '-cf', join(dir, 'bundle.tar'), '-C', join(dir, 'bundle'), '.'], 'tar -c');
  });
  assert.deepEqual(configFields(r.hull.Config), configFields(r.buildah.Config));
  assert.equal(r.hull.RootFS.Layers.length, r.buildah.RootFS.Layers.length);
  assert.deepEqual(r.hull.History.map((h) => h.empty_layer === true), r.buildah.History.map((h) => h.empty_layer === true));
  // Config-only steps and RUN read the same; COPY/ADD hash their content each in its own way.
  const text = (h: ImageJson['History']) => h.map((e) => (e.created_by ?? '').replace(/(file|dir|multi):[a-f0-9]+/, '$1:HASH'));
  assert.deepEqual(text(r.hull.History), text(r.buildah.History));
  assert.deepEqual(r.hullTree, withoutBuildahStubs(r.buildahTree));
});

/**
 * buildah leaves the mount points its RUN steps needed (an empty /etc/hostname, /run) in the layer;
 * Docker does not, and neither does hull.
 */
function withoutBuildahStubs(tree: string[]): string[] {
  return tree.filter((e) => !/^f 755 0:0 \/etc\/hostname e3b0c44298fc1c14$/.test(e) && e !== 'd 755 0:0 /run ');
}

test('a multi-stage Containerfile with COPY --from: same config and files as buildah bud', async () => {
  const r = await both('multi', {
    'Containerfile': [
      'FROM busybox AS build',
      'WORKDIR /src',
      'COPY main.sh .',
      'RUN mkdir -p /out/bin && cp main.sh /out/bin/app && chmod 755 /out/bin/app && chown 1000:1000 /out/bin/app',
      'FROM busybox AS skipped',
      'RUN echo never > /never',
      'FROM busybox',
      'COPY --from=build /out/ /usr/local/',
      'COPY --from=build /src/main.sh /usr/share/app/',
      'ENTRYPOINT ["/usr/local/bin/app"]',
      '',
    ].join('\n'),
    'main.sh': '#!/bin/sh\necho app\n',
  });
  assert.deepEqual(configFields(r.hull.Config), configFields(r.buildah.Config));
  assert.equal(r.hull.RootFS.Layers.length, r.buildah.RootFS.Layers.length);
  assert.deepEqual(r.hullTree, withoutBuildahStubs(r.buildahTree));
});
