/**
 * podman's default network as the bench sets it up. On a fresh install podman's default is its
 * built-in network "podman" (CNI bridge cni-podman0, 10.88.0.0/16). hull gives its bridges
 * 10.88.N.0/24 subnets, and every hull store on this host (tests, other runs) may hold one; the
 * kernel routes 10.88.N.x to the more specific hull bridge, so host → container traffic to a
 * podman container on the built-in network fails ("No route to host") as soon as such a bridge
 * exists. The bench therefore creates a network with `podman network create` — podman writes the
 * same CNI plugin chain as for its built-in one (bridge, host-local, portmap, firewall, tuning) —
 * on a subnet of its own, and names it `default_network` in the containers.conf podman runs with
 * for these cases (peers.ts), so `podman run` with no --network uses it as it would its built-in
 * default. Removed afterwards, with the bridge and lease directory CNI leaves behind.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import type { Store } from './hull.js';
import { podmanOk } from './images.js';
import { DEFAULT_NETWORK } from './peers.js';
import { run } from './proc.js';

export interface PodmanDefaultNetwork {
  /** podman's environment in which the network is the default. */
  env: NodeJS.ProcessEnv;
  /** What the figures' notes say about it. */
  description: string;
}

/** Where CNI's host-local IPAM keeps a network's leases (host-wide, outside the private config). */
const CNI_IPAM_DIR = '/var/lib/cni/networks';

/**
 * Removes what a podman network leaves on the host after `podman network rm`: its bridge (when
 * podman named it, cni-podmanN) and host-local's lease directory (a lock and the last address).
 */
export async function removePodmanNetworkLeftovers(name: string, bridge: string): Promise<void> {
  if (/^cni-podman\d+$/.test(bridge)) await run('ip', ['link', 'del', bridge]);
  rmSync(join(CNI_IPAM_DIR, name), { recursive: true, force: true });
}

/** Creates the network, runs `fn`, removes the network, its bridge and its lease directory. */
export async function withPodmanDefaultNetwork<T>(ctx: BenchContext, store: Store, fn: (net: PodmanDefaultNetwork) => Promise<T>): Promise<T> {
  await podmanOk(ctx, store, ['network', 'rm', '-f', DEFAULT_NETWORK.name]).catch(() => undefined); // left by an interrupted run
  await podmanOk(ctx, store, ['network', 'create', '--subnet', DEFAULT_NETWORK.subnet, DEFAULT_NETWORK.name], { quiet: true });
  const bridge = (await podmanOk(ctx, store, ['network', 'inspect', '-f', '{{.NetworkInterface}}', DEFAULT_NETWORK.name])).stdout.trim();
  try {
    return await fn({
      env: ctx.peers.defaultNetworkEnv,
      description: `"${DEFAULT_NETWORK.name}" (CNI bridge ${bridge}, ${DEFAULT_NETWORK.subnet}), created with \`podman network create\` and set as podman's default_network, because the built-in "podman" network (10.88.0.0/16) overlaps the 10.88.N.0/24 bridges of hull stores on this host, which breaks host → container routing to it`,
    });
  } finally {
    await podmanOk(ctx, store, ['network', 'rm', '-f', DEFAULT_NETWORK.name]).catch(() => undefined);
    await removePodmanNetworkLeftovers(DEFAULT_NETWORK.name, bridge);
  }
}
