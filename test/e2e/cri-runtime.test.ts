/**
 * The CRI RuntimeService through a real `hull cri serve` and a grpc-js client, as root with runc,
 * conmon and the reference CNI plugins (bridge, host-local, portmap, loopback) configured the
 * Kubernetes way (a conflist in the server's CNI directory): sandboxes with a pod IP and a
 * hostPort, containers with CRI logs (and rotation), ExecSync, resources, stats, events; name
 * reservation; bad input; a sandbox removed under running containers; kill -9 of the server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import type { CriService } from '../../src/testing/cri-service.js';
import { startCriPods, type CriPod, type CriPods } from '../../src/testing/cri-pods.js';

let env: HullEnv;
let pods: CriPods;
let cri: CriService;
let tag = '';
let net = 0;
const hostPort = 20000 + Math.floor(Math.random() * 20000);

interface Status { code: number; details: string }
const code = (c: number) => (err: Status) => err.code === c;

const sandboxConfig = (name: string, extra: object = {}) => pods.sandboxConfig(name, extra);
const containerConfig = (name: string, script: string, extra: object = {}) => pods.containerConfig(name, script, extra);
const runPod = (name: string, extra: object = {}) => pods.runPod(name, extra);
const runContainer = (pod: CriPod, name: string, script: string, extra: object = {}) => pods.runContainer(pod, name, script, extra);

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  env = await hullWithBusybox();
  pods = await startCriPods(env);
  ({ cri, tag, net } = pods);
});

after(async () => {
  await pods.close();
});

test('a sandbox: READY with a pod IP from the CNI configuration; listed with its labels; its name reserved', async () => {
  const pod = await runPod('web');
  type S = { status: { id: string; state: string; network: { ip: string }; labels: Record<string, string>; annotations: Record<string, string>; metadata: { name: string; uid: string } } };
  const s = await cri.runtime<S>('PodSandboxStatus', { pod_sandbox_id: pod.id });
  assert.equal(s.status.state, 'SANDBOX_READY');
  assert.match(s.status.network.ip, new RegExp(`^10\\.213\\.${net}\\.\\d+$`));
  assert.deepEqual(s.status.labels, { app: 'web' });
  assert.deepEqual(s.status.annotations, { 'test/annotation': 'yes' });
  assert.equal(s.status.metadata.uid, `uid-web-${tag}`);
  const { items } = await cri.runtime<{ items: Array<{ id: string }> }>('ListPodSandbox', { filter: { label_selector: { app: 'web' } } });
  assert.deepEqual(items.map((i) => i.id), [pod.id]);
  await assert.rejects(cri.runtime('RunPodSandbox', { config: pod.config }), (err: Status) => err.code === 6 && err.details.includes(pod.id));
  // The infra image is listed pinned, so kubelet's image GC leaves it alone.
  const { images } = await cri.image<{ images: Array<{ repo_tags: string[]; pinned: boolean }> }>('ListImages', {});
  assert.ok(images.some((i) => i.pinned && i.repo_tags.some((t) => t.startsWith('localhost/hull-infra:'))), JSON.stringify(images));
  assert.ok(images.filter((i) => i.pinned).length === 1);
  // The store shows it to hull's own commands, labelled.
  assert.match(await env.ok(['pod', 'ls']), /k8s_POD_web_default/);
});

test('a container: CRI log file, ExecSync in the pod (hostname, exit code, stderr), status, stats; its name reserved', async () => {
  const pod = await runPod('app');
  const id = await runContainer(pod, 'main', 'echo hello; i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.2; done');
  const logPath = join(pod.config.log_directory, 'main', '0.log');
  type CS = { status: { state: string; log_path: string; labels: Record<string, string>; annotations: Record<string, string>; metadata: { name: string }; started_at: string; image: { image: string }; image_ref: string } };
  const st = await cri.runtime<CS>('ContainerStatus', { container_id: id });
  assert.equal(st.status.state, 'CONTAINER_RUNNING');
  assert.equal(st.status.log_path, logPath);
  assert.deepEqual(st.status.labels, { role: 'main' });
  assert.deepEqual(st.status.annotations, { 'c/annotation': '1' });
  assert.equal(st.status.image.image, 'busybox');
  assert.match(st.status.image_ref, /^sha256:/);
  assert.ok(BigInt(st.status.started_at) > 0n);
  // The CRI log format: RFC 3339 nano time, stream, P/F tag, content.
  const first = await until('the log line', () => (existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n')[0] : undefined) || undefined);
  assert.match(first, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) stdout F hello$/);
  type Exec = { stdout: Buffer; stderr: Buffer; exit_code: number };
  const hostname = await cri.runtime<Exec>('ExecSync', { container_id: id, cmd: ['hostname'], timeout: '10' });
  assert.equal(hostname.stdout.toString().trim(), 'app');
  const fail = await cri.runtime<Exec>('ExecSync', { container_id: id, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
  assert.deepEqual([fail.stdout.toString(), fail.stderr.toString(), fail.exit_code], ['out\n', 'err\n', 3]);
  await assert.rejects(cri.runtime('CreateContainer', { pod_sandbox_id: pod.id, config: containerConfig('main', 'true'), sandbox_config: pod.config }), (err: Status) => err.code === 6 && err.details.includes(id));
  type CStats = { stats: { attributes: { id: string }; cpu: { usage_core_nano_seconds: { value: string } }; memory: { working_set_bytes: { value: string } } } };
  const stats = await cri.runtime<CStats>('ContainerStats', { container_id: id });
  assert.equal(stats.stats.attributes.id, id);
  assert.ok(Number(stats.stats.cpu.usage_core_nano_seconds.value) > 0);
  assert.ok(Number(stats.stats.memory.working_set_bytes.value) > 0);
  const list = await cri.runtime<{ stats: Array<{ attributes: { id: string } }> }>('ListContainerStats', { filter: { pod_sandbox_id: pod.id } });
  assert.deepEqual(list.stats.map((s) => s.attributes.id), [id]);
  type PStats = { stats: { attributes: { id: string }; linux: { memory: { working_set_bytes: { value: string } }; containers: Array<{ attributes: { id: string } }> } } };
  const ps = await cri.runtime<PStats>('PodSandboxStats', { pod_sandbox_id: pod.id });
  assert.ok(Number(ps.stats.linux.memory.working_set_bytes.value) > 0);
  assert.deepEqual(ps.stats.linux.containers.map((c) => c.attributes.id), [id]);
  const all = await cri.runtime<{ stats: Array<{ attributes: { id: string } }> }>('ListPodSandboxStats', {});
  assert.ok(all.stats.some((s) => s.attributes.id === pod.id));
  // ListContainers shows CRI containers only, not a plain hull container.
  await env.ok(['create', '--name', `plain-${tag}`, '--network', 'none', 'busybox', 'true']);
  const { containers } = await cri.runtime<{ containers: Array<{ id: string; pod_sandbox_id: string; state: string }> }>('ListContainers', {});
  assert.ok(containers.every((c) => c.pod_sandbox_id !== ''));
  assert.ok(containers.some((c) => c.id === id && c.state === 'CONTAINER_RUNNING'));
  assert.match(await env.ok(['ps', '--all', '--filter', 'label=io.hull.cri.kind=container', '--format', '{{.Names}}']), /k8s_main_app_default/);
});

test('ReopenContainerLog: after kubelet renames the log away, new lines go to a new file', async () => {
  const pod = await runPod('rotate');
  const id = await runContainer(pod, 'ticker', 'i=0; while true; do echo line$i; i=$((i+1)); sleep 0.1; done');
  const log = join(pod.config.log_directory, 'ticker', '0.log');
  await until('log lines', () => existsSync(log) && readFileSync(log, 'utf8').includes('line2'));
  renameSync(log, `${log}.1`);
  await cri.runtime('ReopenContainerLog', { container_id: id });
  await until('lines in the new log', () => existsSync(log) && /stdout F line\d+/.test(readFileSync(log, 'utf8')));
  const old = readFileSync(`${log}.1`, 'utf8');
  const fresh = readFileSync(log, 'utf8');
  // The first lines stay in the renamed file; the new one starts where it left off.
  assert.match(old, /stdout F line0$/m);
  assert.doesNotMatch(fresh, /stdout F line0$/m);
});

test('UpdateContainerResources changes the running cgroup; StopContainer and RemoveContainer (twice) as kubelet calls them', async () => {
  const pod = await runPod('limits');
  const id = await runContainer(pod, 'sleeper', 'sleep 1000', { linux: { resources: { memory_limit_in_bytes: String(64 * 1024 * 1024) } } });
  const limitFile = () => {
    const found = execFileSync('find', ['/sys/fs/cgroup/memory', '-maxdepth', '6', '-type', 'd', '-name', id]).toString().trim().split('\n')[0] ?? '';
    assert.ok(found.startsWith(`/sys/fs/cgroup/memory/hull-crit-${tag}/`), `under kubelet's cgroup_parent: ${found}`);
    return Number(readFileSync(join(found, 'memory.limit_in_bytes'), 'utf8'));
  };
  assert.equal(limitFile(), 64 * 1024 * 1024);
  await cri.runtime('UpdateContainerResources', { container_id: id, linux: { memory_limit_in_bytes: String(96 * 1024 * 1024), cpu_shares: '256' } });
  assert.equal(limitFile(), 96 * 1024 * 1024);
  type CS = { status: { state: string; exit_code: number; reason: string; finished_at: string; resources: { linux: { memory_limit_in_bytes: string } } } };
  assert.equal((await cri.runtime<CS>('ContainerStatus', { container_id: id })).status.resources.linux.memory_limit_in_bytes, String(96 * 1024 * 1024));
  await assert.rejects(cri.runtime('UpdateContainerResources', { container_id: id, linux: { memory_limit_in_bytes: '1000' } }), code(3));
  await cri.runtime('StopContainer', { container_id: id, timeout: '1' });
  const stopped = await cri.runtime<CS>('ContainerStatus', { container_id: id });
  assert.equal(stopped.status.state, 'CONTAINER_EXITED');
  assert.equal(stopped.status.reason, 'Error');
  assert.ok(BigInt(stopped.status.finished_at) > 0n);
  await cri.runtime('StopContainer', { container_id: id, timeout: '1' });
  await cri.runtime('RemoveContainer', { container_id: id });
  await cri.runtime('RemoveContainer', { container_id: id });
  await assert.rejects(cri.runtime('ContainerStatus', { container_id: id }), code(5));
});

test('a hostPort reaches the container through portmap; the pod IP serves too', async () => {
  const pod = await runPod('http', { port_mappings: [{ protocol: 'TCP', container_port: 8080, host_port: hostPort, host_ip: '' }] });
  await runContainer(pod, 'srv', 'mkdir -p /www && echo served-by-hull > /www/index.html && exec httpd -f -p 8080 -h /www');
  const ip = (await cri.runtime<{ status: { network: { ip: string } } }>('PodSandboxStatus', { pod_sandbox_id: pod.id })).status.network.ip;
  const get = (host: string, port: number) =>
    new Promise<string>((resolve, reject) => {
      const req = request({ host, port, path: '/', timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  const viaPodIp = await until('the server on the pod IP', () => get(ip, 8080).catch(() => undefined));
  assert.equal(viaPodIp.trim(), 'served-by-hull');
  const hostIp = execFileSync('ip', ['-4', '-o', 'route', 'get', '1.1.1.1']).toString().match(/src (\S+)/)?.[1] ?? '';
  assert.equal((await until('the hostPort', () => get(hostIp, hostPort).catch(() => undefined))).trim(), 'served-by-hull');
});

test('GetContainerEvents streams created, started, stopped and deleted events of CRI containers', async () => {
  const pod = await runPod('events');
  const events: Array<{ container_id: string; container_event_type: string }> = [];
  const stream = (cri.runtimeClient as unknown as { GetContainerEvents(req: object): ClientReadableStream<{ container_id: string; container_event_type: string }> }).GetContainerEvents({});
  stream.on('data', (e: { container_id: string; container_event_type: string }) => events.push(e));
  stream.on('error', () => {});
  await new Promise((r) => setTimeout(r, 300)); // the stream reads events recorded from now on
  const id = await runContainer(pod, 'brief', 'exit 0');
  await until('the exit', async () => (await cri.runtime<{ status: { state: string } }>('ContainerStatus', { container_id: id })).status.state === 'CONTAINER_EXITED');
  await cri.runtime('RemoveContainer', { container_id: id });
  await until('four events', () => events.filter((e) => e.container_id === id).length >= 4);
  stream.cancel();
  assert.deepEqual(events.filter((e) => e.container_id === id).map((e) => e.container_event_type), ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT']);
});

test('bad input: unknown IDs, malformed requests, images not pulled', async () => {
  await assert.rejects(cri.runtime('PodSandboxStatus', { pod_sandbox_id: 'nosuch' }), code(5));
  await assert.rejects(cri.runtime('StopPodSandbox', { pod_sandbox_id: 'nosuch' }), code(5));
  assert.deepEqual(await cri.runtime('RemovePodSandbox', { pod_sandbox_id: 'nosuch' }), {});
  await assert.rejects(cri.runtime('CreateContainer', { pod_sandbox_id: 'nosuch', config: containerConfig('x', 'true'), sandbox_config: sandboxConfig('x') }), code(5));
  await assert.rejects(cri.runtime('ContainerStatus', { container_id: '' }), code(3));
  await assert.rejects(cri.runtime('StartContainer', { container_id: 'nosuch' }), code(5));
  await assert.rejects(cri.runtime('ExecSync', { container_id: 'nosuch', cmd: ['true'] }), code(5));
  await assert.rejects(cri.runtime('RunPodSandbox', {}), code(3));
  await assert.rejects(cri.runtime('RunPodSandbox', { config: { metadata: { name: 'x' } } }), code(3));
  const pod = await runPod('bad');
  await assert.rejects(cri.runtime('CreateContainer', { pod_sandbox_id: pod.id, config: { metadata: { name: 'y' } }, sandbox_config: pod.config }), code(3));
  await assert.rejects(cri.runtime('CreateContainer', { pod_sandbox_id: pod.id, config: containerConfig('z', 'true', { image: { image: 'not-pulled:1' } }), sandbox_config: pod.config }), code(5));
  await assert.rejects(cri.runtime('CreateContainer', { pod_sandbox_id: pod.id, config: containerConfig('w', 'true', { labels: { 'io.hull.cri.kind': 'sandbox' } }), sandbox_config: pod.config }), code(3));
  const id = await runContainer(pod, 'v', 'sleep 1000');
  await assert.rejects(cri.runtime('ExecSync', { container_id: id, cmd: [] }), code(3));
  // A timed-out ExecSync is an error, and the process is gone.
  await assert.rejects(cri.runtime('ExecSync', { container_id: id, cmd: ['sleep', '30'], timeout: '1' }), (err: Status) => /timed out/.test(err.details));
});

test('a CNI chain that fails while the infra is being created: RunPodSandbox answers the plugin\'s error, leaves nothing behind, and the name is free again', async () => {
  // The chain runs beside the infra's runc create: its failure must still undo the created infra.
  const broken = join(cri.cniConfDir, '00-broken.conflist');
  const badBridge = `hbad${tag}`;
  const left = (dir: string) => {
    const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
    return () => (existsSync(dir) ? readdirSync(dir) : []).filter((n) => !before.has(n));
  };
  const newNetns = left(join(env.runroot, 'netns'));
  const newRuntime = left(join(env.runroot, 'runc'));
  writeFileSync(broken, JSON.stringify({ cniVersion: '1.0.0', name: `broken-${tag}`, plugins: [{ type: 'bridge', bridge: badBridge, ipam: { type: 'host-local', dataDir: join(env.dir, 'ipam-broken'), ranges: [[{ subnet: '10.213.300.0/24' }]] } }] }));
  try {
    await assert.rejects(runPod('cnifail'), (err: Status) => /CNI plugin bridge failed/.test(err.details));
  } finally {
    rmSync(broken);
    try {
      execFileSync('ip', ['link', 'del', badBridge], { stdio: 'ignore' });
    } catch {
      // not made
    }
  }
  const { items } = await cri.runtime<{ items: Array<{ metadata: { name: string } }> }>('ListPodSandbox', {});
  assert.ok(!items.some((i) => i.metadata.name === 'cnifail'));
  assert.deepEqual(newNetns(), []);
  assert.deepEqual(newRuntime(), []);
  const pod = await runPod('cnifail');
  assert.equal((await cri.runtime<{ status: { state: string } }>('PodSandboxStatus', { pod_sandbox_id: pod.id })).status.state, 'SANDBOX_READY');
});

test('a sandbox removed while its containers run takes them with it', async () => {
  const pod = await runPod('doomed');
  const id = await runContainer(pod, 'worker', 'sleep 1000');
  await cri.runtime('StopPodSandbox', { pod_sandbox_id: pod.id });
  assert.equal((await cri.runtime<{ status: { state: string } }>('PodSandboxStatus', { pod_sandbox_id: pod.id })).status.state, 'SANDBOX_NOTREADY');
  assert.equal((await cri.runtime<{ status: { state: string } }>('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_EXITED');
  const pod2 = await runPod('doomed2');
  const id2 = await runContainer(pod2, 'worker', 'sleep 1000');
  await cri.runtime('RemovePodSandbox', { pod_sandbox_id: pod2.id });
  const { containers } = await cri.runtime<{ containers: Array<{ id: string }> }>('ListContainers', {});
  assert.ok(!containers.some((c) => c.id === id2));
  await assert.rejects(cri.runtime('PodSandboxStatus', { pod_sandbox_id: pod2.id }), code(5));
  assert.doesNotMatch(execFileSync('ps', ['-eo', 'args']).toString(), new RegExp(id2));
  // The name is free again once the sandbox is gone.
  const again = await runPod('doomed2');
  assert.notEqual(again.id, pod2.id);
});

test('kill -9 of the server loses nothing: the same sandboxes and containers, with their states, and running containers keep running', async () => {
  const pod = await runPod('survivor');
  const running = await runContainer(pod, 'runs', 'sleep 1000');
  const exits = await runContainer(pod, 'exits', 'exit 7');
  await until('the exit', async () => (await cri.runtime<{ status: { state: string } }>('ContainerStatus', { container_id: exits })).status.state === 'CONTAINER_EXITED');
  const before = await cri.runtime<{ containers: Array<{ id: string; state: string }> }>('ListContainers', { filter: { pod_sandbox_id: pod.id } });
  const sandboxesBefore = await cri.runtime<{ items: Array<{ id: string; state: string }> }>('ListPodSandbox', {});
  await cri.stop('SIGKILL');
  await cri.restart();
  const after = await cri.runtime<{ containers: Array<{ id: string; state: string }> }>('ListContainers', { filter: { pod_sandbox_id: pod.id } });
  assert.deepEqual(after.containers.map((c) => [c.id, c.state]).sort(), before.containers.map((c) => [c.id, c.state]).sort());
  const sandboxesAfter = await cri.runtime<{ items: Array<{ id: string; state: string }> }>('ListPodSandbox', {});
  assert.deepEqual(sandboxesAfter.items.map((s) => [s.id, s.state]).sort(), sandboxesBefore.items.map((s) => [s.id, s.state]).sort());
  const status = await cri.runtime<{ status: { state: string; exit_code: number } }>('ContainerStatus', { container_id: exits });
  assert.deepEqual([status.status.state, status.status.exit_code], ['CONTAINER_EXITED', 7]);
  const exec = await cri.runtime<{ stdout: Buffer; exit_code: number }>('ExecSync', { container_id: running, cmd: ['echo', 'still here'] });
  assert.equal(exec.stdout.toString(), 'still here\n');
  assert.ok(readdirSync(env.dir).includes('cri.sock'));
});

test('the security context, namespaces, sysctls, mounts with propagation and devices reach the container', async () => {
  const pod = await runPod('secure', { linux: { cgroup_parent: `/hull-crit-${tag}`, sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' }, security_context: { namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' } } } });
  // HOST_TO_CONTAINER needs a host mount that propagates (kubelet's are): a shared bind of a test directory.
  const hostDir = join(env.dir, 'shared-dir');
  mkdirSync(hostDir);
  execFileSync('mount', ['--bind', hostDir, hostDir]);
  execFileSync('mount', ['--make-shared', hostDir]);
  const madeDir = join(env.dir, 'made-by-cri');
  const sc = {
    run_as_user: { value: '1000' },
    run_as_group: { value: '3000' },
    supplemental_groups: ['4000'],
    readonly_rootfs: true,
    no_new_privs: true,
    capabilities: { drop_capabilities: ['ALL'], add_capabilities: ['NET_BIND_SERVICE'] },
    seccomp: { profile_type: 'RuntimeDefault' },
    masked_paths: ['/proc/kcore', '/proc/cpuinfo'],
    readonly_paths: ['/proc/sys'],
  };
  const id = await runContainer(pod, 'locked', 'sleep 1000', {
    linux: { security_context: sc },
    mounts: [{ container_path: '/data', host_path: hostDir, readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }, { container_path: '/made', host_path: madeDir }],
    devices: [{ container_path: '/dev/mynull', host_path: '/dev/null', permissions: 'rwm' }],
  });
  type Exec = { stdout: Buffer; stderr: Buffer; exit_code: number };
  const sh = async (script: string, container = id) => {
    const r = await cri.runtime<Exec>('ExecSync', { container_id: container, cmd: ['sh', '-c', script] });
    return { out: r.stdout.toString().trim(), code: r.exit_code };
  };
  assert.equal((await sh('id -u; id -g; id -G')).out, '1000\n3000\n3000 4000');
  assert.notEqual((await sh('touch /rootfs-write')).code, 0, 'read-only rootfs');
  assert.notEqual((await sh('touch /data/x')).code, 0, 'read-only mount');
  assert.ok(existsSync(madeDir), 'a missing host path is made, as containerd does');
  const status = (await sh('cat /proc/self/status')).out;
  assert.match(status, /^NoNewPrivs:\s+1$/m);
  assert.match(status, /^Seccomp:\s+2$/m);
  assert.match(status, /^CapBnd:\s+0000000000000400$/m, 'only NET_BIND_SERVICE (bounding: a non-root user has none effective)');
  assert.equal((await sh('wc -c < /proc/cpuinfo')).out, '0', 'masked as kubelet asked');
  assert.notEqual((await sh('echo 1 > /proc/sys/vm/overcommit_memory')).code, 0, 'read-only /proc/sys');
  assert.equal((await sh('echo hi > /dev/mynull && echo ok')).out, 'ok');
  assert.equal((await sh('cat /proc/sys/net/ipv4/ip_unprivileged_port_start')).out, '0', 'the sandbox sysctl');
  const propagation = (await sh('grep " /data " /proc/self/mountinfo')).out;
  assert.match(propagation, /master:\d+/, 'HOST_TO_CONTAINER is a slave mount');
  // A mount made on the host afterwards appears inside.
  mkdirSync(join(hostDir, 'late'));
  execFileSync('mount', ['-t', 'tmpfs', 'late', join(hostDir, 'late')]);
  assert.equal((await sh('grep -c " /data/late " /proc/self/mountinfo')).out, '1');
  // Unconfined seccomp, no_new_privs false (kubelet's allowPrivilegeEscalation default) and the shared PID namespace of the pod.
  const open = await runContainer(pod, 'open', 'sleep 1000', { linux: { security_context: { seccomp: { profile_type: 'Unconfined' }, no_new_privs: false } } });
  const openStatus = (await sh('cat /proc/self/status', open)).out;
  assert.match(openStatus, /^Seccomp:\s+0$/m);
  assert.match(openStatus, /^NoNewPrivs:\s+0$/m);
  assert.match((await sh('ps -o args', open)).out, /sleep 1000[\s\S]*sleep 1000/, 'both sleeps are seen in the pod PID namespace');
  // A privileged container sees the host's devices.
  const priv = await runContainer(pod, 'priv', 'sleep 1000', { linux: { security_context: { privileged: true } } });
  const capEff = (text: string) => BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(text)?.[1] ?? '0'}`);
  const SYS_ADMIN = 1n << 21n;
  assert.equal(capEff((await sh('grep CapEff /proc/self/status', priv)).out) & SYS_ADMIN, SYS_ADMIN, 'privileged has CAP_SYS_ADMIN');
  assert.equal(capEff(openStatus) & SYS_ADMIN, 0n, 'an unprivileged one has not');
});

test('hostPID and hostIPC pods: their containers see the host\'s PID and IPC namespaces', async () => {
  const hostNs = { network: 'POD', pid: 'NODE', ipc: 'NODE' };
  const pod = await runPod('hostns', { linux: { cgroup_parent: `/hull-crit-${tag}`, security_context: { namespace_options: hostNs } } });
  const id = await runContainer(pod, 'peek', 'sleep 1000', { linux: { security_context: { namespace_options: hostNs } } });
  type Exec = { stdout: Buffer; exit_code: number };
  const inside = async (cmd: string[]) => (await cri.runtime<Exec>('ExecSync', { container_id: id, cmd })).stdout.toString().trim();
  const ns = (kind: string) => execFileSync('readlink', [`/proc/self/ns/${kind}`]).toString().trim();
  assert.equal(await inside(['readlink', '/proc/self/ns/pid']), ns('pid'));
  assert.equal(await inside(['readlink', '/proc/self/ns/ipc']), ns('ipc'));
  assert.notEqual(await inside(['readlink', '/proc/self/ns/net']), ns('net'), 'the network stays the pod\'s');
});
