import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSpec, type SpecInput } from './spec.js';
import { parseProcLimits } from '../sys/host-limits.js';

const LIMITS = parseProcLimits(
  [
    'Limit                     Soft Limit           Hard Limit           Units',
    'Max processes             95000                95000                processes',
    'Max open files            1024                 20000                files',
    'Max locked memory         unlimited            unlimited            bytes',
  ].join('\n'),
);

const INPUT: SpecInput = {
  id: 'c0ffee',
  rootfs: '/run/hull/containers/c0ffee/rootfs',
  args: ['sh', '-c', 'echo hi'],
  env: ['PATH=/bin', 'HOSTNAME=box'],
  cwd: '/work',
  user: { uid: 1000, gid: 1000, additionalGids: [50] },
  hostname: 'box',
  terminal: false,
  etcFiles: { hosts: '/r/hosts', hostname: '/r/hostname', resolvConf: '/r/resolv.conf' },
  hostLimits: LIMITS,
};

const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

// Golden vector: the whole config.json for a plain container.
const GOLDEN = {
  ociVersion: '1.0.2',
  process: {
    terminal: false,
    user: { uid: 1000, gid: 1000, additionalGids: [50] },
    args: ['sh', '-c', 'echo hi'],
    env: ['PATH=/bin', 'HOSTNAME=box'],
    cwd: '/work',
    capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
    rlimits: [
      { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 },
      { type: 'RLIMIT_NPROC', hard: 95000, soft: 95000 },
    ],
    noNewPrivileges: true,
    oomScoreAdj: 0,
  },
  root: { path: '/run/hull/containers/c0ffee/rootfs', readonly: false },
  hostname: 'box',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    { destination: '/etc/hosts', type: 'bind', source: '/r/hosts', options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec'] },
    { destination: '/etc/hostname', type: 'bind', source: '/r/hostname', options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: '/r/resolv.conf', options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec'] },
  ],
  linux: {
    namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    resources: { devices: [{ allow: false, access: 'rwm' }] },
    cgroupsPath: '/hull/c0ffee',
    maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    rootfsPropagation: 'rprivate',
  },
};

test('generateSpec produces the golden config.json', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(generateSpec(INPUT))), GOLDEN);
});

test('rlimits follow the host hard limit and skip unlimited ones', () => {
  const spec = generateSpec({ ...INPUT, hostLimits: parseProcLimits('Max open files            1024                 unlimited            files\n') });
  assert.deepEqual(spec.process.rlimits, []);
});

test('a given network namespace is joined; read-only rootfs is passed through', () => {
  const spec = generateSpec({ ...INPUT, netnsPath: '/run/netns/x', readonlyRootfs: true });
  assert.deepEqual(spec.linux.namespaces[1], { type: 'network', path: '/run/netns/x' });
  assert.equal(spec.root.readonly, true);
});
