/**
 * podman, buildah and skopeo on a private configuration, so nothing else on the machine is
 * touched: containers.conf (runc, cgroupfs, file events, ulimits under the host's hard limits,
 * a private CNI directory, image copies staged on the bench filesystem), storage.conf and
 * registries.conf written under the run's directory and passed by environment (TMPDIR too, so
 * skopeo stages its blobs there as well); every store gets its own --root, --runroot and --tmpdir.
 *
 * A second containers.conf, identical but for `default_network`, is what podman runs with when a
 * scenario measures podman on its default network (see podman-network.ts for why that is not the
 * built-in "podman" network here).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './hull.js';

export interface Peers {
  env: NodeJS.ProcessEnv;
  podman(store: Store, ...args: string[]): string[];
  buildah(store: Store, ...args: string[]): string[];
  /** A containers-storage image reference into `store`, as the podman peer's driver sees it. */
  storageRef(store: Store, ref: string): string;
  /** podman's environment with `default_network` naming DEFAULT_NETWORK (podman-network.ts creates it). */
  defaultNetworkEnv: NodeJS.ProcessEnv;
}

/** The network the second containers.conf makes podman's default. */
export const DEFAULT_NETWORK = { name: 'bench-default', subnet: '10.213.0.0/24' } as const;

function containersConf(dir: string, defaultNetwork?: string): string {
  return [
    '[containers]',
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
    'log_driver = "k8s-file"',
    '[engine]',
    `image_copy_tmp_dir = "${join(dir, 'tmp')}"`,
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${join(dir, 'events.log')}"`,
    '[network]',
    'network_backend = "cni"',
    `network_config_dir = "${join(dir, 'cni')}"`,
    ...(defaultNetwork ? [`default_network = "${defaultNetwork}"`] : []),
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
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'containers.conf'), containersConf(dir));
  writeFileSync(join(dir, 'containers-default-network.conf'), containersConf(dir, DEFAULT_NETWORK.name));
  writeFileSync(join(dir, 'registries.conf'), registriesConf(registries));
  writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${join(dir, 'default-root')}"\nrunroot = "${join(dir, 'default-runroot')}"\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    TMPDIR: join(dir, 'tmp'),
  };
  const storeFlags = (store: Store): string[] => ['--root', store.root, '--runroot', store.runroot, '--storage-driver', 'overlay'];
  return {
    env,
    podman: (store, ...args) => ['podman', ...storeFlags(store), '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--tmpdir', join(store.runroot, 'libpod-tmp'), ...args],
    buildah: (store, ...args) => ['buildah', ...storeFlags(store), '--cgroup-manager', 'cgroupfs', ...args],
    storageRef: (store, ref) => `containers-storage:[overlay@${store.root}+${store.runroot}]${ref}`,
    defaultNetworkEnv: { ...env, CONTAINERS_CONF: join(dir, 'containers-default-network.conf') },
  };
}
