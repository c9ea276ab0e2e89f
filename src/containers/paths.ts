/**
 * Where a container's files live; this file owns the layout (see record.ts for the drawing).
 * Persistent: the record and the log, under <root>. Runtime: bundle, monitor files, exit file,
 * under <runroot>, which is a tmpfs on a normal host and starts empty after a reboot.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ContainerPaths {
  bundle: string;
  rootfs: string;
  config: string;
  attach: string;
  winsz: string;
  pidFile: string;
  conmonPidFile: string;
  runtimeLog: string;
  /** conmon writes "oom" into its persist dir (the bundle) when the kernel OOM-killed the container. */
  oomFile: string;
  exitDir: string;
  exitFile: string;
  log: string;
}

export function containerPaths(root: string, runroot: string, id: string): ContainerPaths {
  // Joined once, then extended with plain strings: `ps` computes these for every container, and
  // path.join's normalisation of a dozen paths each was a tenth of its time with 100 containers.
  const bundle = join(runroot, 'containers', id);
  const exitDir = join(runroot, 'exits');
  return {
    bundle,
    rootfs: `${bundle}/rootfs`,
    config: `${bundle}/config.json`,
    attach: `${bundle}/attach`,
    winsz: `${bundle}/winsz`,
    pidFile: `${bundle}/pidfile`,
    conmonPidFile: `${bundle}/conmon.pid`,
    runtimeLog: `${bundle}/runtime.log`,
    oomFile: `${bundle}/oom`,
    exitDir,
    exitFile: `${exitDir}/${id}`,
    log: join(root, 'containers', id, 'ctr.log'),
  };
}

/** Where conmon writes a container's log: its own path (podman's log-opt path, the CRI's log_path), else beside its record. */
export function logPathOf(record: { HostConfig: { LogConfig?: { Config?: Record<string, string> } } }, paths: { log: string }): string {
  return record.HostConfig.LogConfig?.Config?.path ?? paths.log;
}

/** The log's directory made (kubelet makes the pod's log directory, the runtime the container's), the path returned. */
export function ensureLogDir(path: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  return path;
}
