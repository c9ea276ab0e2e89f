/**
 * Runs critest (cri-tools' CRI validation suite) against a CRI endpoint, offline (scripts/critest.sh
 * builds critest and calls this):
 *  1. a busybox root filesystem as critest's images expect it: Debian's dynamically linked busybox
 *     with its applets as hard links (busybox-static's shell runs `ls` in-process, which defeats the
 *     masked-paths spec), plus the host's `pgrep` and `ipcs` with their libraries, and the users and
 *     groups the image specs look for (www-data, uid 1000 in group 50000);
 *  2. look-alikes of the images critest hard-codes (registry.k8s.io/e2e-test-images/…,
 *     gcr.io/k8s-staging-cri-tools/…), pushed by hull to a local registry (Debian's docker-registry);
 *  3. the runtime pulls them through a mirror: for the containerd peer its registry mirrors; for
 *     another endpoint the printed mirror table is what its configuration must say;
 *  4. critest runs (default focus: the [Conformance] specs), its JUnit report kept.
 * What cannot be imitated: the image pinned by digest (test-image-digest@sha256:9700…) and
 * nonewprivs (a purpose-built binary); those specs fail on every runtime run this way.
 *
 *   node dist/bench/tools/critest-run.js --tools DIR (--endpoint unix:///x.sock | --containerd | --hull) [-- critest flags]
 *
 * --hull starts this checkout's `hull cri serve` on a private store, with a registries.conf that
 * mirrors registry.k8s.io and gcr.io to the local registry and a bridge CNI network of its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDockerRegistry } from '../lib/registries.js';
import { startContainerd } from '../lib/containerd.js';
import { criClient } from '../lib/cri-client.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const HULL = join(REPO, 'bin/hull');
const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Copies a host binary and the shared libraries ldd names into the rootfs. */
function copyWithLibs(rootfs: string, binary: string, dest: string): void {
  mkdirSync(dirname(join(rootfs, dest)), { recursive: true });
  copyFileSync(binary, join(rootfs, dest));
  chmodSync(join(rootfs, dest), 0o755);
  for (const line of sh('ldd', [binary]).split('\n')) {
    const lib = /(\/\S+) \(0x/.exec(line)?.[1];
    if (!lib) continue;
    const target = join(rootfs, lib);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(lib, target);
  }
}

function buildRootfs(cache: string, rootfs: string): void {
  const debs = join(cache, 'debs');
  mkdirSync(debs, { recursive: true });
  if (!readdirSync(debs).some((f) => f.startsWith('busybox_'))) sh('apt-get', ['download', 'busybox'], { cwd: debs });
  const deb = join(debs, readdirSync(debs).find((f) => f.startsWith('busybox_')) as string);
  const unpacked = join(rootfs, '..', 'deb');
  sh('dpkg-deb', ['-x', deb, unpacked]);
  copyWithLibs(rootfs, join(unpacked, 'bin/busybox'), 'bin/busybox');
  for (const applet of sh(join(rootfs, 'bin/busybox'), ['--list-full']).split('\n').filter(Boolean)) {
    const p = join(rootfs, applet);
    if (existsSync(p)) continue;
    mkdirSync(dirname(p), { recursive: true });
    linkSync(join(rootfs, 'bin/busybox'), p);
  }
  for (const [host, dest] of [['/usr/bin/pgrep', 'usr/bin/pgrep'], ['/usr/bin/ipcs', 'usr/bin/ipcs']] as const) {
    rmSync(join(rootfs, dest), { force: true });
    copyWithLibs(rootfs, host, dest);
  }
  for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var/www', 'www']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nwww-data:x:33:\nuser:x:1000:\ngroup50000:x:50000:user\nusers:x:100:\nnogroup:x:65534:\n');
  writeFileSync(join(rootfs, 'www/index.html'), '<html><body>Welcome to nginx!</body></html>\n');
}

/** Each look-alike: its reference under the local registry and its configuration changes. */
function lookAlikes(): Array<{ refs: string[]; changes: string[] }> {
  const e2e = 'e2e-test-images/';
  const cri = 'k8s-staging-cri-tools/';
  const web = (port: number) => [`CMD ["httpd","-f","-p","${port}","-h","/www"]`];
  return [
    { refs: [`${e2e}busybox:1.29-2`], changes: ['CMD ["sh"]'] },
    // The sandbox image: a process that waits until it is killed, as pause does.
    { refs: ['pause:3.6'], changes: ['CMD ["sleep","2147483647"]'] },
    { refs: [`${e2e}nginx:1.14-2`, `${e2e}httpd:2.4.39-4`], changes: web(80) },
    { refs: [`${cri}hostnet-nginx-amd64:latest`], changes: web(12003) },
    ...['1', '2', '3'].map((n) => ({ refs: [`${cri}test-image-${n}:latest`], changes: [`LABEL critest.image=${n}`, 'CMD ["sh"]'] })),
    { refs: [`${cri}test-image-latest:latest`, `${cri}test-image-tag:test`, `${cri}test-image-tag:all`], changes: ['LABEL critest.image=refs', 'CMD ["sh"]'] },
    { refs: ['1', '2', '3'].map((n) => `${cri}test-image-tags:${n}`), changes: ['LABEL critest.image=tags', 'CMD ["sh"]'] },
    { refs: [`${cri}test-image-user-uid:latest`], changes: ['USER 1002', 'CMD ["sh"]'] },
    { refs: [`${cri}test-image-user-username:latest`], changes: ['USER www-data', 'CMD ["sh"]'] },
    { refs: [`${cri}test-image-user-uid-group:latest`], changes: ['USER 1003:1003', 'CMD ["sh"]'] },
    { refs: [`${cri}test-image-user-username-group:latest`], changes: ['USER www-data:www-data', 'CMD ["sh"]'] },
    { refs: [`${cri}test-image-predefined-group:latest`], changes: ['USER 1000', 'CMD ["sh"]'] },
  ];
}

function hull(store: string, args: string[]): string {
  return sh(HULL, ['--root', join(store, 'root'), '--runroot', join(store, 'run'), ...args]);
}

function pushLookAlikes(rootfs: string, work: string, registry: string): void {
  const tar = join(work, 'rootfs.tar');
  sh('tar', ['-C', rootfs, '-cf', tar, '.']);
  const store = join(work, 'store');
  for (const image of lookAlikes()) {
    const [first, ...more] = image.refs.map((r) => `${registry}/${r}`);
    hull(store, ['import', ...[PATH_ENV, ...image.changes].flatMap((c) => ['-c', c]), tar, first as string]);
    for (const r of more) hull(store, ['tag', first as string, r]);
    for (const r of [first as string, ...more]) hull(store, ['push', '--tls-verify=false', r]);
  }
  spawnSync('umount', ['-R', '-l', store]);
}

function registriesConf(mirrors: Record<string, string>): string {
  return Object.entries(mirrors).map(([name, url]) => `[[registry]]\nprefix = "${name}"\nlocation = "${name}"\n[[registry.mirror]]\nlocation = "${url.replace(/^http:\/\//, '')}"\ninsecure = true\n`).join('\n');
}

/** This checkout's `hull cri serve` on a private store; resolves once it answers Version. */
async function startHullCri(work: string, mirrors: Record<string, string>): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dir = join(work, 'hull-cri');
  mkdirSync(join(dir, 'cni'), { recursive: true });
  writeFileSync(join(dir, 'registries.conf'), registriesConf(mirrors));
  writeFileSync(join(dir, 'cni', '10-critest.conflist'), JSON.stringify({
    cniVersion: '0.4.0', name: 'critest',
    plugins: [{ type: 'bridge', bridge: 'critest0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '10.215.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] } }, { type: 'portmap', capabilities: { portMappings: true } }],
  }));
  const socket = join(dir, 'cri.sock');
  const child = spawn(HULL, ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), 'cri', 'serve', '--listen', `unix://${socket}`,
    '--registries-conf', join(dir, 'registries.conf'), '--cni-conf-dir', join(dir, 'cni'), '--cni-bin-dir', '/usr/lib/cni'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const client = criClient(`unix://${socket}`, 5_000);
  const deadline = Date.now() + 60_000;
  while (!(await client.runtime.Version({ version: 'v1' }).then(() => true, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('hull cri serve did not answer within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  client.close();
  return {
    endpoint: `unix://${socket}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      spawnSync(HULL, ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), 'pod', 'rm', '-a', '-f'], { stdio: 'ignore' });
      spawnSync(HULL, ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), 'rm', '-a', '-f'], { stdio: 'ignore' });
      spawnSync('ip', ['link', 'del', 'critest0']);
    },
  };
}

async function main(): Promise<void> {
  const split = process.argv.indexOf('--');
  const { values } = parseArgs({ args: process.argv.slice(2, split < 0 ? undefined : split), options: { tools: { type: 'string' }, endpoint: { type: 'string' }, containerd: { type: 'boolean' }, hull: { type: 'boolean' } } });
  const extra = split < 0 ? [] : process.argv.slice(split + 1);
  const tools = values.tools ?? '/var/cache/hull-cri-tools';
  if (!values.endpoint && !values.containerd && !values.hull) throw new Error('give --endpoint unix:///path.sock, --containerd or --hull');
  const work = mkdtempSync(join(tmpdir(), 'hull-critest-'));
  const rootfs = join(work, 'rootfs');
  mkdirSync(rootfs);
  const registry = await startDockerRegistry(join(work, 'registry'));
  let containerd: Awaited<ReturnType<typeof startContainerd>> | undefined;
  let hullCri: Awaited<ReturnType<typeof startHullCri>> | undefined;
  try {
    process.stderr.write(`critest: building the busybox look-alike images and pushing them to ${registry.host}\n`);
    buildRootfs(tools, rootfs);
    pushLookAlikes(rootfs, work, registry.host);
    const mirrors = { 'registry.k8s.io': `http://${registry.host}`, 'gcr.io': `http://${registry.host}` };
    process.stderr.write(`critest: mirrors ${JSON.stringify(mirrors)}\n`);
    let endpoint = values.endpoint as string;
    if (values.containerd) {
      containerd = await startContainerd(join(work, 'containerd'), { registries: [registry.host], mirrors, sandboxImage: `${registry.host}/pause:3.6` });
      endpoint = containerd.endpoint;
    }
    if (values.hull) {
      hullCri = await startHullCri(work, mirrors);
      endpoint = hullCri.endpoint;
    }
    const report = join(tools, 'reports', `${values.containerd ? 'containerd' : values.hull ? 'hull' : basename(endpoint)}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(report, { recursive: true });
    const focus = extra.some((a) => a.includes('ginkgo.focus')) ? [] : ['-ginkgo.focus', 'Conformance'];
    const args = ['-runtime-endpoint', endpoint, '-image-endpoint', endpoint, '-ginkgo.junit-report', join(report, 'junit.xml'), ...focus, ...extra];
    process.stderr.write(`critest: ${join(tools, 'critest')} ${args.join(' ')}\n`);
    const code = await new Promise<number>((res) => spawn(join(tools, 'critest'), args, { stdio: 'inherit', cwd: work }).on('close', (c) => res(c ?? 1)));
    process.stderr.write(`critest: exited ${code}; JUnit report in ${report}\n`);
    process.exitCode = code;
  } finally {
    await containerd?.stop().catch(() => {});
    await hullCri?.stop().catch(() => {});
    await registry.stop();
    spawnSync('umount', ['-R', '-l', work]);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
