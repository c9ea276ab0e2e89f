/**
 * What changes in a container's runtime spec when hull runs as an ordinary user (docs/rootless.md).
 * hull itself runs as root inside the user's namespace (sys/userns.ts), so runc sees uid 0 and
 * the spec is root's, with these differences:
 *
 * - cgroups: on cgroup v1 an ordinary user may create none; runc's rootless cgroup manager skips
 *   them only when the spec names no cgroup path and no limits (runc libcontainer/cgroups/fs:
 *   permission errors are ignored for a rootless config without resources). Limits asked for
 *   explicitly are refused at create (containers/create-check.ts), never silently dropped.
 * - `--userns keep-id`: a second user namespace in the spec maps the user's own uid inside to
 *   the namespace's 0 (the user on the host); container root becomes the first subordinate ID.
 */
import type { RuntimeSpec, SpecIdMapping } from '../oci/runtime-spec.js';

export interface RootlessRuntime {
  /** The user on the host that the namespace's root is. */
  uid: number;
  gid: number;
  /** IDs mapped in the user's namespace: 0..size-1 (0 = the user, the rest subordinate IDs). */
  uidSize: number;
  gidSize: number;
  /** The host mounts cgroup v2 (else v1, where an ordinary user can create no cgroup). */
  cgroupV2: boolean;
  /** Whether cgroup limits can be applied (cgroup v2 with a delegated subtree). */
  cgroupLimits: boolean;
}

/** Pure: podman's keep-id map, relative to the user's namespace (its 0 is the user). */
export function keepIdMappings(id: number, size: number): SpecIdMapping[] {
  if (id === 0) return [{ containerID: 0, hostID: 0, size }];
  return [
    { containerID: 0, hostID: 1, size: Math.min(id, size - 1) },
    { containerID: id, hostID: 0, size: 1 },
    ...(size - 1 - id > 0 ? [{ containerID: id + 1, hostID: id + 1, size: size - 1 - id }] : []),
  ];
}

/** Pure: the spec a container gets in rootless mode (see the file comment). */
export function applyRootless(spec: RuntimeSpec, r: RootlessRuntime, opts: { keepId?: boolean } = {}): RuntimeSpec {
  const linux = { ...spec.linux };
  if (!r.cgroupLimits) {
    delete linux.cgroupsPath;
    delete linux.resources;
  }
  if (!opts.keepId) return { ...spec, linux };
  linux.namespaces = [...linux.namespaces.filter((n) => n.type !== 'user'), { type: 'user' }];
  linux.uidMappings = keepIdMappings(r.uid, r.uidSize);
  linux.gidMappings = keepIdMappings(r.gid, r.gidSize);
  // The process user is the caller's: the user's own ids by default (containers/keep-id.ts), root for --user 0.
  return { ...spec, linux };
}
