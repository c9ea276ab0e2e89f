/**
 * The default network in rootless mode: pasta (Debian `passt`), one per container, as podman 5
 * does. An ordinary user cannot create bridges or iptables rules on the host, so the container's
 * network namespace gets a tap device that pasta, running in the host's network namespace as the
 * user, connects to the host's sockets: outbound connections are the user's, and each `-p`
 * becomes a pasta port forward (host port -> container port; local connections spliced, not
 * copied through a TCP stack). pasta exits by itself when the namespace's file is removed.
 *
 * Why pasta over slirp4netns: it needs no port-forwarding helper (podman's rootlessport), copies
 * the host's addresses so the container sees the same network, and forwards with splice(2).
 * It needs /dev/net/tun open to the user (mode 0666, Debian's udev default).
 */
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { HullError, errnoCode, showUntrusted } from '../errors.js';
import { execCapture } from '../sys/exec.js';
import { processStartTime } from '../sys/lock.js';
import { which } from '../sys/which.js';
import type { PortBinding } from './ports.js';

export interface PastaProcess {
  pid: number;
  /** /proc start time: a recycled pid is never killed. */
  start: string;
}

/** Pure: pasta's port spec for one protocol: "[ADDR/]HOSTPORT:CONTAINERPORT,...", or "none". */
export function pastaPortSpec(ports: PortBinding[], protocol: 'tcp' | 'udp'): string {
  const mine = ports.filter((p) => p.protocol === protocol);
  if (mine.length === 0) return 'none';
  return mine.map((p) => `${p.hostIp ? `${p.hostIp}/` : ''}${p.hostPort}:${p.containerPort}`).join(',');
}

/** Pure: pasta's argv. No automatic forwarding either way: only what -p asked for. */
export function planPasta(pasta: string, netns: string, ports: PortBinding[], pidFile: string): string[] {
  return [pasta, '--config-net', '--quiet', '--netns', netns, '--pid', pidFile, '-t', pastaPortSpec(ports, 'tcp'), '-u', pastaPortSpec(ports, 'udp'), '-T', 'none', '-U', 'none'];
}

export function findPasta(): string | undefined {
  return which('pasta');
}

/** Starts pasta for a namespace; resolves once it runs in the background with its ports bound. */
export async function startPasta(netns: string, ports: PortBinding[], pidFile: string, container: string): Promise<PastaProcess> {
  const pasta = findPasta();
  if (!pasta) throw new HullError('NOT_FOUND', `Cannot connect container "${container}" to the default network: pasta is not installed`, { hint: 'as root: apt-get install passt (or run the container with --network none)' });
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    throw new HullError('PERMISSION_DENIED', `Cannot connect container "${container}" to the default network: /dev/net/tun is not open to ordinary users`, {
      hint: 'as root: chmod 0666 /dev/net/tun (the usual mode; tap devices still need CAP_NET_ADMIN in their own namespace), or run it with --network none',
    });
  }
  // pasta forks into the background once the namespace is configured and its ports are bound.
  const r = await execCapture(planPasta(pasta, netns, ports, pidFile));
  if (r.code !== 0) {
    const why = r.stderr.trim().split('\n').filter((l) => !l.includes('syslog')).join('; ') || `pasta exited with ${r.code}`;
    const port = /bind|address in use|permission/i.test(why) ? ports.find((p) => p.hostPort < 1024) : undefined;
    throw new HullError('RUNTIME_FAILED', `Cannot connect container "${container}" to the default network: ${showUntrusted(why)}`, {
      hint: port ? `ports below 1024 need root unless the host allows them (sysctl net.ipv4.ip_unprivileged_port_start=${port.hostPort}); publish a port >= 1024` : 'see docs/rootless.md',
    });
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  return { pid, start: processStartTime(pid) ?? '' };
}

/** Stops pasta if it still runs (it also exits when the namespace goes). */
export function stopPasta(p: PastaProcess): void {
  if (processStartTime(p.pid) !== p.start) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch (err) {
    if (errnoCode(err) !== 'ESRCH') throw err;
  }
}
