/**
 * Published ports on user networks in rootless mode: podman's "rootlessport", with socat
 * (Debian's, made for the job; hull's IPv6 proxies use it too, proxy.ts).
 *
 * User networks live in the user's networks namespace (rootless-netns.ts), where an ordinary
 * user's connections from the host cannot be routed to; hull runs in the host's namespace. So
 * each published port gets a listener here and a relay there, joined by a unix socket, which
 * (unlike an abstract one) belongs to no network namespace:
 *
 *   TCP: host   socat TCP-LISTEN:HOSTPORT,fork  UNIX-CONNECT:SOCK
 *        netns  socat UNIX-LISTEN:SOCK,fork      TCP4:CONTAINER_IP:PORT   (started via nsenter --net)
 *   UDP: host   socat UDP-RECVFROM:HOSTPORT,fork EXEC:'nsenter --net=NS socat - UDP4-SENDTO:IP:PORT'
 *        (a datagram's peer gets its own relay; UDP over a stream socket would merge datagrams)
 *
 * Binding in the host's namespace as the user gives the same errors as the default network's
 * (ports below ip_unprivileged_port_start, a port in use: attach.ts checks both first). Each
 * socat is its own process group, recorded in the sandbox state right after its spawn like the
 * IPv6 proxies, so detach (the container's exit, rm, or the next command's reconcile after a
 * killed hull) stops the pair with `stopProxies`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import { processStartTime } from '../sys/lock.js';
import { which } from '../sys/which.js';
import { DAEMON_PATH } from './dns.js';
import type { PortBinding } from './ports.js';
import { hostHasIpv6, stopProxies, type ProxyProcess } from './proxy.js';

export interface ForwarderPlan {
  port: PortBinding;
  /** socat's argv in the host's namespace. */
  listener: string[];
  /** TCP: the relay's argv in the networks namespace, and its socket. */
  relay?: { argv: string[]; socket: string };
}

/** Where the relays' sockets are: one short directory per runroot (a unix path has 108 bytes). */
export const forwarderDir = (runroot: string) => join(runroot, 'portfwd');

const READY_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pure: socat's listening address on the host for one binding. */
export function planListenAddress(p: PortBinding, ipv6: boolean): string {
  const kind = p.protocol === 'tcp' ? 'TCP' : 'UDP';
  const verb = p.protocol === 'tcp' ? 'LISTEN' : 'RECVFROM';
  const tail = p.protocol === 'tcp' ? 'reuseaddr,backlog=128,fork' : 'reuseaddr,fork';
  if (p.hostIp === '') return ipv6 ? `${kind}6-${verb}:${p.hostPort},bind=[::],ipv6only=0,${tail}` : `${kind}4-${verb}:${p.hostPort},${tail}`;
  if (p.hostIp.includes(':')) return `${kind}6-${verb}:${p.hostPort},bind=[${p.hostIp}],ipv6only=1,${tail}`;
  return `${kind}4-${verb}:${p.hostPort},bind=${p.hostIp},${tail}`;
}

/**
 * Pure: the processes that publish `ports` of a container at `containerIp` on a user network.
 * `enter` is the command prefix that runs a program in the networks namespace (NetPlace.prefix).
 */
export function planRootlessForwarders(ports: PortBinding[], containerIp: string, o: { socat: string; enter: string[]; dir: string; id: string; ipv6: boolean }): ForwarderPlan[] {
  return ports.map((port) => {
    const listen = planListenAddress(port, o.ipv6);
    if (port.protocol === 'udp') {
      // socat's own quoting keeps the command line one address (socat(1), "EXEC").
      const inner = [...o.enter, o.socat, '-T', '60', '-', `UDP4-SENDTO:${containerIp}:${port.containerPort}`].join(' ');
      return { port, listener: [o.socat, '-T', '60', listen, `EXEC:'${inner}'`] };
    }
    const socket = join(o.dir, `${o.id.slice(0, 12)}-${port.protocol}-${port.hostPort}.sock`);
    return {
      port,
      listener: [o.socat, listen, `UNIX-CONNECT:${socket}`],
      relay: { socket, argv: [...o.enter, o.socat, `UNIX-LISTEN:${socket},fork,unlink-early,mode=600`, `TCP4:${containerIp}:${port.containerPort}`] },
    };
  });
}

/** /proc/net/{tcp,tcp6,udp,udp6} (this process's namespace: the host's) has a socket bound to `port`. */
export function listeningOn(port: number, protocol: 'tcp' | 'udp'): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of [protocol, `${protocol}6`]) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(hex) && (protocol === 'udp' || f[3] === '0A')) return true;
    }
  }
  return false;
}

function spawnGroup(argv: string[]): ProxyProcess['pid'] {
  const child = spawn(argv[0] as string, argv.slice(1), { detached: true, stdio: 'ignore', cwd: '/', env: { PATH: DAEMON_PATH } });
  child.on('error', () => {});
  child.unref();
  if (child.pid === undefined) throw new HullError('RUNTIME_FAILED', `Cannot start the port forwarder: ${argv[0]} did not start`, { hint: 'apt-get install socat' });
  return child.pid;
}

function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitFor(ready: () => boolean, pid: number, fail: () => HullError): Promise<void> {
  const deadline = Date.now() + READY_MS;
  while (!ready()) {
    if (gone(pid) || Date.now() > deadline) throw fail();
    await sleep(5);
  }
}

/**
 * Starts the forwarders of a container's published ports on a user network; `record` is called
 * right after each spawn (before any await) so the caller persists the pid at once. Resolves once
 * every listener is bound; a failure stops them all.
 */
export async function startRootlessForwarders(
  ports: PortBinding[],
  containerIp: string,
  o: { runroot: string; id: string; name: string; enter: string[] },
  record: (p: ProxyProcess) => void,
): Promise<ProxyProcess[]> {
  if (ports.length === 0) return [];
  const socat = which('socat');
  if (!socat) throw new HullError('NOT_FOUND', `Cannot publish ports of container "${o.name}" on a user network: socat is not installed`, { hint: 'as root: apt-get install socat (rootless mode forwards published ports on user networks with it)' });
  const dir = forwarderDir(o.runroot);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const plans = planRootlessForwarders(ports, containerIp, { socat, enter: o.enter, dir, id: o.id, ipv6: hostHasIpv6() });
  const started: ProxyProcess[] = [];
  const start = (argv: string[], p: PortBinding) => {
    const pid = spawnGroup(argv);
    const proc: ProxyProcess = { pid, start: processStartTime(pid) ?? '', hostPort: p.hostPort, protocol: p.protocol };
    started.push(proc);
    record(proc);
    return pid;
  };
  const where = (p: PortBinding) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}/${p.protocol}`;
  try {
    for (const plan of plans) {
      if (!plan.relay) continue;
      rmSync(plan.relay.socket, { force: true });
      const pid = start(plan.relay.argv, plan.port);
      await waitFor(() => existsSync(plan.relay?.socket ?? ''), pid, () => new HullError('RUNTIME_FAILED', `Cannot publish port ${where(plan.port)} for container "${o.name}": its relay in the rootless network namespace did not start`, { hint: 'see docs/rootless.md' }));
    }
    for (const plan of plans) {
      const pid = start(plan.listener, plan.port);
      await waitFor(() => listeningOn(plan.port.hostPort, plan.port.protocol), pid, () => new HullError('CONFLICT', `Cannot publish port ${where(plan.port)} for container "${o.name}": the port forwarder could not listen there`, { hint: 'another program may use that port (ss -lntup); choose another host port' }));
    }
    return started;
  } catch (err) {
    stopProxies(started);
    removeForwarderSockets(o.runroot, o.id);
    throw err;
  }
}

/** Removes a container's relay sockets (their socats are stopped with the sandbox's proxies). */
export function removeForwarderSockets(runroot: string, id: string): void {
  const dir = forwarderDir(runroot);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(`${id.slice(0, 12)}-`)) rmSync(join(dir, n), { force: true });
}
