import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHullError } from '../errors.js';
import type { RuntimeSpec, SeccompProfile } from '../oci/runtime-spec.js';
import { parseProcLimits } from '../sys/host-limits.js';
import { generateSpec } from './spec.js';
import { CAPABILITY_NAMES, capabilitiesFromMask, DEFAULT_SECURITY, appArmorProfileText, applySecurity, computeCapabilities, parseSecurityOpts, securityOptionsFrom, type SecurityHost, type SecurityOptions } from './security.js';
import { defaultSeccompProfile } from './seccomp.js';

const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP'];

const caps = (capAdd: string[], capDrop: string[] = [], privileged = false, lastCap = 40) => computeCapabilities({ privileged, capAdd, capDrop }, lastCap);

test('parseSecurityOpts: golden vectors', () => {
  const cases: Array<[string[], Partial<SecurityOptions>]> = [
    [[], {}],
    [['no-new-privileges'], { noNewPrivileges: true }],
    [['no-new-privileges=true'], { noNewPrivileges: true }],
    [['no-new-privileges=false'], { noNewPrivileges: false }],
    [['no-new-privileges:true'], { noNewPrivileges: true }],
    [['seccomp=unconfined'], { seccomp: 'unconfined' }],
    [['seccomp:unconfined'], { seccomp: 'unconfined' }],
    [['seccomp=/etc/p.json'], { seccomp: { file: '/etc/p.json' } }],
    [['seccomp=./rel=odd.json'], { seccomp: { file: './rel=odd.json' } }],
    [['apparmor=unconfined'], { apparmor: 'unconfined' }],
    [['apparmor=my-profile'], { apparmor: 'my-profile' }],
    [['label=disable'], {}],
    [['label=type:svirt_apache_t', 'no-new-privileges=false', 'seccomp=unconfined'], { noNewPrivileges: false, seccomp: 'unconfined' }],
  ];
  for (const [flags, want] of cases) assert.deepEqual(parseSecurityOpts(flags), want, flags.join(' '));
});

test('parseSecurityOpts refuses unknown options and bad values', () => {
  for (const flag of ['bogus', 'no-new-privileges=maybe', 'seccomp', 'seccomp=', 'apparmor', 'label', 'systempaths=unconfined', 'SECCOMP=unconfined']) {
    assert.throws(() => parseSecurityOpts([flag]), (e) => isHullError(e, 'INVALID_ARGUMENT') && e.message.startsWith(`Cannot use --security-opt "${flag}"`) && (e.hint ?? '').includes('no-new-privileges'), flag);
  }
});

test('securityOptionsFrom: defaults, and --privileged turns no_new_privs off unless asked for', () => {
  assert.deepEqual(securityOptionsFrom({}), DEFAULT_SECURITY);
  assert.deepEqual(securityOptionsFrom({ privileged: true }), { ...DEFAULT_SECURITY, privileged: true, noNewPrivileges: false });
  assert.deepEqual(securityOptionsFrom({ privileged: true, securityOpt: ['no-new-privileges'] }), { ...DEFAULT_SECURITY, privileged: true, noNewPrivileges: true });
  assert.deepEqual(securityOptionsFrom({ capAdd: ['NET_ADMIN'], securityOpt: ['seccomp=unconfined'] }), { ...DEFAULT_SECURITY, capAdd: ['NET_ADMIN'], seccomp: 'unconfined' });
});

test('computeCapabilities: defaults, add, drop, ALL, prefixes and case', () => {
  assert.deepEqual(new Set(caps([])), new Set(DEFAULT_CAPS));
  assert.equal(caps([]).length, 14);
  assert.deepEqual(caps(['NET_ADMIN']).filter((c) => !DEFAULT_CAPS.includes(c)), ['CAP_NET_ADMIN']);
  assert.deepEqual(caps(['cap_sys_admin', 'Sys_Ptrace']).filter((c) => !DEFAULT_CAPS.includes(c)), ['CAP_SYS_PTRACE', 'CAP_SYS_ADMIN']);
  assert.ok(!caps([], ['chown']).includes('CAP_CHOWN'));
  assert.deepEqual(caps([], ['ALL']), []);
  assert.deepEqual(caps(['NET_BIND_SERVICE'], ['all']), ['CAP_NET_BIND_SERVICE']);
  assert.deepEqual(caps(['ALL']), CAPABILITY_NAMES.slice());
  assert.deepEqual(caps(['ALL'], ['SYS_ADMIN', 'CAP_NET_ADMIN']), CAPABILITY_NAMES.filter((c) => c !== 'CAP_SYS_ADMIN' && c !== 'CAP_NET_ADMIN'));
  assert.ok(!caps(['SYS_ADMIN'], ['SYS_ADMIN']).includes('CAP_SYS_ADMIN'), 'drop after add');
  assert.deepEqual(caps([], [], true, 40), CAPABILITY_NAMES.slice());
  assert.deepEqual(caps([], [], true, 37), CAPABILITY_NAMES.slice(0, 38), 'privileged = the caps of this kernel');
  assert.deepEqual(caps([], ['chown'], true).length, 41, 'docker: --privileged ignores --cap-drop');
});

test('computeCapabilities: limited by hull\'s own bounding set (a restricted host)', () => {
  const bounding = capabilitiesFromMask('000001fffeffffff');
  assert.ok(!bounding.includes('CAP_SYS_RESOURCE') && bounding.includes('CAP_SYS_ADMIN') && bounding.length === 40);
  assert.deepEqual(capabilitiesFromMask('00000000a80425fb'), [...DEFAULT_CAPS].sort((a, b) => CAPABILITY_NAMES.indexOf(a as never) - CAPABILITY_NAMES.indexOf(b as never)));
  assert.deepEqual(computeCapabilities({ privileged: true, capAdd: [], capDrop: [] }, 40, bounding), bounding);
  assert.deepEqual(computeCapabilities({ privileged: false, capAdd: ['ALL'], capDrop: [] }, 40, bounding), bounding);
  assert.throws(() => computeCapabilities({ privileged: false, capAdd: ['SYS_RESOURCE'], capDrop: [] }, 40, bounding), (e) => isHullError(e, 'PERMISSION_DENIED') && /Cannot use --cap-add "CAP_SYS_RESOURCE": hull itself does not hold it/.test(e.message));
});

test('computeCapabilities refuses unknown names and those this kernel lacks, listing valid ones', () => {
  assert.throws(() => caps(['FLY']), (e) => isHullError(e, 'INVALID_ARGUMENT') && e.message === 'Cannot use --cap-add "FLY": unknown capability' && (e.hint ?? '').includes('NET_ADMIN'));
  assert.throws(() => caps([], ['CAP_NOPE']), /Cannot use --cap-drop "CAP_NOPE": unknown capability/);
  assert.throws(() => caps(['CHECKPOINT_RESTORE'], [], false, 39), /unknown capability/);
});

const LIMITS = parseProcLimits('Max open files            1024                 20000                files\n');
const BASE: RuntimeSpec = generateSpec({
  id: 'c1', rootfs: '/r', args: ['sh'], env: [], cwd: '/', user: { uid: 0, gid: 0 }, hostname: 'h', terminal: false,
  etcFiles: { hosts: '/e/hosts', hostname: '/e/hostname', resolvConf: '/e/resolv.conf' }, hostLimits: LIMITS,
});
const HOST: SecurityHost = { lastCap: 40, apparmorEnabled: false, arch: 'x64' };
const seccompNames = (p: SeccompProfile | undefined, action = 'SCMP_ACT_ALLOW') => new Set((p?.syscalls ?? []).filter((r) => r.action === action && !r.args?.length).flatMap((r) => r.names));

test('applySecurity with the defaults: default caps, default seccomp, nnp, no AppArmor here; input untouched', () => {
  const before = JSON.stringify(BASE);
  const spec = applySecurity(BASE, DEFAULT_SECURITY, HOST);
  assert.equal(JSON.stringify(BASE), before);
  assert.deepEqual(new Set(spec.process.capabilities?.bounding), new Set(DEFAULT_CAPS));
  assert.deepEqual(spec.process.capabilities?.effective, spec.process.capabilities?.bounding);
  assert.deepEqual(spec.process.capabilities?.permitted, spec.process.capabilities?.bounding);
  assert.equal(spec.process.noNewPrivileges, true);
  assert.equal(spec.process.apparmorProfile, undefined);
  assert.deepEqual(spec.linux.seccomp, defaultSeccompProfile('x64'));
  assert.deepEqual(spec.linux.maskedPaths, BASE.linux.maskedPaths);
  assert.deepEqual(spec.linux.resources?.devices, [{ allow: false, access: 'rwm' }]);
  assert.ok(spec.mounts.find((m) => m.destination === '/sys')?.options?.includes('ro'));
});

test('applySecurity: --cap-add SYS_ADMIN widens seccomp; unconfined drops it; nnp=false', () => {
  const admin = applySecurity(BASE, { ...DEFAULT_SECURITY, capAdd: ['SYS_ADMIN'] }, HOST);
  assert.ok(admin.process.capabilities?.bounding.includes('CAP_SYS_ADMIN'));
  assert.ok(seccompNames(admin.linux.seccomp).has('mount'));
  assert.ok(seccompNames(admin.linux.seccomp).has('clone'));
  const unconfined = applySecurity(BASE, { ...DEFAULT_SECURITY, seccomp: 'unconfined', noNewPrivileges: false }, HOST);
  assert.equal(unconfined.linux.seccomp, undefined);
  assert.equal(unconfined.process.noNewPrivileges, false);
});

test('applySecurity: a seccomp file is used as loaded at the edge', () => {
  const custom: SeccompProfile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  assert.deepEqual(applySecurity(BASE, { ...DEFAULT_SECURITY, seccomp: { file: '/p.json' } }, { ...HOST, seccompProfile: custom }).linux.seccomp, custom);
  assert.throws(() => applySecurity(BASE, { ...DEFAULT_SECURITY, seccomp: { file: '/p.json' } }, HOST), (e) => isHullError(e, 'INTERNAL'));
});

test('applySecurity: --privileged lifts masks, read-only paths, /sys ro, the device allowlist and seccomp', () => {
  const devices = [{ path: '/dev/fuse', type: 'c' as const, major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }];
  const spec = applySecurity(BASE, securityOptionsFrom({ privileged: true }), { ...HOST, devices });
  assert.deepEqual(spec.process.capabilities?.bounding, CAPABILITY_NAMES.slice());
  assert.equal(spec.linux.seccomp, undefined);
  assert.equal(spec.process.noNewPrivileges, false);
  assert.deepEqual(spec.linux.maskedPaths, []);
  assert.deepEqual(spec.linux.readonlyPaths, []);
  assert.deepEqual(spec.linux.resources?.devices, [{ allow: true, access: 'rwm' }]);
  assert.deepEqual(spec.linux.devices, devices);
  assert.deepEqual(spec.mounts.find((m) => m.destination === '/sys')?.options, ['nosuid', 'noexec', 'nodev', 'rw']);
  assert.deepEqual(spec.mounts.find((m) => m.destination === '/sys/fs/cgroup')?.options, ['nosuid', 'noexec', 'nodev', 'relatime', 'rw']);
  assert.deepEqual(spec.mounts.find((m) => m.destination === '/proc'), BASE.mounts.find((m) => m.destination === '/proc'));
  assert.equal(spec.process.apparmorProfile, undefined);
});

test('applySecurity: AppArmor where enabled (hull-default, requested, unconfined, privileged) and refused where not', () => {
  const on = { ...HOST, apparmorEnabled: true };
  assert.equal(applySecurity(BASE, DEFAULT_SECURITY, on).process.apparmorProfile, 'hull-default');
  assert.equal(applySecurity(BASE, { ...DEFAULT_SECURITY, apparmor: 'my-prof' }, on).process.apparmorProfile, 'my-prof');
  assert.equal(applySecurity(BASE, { ...DEFAULT_SECURITY, apparmor: 'unconfined' }, on).process.apparmorProfile, undefined);
  assert.equal(applySecurity(BASE, securityOptionsFrom({ privileged: true }), on).process.apparmorProfile, undefined);
  assert.equal(applySecurity(BASE, { ...securityOptionsFrom({ privileged: true }), apparmor: 'x' }, on).process.apparmorProfile, 'x');
  // Off (this machine): nothing set; an explicit profile is refused rather than silently ignored.
  assert.equal(applySecurity(BASE, DEFAULT_SECURITY, HOST).process.apparmorProfile, undefined);
  assert.equal(applySecurity(BASE, { ...DEFAULT_SECURITY, apparmor: 'unconfined' }, HOST).process.apparmorProfile, undefined);
  assert.throws(() => applySecurity(BASE, { ...DEFAULT_SECURITY, apparmor: 'my-prof' }, HOST), (e) => isHullError(e, 'UNSUPPORTED') && /AppArmor is not enabled on this host/.test(e.message));
});

test('the hull-default AppArmor profile names itself and denies mount', () => {
  const text = appArmorProfileText();
  assert.match(text, /^profile hull-default flags=\(attach_disconnected,mediate_deleted\) \{$/m);
  assert.match(text, /deny mount,/);
  assert.match(text, /ptrace \(trace,read,tracedby,readby\) peer=hull-default,/);
});
