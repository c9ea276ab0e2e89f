/**
 * hull's default seccomp profile, as data, and the loader for user profiles.
 *
 * The profile is an allowlist in the spirit of docker's and podman's defaults (written here, not
 * copied): any syscall not listed fails with EPERM (defaultErrnoRet 1), so a program sees "permission
 * denied" rather than "not implemented". What is denied is what lets a process reach past its
 * namespaces or into the kernel: modules, kexec, reboot, mounts, namespaces, keyrings, bpf, perf,
 * the clock, raw I/O ports, and io_uring (see below). Calls that a capability unlocks (mount needs
 * CAP_SYS_ADMIN, ptrace CAP_SYS_PTRACE...) are re-enabled by `seccompForCapabilities` when the
 * container is granted that capability, as docker's profile does with `includes: {caps}`.
 *
 * runc resolves names with libseccomp and skips the ones this kernel or libseccomp does not know,
 * so the lists may name syscalls that exist on only one architecture or newer kernels.
 * Format: OCI runtime-spec config-linux.md#seccomp.
 */
import { readFileSync } from 'node:fs';
import { HullError, errorMessage } from '../errors.js';
import type { SeccompProfile, SeccompRule } from '../oci/runtime-spec.js';
import { DEFAULT_CAPABILITIES } from './defaults.js';

const ALLOW = 'SCMP_ACT_ALLOW';
const EPERM = 1;
const ENOSYS = 38;

/** Architectures per Node `process.arch` (and the kernel's own spelling): the native one plus its compat ABIs. */
const ARCHES: Record<string, string[]> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  x86_64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  aarch64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
};

/** Allowed for every container, whatever its capabilities. Grouped by what they are for. */
const ALLOWED: Record<string, string[]> = {
  files: [
    'access', 'faccessat', 'faccessat2', 'chdir', 'fchdir', 'getcwd', 'chmod', 'fchmod', 'fchmodat', 'fchmodat2',
    'chown', 'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32', 'close', 'close_range', 'creat',
    'open', 'openat', 'openat2', 'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64',
    'pwritev', 'pwritev2', 'lseek', '_llseek', 'dup', 'dup2', 'dup3', 'fcntl', 'fcntl64', 'flock', 'fsync',
    'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'sync_file_range2', 'ftruncate', 'ftruncate64', 'truncate',
    'truncate64', 'fallocate', 'fadvise64', 'fadvise64_64', 'readahead', 'stat', 'stat64', 'lstat', 'lstat64',
    'fstat', 'fstat64', 'fstatat64', 'newfstatat', 'statx', 'statfs', 'statfs64', 'fstatfs', 'fstatfs64',
    'getdents', 'getdents64', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'rmdir', 'rename', 'renameat', 'renameat2',
    'link', 'linkat', 'symlink', 'symlinkat', 'unlink', 'unlinkat', 'readlink', 'readlinkat', 'umask', 'utime',
    'utimes', 'utimensat', 'utimensat_time64', 'futimesat', 'getxattr', 'lgetxattr', 'fgetxattr', 'setxattr',
    'lsetxattr', 'fsetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'removexattr', 'lremovexattr',
    'fremovexattr', 'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice', 'copy_file_range', 'ioctl',
    // name_to_handle_at only produces a handle; open_by_handle_at (which can walk out of a bind mount) is CAP_DAC_READ_SEARCH's.
    'name_to_handle_at', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark',
    'chroot', // CAP_SYS_CHROOT is in the default set; the kernel still checks it
  ],
  polling: [
    'select', '_newselect', 'pselect6', 'pselect6_time64', 'poll', 'ppoll', 'ppoll_time64', 'epoll_create',
    'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old', 'epoll_pwait', 'epoll_pwait2',
    'eventfd', 'eventfd2', 'signalfd', 'signalfd4', 'timerfd_create', 'timerfd_settime', 'timerfd_settime64',
    'timerfd_gettime', 'timerfd_gettime64', 'pipe', 'pipe2',
    // Linux AIO (not io_uring): old, small, and what databases use.
    'io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64',
  ],
  memory: [
    'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'mlock', 'mlock2',
    'mlockall', 'munlock', 'munlockall', 'remap_file_pages', 'membarrier', 'memfd_create', 'memfd_secret',
    'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'map_shadow_stack', 'cachestat',
  ],
  processes: [
    // clone and clone3 are below: their namespace flags need CAP_SYS_ADMIN.
    'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'waitpid', 'getpid', 'getppid',
    'gettid', 'getpgid', 'setpgid', 'getpgrp', 'getsid', 'setsid', 'getuid', 'getuid32', 'geteuid', 'geteuid32',
    'getgid', 'getgid32', 'getegid', 'getegid32', 'getresuid', 'getresuid32', 'getresgid', 'getresgid32',
    'setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32', 'setresuid',
    'setresuid32', 'setresgid', 'setresgid32', 'setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32', 'getgroups',
    'getgroups32', 'setgroups', 'setgroups32', 'capget', 'capset', 'prctl', 'arch_prctl', 'set_tid_address',
    'set_robust_list', 'get_robust_list', 'rseq', 'get_thread_area', 'set_thread_area', 'set_tls', 'seccomp',
    'getrlimit', 'ugetrlimit', 'setrlimit', 'prlimit64', 'getrusage', 'getpriority', 'setpriority', 'times',
    'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getparam', 'sched_setparam',
    'sched_getscheduler', 'sched_setscheduler', 'sched_getattr', 'sched_setattr', 'sched_get_priority_max',
    'sched_get_priority_min', 'sched_rr_get_interval', 'sched_rr_get_interval_time64', 'ioprio_get', 'ioprio_set',
    'getcpu', 'uname', 'sysinfo', 'getrandom', 'pidfd_open', 'pidfd_send_signal', 'process_mrelease',
    'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
    // ptrace is allowed since Linux 4.8, where seccomp is re-checked after a tracer changes a syscall
    // (before, ptrace could bypass the filter; docker allows it from 4.8). Node 20 needs >= 4.18.
    'ptrace', 'process_vm_readv', 'process_vm_writev',
    'modify_ldt', // x86: the LDT; 16-bit segments for wine and old binaries
  ],
  signals: [
    'kill', 'tkill', 'tgkill', 'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn',
    'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo', 'sigaltstack', 'sigprocmask',
    'sigreturn', 'sigsuspend', 'pause', 'restart_syscall', 'alarm',
  ],
  synchronisation: ['futex', 'futex_time64', 'futex_waitv', 'futex_wait', 'futex_wake', 'futex_requeue'],
  time: [
    // Reading clocks and sleeping; setting them is CAP_SYS_TIME's. adjtimex and clock_adjtime only
    // read unless the caller holds CAP_SYS_TIME (the kernel checks), so ntp status tools work.
    'time', 'gettimeofday', 'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64',
    'clock_nanosleep', 'clock_nanosleep_time64', 'nanosleep', 'adjtimex', 'clock_adjtime', 'clock_adjtime64',
    'getitimer', 'setitimer', 'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime',
    'timer_gettime64', 'timer_settime', 'timer_settime64',
  ],
  sockets: [
    // socket itself is below (AF_VSOCK is refused).
    'socketpair', 'socketcall', 'bind', 'listen', 'accept', 'accept4', 'connect', 'getsockname', 'getpeername',
    'getsockopt', 'setsockopt', 'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom', 'recvmsg', 'recvmmsg',
    'recvmmsg_time64', 'shutdown',
  ],
  ipc: [
    // System V and POSIX IPC live in the container's own IPC namespace.
    'ipc', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'semctl',
    'shmget', 'shmat', 'shmdt', 'shmctl', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedsend_time64',
    'mq_timedreceive', 'mq_timedreceive_time64', 'mq_notify', 'mq_getsetattr',
  ],
  arm: ['arm_fadvise64_64', 'arm_sync_file_range', 'breakpoint', 'cacheflush'],
};

/**
 * Denied unless the container holds the capability (the kernel would refuse most of them anyway;
 * seccomp also shuts the kernel code behind them, a large attack surface, to everyone else).
 * Never allowed by any capability: kexec is CAP_SYS_BOOT's in the kernel but replaces the host
 * kernel, so only --privileged (no seccomp at all) reaches it; likewise userfaultfd (a tool for
 * winning kernel races), nfsservctl, vm86, uselib, io_uring (below).
 */
export const CAPABILITY_SYSCALLS: Record<string, string[]> = {
  CAP_SYS_ADMIN: [
    'mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
    'pivot_root', 'unshare', 'setns', 'clone', 'clone3', 'sethostname', 'setdomainname', 'quotactl', 'quotactl_fd',
    'lookup_dcookie', 'fanotify_init', 'bpf', 'perf_event_open', 'syslog', 'swapon', 'swapoff',
  ],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise', 'ptrace', 'process_vm_readv', 'process_vm_writev'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node', 'mbind', 'move_pages'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
};

/** clone's namespace flags (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET = 0x7E020000). */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/** Rules with arguments: the calls ordinary programs need, with their dangerous uses cut off. */
function conditionalRules(): SeccompRule[] {
  return [
    // Threads and fork work; new namespaces do not (flags & mask must be 0). Argument 0 holds the
    // flags on x86 and arm (s390 swaps them; hull supports neither s390 nor its profile).
    { names: ['clone'], action: ALLOW, args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    // clone3 passes its flags in memory, which seccomp cannot read: answer ENOSYS so glibc and musl
    // fall back to clone, where the mask above applies.
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    // personality: only the harmless personas (PER_LINUX, PER_LINUX32, UNAME26 and their mix) and the
    // query 0xffffffff; others (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE) weaken exploit mitigations.
    ...[0x0, 0x8, 0x20000, 0x20008, 0xffffffff].map((value) => ({ names: ['personality'], action: ALLOW, args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }] })),
    // Every socket family but AF_VSOCK (40), which talks to the hypervisor rather than the network namespace.
    { names: ['socket'], action: ALLOW, args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
  ];
}

/*
 * Denied for everyone, on purpose (listed so that tests and docs can name them):
 * io_uring_setup/enter/register: a second syscall interface that bypasses seccomp for the operations
 * it submits and has had a long run of privilege-escalation bugs; docker and ChromeOS dropped it too.
 * Programs fall back to epoll/read/write when io_uring_setup fails.
 */
export const ALWAYS_DENIED = [
  'kexec_load', 'kexec_file_load', 'userfaultfd', 'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'nfsservctl',
  'vm86', 'vm86old', 'uselib', 'ustat', 'sysfs', '_sysctl', 'create_module', 'get_kernel_syms', 'query_module',
  'add_key', 'request_key', 'keyctl', 'afs_syscall', 'kern_features',
] as const;

function archesFor(arch: string): string[] {
  const arches = ARCHES[arch];
  if (!arches) throw new HullError('UNSUPPORTED', `Cannot build a seccomp profile for architecture "${arch}": hull supports x86_64 and aarch64`);
  return arches;
}

/** The default profile for a container with docker's default capability set, on `arch` (Node's process.arch). */
export function defaultSeccompProfile(arch: string = process.arch): SeccompProfile {
  const allowed = new Set(Object.values(ALLOWED).flat());
  for (const cap of DEFAULT_CAPABILITIES) for (const name of CAPABILITY_SYSCALLS[cap] ?? []) allowed.add(name);
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: archesFor(arch),
    syscalls: [{ names: [...allowed].sort(), action: ALLOW }, ...conditionalRules()],
  };
}

/**
 * Re-enables what granted capabilities need: their syscalls lose any conditional or refusing rule
 * and get one unconditional allow (libseccomp refuses two actions for one unconditional syscall).
 * Capability names must be canonical (CAP_*). A profile whose default is to allow is returned as is.
 */
export function seccompForCapabilities(profile: SeccompProfile, caps: readonly string[]): SeccompProfile {
  if (profile.defaultAction === ALLOW) return profile;
  const names = new Set(caps.flatMap((c) => CAPABILITY_SYSCALLS[c] ?? []));
  if (names.size === 0) return profile;
  const kept = (profile.syscalls ?? []).flatMap((rule) => {
    if (rule.action === ALLOW && !rule.args?.length) return [rule];
    const rest = rule.names.filter((n) => !names.has(n));
    return rest.length === 0 ? [] : [{ ...rule, names: rest }];
  });
  const already = new Set(kept.filter((r) => r.action === ALLOW && !r.args?.length).flatMap((r) => r.names));
  const added = [...names].filter((n) => !already.has(n)).sort();
  return { ...profile, syscalls: added.length > 0 ? [...kept, { names: added, action: ALLOW }] : kept };
}

// ---------------------------------------------------------------------------------------------
// User profiles: docker's format (names/name, action, args, includes/excludes, archMap) or plain OCI.

interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SeccompLoadContext {
  /** Node's process.arch. */
  arch?: string;
  /** The container's capabilities (CAP_*), for docker's `includes: {caps}` / `excludes: {caps}`. */
  caps?: readonly string[];
}

const ACTIONS = new Set(['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY']);
const OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Pure: docker's and the OCI seccomp JSON -> the profile for this arch and these capabilities. */
export function parseSeccompJson(text: string, source: string, ctx: SeccompLoadContext = {}): SeccompProfile {
  const fail = (why: string) => new HullError('INVALID_ARGUMENT', `Cannot use seccomp profile "${source}": ${why}`, { hint: 'see docs/security.md for the format (docker\'s seccomp JSON)' });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw fail(`it is not valid JSON (${errorMessage(err)})`);
  }
  if (!isObject(raw)) throw fail('expected a JSON object');
  const defaultAction = raw.defaultAction;
  if (typeof defaultAction !== 'string' || !ACTIONS.has(defaultAction)) throw fail(`"defaultAction" must be one of ${[...ACTIONS].join(', ')}`);
  const arch = ctx.arch ?? process.arch;
  const caps = new Set(ctx.caps ?? DEFAULT_CAPABILITIES);
  const native = ARCHES[arch]?.[0];
  // The architectures: explicit, else from archMap the entry for this machine.
  let architectures = strings(raw.architectures);
  if (architectures.length === 0 && Array.isArray(raw.archMap)) {
    const entry = raw.archMap.find((m) => isObject(m) && m.architecture === native);
    if (isObject(entry)) architectures = [native as string, ...strings(entry.subArchitectures)];
  }
  const matches = (f: unknown, include: boolean): boolean => {
    if (!isObject(f)) return include;
    const fc = strings((f as Filter).caps);
    const fa = strings((f as Filter).arches);
    const hitCaps = fc.length === 0 ? include : fc.some((c) => caps.has(c));
    // docker names arches by the kernel's spelling (amd64, arm64, x86_64...).
    const archNames = new Set([arch, ...(arch === 'x64' ? ['amd64', 'x86_64', 'x32', 'x86'] : arch === 'arm64' ? ['aarch64', 'arm'] : [])]);
    const hitArch = fa.length === 0 ? include : fa.some((a) => archNames.has(a));
    return include ? hitCaps && hitArch : (fc.length > 0 && hitCaps) || (fa.length > 0 && hitArch);
  };
  const syscalls: SeccompRule[] = [];
  for (const [i, entry] of (Array.isArray(raw.syscalls) ? raw.syscalls : []).entries()) {
    if (!isObject(entry)) throw fail(`syscalls[${i}] is not an object`);
    const names = [...strings(entry.names), ...(typeof entry.name === 'string' ? [entry.name] : [])];
    if (names.length === 0) throw fail(`syscalls[${i}] names no syscall`);
    if (typeof entry.action !== 'string' || !ACTIONS.has(entry.action)) throw fail(`syscalls[${i}] has an unknown action ${JSON.stringify(entry.action)}`);
    if (!matches(entry.includes, true) || matches(entry.excludes, false)) continue;
    const rule: SeccompRule = { names, action: entry.action };
    if (typeof entry.errnoRet === 'number') rule.errnoRet = entry.errnoRet;
    if (Array.isArray(entry.args) && entry.args.length > 0) {
      rule.args = entry.args.map((a, j) => {
        if (!isObject(a) || typeof a.index !== 'number' || typeof a.value !== 'number' || typeof a.op !== 'string' || !OPS.has(a.op)) throw fail(`syscalls[${i}].args[${j}] needs index, value and a known op`);
        return { index: a.index, value: a.value, ...(typeof a.valueTwo === 'number' ? { valueTwo: a.valueTwo } : {}), op: a.op };
      });
    }
    syscalls.push(rule);
  }
  const profile: SeccompProfile = { defaultAction, architectures, syscalls };
  if (typeof raw.defaultErrnoRet === 'number') profile.defaultErrnoRet = raw.defaultErrnoRet;
  if (architectures.length === 0) delete profile.architectures;
  return profile;
}

/** Reads a profile file (the edge); see parseSeccompJson. */
export function loadSeccompFile(path: string, ctx: SeccompLoadContext = {}): SeccompProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HullError('INVALID_ARGUMENT', `Cannot read seccomp profile "${path}": ${errorMessage(err)}`, { hint: 'give the path of a JSON file, or seccomp=unconfined' });
  }
  return parseSeccompJson(text, path, ctx);
}
