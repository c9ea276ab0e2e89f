/**
 * slirp4netns (Debian's), the other rootless default network, as podman's `--network slirp4netns`
 * (or `default_rootless_network_cmd = "slirp4netns"`, rootless-network-cmd.ts): one per
 * container, in the host's network namespace as the user, connected to a tap device in the
 * container's namespace, which it configures podman's way (`--configure`: 10.0.2.100/24,
 * gateway 10.0.2.2, DNS forwarder 10.0.2.3).
 *
 * Published ports go through its API socket (`add_hostfwd`, slirp4netns(1) "API"): slirp4netns
 * itself binds the host port and forwards into the namespace, keeping the client's address
 * (podman's `port_handler=slirp4netns`). It binds IPv4 only, as podman's slirp4netns handler does.
 *
 * Unlike pasta it does not fork into the background nor exit when the namespace goes (it holds
 * the namespace's tap open), so hull records its pid at once and stops it on detach.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { HullError, errnoCode, showUntrusted } from '../errors.js';
import { processStartTime } from '../sys/lock.js';
import { which } from '../sys/which.js';
import { DAEMON_PATH } from './dns.js';
import type { PortBinding } from './ports.js';

export interface Slirp4netnsProcess {
  pid: number;
  /** /proc start time: a recycled pid is never killed. */
  start: string;
  apiSocket: string;
}

/** The resolver slirp4netns --configure offers the container (it forwards to the host's). */
export const SLIRP_DNS = '10.0.2.3';
const READY_MS = 20_000;

/** Pure: slirp4netns's argv (podman's: a sandboxed, seccomp-filtered slirp4netns, no host loopback). */
export function planSlirp4netns(binary: string, netns: string, apiSocket: string): string[] {
  return [binary, '--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--ready-fd=3', `--api-socket=${apiSocket}`, '--netns-type=path', netns, 'tap0'];
}

/** Pure: the API request that publishes one port. */
export function planHostfwd(p: PortBinding): { execute: 'add_hostfwd'; arguments: { proto: string; host_addr: string; host_port: number; guest_port: number } } {
  return { execute: 'add_hostfwd', arguments: { proto: p.protocol, host_addr: p.hostIp || '0.0.0.0', host_port: p.hostPort, guest_port: p.containerPort } };
}

/** One request on the API socket; slirp4netns answers and closes. */
function apiCall(socket: string, request: object): Promise<{ return?: unknown; error?: { desc?: string } }> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    const chunks: Buffer[] = [];
    s.on('connect', () => s.write(JSON.stringify(request)));
    s.on('data', (b: Buffer) => chunks.push(b));
    s.on('error', reject);
    s.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString()) as { return?: unknown; error?: { desc?: string } });
      } catch (err) {
        reject(err as Error);
      }
    });
    s.setTimeout(READY_MS, () => s.destroy(new Error('no answer')));
  });
}

/**
 * Starts slirp4netns for a namespace; `record` is called right after the spawn so the caller
 * persists the pid at once. Resolves once it has configured the namespace and bound every port.
 */
export async function startSlirp4netns(netns: string, ports: PortBinding[], apiSocket: string, container: string, record: (p: Slirp4netnsProcess) => void): Promise<Slirp4netnsProcess> {
  const binary = which('slirp4netns');
  if (!binary) throw new HullError('NOT_FOUND', `Cannot connect container "${container}" to slirp4netns: slirp4netns is not installed`, { hint: 'as root: apt-get install slirp4netns (or use the default network, pasta)' });
  const bad = ports.find((p) => p.hostIp.includes(':'));
  if (bad) throw new HullError('UNSUPPORTED', `Cannot publish port [${bad.hostIp}]:${bad.hostPort} for container "${container}": slirp4netns publishes on IPv4 addresses only`, { hint: 'publish on an IPv4 address, or use the default network (pasta)' });
  rmSync(apiSocket, { force: true });
  const logPath = `${apiSocket}.log`;
  const log = openSync(logPath, 'w', 0o600);
  const child = spawn(binary, planSlirp4netns(binary, netns, apiSocket).slice(1), { detached: true, stdio: ['ignore', log, log, 'pipe'], cwd: '/', env: { PATH: DAEMON_PATH } });
  closeSync(log);
  child.on('error', () => {});
  const proc: Slirp4netnsProcess = { pid: child.pid ?? 0, start: child.pid ? (processStartTime(child.pid) ?? '') : '', apiSocket };
  if (child.pid) record(proc);
  const why = () => showUntrusted(readLog(logPath) || 'it exited before it was ready');
  try {
    await new Promise<void>((resolve, reject) => {
      const ready = child.stdio[3] as NodeJS.ReadableStream | null;
      const timer = setTimeout(() => reject(new HullError('RUNTIME_FAILED', `Cannot connect container "${container}" to slirp4netns: it was not ready in ${READY_MS / 1000} s`)), READY_MS);
      const fail = () => reject(new HullError('RUNTIME_FAILED', `Cannot connect container "${container}" to slirp4netns: ${why()}`, { hint: 'see docs/rootless.md' }));
      child.once('exit', fail);
      ready?.once('data', () => {
        clearTimeout(timer);
        child.off('exit', fail);
        resolve();
      });
    });
    for (const p of ports) {
      const r = await apiCall(apiSocket, planHostfwd(p));
      if (r.error) {
        throw new HullError('CONFLICT', `Cannot publish port ${p.hostIp || '0.0.0.0'}:${p.hostPort}/${p.protocol} for container "${container}": slirp4netns: ${showUntrusted(r.error.desc ?? 'refused')}`, { hint: 'another program may use that port (ss -lntup); choose another host port' });
      }
    }
  } catch (err) {
    stopSlirp4netns(proc);
    throw err;
  } finally {
    (child.stdio[3] as { destroy?: () => void } | null)?.destroy?.();
    child.unref();
  }
  return proc;
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-3).join('; ');
  } catch {
    return '';
  }
}

/** Stops slirp4netns if it still runs, and removes its socket. */
export function stopSlirp4netns(p: Slirp4netnsProcess): void {
  if (p.pid && processStartTime(p.pid) === p.start) {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch (err) {
      if (errnoCode(err) !== 'ESRCH') throw err;
    }
  }
  rmSync(p.apiSocket, { force: true });
  rmSync(`${p.apiSocket}.log`, { force: true });
}
