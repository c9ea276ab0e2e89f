/**
 * Test images without the internet: a busybox root filesystem from Debian's busybox-static, with
 * the applets as symlinks and a minimal /etc (root, nobody, and a "tester" user in group "staff").
 * Used by tests, the demo and the benchmarks.
 */
import { mkdirSync, copyFileSync, symlinkSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';

export const BUSYBOX = '/bin/busybox';

export function buildBusyboxRootfs(dir: string): void {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install busybox-static (npm test installs it)`);
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'tmp', 'home/tester', 'var/www', 'proc', 'sys', 'dev']) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  const applets = spawnSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of applets) {
    const target = join(dir, applet);
    if (applet === 'bin/busybox' || existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync('/bin/busybox', target);
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:/home/tester:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nstaff:x:50:tester\ntester:x:1000:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'var/www/index.html'), '<h1>hello from hull</h1>\n');
}

/** Writes a rootfs tarball (gzip when the path ends in .gz) with GNU tar, numeric owners kept. */
export function buildBusyboxTar(tarPath: string, workDir: string): void {
  const rootfs = join(workDir, 'busybox-rootfs');
  buildBusyboxRootfs(rootfs);
  const gzip = tarPath.endsWith('.gz');
  const r = spawnSync('tar', ['--numeric-owner', '-C', rootfs, gzip ? '-czf' : '-cf', tarPath, '.'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
}
