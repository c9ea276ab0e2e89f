/**
 * The benchmark filesystem: a journaled ext4 on a loop device, so hull and its peers write to the
 * same, ordinary filesystem (this machine's root has no journal, and right after a mass delete
 * creating files there is about ten times slower). Reused when already mounted.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk } from './proc.js';

export const IMAGE_FILE = '/var/tmp/hull-bench.img';
export const MOUNT_POINT = '/mnt/hull-bench';

export async function ensureBenchFs(log: (s: string) => void): Promise<string> {
  mkdirSync(MOUNT_POINT, { recursive: true });
  if ((await run('mountpoint', ['-q', MOUNT_POINT])).code !== 0) {
    if (!existsSync(IMAGE_FILE)) {
      log(`creating ${IMAGE_FILE} (20G sparse, ext4 with journal)`);
      await runOk('truncate', ['-s', '20G', IMAGE_FILE]);
      await runOk('mkfs.ext4', ['-q', '-F', IMAGE_FILE]);
    }
    await runOk('mount', ['-o', 'loop', IMAGE_FILE, MOUNT_POINT]);
  }
  const src = (await runOk('findmnt', ['-n', '-o', 'SOURCE,FSTYPE,OPTIONS', MOUNT_POINT])).stdout.trim();
  return `${src} at ${MOUNT_POINT}`;
}

/** A fresh directory under the bench filesystem; removes leftovers of an earlier run first. */
export function freshDir(...parts: string[]): string {
  const dir = join(MOUNT_POINT, ...parts);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Removes a directory that may hold overlay mounts (a container store): unmount anything
 * below it first, deepest first, then delete. A peer's clean-up process (podman's exit command)
 * may still be mounting or unmounting in there: on EBUSY, unmount again and retry.
 */
export async function removeTree(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const mounts = (await run('findmnt', ['-rn', '-o', 'TARGET'])).stdout.split('\n').filter((m) => m === dir || m.startsWith(`${dir}/`));
    for (const m of mounts.sort((a, b) => b.length - a.length)) await run('umount', ['-l', m]);
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
