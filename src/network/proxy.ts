/**
 * Published ports on IPv6 (`-p 8080:80` answering on http://[::1]:8080, as docker's does).
 *
 * portmap's DNAT cannot do it: a container on an IPv4-only network has no IPv6 address to DNAT
 * to, and Linux has no IPv6 equivalent of route_localnet, so a packet from ::1 is never routed
 * off the loopback device (CNI portmap README, "localhost"; podman issue 12690). Docker uses a
 * userland proxy (docker-proxy) per published port; hull does the same with socat (Debian's,
 * made for the job): one process per port published on every address, listening on [::]:PORT
 * (IPv6 only: the IPv4 side stays portmap's DNAT) and connecting to CONTAINER_IP:PORT.
 *
 * Each proxy is its own session and process group (socat forks a child per connection), started
 * after the endpoint has its address, recorded in the sandbox state in the same tick as the spawn,
 * and killed as a group with the endpoint (detach, reconcile). A host without IPv6 gets none.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { HullError, errnoCode } from '../errors.js';
import { processStartTime } from '../sys/lock.js';
import { which } from '../sys/which.js';
import { DAEMON_PATH } from './dns.js';
import type { PortBinding } from './ports.js';

export interface ProxyProcess {
  pid: number;
  /** /proc start time: a recycled pid is never killed. */
  start: string;
  hostPort: number;
  protocol: 'tcp' | 'udp';
}

const READY_MS = 3000;

/** IPv6 is on when the kernel lists any IPv6 address (::1 at least). */
export function hostHasIpv6(): boolean {
  try {
    return readFileSync('/proc/net/if_inet6', 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/** Pure: the ports that need an IPv6 proxy (published on every address) and socat's argv for each. */
export function planProxies(ports: PortBinding[], containerIp: string): Array<{ port: PortBinding; argv: string[] }> {
  return ports
    .filter((p) => p.hostIp === '' && p.hostPort !== 0)
    .map((p) => ({
      port: p,
      argv:
        p.protocol === 'tcp'
          ? ['socat', `TCP6-LISTEN:${p.hostPort},bind=[::],ipv6only=1,reuseaddr,backlog=128,fork`, `TCP4:${containerIp}:${p.containerPort}`]
          : // A child per datagram, waiting up to 60 s for replies (UDP has no close).
            ['socat', '-T', '60', `UDP6-RECVFROM:${p.hostPort},bind=[::],ipv6only=1,reuseaddr,fork`, `UDP4-SENDTO:${containerIp}:${p.containerPort}`],
    }));
}

/** /proc/net/tcp6 (LISTEN) or udp6 has a socket on [::]:port. */
export function listeningV6(port: number, protocol: 'tcp' | 'udp', table?: string): boolean {
  const text = table ?? (existsSync(`/proc/net/${protocol}6`) ? readFileSync(`/proc/net/${protocol}6`, 'utf8') : '');
  const local = `${'0'.repeat(32)}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return text.split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    return f[1] === local && (protocol === 'udp' || f[3] === '0A');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts one proxy per port; `record` is called right after each spawn (before any await) so
 * the caller can persist the pid at once. Waits until each listens; a failure stops them all.
 */
export async function startProxies(ports: PortBinding[], containerIp: string, record: (p: ProxyProcess) => void): Promise<ProxyProcess[]> {
  const plans = planProxies(ports, containerIp);
  if (plans.length === 0 || !hostHasIpv6()) return [];
  const socat = which('socat');
  if (!socat) throw new HullError('NOT_FOUND', 'Cannot publish ports on IPv6: socat is not installed', { hint: 'apt-get install socat, or publish on an IPv4 address (-p 0.0.0.0:PORT:PORT)' });
  const started: ProxyProcess[] = [];
  try {
    for (const { port, argv } of plans) {
      const child = spawn(socat, argv.slice(1), { detached: true, stdio: 'ignore', cwd: '/', env: { PATH: DAEMON_PATH } });
      child.on('error', () => {});
      child.unref();
      if (child.pid === undefined) throw new HullError('RUNTIME_FAILED', `Cannot publish port [::]:${port.hostPort}/${port.protocol}: socat did not start`);
      const proc: ProxyProcess = { pid: child.pid, start: processStartTime(child.pid) ?? '', hostPort: port.hostPort, protocol: port.protocol };
      started.push(proc);
      record(proc);
    }
    const deadline = Date.now() + READY_MS;
    for (const p of started) {
      while (!listeningV6(p.hostPort, p.protocol)) {
        if (processStartTime(p.pid) === undefined || isZombie(p.pid) || Date.now() > deadline) {
          throw new HullError('CONFLICT', `Cannot publish port [::]:${p.hostPort}/${p.protocol}: the IPv6 proxy could not listen there`, { hint: 'another program may use that port on IPv6 (ss -lntup); choose another host port' });
        }
        await sleep(5);
      }
    }
    return started;
  } catch (err) {
    stopProxies(started);
    throw err;
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Kills each proxy's process group (it and its per-connection children), if it is still that process. */
export function stopProxies(procs: ProxyProcess[]): void {
  for (const p of procs) {
    if (processStartTime(p.pid) !== p.start) continue;
    try {
      process.kill(-p.pid, 'SIGTERM');
    } catch (err) {
      if (errnoCode(err) !== 'ESRCH') throw err;
    }
  }
}
