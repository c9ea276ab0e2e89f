/**
 * Security settings of a container: capabilities, seccomp, no_new_privs, AppArmor, --privileged.
 *
 *   flags (--cap-add, --cap-drop, --privileged, --security-opt)
 *     -> parseSecurityOpts / securityOptionsFrom      pure: SecurityOptions
 *     -> readSecurityHost(opts)                       the edge: cap_last_cap, AppArmor, /dev, a seccomp file
 *     -> applySecurity(spec, opts, host)              pure: a new RuntimeSpec
 *
 * The rules are docker's (moby oci/caps, daemon/oci_linux.go), with one documented difference:
 * no_new_privs is on by default (as hull always had it), see docs/security.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import type { RuntimeSpec, SeccompProfile, SpecDevice } from '../oci/runtime-spec.js';
import { DEFAULT_CAPABILITIES } from './defaults.js';
import { defaultSeccompProfile, loadSeccompFile, seccompForCapabilities } from './seccomp.js';
import { listHostDevices } from './devices.js';

export interface SecurityOptions {
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  noNewPrivileges: boolean;
  seccomp: 'default' | 'unconfined' | { file: string };
  /** An AppArmor profile name, or "unconfined"; undefined = hull-default where AppArmor is enabled. */
  apparmor?: string;
  /** Replacements for the spec's default maskedPaths/readonlyPaths (privileged clears both anyway). */
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

/** What applySecurity needs to know about the host, read at the edge by readSecurityHost. */
export interface SecurityHost {
  /** /proc/sys/kernel/cap_last_cap: the highest capability number this kernel knows. */
  lastCap: number;
  /** hull's own bounding set (CapBnd); undefined = every capability up to lastCap. */
  boundingSet?: string[];
  /** AppArmor is enabled in the kernel and its tools are installed. */
  apparmorEnabled: boolean;
  /** Host device nodes, given to --privileged containers (see listHostDevices). */
  devices?: SpecDevice[];
  /** Node's process.arch; default the current one. */
  arch?: string;
  /** The parsed profile when opts.seccomp is {file}: files are read at the edge. */
  seccompProfile?: SeccompProfile;
}

export const APPARMOR_DEFAULT_PROFILE = 'hull-default';

/** Index = capability number (linux/capability.h). Kernels newer than this list get no extra names. */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** hull's defaults: docker's, except no_new_privs (see the file comment). */
export const DEFAULT_SECURITY: SecurityOptions = { privileged: false, capAdd: [], capDrop: [], noNewPrivileges: true, seccomp: 'default' };

const SECURITY_OPT_HINT = 'expected no-new-privileges[=true|false], seccomp=unconfined, seccomp=PROFILE.json, apparmor=PROFILE|unconfined or label=...';

/** Pure: `--security-opt` values -> the options they set. Docker's old `key:value` spelling is accepted too. */
export function parseSecurityOpts(flags: readonly string[]): Partial<SecurityOptions> {
  const out: Partial<SecurityOptions> = {};
  for (const flag of flags) {
    const m = /^([a-z-]+)(?:[=:](.*))?$/s.exec(flag);
    const key = m?.[1];
    const value = m?.[2];
    const bad = (why: string) => new HullError('INVALID_ARGUMENT', `Cannot use --security-opt "${flag}": ${why}`, { hint: SECURITY_OPT_HINT });
    switch (key) {
      case 'no-new-privileges':
        if (value !== undefined && value !== 'true' && value !== 'false') throw bad('the value must be true or false');
        out.noNewPrivileges = value !== 'false';
        break;
      case 'seccomp':
        if (!value) throw bad('name a profile file, or "unconfined"');
        out.seccomp = value === 'unconfined' ? 'unconfined' : { file: value };
        break;
      case 'apparmor':
        if (!value) throw bad('name a profile, or "unconfined"');
        out.apparmor = value;
        break;
      case 'label':
        // SELinux labels: accepted for compatibility with docker command lines and ignored, since
        // hull does not label containers (Debian runs without SELinux). See docs/security.md.
        if (!value) throw bad('expected label=user:..., role:..., type:..., level:... or disable');
        break;
      default:
        throw bad('unknown option');
    }
  }
  return out;
}

/** Pure: the flags of run/create -> complete SecurityOptions. --privileged turns no_new_privs off unless asked for. */
export function securityOptionsFrom(flags: { privileged?: boolean; capAdd?: string[]; capDrop?: string[]; securityOpt?: string[] }): SecurityOptions {
  const privileged = flags.privileged ?? false;
  return {
    ...DEFAULT_SECURITY,
    ...(privileged ? { noNewPrivileges: false } : {}),
    ...parseSecurityOpts(flags.securityOpt ?? []),
    privileged,
    capAdd: flags.capAdd ?? [],
    capDrop: flags.capDrop ?? [],
  };
}

function knownCapabilities(lastCap: number): string[] {
  return CAPABILITY_NAMES.slice(0, Math.max(0, lastCap) + 1);
}

/** "sys_admin", "CAP_SYS_ADMIN", "Sys_Admin" -> "CAP_SYS_ADMIN"; "all" -> "ALL"; unknown names refused. */
function normalizeCapability(name: string, flag: string, known: readonly string[]): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const canonical = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!known.includes(canonical)) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use --${flag} "${name}": unknown capability`, {
      hint: `valid names (with or without CAP_, any case): ALL, ${known.map((c) => c.slice(4)).join(', ')}`,
    });
  }
  return canonical;
}

/**
 * Pure: the capability set of a container. --privileged = every capability of this kernel that
 * hull holds itself (`bounding`).
 * Otherwise docker's default set, then: --cap-add ALL adds all; --cap-drop ALL starts from nothing
 * (so `--cap-drop ALL --cap-add NET_BIND_SERVICE` keeps just that one); a name both added and
 * dropped is dropped (drop after add).
 */
export function computeCapabilities(opts: Pick<SecurityOptions, 'privileged' | 'capAdd' | 'capDrop'>, lastCap: number = CAPABILITY_NAMES.length - 1, bounding?: readonly string[]): string[] {
  const known = knownCapabilities(lastCap);
  const adds = opts.capAdd.map((c) => normalizeCapability(c, 'cap-add', known));
  const drops = opts.capDrop.map((c) => normalizeCapability(c, 'cap-drop', known));
  // hull cannot give what it does not hold itself (when it runs inside a restricted container or
  // VM): runc would fail with "unable to apply caps". ALL and --privileged mean all that hull holds.
  const holdable = bounding === undefined ? known : known.filter((c) => bounding.includes(c));
  for (const c of adds) {
    if (c !== 'ALL' && !holdable.includes(c)) {
      throw new HullError('PERMISSION_DENIED', `Cannot use --cap-add "${c}": hull itself does not hold it (missing from its bounding set)`, {
        hint: 'run hull with that capability (it is restricted by whatever started hull), or drop the flag',
      });
    }
  }
  if (opts.privileged) return [...holdable];
  const caps = new Set<string>(drops.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => holdable.includes(c)));
  for (const c of adds.includes('ALL') ? holdable : adds) caps.add(c);
  for (const c of drops) if (c !== 'ALL') caps.delete(c);
  return known.filter((c) => caps.has(c)); // kernel order: stable output for inspect and golden tests
}

/** Pure: a capability mask as in /proc/PID/status (CapBnd: 000001fffeffffff) -> names. */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  return CAPABILITY_NAMES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

/** The edge: hull's own bounding set. */
export function readBoundingSet(): string[] | undefined {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapBnd:'));
    return line === undefined ? undefined : capabilitiesFromMask(line.slice('CapBnd:'.length));
  } catch {
    return undefined;
  }
}

/** The mount options with `ro` switched to `rw`. */
const writable = (options: string[] | undefined) => (options ?? []).map((o) => (o === 'ro' ? 'rw' : o));

/** Pure: applies the security options to a spec, returning a new one. */
export function applySecurity(spec: RuntimeSpec, opts: SecurityOptions, host: SecurityHost): RuntimeSpec {
  const caps = computeCapabilities(opts, host.lastCap, host.boundingSet);
  const process = { ...spec.process, capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] }, noNewPrivileges: opts.noNewPrivileges };
  delete process.apparmorProfile;
  const linux = { ...spec.linux };
  let mounts = spec.mounts;

  // seccomp: none when privileged or unconfined; a user's file as given (its includes already
  // evaluated for these caps); else the default, widened for the granted capabilities.
  delete linux.seccomp;
  if (!opts.privileged && opts.seccomp !== 'unconfined') {
    if (opts.seccomp === 'default') linux.seccomp = seccompForCapabilities(defaultSeccompProfile(host.arch), caps);
    else if (host.seccompProfile) linux.seccomp = host.seccompProfile;
    else throw new HullError('INTERNAL', `Cannot use seccomp profile "${opts.seccomp.file}": it was not loaded (readSecurityHost reads it)`);
  }

  // AppArmor, where the kernel has it: hull-default unless another profile (or unconfined) is asked for.
  const requested = opts.apparmor ?? (opts.privileged ? 'unconfined' : APPARMOR_DEFAULT_PROFILE);
  if (host.apparmorEnabled) {
    if (requested !== 'unconfined') process.apparmorProfile = requested;
  } else if (opts.apparmor !== undefined && opts.apparmor !== 'unconfined') {
    throw new HullError('UNSUPPORTED', `Cannot use --security-opt apparmor=${opts.apparmor}: AppArmor is not enabled on this host`, {
      hint: 'remove the option, or enable AppArmor in the kernel (security=apparmor) and install apparmor',
    });
  }

  if (opts.maskedPaths) linux.maskedPaths = [...opts.maskedPaths];
  if (opts.readonlyPaths) linux.readonlyPaths = [...opts.readonlyPaths];
  if (opts.privileged) {
    // Everything docker's --privileged lifts: masks, read-only /proc paths, read-only /sys and
    // cgroupfs, the device allowlist; and the host's device nodes are created in /dev.
    linux.maskedPaths = [];
    linux.readonlyPaths = [];
    linux.resources = { ...linux.resources, devices: [{ allow: true, access: 'rwm' }] };
    linux.devices = [...(linux.devices ?? []).filter((d) => !(host.devices ?? []).some((h) => h.path === d.path)), ...(host.devices ?? [])];
    mounts = mounts.map((m) => (m.type === 'sysfs' || m.type === 'cgroup' || m.type === 'cgroup2' ? { ...m, options: writable(m.options) } : m));
  }
  return { ...spec, process, mounts, linux };
}

/** AppArmor is usable: enabled in the kernel and apparmor_parser is installed (docker's HostSupports). */
export function apparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y') && ['/sbin/apparmor_parser', '/usr/sbin/apparmor_parser'].some((p) => existsSync(p));
  } catch {
    return false;
  }
}

/** The edge: reads what applySecurity needs from the host. */
export function readSecurityHost(opts: SecurityOptions): SecurityHost {
  const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  const host: SecurityHost = { lastCap: Number.isInteger(lastCap) ? lastCap : CAPABILITY_NAMES.length - 1, apparmorEnabled: apparmorEnabled(), arch: process.arch };
  const bounding = readBoundingSet();
  if (bounding) host.boundingSet = bounding;
  if (opts.privileged) host.devices = listHostDevices();
  if (host.apparmorEnabled && !opts.privileged && (opts.apparmor ?? APPARMOR_DEFAULT_PROFILE) === APPARMOR_DEFAULT_PROFILE) ensureAppArmorProfile();
  if (typeof opts.seccomp === 'object' && !opts.privileged) host.seccompProfile = loadSeccompFile(opts.seccomp.file, { arch: process.arch, caps: computeCapabilities(opts, host.lastCap, host.boundingSet) });
  return host;
}

/**
 * The text of the hull-default AppArmor profile (loaded with `apparmor_parser -Kr` where AppArmor is
 * enabled; see ensureAppArmorProfile). Like docker-default: files and networking allowed; mounting,
 * writes to most of /proc and /sys, and ptrace of processes outside the profile denied.
 */
export function appArmorProfileText(name: string = APPARMOR_DEFAULT_PROFILE): string {
  return `#include <tunables/global>

profile ${name} flags=(attach_disconnected,mediate_deleted) {
  #include <abstractions/base>

  network,
  capability,
  file,
  umount,
  signal (receive) peer=unconfined,
  signal (send,receive) peer=${name},

  deny @{PROC}/* w,   # no writes to files directly in /proc
  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}/** w,
  deny @{PROC}/sys/[^k]** w,
  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,
  deny @{PROC}/sysrq-trigger rwklx,
  deny @{PROC}/kcore rwklx,
  deny mount,
  deny /sys/[^f]*/** wklx,
  deny /sys/f[^s]*/** wklx,
  deny /sys/fs/[^c]*/** wklx,
  deny /sys/fs/c[^g]*/** wklx,
  deny /sys/fs/cg[^r]*/** wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/kernel/security/** rwklx,

  ptrace (trace,read,tracedby,readby) peer=${name},
}
`;
}

/** Loads hull-default into the kernel unless it is there already (docker loads docker-default the same way). */
export function ensureAppArmorProfile(name: string = APPARMOR_DEFAULT_PROFILE): void {
  let loaded = '';
  try {
    loaded = readFileSync('/sys/kernel/security/apparmor/profiles', 'utf8');
  } catch {
    // securityfs not mounted: try to load anyway, apparmor_parser reports what is wrong
  }
  if (loaded.split('\n').some((l) => l.startsWith(`${name} `))) return;
  const dir = mkdtempSync(join(tmpdir(), 'hull-apparmor-'));
  try {
    writeFileSync(join(dir, name), appArmorProfileText(name));
    const r = spawnSync('apparmor_parser', ['-Kr', join(dir, name)], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new HullError('RUNTIME_FAILED', `Cannot load AppArmor profile "${name}": ${(r.stderr || r.error?.message || '').trim()}`, {
        hint: 'run hull as root on a host with apparmor_parser, or use --security-opt apparmor=unconfined',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
