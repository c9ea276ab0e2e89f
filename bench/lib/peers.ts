/**
 * podman, buildah and skopeo on a private configuration, so nothing else on the machine is
 * touched: containers.conf (runc, cgroupfs, file events, ulimits under the host's hard limits,
 * a private CNI directory), storage.conf and registries.conf written under the run's directory
 * and passed by environment; every store gets its own --root, --runroot and --tmpdir.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './hull.js';

export interface Peers {
  env: NodeJS.ProcessEnv;
  podman(store: Store, ...args: string[]): string[];
  buildah(store: Store, ...args: string[]): string[];
}

function containersConf(dir: string): string {
  return [
    '[containers]',
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
    'log_driver = "k8s-file"',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${join(dir, 'events.log')}"`,
    '[network]',
    'network_backend = "cni"',
    `network_config_dir = "${join(dir, 'cni')}"`,
    '',
  ].join('\n');
}

function registriesConf(registries: readonly string[]): string {
  const lines = ['unqualified-search-registries = []', ''];
  for (const r of registries) lines.push('[[registry]]', `location = "${r}"`, 'insecure = true', '');
  return lines.join('\n');
}

/** Writes the private configuration under `dir`; `registries` are host:port marked insecure. */
export function setupPeers(dir: string, registries: readonly string[]): Peers {
  mkdirSync(join(dir, 'cni'), { recursive: true });
  writeFileSync(join(dir, 'containers.conf'), containersConf(dir));
  writeFileSync(join(dir, 'registries.conf'), registriesConf(registries));
  writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${join(dir, 'default-root')}"\nrunroot = "${join(dir, 'default-runroot')}"\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
  };
  const storeFlags = (store: Store): string[] => ['--root', store.root, '--runroot', store.runroot, '--storage-driver', 'overlay'];
  return {
    env,
    podman: (store, ...args) => ['podman', ...storeFlags(store), '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--tmpdir', join(store.runroot, 'libpod-tmp'), ...args],
    buildah: (store, ...args) => ['buildah', ...storeFlags(store), '--cgroup-manager', 'cgroupfs', ...args],
  };
}
