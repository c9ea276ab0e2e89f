/**
 * The rootless facts of `hull info` (docs/rootless.md): who the namespace's root is on the host,
 * which subordinate IDs it has, where each store lives and why, and what the kernel refuses here.
 */
import { existsSync } from 'node:fs';
import { readNamespaceIds } from '../sys/userns.js';
import { which } from '../sys/which.js';
import { readRootlessNetworkCmd } from '../network/rootless-network-cmd.js';
import type { RootlessRuntime } from '../runtime/rootless.js';
import type { RootlessOptions } from './engine.js';

/** The running namespace's facts; cgroup limits only where a delegated cgroup v2 tree could hold them. */
export function rootlessRuntime(): RootlessRuntime {
  const ids = readNamespaceIds();
  return { ...ids, cgroupV2: existsSync('/sys/fs/cgroup/cgroup.controllers'), cgroupLimits: false };
}

/** Why limits are refused: the kernel's rule on cgroup v1, hull's gap on v2. */
export function cgroupLimitReason(): string {
  return existsSync('/sys/fs/cgroup/cgroup.controllers')
    ? 'cgroup v2: hull does not yet place rootless containers in a delegated cgroup subtree; limit flags are refused'
    : 'cgroup v1: the kernel lets only root create cgroups, so an ordinary user cannot limit a container; limit flags are refused';
}

export interface RootlessInfo {
  Rootless: true;
  User: string;
  UID: number;
  GID: number;
  /** The namespace's map: 0 -> the user, 1..N -> subordinate IDs. */
  UIDMap: string;
  GIDMap: string;
  Why: string;
  Layout: Record<string, string>;
  PauseProcess: string;
  Network: string;
  /** Where `hull system service` listens without a URI (podman's $XDG_RUNTIME_DIR/podman/podman.sock). */
  APISocket: string;
  CgroupLimits: string;
}

export function rootlessInfo(o: RootlessOptions, r: RootlessRuntime, paths: { root: string; runroot: string }, pause: number | undefined): RootlessInfo {
  let choice: string;
  try {
    const c = readRootlessNetworkCmd(o.configDir);
    const path = which(c.cmd);
    const how = c.cmd === 'pasta' ? 'pasta' : 'slirp4netns (its API socket)';
    choice = path
      ? `${c.cmd} (${path}, ${c.reason}): each container on the default network gets its own network namespace, connected out and with -p published by ${how}; --network pasta|slirp4netns chooses per container. User networks: in the user's networks namespace, -p through socat forwarders`
      : `${c.cmd} (${c.reason}) is not installed (apt-get install ${c.cmd === 'pasta' ? 'passt' : 'slirp4netns'}): containers on the default network cannot start`;
  } catch (err) {
    choice = (err as Error).message;
  }
  return {
    Rootless: true,
    User: o.user,
    UID: r.uid,
    GID: r.gid,
    UIDMap: `0 -> ${r.uid}, 1..${r.uidSize - 1} -> subordinate IDs (/etc/subuid)`,
    GIDMap: `0 -> ${r.gid}, 1..${r.gidSize - 1} -> subordinate IDs (/etc/subgid)`,
    Why: `hull was started by uid ${r.uid}, not root: it runs in that user's namespace, where container root is the user on the host`,
    Layout: {
      Root: `${paths.root}: ${o.reasons.root ?? '--root or $HULL_ROOT'}`,
      RunRoot: `${paths.runroot}: ${o.reasons.runroot ?? '--runroot or $HULL_RUNROOT'}`,
      Config: `${o.configDir}: ${o.reasons.config ?? ''}`,
      AuthFile: `${o.authFile}: ${o.reasons.authFile ?? ''}`,
    },
    PauseProcess: pause === undefined ? 'none' : `pid ${pause} (catatonit -P) holds the user and mount namespaces`,
    Network: choice,
    APISocket: `unix://${paths.runroot}/hull.sock: where "hull system service" listens when given no URI (DOCKER_HOST=unix://${paths.runroot}/hull.sock for docker clients)`,
    CgroupLimits: cgroupLimitReason(),
  };
}
