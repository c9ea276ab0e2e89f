import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeccompProfile } from '../oci/runtime-spec.js';
import { isHullError } from '../errors.js';
import { ALWAYS_DENIED, CAPABILITY_SYSCALLS, CLONE_NAMESPACE_FLAGS, defaultSeccompProfile, loadSeccompFile, parseSeccompJson, seccompForCapabilities } from './seccomp.js';

/** What the filter does for a call with no argument rules: 'allow', 'deny' (the default) or 'conditional'. */
function verdict(p: SeccompProfile, name: string): 'allow' | 'deny' | 'conditional' | 'errno' {
  const rules = (p.syscalls ?? []).filter((r) => r.names.includes(name));
  if (rules.length === 0) return p.defaultAction === 'SCMP_ACT_ALLOW' ? 'allow' : 'deny';
  if (rules.some((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args?.length)) return 'allow';
  if (rules.every((r) => r.action === 'SCMP_ACT_ERRNO' && !r.args?.length)) return 'errno';
  return 'conditional';
}

const profile = defaultSeccompProfile('x64');

test('default profile: EPERM for everything not listed, on x86_64 and its compat ABIs', () => {
  assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(profile.defaultErrnoRet, 1);
  assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(defaultSeccompProfile('arm64').architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.throws(() => defaultSeccompProfile('s390x'), (e) => isHullError(e, 'UNSUPPORTED'));
});

test('default profile denies what reaches past the container', () => {
  const denied = ['mount', 'umount2', 'pivot_root', 'reboot', 'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'unshare', 'setns', 'acct', 'settimeofday', 'clock_settime', 'iopl', 'ioperm', 'open_by_handle_at', 'userfaultfd', 'lookup_dcookie', 'quotactl', 'syslog', 'vm86', 'nfsservctl', 'swapon', 'swapoff', 'fsopen', 'fsmount', 'move_mount', 'open_tree', 'io_uring_setup', 'io_uring_enter', 'sethostname'];
  for (const name of denied) assert.equal(verdict(profile, name), 'deny', name);
  for (const name of ALWAYS_DENIED) assert.equal(verdict(profile, name), 'deny', name);
});

test('default profile allows what ordinary programs need', () => {
  const allowed = ['read', 'write', 'openat', 'close', 'execve', 'futex', 'mmap', 'brk', 'rt_sigaction', 'exit_group', 'wait4', 'getpid', 'clock_gettime', 'nanosleep', 'connect', 'bind', 'accept4', 'sendto', 'recvfrom', 'epoll_wait', 'statx', 'getdents64', 'chroot', 'ptrace', 'setuid', 'prctl', 'fork', 'vfork', 'pipe2'];
  for (const name of allowed) assert.equal(verdict(profile, name), 'allow', name);
});

test('clone without namespace flags; clone3 answers ENOSYS; personality and socket narrowed', () => {
  const rule = (name: string) => (profile.syscalls ?? []).filter((r) => r.names.includes(name));
  assert.deepEqual(rule('clone'), [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }]);
  assert.equal(CLONE_NAMESPACE_FLAGS, 0x20000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000);
  assert.deepEqual(rule('clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  assert.deepEqual(rule('personality').map((r) => r.args?.[0]?.value), [0, 8, 0x20000, 0x20008, 0xffffffff]);
  assert.deepEqual(rule('socket'), [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] }]);
});

test('default profile is well formed for runc: no name twice in unconditional rules, JSON round trip', () => {
  const seen = new Map<string, number>();
  for (const r of profile.syscalls ?? []) {
    assert.ok(r.names.length > 0);
    assert.match(r.action, /^SCMP_ACT_(ALLOW|ERRNO)$/);
    if (!r.args?.length) for (const n of r.names) seen.set(n, (seen.get(n) ?? 0) + 1);
    for (const a of r.args ?? []) assert.match(a.op, /^SCMP_CMP_/);
  }
  for (const [name, count] of seen) assert.equal(count, 1, `${name} has ${count} unconditional rules`);
  // No call is both unconditional and conditional (libseccomp would refuse the filter).
  const conditional = new Set((profile.syscalls ?? []).filter((r) => r.args?.length).flatMap((r) => r.names));
  for (const n of conditional) assert.ok(!seen.has(n), n);
  assert.deepEqual(JSON.parse(JSON.stringify(profile)), profile);
});

test('seccompForCapabilities: CAP_SYS_ADMIN re-enables mount, unshare and plain clone/clone3', () => {
  const p = seccompForCapabilities(profile, ['CAP_SYS_ADMIN']);
  for (const n of ['mount', 'umount2', 'unshare', 'setns', 'pivot_root', 'clone', 'clone3', 'sethostname']) assert.equal(verdict(p, n), 'allow', n);
  assert.equal((p.syscalls ?? []).filter((r) => r.names.includes('clone')).length, 1);
  assert.equal(verdict(p, 'kexec_load'), 'deny');
  assert.equal(verdict(p, 'init_module'), 'deny');
  assert.equal(verdict(profile, 'mount'), 'deny', 'the input profile is not changed');
});

test('seccompForCapabilities: each capability opens its own calls only', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['CAP_SYS_PTRACE', ['kcmp', 'pidfd_getfd', 'process_madvise'], ['mount']],
    ['CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module'], ['kexec_load']],
    ['CAP_SYS_BOOT', ['reboot'], ['kexec_load', 'kexec_file_load']],
    ['CAP_SYS_TIME', ['settimeofday', 'clock_settime'], ['mount']],
    ['CAP_SYS_NICE', ['mbind', 'set_mempolicy'], ['mount']],
    ['CAP_SYS_RAWIO', ['iopl', 'ioperm'], ['mount']],
    ['CAP_SYS_PACCT', ['acct'], ['mount']],
    ['CAP_DAC_READ_SEARCH', ['open_by_handle_at'], ['mount']],
    ['CAP_BPF', ['bpf'], ['perf_event_open']],
  ];
  for (const [cap, opened, closed] of cases) {
    const p = seccompForCapabilities(profile, [cap]);
    for (const n of opened) assert.equal(verdict(p, n), 'allow', `${cap}: ${n}`);
    for (const n of closed) assert.equal(verdict(p, n), 'deny', `${cap}: ${n}`);
  }
  assert.equal(seccompForCapabilities(profile, ['CAP_CHOWN']), profile);
  assert.equal(seccompForCapabilities(profile, []), profile);
  for (const names of Object.values(CAPABILITY_SYSCALLS)) for (const n of names) assert.ok(!(ALWAYS_DENIED as readonly string[]).includes(n), n);
});

test('parseSeccompJson: docker format with archMap, names/name and includes/excludes by caps and arch', () => {
  const docker = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [] },
      { name: 'getpid', action: 'SCMP_ACT_ALLOW' },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
      { names: ['set_tls'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
    ],
  };
  const text = JSON.stringify(docker);
  assert.deepEqual(parseSeccompJson(text, 'p.json', { arch: 'x64', caps: ['CAP_CHOWN'] }), {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW' },
    ],
  });
  const admin = parseSeccompJson(text, 'p.json', { arch: 'arm64', caps: ['CAP_SYS_ADMIN'] });
  assert.deepEqual(admin.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.deepEqual((admin.syscalls ?? []).map((r) => r.names[0]), ['read', 'getpid', 'mount', 'set_tls']);
});

test('parseSeccompJson: plain OCI profiles pass through; errors name the file and the problem', () => {
  const oci = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  assert.deepEqual(parseSeccompJson(JSON.stringify(oci), 'x', { arch: 'x64' }), oci);
  const bad: Array<[string, RegExp]> = [
    ['{not json', /Cannot use seccomp profile "f.json": it is not valid JSON/],
    ['[]', /expected a JSON object/],
    ['{"defaultAction":"SCMP_ACT_NOPE"}', /"defaultAction" must be one of/],
    ['{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}', /syscalls\[0\] names no syscall/],
    ['{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"ALLOW"}]}', /syscalls\[0\] has an unknown action "ALLOW"/],
    ['{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"EQ"}]}]}', /syscalls\[0\]\.args\[0\] needs index, value and a known op/],
  ];
  for (const [text, re] of bad) assert.throws(() => parseSeccompJson(text, 'f.json'), (e) => isHullError(e, 'INVALID_ARGUMENT') && re.test(e.message), text);
});

test('loadSeccompFile reads a file and reports a missing one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-seccomp-'));
  try {
    writeFileSync(join(dir, 'p.json'), JSON.stringify(defaultSeccompProfile('x64')));
    assert.deepEqual(loadSeccompFile(join(dir, 'p.json'), { arch: 'x64' }), profile);
    assert.throws(() => loadSeccompFile(join(dir, 'missing.json')), /Cannot read seccomp profile ".*missing.json": ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
