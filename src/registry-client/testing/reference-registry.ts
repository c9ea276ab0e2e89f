/**
 * Test-only: the reference registry from Debian (docker/distribution, /usr/bin/docker-registry)
 * started on 127.0.0.1:<free port> with storage in a temp dir, optionally with htpasswd Basic auth
 * (bcrypt entries made with bcryptjs) and TLS; killed by close(). The oracle the client is
 * tested against.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface ReferenceRegistry {
  /** host:port, as references name it. */
  host: string;
  port: number;
  url: string;
  dir: string;
  close(): Promise<void>;
}

export interface ReferenceRegistryOptions {
  htpasswd?: { username: string; password: string };
  tls?: { cert: string; key: string; ca: string };
  /** Default: a free one. */
  port?: number;
}

export function haveReferenceRegistry(): boolean {
  return existsSync(REGISTRY_BIN);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function ping(url: string, ca?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(`${url}/v2/`, ca ? { ca } : {}, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
  });
}

export async function startReferenceRegistry(opts: ReferenceRegistryOptions = {}): Promise<ReferenceRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'hull-refreg-'));
  const port = opts.port ?? (await freePort());
  const lines = ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`];
  if (opts.tls) lines.push('  tls:', `    certificate: ${opts.tls.cert}`, `    key: ${opts.tls.key}`);
  if (opts.htpasswd) {
    writeFileSync(join(dir, 'htpasswd'), `${opts.htpasswd.username}:${bcrypt.hashSync(opts.htpasswd.password, 4)}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: hull-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  writeFileSync(join(dir, 'config.yml'), lines.join('\n') + '\n');
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const ca = opts.tls ? (await import('node:fs')).readFileSync(opts.tls.ca) : undefined;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    if (await ping(url, ca)) break;
    if (i > 200) throw new Error(`docker-registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    url,
    dir,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A test CA and a server certificate for 127.0.0.1 made with openssl; certDir holds HOST/ca.crt. */
export async function makeTestCerts(dir: string, host: string): Promise<{ cert: string; key: string; ca: string; certDir: string }> {
  const { execFileSync } = await import('node:child_process');
  const { mkdirSync, copyFileSync } = await import('node:fs');
  const f = (n: string) => join(dir, n);
  const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=hull registry-client test CA']);
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  ssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('ext.cnf')]);
  const certDir = f('certs.d');
  mkdirSync(join(certDir, host), { recursive: true });
  copyFileSync(f('ca.pem'), join(certDir, host, 'ca.crt'));
  return { cert: f('server.crt'), key: f('server.key'), ca: f('ca.pem'), certDir };
}
