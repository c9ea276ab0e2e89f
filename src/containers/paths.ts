/**
 * Where a container's files live; this file owns the layout (see record.ts for the drawing).
 * Persistent: the record and the log, under <root>. Runtime: bundle, monitor files, exit file,
 * under <runroot>, which is a tmpfs on a normal host and starts empty after a reboot.
 */
import { join } from 'node:path';

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
  const bundle = join(runroot, 'containers', id);
  const exitDir = join(runroot, 'exits');
  return {
    bundle,
    rootfs: join(bundle, 'rootfs'),
    config: join(bundle, 'config.json'),
    attach: join(bundle, 'attach'),
    winsz: join(bundle, 'winsz'),
    pidFile: join(bundle, 'pidfile'),
    conmonPidFile: join(bundle, 'conmon.pid'),
    runtimeLog: join(bundle, 'runtime.log'),
    oomFile: join(bundle, 'oom'),
    exitDir,
    exitFile: join(exitDir, id),
    log: join(root, 'containers', id, 'ctr.log'),
  };
}
