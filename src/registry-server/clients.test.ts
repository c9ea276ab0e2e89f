// Real clients through the server: skopeo and podman push and pull, plain HTTP and TLS with a
// test-made CA, with and without htpasswd auth, and Bearer tokens. Skipped only when a binary is missing.
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { makeImage, request, startTestRegistry, tempDir, writeOciLayout, type TestImage, type TestRegistry } from './testing/harness.js';

const run = promisify(execFile);

async function which(bin: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${bin}`]);
    return true;
  } catch {
    return false;
  }
}

const haveSkopeo = await which('skopeo');
const havePodman = await which('podman');
const haveOpenssl = await which('openssl');

async function sh(bin: string, args: string[]): Promise<string> {
  try {
    return (await run(bin, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

/** A CA and a server certificate for 127.0.0.1, made with openssl; ca.crt sits in certDir for the clients. */
async function makeCerts(dir: string): Promise<{ cert: string; key: string; certDir: string; ca: string }> {
  const f = (n: string): string => path.join(dir, n);
  await sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=hull test CA']);
  await sh('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  await fs.writeFile(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  await sh('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('ext.cnf')]);
  const certDir = f('certs.d');
  await fs.mkdir(certDir);
  await fs.copyFile(f('ca.pem'), path.join(certDir, 'ca.crt'));
  return { cert: f('server.crt'), key: f('server.key'), certDir, ca: f('ca.pem') };
}

interface Scenario {
  name: string;
  tls: boolean;
  auth: 'none' | 'htpasswd' | 'token';
}

const scenarios: Scenario[] = [
  { name: 'plain HTTP, no auth', tls: false, auth: 'none' },
  { name: 'plain HTTP, htpasswd', tls: false, auth: 'htpasswd' },
  { name: 'TLS with a test CA, no auth', tls: true, auth: 'none' },
  { name: 'TLS with a test CA, htpasswd', tls: true, auth: 'htpasswd' },
  { name: 'plain HTTP, bearer tokens', tls: false, auth: 'token' },
];

for (const sc of scenarios) {
  describe(`real clients: ${sc.name}`, { skip: !haveSkopeo ? 'skopeo is not installed (scripts/setup.sh installs it)' : sc.tls && !haveOpenssl ? 'openssl is not installed' : false }, () => {
    let reg: TestRegistry;
    let dir: string;
    let img: TestImage;
    let host: string;
    let certDir = '';
    let ca: Buffer | undefined;
    const creds = 'tester:s3cret';

    before(async () => {
      dir = await tempDir('hull-clients-');
      img = await makeImage(`hello from ${sc.name}\n`);
      await writeOciLayout(path.join(dir, 'layout'), img, 'v1');
      const overrides: Parameters<typeof startTestRegistry>[0] = {};
      if (sc.auth !== 'none') {
        await fs.writeFile(path.join(dir, 'htpasswd'), `tester:${bcrypt.hashSync('s3cret', 4)}\n`);
        overrides.htpasswd = path.join(dir, 'htpasswd');
        if (sc.auth === 'token') overrides.token = true;
      }
      if (sc.tls) {
        const certs = await makeCerts(dir);
        overrides.tlsCert = certs.cert;
        overrides.tlsKey = certs.key;
        certDir = certs.certDir;
        ca = await fs.readFile(certs.ca);
      }
      reg = await startTestRegistry(overrides);
      host = new URL(reg.url).host;
    });
    after(async () => {
      await reg.close();
      await fs.rm(dir, { recursive: true, force: true });
    });

    const tlsArgs = (prefix: 'src-' | 'dest-' | ''): string[] => (sc.tls ? [`--${prefix}cert-dir`, certDir] : [`--${prefix}tls-verify=false`]);
    const credArgs = (prefix: 'src-' | 'dest-' | ''): string[] => (sc.auth !== 'none' ? [`--${prefix}creds`, creds] : []);

    test('skopeo pushes an OCI layout and pulls it back byte for byte', async () => {
      await sh('skopeo', ['copy', ...tlsArgs('dest-'), ...credArgs('dest-'), `oci:${path.join(dir, 'layout')}:v1`, `docker://${host}/clients/app:v1`]);
      const out = path.join(dir, 'pulled');
      await sh('skopeo', ['copy', ...tlsArgs('src-'), ...credArgs('src-'), `docker://${host}/clients/app:v1`, `oci:${out}:v1`]);
      const layer = await fs.readFile(path.join(out, 'blobs', 'sha256', (await import('./testing/harness.js')).digestOf(img.layer).slice(7)));
      assert.deepEqual(layer, img.layer);
      const inspect = JSON.parse(await sh('skopeo', ['inspect', ...tlsArgs(''), ...credArgs(''), `docker://${host}/clients/app:v1`])) as { Digest: string };
      assert.equal(inspect.Digest, img.manifestDigest);
      const tags = JSON.parse(await sh('skopeo', ['list-tags', ...tlsArgs(''), ...credArgs(''), `docker://${host}/clients/app`])) as { Tags: string[] };
      assert.deepEqual(tags.Tags, ['v1']);
    });

    test('skopeo copies registry to registry (cross-repository mount)', async () => {
      await sh('skopeo', ['copy', ...tlsArgs('src-'), ...tlsArgs('dest-'), ...credArgs('src-'), ...credArgs('dest-'), `docker://${host}/clients/app:v1`, `docker://${host}/clients/copy:v2`]);
      assert.ok(reg.logs.some((l) => l.method === 'POST' && String(l.path).includes('mount=') && l.status === 201));
    });

    if (sc.auth !== 'none') {
      test('clients without credentials are refused', async () => {
        await assert.rejects(sh('skopeo', ['copy', ...tlsArgs('dest-'), `oci:${path.join(dir, 'layout')}:v1`, `docker://${host}/clients/anon:v1`]), /401|unauthorized|authentication required/i);
        const res = await request(reg.url, 'GET', '/v2/clients/app/manifests/v1', ca ? { ca } : {});
        assert.equal(res.status, 401);
      });
    }

    test('podman pulls, pushes and lists with a private store', { skip: havePodman ? false : 'podman is not installed (scripts/setup.sh installs it)' }, async () => {
      await sh('skopeo', ['copy', ...tlsArgs('dest-'), ...credArgs('dest-'), `oci:${path.join(dir, 'layout')}:v1`, `docker://${host}/clients/app:v1`]);
      const store = ['--root', path.join(dir, 'podman', 'root'), '--runroot', path.join(dir, 'podman', 'runroot'), '--storage-driver', 'vfs'];
      const tls = sc.tls ? ['--cert-dir', certDir] : ['--tls-verify=false'];
      const cred = sc.auth !== 'none' ? ['--creds', creds] : [];
      await sh('podman', [...store, 'pull', ...tls, ...cred, `${host}/clients/app:v1`]);
      const images = await sh('podman', [...store, 'images', '--format', '{{.Repository}}:{{.Tag}}']);
      assert.match(images, new RegExp(`${host.replace(/\./g, '\\.')}/clients/app:v1`));
      await sh('podman', [...store, 'push', ...tls, ...cred, `${host}/clients/app:v1`, `${host}/clients/podman:pushed`]);
      const res = await request(reg.url, 'GET', '/v2/clients/podman/tags/list', { ...(ca ? { ca } : {}), headers: sc.auth === 'htpasswd' ? { Authorization: `Basic ${Buffer.from(creds).toString('base64')}` } : {} });
      if (sc.auth !== 'token') assert.deepEqual(res.json<{ tags: string[] }>().tags, ['pushed']);
      await fs.rm(path.join(dir, 'podman'), { recursive: true, force: true });
    });
  });
}
