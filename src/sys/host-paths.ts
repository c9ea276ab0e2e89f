/**
 * Host-wide state shared by every hull store on the machine (bridges, subnets and iptables rules
 * are the kernel's, not a store's), and where the engine keeps it. Defaults below; an engine opened
 * with other paths (a test, a second hull on one host that must not see the first) keeps its own.
 */
export interface HostPaths {
  /** The lock every network change of any store takes. */
  networkLock: string;
  /** One owner file per bridge, naming the network record that made it (network/bridge-owners.ts). */
  bridgeOwners: string;
  /** The overlayfs probe's answer per filesystem and kernel (snapshots/select.ts). */
  probeCache: string;
}

export const DEFAULT_HOST_PATHS: HostPaths = {
  networkLock: '/run/lock/hull-network.lock',
  bridgeOwners: '/run/hull-bridges',
  probeCache: '/run/hull-probes',
};
