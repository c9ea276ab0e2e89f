/**
 * A pod's IPC and UTS namespaces pinned to files, as CRI-O's `pinns` does: bind mounts of the
 * namespaces in the infra's bundle, made before its `runc create`, so the pod's members join
 * them by path while the infra's own runtime set-up runs, instead of waiting for its init's pid
 * (hull pins the network namespace the same way, network/sandbox.ts). The UTS namespace gets the
 * pod's hostname here: runc sets none in a namespace it joins.
 */
import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execCapture, execOrThrow } from '../sys/exec.js';
import { which } from '../sys/which.js';

export type PinnedType = 'ipc' | 'uts';
const TYPES: PinnedType[] = ['ipc', 'uts'];

const pinFile = (bundle: string, type: PinnedType) => join(bundle, `${type}.ns`);

/** The pinned namespace's path, if `bundle` holds one (a mount point, not a stale empty file). */
export function pinnedNamespace(bundle: string, type: PinnedType): string | undefined {
  const file = pinFile(bundle, type);
  try {
    return statSync(file).dev !== statSync(dirname(file)).dev ? file : undefined;
  } catch {
    return undefined;
  }
}

/** New IPC and UTS namespaces, pinned in `bundle`, the UTS one named `hostname`. */
export async function pinNamespaces(bundle: string, hostname: string): Promise<void> {
  await unpinNamespaces(bundle); // a start killed -9 may have left them
  for (const t of TYPES) closeSync(openSync(pinFile(bundle, t), 'w', 0o600));
  // unshare execs hostname inside the new UTS namespace: named without another process.
  await execOrThrow(['unshare', `--ipc=${pinFile(bundle, 'ipc')}`, `--uts=${pinFile(bundle, 'uts')}`, which('hostname') ?? 'hostname', hostname], 'pin the pod\'s IPC and UTS namespaces');
}

/** Drops the pins (processes still in the namespaces keep them). */
export async function unpinNamespaces(bundle: string): Promise<void> {
  for (const t of TYPES) {
    const file = pinFile(bundle, t);
    if (pinnedNamespace(bundle, t)) await execCapture(['umount', file]);
    if (existsSync(file)) rmSync(file, { force: true });
  }
}
