/**
 * Debian's containerd 1.6 with its CRI plugin as a peer, on a private root, state, socket and CNI
 * configuration (PEERS.md):
 *  - restrict_oom_score_adj = true: root here lacks CAP_SYS_RESOURCE, and without it sandboxes fail
 *    ("can't get final child's PID from pipe");
 *  - its shims' sockets always go under /run/containerd/s whatever the state dir (nothing to set);
 *  - plain-http registries named in `registries` are mirrored to themselves over http;
 *  - a bridge CNI network of its own (cri-bench0, 10.214.0.0/24), the loopback plugin too.
 * Stopping kills the shims it started (they outlive containerd by design) and unmounts its root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { criClient } from './cri-client.js';

export interface Containerd {
  endpoint: string;
  socket: string;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

export const CONTAINERD_BRIDGE = { name: 'cri-bench0', subnet: '10.214.0.0/24' } as const;

export function containerdAvailable(): string | false {
  return spawnSync('containerd', ['--version']).status === 0 ? false : 'containerd is not installed (apt-get install containerd)';
}

export interface ContainerdOptions {
  /** Plain-http registries (host:port), each mirrored to itself over http. */
  registries: readonly string[];
  /** Other registries served from a mirror: name -> http://host:port (critest's look-alikes). */
  mirrors?: Record<string, string>;
  sandboxImage: string;
}

function config(dir: string, opts: ContainerdOptions): string {
  const table: Record<string, string> = { ...Object.fromEntries(opts.registries.map((r) => [r, `http://${r}`])), ...opts.mirrors };
  const mirrors = Object.entries(table).flatMap(([name, url]) => [`[plugins."io.containerd.grpc.v1.cri".registry.mirrors."${name}"]`, `  endpoint = ["${url}"]`]);
  return [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${join(dir, 'state')}"`,
    '[grpc]',
    `  address = "${join(dir, 'containerd.sock')}"`,
    '[ttrpc]',
    `  address = "${join(dir, 'containerd.sock.ttrpc')}"`,
    '[debug]',
    '  level = "warn"',
    '[plugins."io.containerd.grpc.v1.cri"]',
    '  restrict_oom_score_adj = true',
    `  sandbox_image = "${opts.sandboxImage}"`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_selinux = false',
    '[plugins."io.containerd.grpc.v1.cri".containerd]',
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '  SystemdCgroup = false',
    '[plugins."io.containerd.grpc.v1.cri".cni]',
    '  bin_dir = "/usr/lib/cni"',
    `  conf_dir = "${join(dir, 'cni')}"`,
    ...mirrors,
    '',
  ].join('\n');
}

/**
 * The CNI chain of the bench's CRI pods: bridge with host-local, portmap. containerd gets it with
 * CONTAINERD_BRIDGE; hull's side of the `cri` scenario gets the same chain on a bridge of its own,
 * so both runtimes run the same plugins per pod (each also brings up loopback itself).
 */
export function criBenchConflist(name: string, bridge: { name: string; subnet: string }): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name,
    plugins: [
      { type: 'bridge', bridge: bridge.name, isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: bridge.subnet }]], routes: [{ dst: '0.0.0.0/0' }] } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

function cniConfig(): string {
  return criBenchConflist('cri-bench', CONTAINERD_BRIDGE);
}

/** The shims this containerd started: their command line names its socket. */
export function containerdShims(dir: string): number[] {
  const sock = join(dir, 'containerd.sock');
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try {
      const cmd = readFileSync(`/proc/${n}/cmdline`, 'utf8');
      return cmd.startsWith('/usr/bin/containerd-shim') && cmd.includes(sock);
    } catch {
      return false;
    }
  }).map(Number);
}

export async function startContainerd(dir: string, opts: ContainerdOptions): Promise<Containerd> {
  mkdirSync(join(dir, 'cni'), { recursive: true });
  writeFileSync(join(dir, 'config.toml'), config(dir, opts));
  writeFileSync(join(dir, 'cni', '10-cri-bench.conflist'), cniConfig());
  writeFileSync(join(dir, 'cni', '99-loopback.conf'), JSON.stringify({ cniVersion: '0.4.0', name: 'lo', type: 'loopback' }));
  const socket = join(dir, 'containerd.sock');
  const child: ChildProcess = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-8000)));
  // Ready when its CRI answers (it logs its boot at info level, below the level set here).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`containerd exited ${child.exitCode}: ${stderr.slice(-2000)}`);
    if (existsSync(socket)) {
      const c = criClient(`unix://${socket}`, 5_000);
      const ok = await c.runtime.Version({ version: 'v1' }).then(() => true, () => false);
      c.close();
      if (ok) break;
    }
    if (Date.now() > deadline) throw new Error(`containerd did not start in 60 s: ${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: `unix://${socket}`,
    socket,
    pid: child.pid as number,
    dir,
    async stop() {
      const shims = containerdShims(dir);
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      for (const pid of shims) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      // Mounts (overlay rootfs, shm, netns) left under its root and state.
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));
      for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
      spawnSync('ip', ['link', 'del', CONTAINERD_BRIDGE.name]);
    },
  };
}
