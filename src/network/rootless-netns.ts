/**
 * Where user networks live in rootless mode: one network namespace per user (podman's "rootless
 * netns"), since an ordinary user may not create bridges or iptables rules in the host's.
 * hull itself stays in the host's namespace (pasta's -p needs it); every program that builds
 * user networks (ip, iptables, the CNI plugins, aardvark-dns) runs inside this one through
 * `nsenter --net`, and pasta connects it out, so containers on user networks reach the world
 * and each other by name (DNS) exactly as root's do.
 *
 *   <runroot>/rootless-netns/ns          the namespace (nsfs bind mount, unshare --net=FILE)
 *   <runroot>/rootless-netns/holder.pid  `catatonit -P` inside it: /proc/PID/net is its view
 *   <runroot>/rootless-netns/lock        serialises creating it
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HullError } from '../errors.js';
import { execCapture, execOrThrow } from '../sys/exec.js';
import { withLock } from '../sys/lock.js';
import { which } from '../sys/which.js';
import { findPasta } from './pasta.js';

/** Where network programs run: a command prefix, and the /proc/net that shows that namespace. */
export interface NetPlace {
  prefix: string[];
  procNet: string;
}

export const HOST_PLACE: NetPlace = { prefix: [], procNet: '/proc/net' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'holder.pid'), 'utf8'));
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'catatonit') return undefined;
    if (readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync('/proc/self/ns/net')) return undefined;
    return pid;
  } catch {
    return undefined;
  }
}

const placeOf = (dir: string, pid: number): NetPlace => ({ prefix: [which('nsenter') ?? 'nsenter', `--net=${join(dir, 'ns')}`, '--'], procNet: `/proc/${pid}/net` });

/** The user's networks namespace, created (and connected out by pasta) on first use. */
export async function ensureRootlessNetns(runroot: string): Promise<NetPlace> {
  const dir = join(runroot, 'rootless-netns');
  const pid = alive(dir);
  if (pid !== undefined) return placeOf(dir, pid);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withLock(join(dir, 'lock'), async () => {
    const again = alive(dir);
    if (again !== undefined) return placeOf(dir, again);
    const ns = join(dir, 'ns');
    await execCapture(['umount', '-l', ns]);
    rmSync(ns, { force: true });
    writeFileSync(ns, '');
    const catatonit = which('catatonit') ?? '/usr/libexec/podman/catatonit';
    const child = spawn(which('unshare') ?? 'unshare', [`--net=${ns}`, '--', catatonit, '-P'], { detached: true, stdio: 'ignore', cwd: '/' });
    child.on('error', () => {});
    child.unref();
    const holder = child.pid ?? 0;
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if (readFileSync(`/proc/${holder}/comm`, 'utf8').trim() === 'catatonit' && readlinkSync(`/proc/${holder}/ns/net`) !== readlinkSync('/proc/self/ns/net')) break;
      } catch {
        // not there yet, or gone
      }
      if (Date.now() > deadline || !existsSync(`/proc/${holder}`)) throw new HullError('RUNTIME_FAILED', 'Cannot create the rootless network namespace: its holder process did not start');
      await sleep(2);
    }
    const place = placeOf(dir, holder);
    // Forwarding on: a fresh namespace routes nothing, and user networks masquerade out through it.
    await execOrThrow([...place.prefix, 'sh', '-c', 'ip link set lo up && echo 1 > /proc/sys/net/ipv4/ip_forward'], 'set up the rootless network namespace');
    const pasta = findPasta();
    if (!pasta) throw new HullError('NOT_FOUND', 'Cannot connect the rootless network namespace: pasta is not installed', { hint: 'as root: apt-get install passt' });
    const r = await execCapture([pasta, '--config-net', '--quiet', '--netns', ns, '--pid', join(dir, 'pasta.pid'), '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none']);
    if (r.code !== 0) throw new HullError('RUNTIME_FAILED', `Cannot connect the rootless network namespace: pasta exited with ${r.code}: ${r.stderr.trim()}`, { hint: 'see docs/rootless.md' });
    writeFileSync(join(dir, 'holder.pid'), String(holder));
    return place;
  });
}

/** Interfaces in a place's namespace (its /proc/net/dev): the rootless stand-in for /sys/class/net. */
export function interfaceExists(place: NetPlace, name: string): boolean {
  if (place.prefix.length === 0) return existsSync(`/sys/class/net/${name}`);
  try {
    return readFileSync(join(place.procNet, 'dev'), 'utf8').split('\n').some((l) => l.trim().startsWith(`${name}:`));
  } catch {
    return false;
  }
}
