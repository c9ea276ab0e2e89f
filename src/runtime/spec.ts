/**
 * generateSpec: a container's settings -> the OCI runtime `config.json` (runtime-spec config.md).
 * Pure: every host fact it needs (limits, paths) comes in as input, so it is tested with golden
 * vectors and never touches the machine.
 */
import type { RuntimeSpec, SpecMount, SpecUser } from '../oci/runtime-spec.js';
import type { HostLimit } from '../sys/host-limits.js';
import { DEFAULT_CAPABILITIES, INHERITED_RLIMITS, MASKED_PATHS, READONLY_PATHS } from './defaults.js';

export interface SpecInput {
  id: string;
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: SpecUser;
  hostname: string;
  terminal: boolean;
  /** Host paths of the generated /etc files bind-mounted into the container. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  hostLimits: Record<string, HostLimit>;
  readonlyRootfs?: boolean;
  /** Join this network namespace (a path under /run/netns); undefined = a new, loopback-only one. */
  netnsPath?: string;
  /** cgroup parent path for runc's cgroupfs driver. */
  cgroupParent?: string;
}

const BASE_MOUNTS: SpecMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
];

export function generateSpec(input: SpecInput): RuntimeSpec {
  const caps = [...DEFAULT_CAPABILITIES];
  const etcMount = (destination: string, source: string): SpecMount => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec'] });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: input.terminal,
      user: input.user,
      args: input.args,
      env: input.env,
      cwd: input.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: INHERITED_RLIMITS.flatMap((type) => {
        const host = input.hostLimits[type];
        // An unlimited host limit is left alone: the container inherits it.
        return host && Number.isFinite(host.hard) ? [{ type, hard: host.hard, soft: host.hard }] : [];
      }),
      noNewPrivileges: true,
      oomScoreAdj: 0,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs ?? false },
    hostname: input.hostname,
    mounts: [
      ...BASE_MOUNTS,
      etcMount('/etc/hosts', input.etcFiles.hosts),
      etcMount('/etc/hostname', input.etcFiles.hostname),
      etcMount('/etc/resolv.conf', input.etcFiles.resolvConf),
    ],
    linux: {
      namespaces: [
        { type: 'pid' },
        input.netnsPath === undefined ? { type: 'network' } : { type: 'network', path: input.netnsPath },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
      ],
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      cgroupsPath: `${input.cgroupParent ?? '/hull'}/${input.id}`,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
      rootfsPropagation: 'rprivate',
    },
  };
}
