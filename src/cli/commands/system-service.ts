/**
 * `hull system service [--time SECONDS] [URI]`: serves the Docker Engine API (src/api) so the
 * docker CLI, docker-compose, the SDKs and Testcontainers drive hull through DOCKER_HOST. The CLI
 * owns what the API must not touch: the environment (LISTEN_FDS for systemd socket activation),
 * signals and stderr. See docs/api.md.
 */
import { readFileSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { bool, str } from '../args.js';
import type { Command } from '../command.js';
import { serveApi, DEFAULT_SOCKET, type TlsFiles } from '../../api/index.js';
import { registryOptionsFrom } from './registry-options.js';

/** sd_listen_fds(3): the fds start at 3, and only for the process systemd named. */
function socketActivationFd(): number | undefined {
  const fds = Number(process.env.LISTEN_FDS ?? 0);
  if (!(fds >= 1)) return undefined;
  if (process.env.LISTEN_PID !== undefined && Number(process.env.LISTEN_PID) !== process.pid) return undefined;
  // Not inherited by containers or helpers this process starts.
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDNAMES;
  return 3;
}

function groupId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[0] === name);
  if (!line) throw new HullError('NOT_FOUND', `Cannot give the socket to group "${name}": no such group in /etc/group`);
  return Number(line.split(':')[2]);
}

/** While requests are in flight, one collection per this many ms (each takes a few ms of a ~10 MB heap). */
const GC_INTERVAL_MS = 2000;
/** Idle this long before the collection that follows work. */
const IDLE_GC_DELAY_MS = 300;

/**
 * Garbage collection every GC_INTERVAL_MS while requests are in flight, and once when the service
 * goes idle. V8 collects when the JS heap grows, but a pull or build mostly allocates Buffers
 * outside it: dead ones pile up to tens of MB before a collection, the C heap grows to hold them
 * and stays resident afterwards. An idle process allocates nothing, so without this the last
 * request's garbage would stay until the next burst of work. Measured: ~20-30 MB less resident
 * memory after pulls (docs/api.md). bin/hull starts the service with --expose-gc.
 */
function gcByActivity(): { busy(): void; idle(): void } {
  const gc = (globalThis as { gc?: () => void }).gc;
  let during: NodeJS.Timeout | undefined;
  let after: NodeJS.Timeout | undefined;
  return {
    busy() {
      clearTimeout(after);
      if (gc && during === undefined) during = setInterval(gc, GC_INTERVAL_MS).unref();
    },
    idle() {
      clearInterval(during);
      during = undefined;
      // Not between the back-to-back requests of one client command: once it has stopped.
      if (gc) after = setTimeout(gc, IDLE_GC_DELAY_MS).unref();
    },
  };
}

function parseIdle(value: string | undefined): number {
  if (value === undefined) return 5;
  if (!/^\d+$/.test(value)) throw new HullError('INVALID_ARGUMENT', `Cannot use --time "${value}": expected whole seconds (0 = never exit)`);
  return Number(value);
}

const service: Command = {
  name: 'system service',
  summary: 'Serve the Docker Engine API',
  usage: '[OPTIONS] [URI]',
  description:
    `Serve the Docker Engine API on URI (default ${DEFAULT_SOCKET}; as an ordinary user $XDG_RUNTIME_DIR/hull/hull.sock), so that docker, docker-compose and the Docker SDKs can use hull through DOCKER_HOST. ` +
    'Access to the socket is root on the host. A TCP address other than the loopback needs --tlsverify with client certificates. ' +
    'Under a systemd socket unit (LISTEN_FDS) the handed-over socket is served instead of URI.',
  examples: ['hull system service --time 0', 'DOCKER_HOST=unix:///run/hull/hull.sock docker run --rm busybox echo hi', 'hull system service --time 0 tcp://127.0.0.1:2375'],
  options: [
    { name: 'time', short: 't', type: 'string', valueName: 'SECONDS', description: 'exit after this many idle seconds; 0 = never (default 5)' },
    { name: 'group', type: 'string', valueName: 'GROUP', description: 'group that may use the unix socket (mode 0660)' },
    { name: 'tlsverify', type: 'boolean', description: 'TLS, and require a client certificate signed by --tlscacert' },
    { name: 'tlscacert', type: 'string', valueName: 'FILE', description: 'CA that signs client certificates' },
    { name: 'tlscert', type: 'string', valueName: 'FILE', description: "the server's certificate" },
    { name: 'tlskey', type: 'string', valueName: 'FILE', description: "the server's key" },
  ],
  maxArgs: 1,
  async run(ctx, { options, positionals }) {
    let tls: TlsFiles | undefined;
    const [ca, cert, key] = [str(options, 'tlscacert'), str(options, 'tlscert'), str(options, 'tlskey')];
    if (bool(options, 'tlsverify')) {
      if (ca === undefined || cert === undefined || key === undefined) {
        throw new HullError('INVALID_ARGUMENT', 'Cannot use --tlsverify: --tlscacert, --tlscert and --tlskey are all needed');
      }
      tls = { ca, cert, key };
    } else if (ca !== undefined || cert !== undefined || key !== undefined) {
      throw new HullError('INVALID_ARGUMENT', 'Cannot use --tlscacert/--tlscert/--tlskey without --tlsverify', { hint: 'hull serves TLS only with client certificates: add --tlsverify' });
    }
    const group = str(options, 'group');
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      const listenFd = socketActivationFd();
      const running = await serveApi(ctx.engine(), {
        // Rootless: the user's own socket, under the user's runtime dir (docs/rootless.md).
        uri: positionals[0] ?? (ctx.engineOptions.rootless ? `unix://${ctx.engineOptions.runroot}/hull.sock` : DEFAULT_SOCKET),
        idleSeconds: parseIdle(str(options, 'time')),
        // HULL_INSECURE_REGISTRIES, as for hull pull; the auth file hull login writes.
        registry: { ...registryOptionsFrom({}), env: process.env },
        signal: controller.signal,
        activity: gcByActivity(),
        log: (line) => ctx.stderr.write(`${line}\n`),
        ...(listenFd !== undefined ? { listenFd } : {}),
        ...(tls ? { tls } : {}),
        ...(group !== undefined ? { socketGid: groupId(group) } : {}),
      });
      await running.closed;
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

export default service;
