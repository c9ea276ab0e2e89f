/**
 * What the runtime leaves in a container's writable layer only so that something can be mounted
 * there: empty /etc/hosts, /etc/hostname, /etc/resolv.conf, the /dev, /proc and /sys directories,
 * the init's mount point, and the targets of volumes, binds and tmpfs. Docker keeps these in an
 * "init layer" under the container's own, so `commit` and `diff` never show them; hull leaves
 * them out of both when they are still empty placeholders (anything the container wrote into
 * such a path goes to the mount, not to this layer), with the directories that hold nothing else.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord } from './record.js';

const RUNTIME_TARGETS = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'dev', 'proc', 'sys', 'run/hull-init'];

/** Pure over the upper directory's entries: the relative paths to leave out of a diff. */
export function mountPointExclusions(upperDir: string, record: ContainerRecord): (rel: string) => boolean {
  const targets = new Set([...RUNTIME_TARGETS, ...(record.MountState?.spec ?? []).map((m) => m.destination.replace(/^\/+/, ''))]);
  const excluded = new Set<string>();
  // A placeholder: an empty file or an empty directory (or one that holds only placeholders).
  const placeholder = (rel: string): boolean => {
    const st = lstatSync(join(upperDir, rel), { throwIfNoEntry: false });
    if (!st) return false;
    if (st.isFile()) return st.size === 0 && targets.has(rel);
    if (!st.isDirectory()) return false;
    const children = readdirSync(join(upperDir, rel));
    const all = children.every((c) => placeholder(`${rel}/${c}`));
    return all && (targets.has(rel) || children.length > 0);
  };
  const visit = (rel: string) => {
    if (placeholder(rel)) excluded.add(rel);
  };
  for (const t of targets) {
    const parts = t.split('/');
    for (let i = parts.length; i > 0; i--) visit(parts.slice(0, i).join('/'));
  }
  return (rel) => excluded.has(rel) || [...excluded].some((e) => rel.startsWith(`${e}/`));
}
