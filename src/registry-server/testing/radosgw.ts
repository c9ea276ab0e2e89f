/**
 * A throwaway single-node Ceph cluster with radosgw, for tests and benchmarks that need a real
 * S3 server (Debian packages ceph-mon, ceph-osd, radosgw, ceph-common; scripts/setup.sh installs
 * them). Everything lives in one temp dir: one monitor, one OSD on memstore (RAM, nothing on
 * disk to format), pools of size 1, auth off on the loopback, radosgw's beast frontend on a free
 * loopback port, and one S3 user. Start once per test file (about 10 s) and stop it in after().
 *
 * Recipe notes, each learnt the hard way: the monitor map must name a v2 address (msgr2) and the
 * clients' mon connections must accept "crc" mode, or radosgw fails auth with -13 under auth none;
 * pools default to 8 PGs so radosgw's 7 pools fit under mon_max_pg_per_osd.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Radosgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  dir: string;
  stop(): Promise<void>;
}

export const RADOSGW_BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph'];

/** Whether the Ceph binaries are installed (tests skip with a reason, never pass, when not). */
export async function radosgwAvailable(): Promise<boolean> {
  for (const b of RADOSGW_BINARIES) {
    try {
      await run('sh', ['-c', `command -v ${b}`]);
    } catch {
      return false;
    }
  }
  return true;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, dir: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`radosgw test cluster: ${what} did not happen within ${timeoutMs / 1000}s (logs in ${dir}/log)`);
}

export async function startRadosgw(): Promise<Radosgw> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hull-rgw-'));
  const monPort = await freePort();
  const rgwPort = await freePort();
  // OSD messengers bind in this range; a random window keeps parallel clusters apart.
  const osdPortMin = 20000 + Math.floor(Math.random() * 400) * 100;
  const fsid = randomUUID();
  const conf = path.join(dir, 'ceph.conf');
  await fs.writeFile(
    conf,
    `[global]
fsid = ${fsid}
mon_host = v2:127.0.0.1:${monPort}
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
public_network = 127.0.0.0/8
ms_bind_ipv4 = true
ms_bind_ipv6 = false
ms_bind_port_min = ${osdPortMin}
ms_bind_port_max = ${osdPortMin + 99}
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
ms_client_mode = crc
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_warn_on_pool_no_redundancy = false
osd_objectstore = memstore
memstore_device_bytes = 4294967296
run_dir = ${dir}/run
log_file = ${dir}/log/$name.log
admin_socket = ${dir}/run/$name.asok
pid_file = ${dir}/run/$name.pid
mon_data = ${dir}/mon/$name
osd_data = ${dir}/osd/$name
[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw_data = ${dir}/rgw
rgw_dns_name = localhost
`,
  );
  for (const d of ['run', 'log', 'mon', 'osd/osd.0', 'rgw']) await fs.mkdir(path.join(dir, d), { recursive: true });
  const children: ChildProcess[] = [];
  const daemon = (cmd: string, args: string[]): void => {
    const child = spawn(cmd, ['-f', '-c', conf, ...args], { stdio: 'ignore' });
    child.on('error', () => undefined);
    children.push(child);
  };
  const ceph = async (...args: string[]): Promise<string> => (await run('ceph', ['-c', conf, '--connect-timeout', '10', ...args])).stdout;
  const stop = async (): Promise<void> => {
    for (const c of children.reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, path.join(dir, 'monmap')]);
    await run('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', path.join(dir, 'monmap'), '-c', conf]);
    daemon('ceph-mon', ['-i', 'a']);
    const id = (await ceph('osd', 'create')).trim();
    await run('ceph-osd', ['-i', id, '--mkfs', '-c', conf]);
    daemon('ceph-osd', ['-i', id]);
    await until('the OSD coming up', async () => /1 up/.test(await ceph('osd', 'stat')), 60_000, dir);
    daemon('radosgw', ['-n', 'client.rgw']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await until('radosgw answering', async () => (await fetch(endpoint)).status === 200, 90_000, dir);
    const accessKeyId = 'hulltest';
    const secretAccessKey = randomUUID().replace(/-/g, '');
    await run('radosgw-admin', ['-c', conf, 'user', 'create', '--uid=hull', '--display-name=hull', `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`]);
    return { endpoint, accessKeyId, secretAccessKey, region: 'us-east-1', dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
