/**
 * DNS on user networks: one aardvark-dns process per runroot (podman's DNS server, Debian's
 * `aardvark-dns`), listening on port 53 of the gateway address of every user network that has a
 * running container, answering container names, aliases and short ids, forwarding the rest.
 *
 *   <runroot>/networks/hull-dns/<networkId>   one file per network (aardvark's config format):
 *       GATEWAY_IP
 *       CONTAINER_ID IPV4 IPV6 NAME,ALIAS,ID12[ UPSTREAM,…]    (the container's --dns servers)
 *   <runroot>/networks/hull-dns/aardvark.pid  written by aardvark itself
 *   <runroot>/networks/hull-dns.tmp/          where files are written before a rename into place
 *                                             (aardvark parses every file of its directory)
 *
 * The files are derived from the sandbox states on every change (attach, detach, connect,
 * disconnect, rename, reconcile), under the runroot's sandbox lock; then aardvark is started
 * (none running), sent SIGHUP (it re-reads everything and rebinds its sockets), or stopped (no
 * file left). Each call waits until aardvark has bound its sockets anew, so a container started
 * after attach returns is answered. Config format and reload: aardvark-dns config.md (v1.4.0),
 * src/config/mod.rs; `aardvark-dns --config DIR -p 53 run` forks and returns once its pid file exists.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { execCapture } from '../sys/exec.js';
import { HOST_PLACE, type NetPlace } from './rootless-netns.js';
import { which } from '../sys/which.js';
import type { Endpoint, SandboxState } from './sandbox.js';

export const DNS_DIR = 'hull-dns';
const PID_FILE = 'aardvark.pid';
const AARDVARK_DIRS = ['/usr/libexec/podman', '/usr/lib/podman', '/usr/local/libexec/podman', '/usr/local/lib/podman'];
const READY_MS = 5000;
export const DAEMON_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export const dnsDir = (runroot: string) => join(runroot, 'networks', DNS_DIR);

let aardvark: string | null | undefined;
/** The aardvark-dns binary (Debian installs it beside podman's helpers, not on PATH). */
export function findAardvark(): string | undefined {
  if (aardvark === undefined) aardvark = which('aardvark-dns') ?? AARDVARK_DIRS.map((d) => join(d, 'aardvark-dns')).find((p) => existsSync(p)) ?? null;
  return aardvark ?? undefined;
}

/** A name aardvark's line format can carry (no space, comma or control character) and DNS allows. */
export const isDnsName = (name: string) => name.length <= 253 && /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(name);

/** The gateway of an endpoint: from the CNI result, else from the network's IPAM config. */
export function endpointGateway(e: Endpoint): string | undefined {
  if (e.gateway) return e.gateway;
  const ipam = e.conflist.plugins[0]?.ipam as { ranges?: Array<Array<{ gateway?: string }>> } | undefined;
  return ipam?.ranges?.[0]?.[0]?.gateway;
}

/** The nameservers a container on these endpoints gets: the gateway of each DNS network, in order. */
export function dnsNameservers(endpoints: Endpoint[]): string[] {
  return [...new Set(endpoints.filter((e) => e.dns).flatMap((e) => endpointGateway(e) ?? []))];
}

/** Pure: network id -> aardvark config file content, for every user network with a container. */
export function planDnsConfigs(sandboxes: SandboxState[]): Map<string, string> {
  const lines = new Map<string, { gateway: string; entries: string[] }>();
  for (const s of [...sandboxes].sort((a, b) => a.id.localeCompare(b.id))) {
    for (const e of s.endpoints) {
      const gateway = endpointGateway(e);
      if (!e.dns || !e.ip || !gateway) continue;
      const names = [...new Set([s.name, ...e.aliases, s.id.slice(0, 12)])].filter(isDnsName);
      const upstream = (s.dns ?? []).filter((d) => isIP(d) !== 0);
      const net = lines.get(e.networkId) ?? { gateway, entries: [] };
      net.entries.push(`${s.id} ${e.ip}  ${names.join(',')}${upstream.length > 0 ? ` ${upstream.join(',')}` : ''}`);
      lines.set(e.networkId, net);
    }
  }
  return new Map([...lines].map(([id, n]) => [id, [n.gateway, ...n.entries].join('\n') + '\n']));
}

function readPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** argv of a process, or undefined when it is gone. */
function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

/** The pid of the aardvark-dns serving `dir`, if it runs (a stale pid file may name a reused pid). */
export function runningAardvark(dir: string): number | undefined {
  const pid = readPid(dir);
  if (pid === undefined) return undefined;
  const argv = cmdline(pid);
  return argv && isOurAardvark(argv, dir) ? pid : undefined;
}

function configOf(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--config' || a === '-c');
  return i >= 0 ? argv[i + 1] : undefined;
}

const isOurAardvark = (argv: string[], dir: string) => (argv[0] ?? '').endsWith('aardvark-dns') && configOf(argv) === dir;

/**
 * Every aardvark-dns serving `dir`, whatever its pid file says: a hull killed between starting one
 * and the pid file being written (or while a second start raced it) leaves one no file names.
 */
function aardvarksServing(dir: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
    const argv = cmdline(pid);
    return argv !== undefined && isOurAardvark(argv, dir);
  });
}

/** Inodes of the UDP sockets bound to ip:53 in hull's network namespace (/proc/net/udp, udp6). */
export function boundInodes(ip: string, table = readUdpTables(HOST_PLACE)): Set<string> {
  const want = `${hexAddress(ip)}:0035`;
  const out = new Set<string>();
  for (const line of table.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === want && f[9] !== undefined) out.add(f[9]);
  }
  return out;
}

function readUdpTables(place: NetPlace): string {
  return [`${place.procNet}/udp`, `${place.procNet}/udp6`].map((p) => (existsSync(p) ? readFileSync(p, 'utf8') : '')).join('\n');
}

/** /proc/net/udp's address form: an IPv4 address as one little-endian 32-bit hex word. */
export function hexAddress(ip: string): string {
  return ip
    .split('.')
    .reverse()
    .map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0'))
    .join('');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until every gateway has a port-53 socket that is not one of `old` (aardvark rebinds on reload). */
async function waitListening(pid: number | undefined, dir: string, gateways: string[], old: Map<string, Set<string>>, place: NetPlace): Promise<void> {
  const deadline = Date.now() + READY_MS;
  for (;;) {
    const table = readUdpTables(place);
    const pending = gateways.filter((g) => ![...boundInodes(g, table)].some((i) => !old.get(g)?.has(i)));
    if (pending.length === 0) return;
    const alive = runningAardvark(dir) ?? (pid !== undefined && cmdline(pid) ? pid : undefined);
    if (alive === undefined || Date.now() > deadline) {
      throw new HullError('RUNTIME_FAILED', `Cannot serve DNS for containers on ${pending.join(', ')}: aardvark-dns ${alive === undefined ? 'exited' : 'did not listen'} on port 53 there`, {
        hint: 'another DNS server may hold port 53 on that address (ss -lunp); aardvark-dns logs to syslog',
      });
    }
    await sleep(10);
  }
}

async function stopAardvark(pid: number, dir: string): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + READY_MS;
  while (cmdline(pid) && isOurAardvark(cmdline(pid) ?? [], dir)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      break;
    }
    await sleep(10);
  }
  rmSync(join(dir, PID_FILE), { force: true });
}

/**
 * Brings the DNS files and the aardvark process of a runroot in line with its sandboxes. Call
 * under the runroot's sandbox lock. Without aardvark-dns installed it does nothing (names then
 * resolve through /etc/hosts only, and containers keep the host's resolvers).
 */
export async function syncDns(runroot: string, sandboxes: SandboxState[], getPlace: () => Promise<NetPlace> = async () => HOST_PLACE): Promise<void> {
  const bin = findAardvark();
  const dir = dnsDir(runroot);
  if (!bin) return;
  const plans = planDnsConfigs(sandboxes);
  const pid = runningAardvark(dir);
  if (plans.size === 0 && !existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${dir}.tmp`;
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  let changed = false;
  for (const f of readdirSync(dir)) {
    if (f === PID_FILE || plans.has(f)) continue;
    rmSync(join(dir, f), { force: true, recursive: true }); // a network left, or debris
    changed = true;
  }
  for (const [id, content] of plans) {
    let old: string | undefined;
    try {
      old = readFileSync(join(dir, id), 'utf8');
    } catch {
      // new network
    }
    if (old === content) continue;
    writeFileSync(join(tmp, id), content, { mode: 0o600 });
    renameSync(join(tmp, id), join(dir, id));
    changed = true;
  }
  if (plans.size === 0) {
    // Scan again after each round of stops: a server whose starter was killed while it daemonised
    // may have forked its daemon just before we stopped it; a fork is in /proc by the time its
    // parent is dead, so a scan that finds nothing after the stops has found them all.
    for (let round = 0, found = new Set([...(pid !== undefined ? [pid] : []), ...aardvarksServing(dir)]); found.size > 0 && round < 5; round++, found = new Set(aardvarksServing(dir))) {
      for (const p of found) await stopAardvark(p, dir);
    }
    rmSync(join(dir, PID_FILE), { force: true });
    return;
  }
  const gateways = [...new Set([...plans.values()].map((c) => c.slice(0, c.indexOf('\n'))))];
  const place = await getPlace();
  if (pid !== undefined && changed) {
    const table = readUdpTables(place);
    const old = new Map(gateways.map((g) => [g, boundInodes(g, table)]));
    if (signal(pid, 'SIGHUP')) return waitListening(pid, dir, gateways, old, place);
  }
  if (pid === undefined || !runningAardvark(dir)) {
    for (const stray of aardvarksServing(dir)) await stopAardvark(stray, dir); // port 53 must be free for the new one
    // A daemon: no user environment (RUST_LOG and the like), and no hold on the caller's cwd.
    const r = await execCapture([...place.prefix, bin, '--config', dir, '-p', '53', 'run'], { cwd: '/', env: { PATH: DAEMON_PATH } });
    if (r.code !== 0) throw new HullError('RUNTIME_FAILED', `Cannot start aardvark-dns for the networks of ${runroot}: it exited with ${r.code}: ${r.stderr.trim()}`);
    await waitListening(readPid(dir), dir, gateways, new Map(), place);
  }
}

/** Whether a process belongs to this process's user (in a rootless namespace, others' show as nobody). */
function ownProcess(pid: number): boolean {
  try {
    return statSync(`/proc/${pid}`).uid === (process.getuid?.() ?? 0);
  } catch {
    return false;
  }
}

/** false when the process is gone (it died since it was looked up). */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return false;
    throw err;
  }
}

/** Whether the DNS process of a runroot disagrees with its files (it was killed, or outlived them). */
export function dnsNeedsSync(runroot: string): boolean {
  const dir = dnsDir(runroot);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f !== PID_FILE);
  } catch {
    return false;
  }
  if (files.length > 0) return runningAardvark(dir) === undefined;
  // No network needs DNS: any process still serving the directory (even one no pid file names) goes.
  return aardvarksServing(dir).length > 0;
}

/**
 * aardvark-dns processes of hull stores that no longer exist (a runroot removed with rm -rf):
 * their sockets would hold port 53 of an address that a new network may reuse. Host-wide.
 */
export async function stopOrphanedAardvarks(): Promise<number> {
  let stopped = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = cmdline(Number(entry));
    const dir = argv && (argv[0] ?? '').endsWith('aardvark-dns') ? configOf(argv) : undefined;
    if (!dir || !dir.endsWith(`/networks/${DNS_DIR}`) || existsSync(dir)) continue;
    if (!ownProcess(Number(entry))) continue; // another user's (rootless mode): neither ours to judge nor to stop
    await stopAardvark(Number(entry), dir);
    stopped++;
  }
  return stopped;
}
