import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateContainer } from './translate-container.js';
import { translateSandbox } from './translate-sandbox.js';
import type { CriContainerConfig, CriSandboxConfig } from './messages.js';

const SANDBOX: CriSandboxConfig = {
  metadata: { name: 'web', uid: 'u-1', namespace: 'default', attempt: 0 },
  hostname: 'web',
  log_directory: '/var/log/pods/default_web_u-1',
  dns_config: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
  port_mappings: [{ protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '' }, { protocol: 'UDP', container_port: 53, host_port: 0 }],
  labels: { 'io.kubernetes.pod.name': 'web' },
  annotations: { 'kubernetes.io/config.source': 'api' },
  linux: { cgroup_parent: '/kubepods/besteffort/podu-1', security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } }, sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' }, resources: { cpu_quota: '50000', cpu_period: '100000', memory_limit_in_bytes: '67108864' } },
};

test('PodSandboxConfig -> pod options (golden)', () => {
  const o = translateSandbox(SANDBOX, 'hull-cri');
  assert.equal(o.name, 'k8s_POD_web_default_u-1_0');
  assert.equal(o.network, 'hull-cri');
  assert.deepEqual(o.portBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.deepEqual(o.share, ['net', 'ipc', 'uts']);
  assert.deepEqual([o.dns, o.dnsSearch, o.dnsOptions], [['10.96.0.10'], ['default.svc.cluster.local'], ['ndots:5']]);
  assert.deepEqual(o.resources, { Memory: 67108864, NanoCpus: 500000000 });
  assert.equal(o.cgroupParent, '/kubepods/besteffort/podu-1');
  assert.equal(o.labels['io.kubernetes.pod.name'], 'web');
  assert.equal(o.labels['io.hull.cri.kind'], 'sandbox');
  assert.deepEqual(JSON.parse(o.labels['io.hull.cri.metadata'] ?? ''), { name: 'web', uid: 'u-1', namespace: 'default', attempt: 0 });
  assert.equal(JSON.parse(o.annotations['io.hull.cri.config'] ?? '').log_directory, '/var/log/pods/default_web_u-1');
  const host = translateSandbox({ ...SANDBOX, linux: { security_context: { namespace_options: { network: 'NODE', pid: 'POD' } } } }, 'hull-cri');
  assert.equal(host.network, 'host');
  assert.equal(host.portBindings, undefined);
  assert.deepEqual(host.share, ['net', 'ipc', 'uts', 'pid']);
});

test('PodSandboxConfig: missing metadata and forged hull labels are refused; hostIPC/hostPID are the containers\' own', () => {
  assert.throws(() => translateSandbox({ metadata: { name: 'x' } }, 'n'), { code: 'INVALID_ARGUMENT' });
  assert.deepEqual(translateSandbox({ ...SANDBOX, linux: { security_context: { namespace_options: { ipc: 'NODE', pid: 'NODE' } } } }, 'n').share, ['net', 'uts']);
  const hostNs = translateContainer({ metadata: { name: 'h' }, image: { image: 'b' }, linux: { security_context: { namespace_options: { ipc: 'NODE', pid: 'NODE' } } } }, { sandboxId: 's', pod: 's', sandboxConfig: SANDBOX });
  assert.deepEqual([hostNs.request.HostConfig?.PidMode, hostNs.request.HostConfig?.IpcMode], ['host', 'host']);
  assert.throws(() => translateSandbox({ ...SANDBOX, labels: { 'io.hull.cri.kind': 'container' } }, 'n'), /hull's own/);
});

const CONTAINER: CriContainerConfig = {
  metadata: { name: 'app', attempt: 2 },
  image: { image: 'sha256:' + 'a'.repeat(64) },
  command: ['/bin/sh', '-c'],
  args: ['echo hi'],
  working_dir: '/work',
  envs: [{ key: 'A', value: 'b=c' }],
  mounts: [{ container_path: '/data', host_path: '/srv/data', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }, { container_path: '/shared', host_path: '/srv/shared', propagation: 'PROPAGATION_BIDIRECTIONAL' }],
  devices: [{ container_path: '/dev/xnull', host_path: '/dev/null', permissions: 'rw' }],
  labels: { 'io.kubernetes.container.name': 'app' },
  annotations: { 'io.kubernetes.container.hash': '1234' },
  log_path: 'app/2.log',
  linux: {
    resources: { cpu_shares: '512', cpu_quota: '20000', cpu_period: '100000', memory_limit_in_bytes: '33554432', oom_score_adj: '-997' },
    security_context: { run_as_user: { value: '1000' }, run_as_group: { value: '3000' }, supplemental_groups: ['4000'], readonly_rootfs: true, no_new_privs: false, capabilities: { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['ALL'] }, seccomp: { profile_type: 'RuntimeDefault' }, apparmor: { profile_type: 'Unconfined' }, masked_paths: ['/proc/kcore'], readonly_paths: ['/proc/sys'] },
  },
  stop_signal: 'SIGNAL_SIGINT',
};

test('ContainerConfig -> ContainerCreateRequest (golden)', () => {
  const { name, request } = translateContainer(CONTAINER, { sandboxId: 'p1', pod: 'p1', sandboxConfig: SANDBOX });
  assert.equal(name, 'k8s_app_web_default_u-1_2');
  assert.equal(request.Pod, 'p1');
  const { Labels, ...config } = request.Config;
  assert.deepEqual(config, { Image: CONTAINER.image?.image, Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hi'], WorkingDir: '/work', Env: ['A=b=c'], Tty: false, OpenStdin: false, StdinOnce: false, AttachStdin: false, AttachStdout: false, AttachStderr: false, User: '1000:3000', StopSignal: 'SIGINT' });
  assert.equal(Labels?.['io.kubernetes.container.name'], 'app');
  assert.equal(Labels?.['io.hull.cri.sandbox-id'], 'p1');
  assert.equal(Labels?.['io.hull.cri.log-path'], '/var/log/pods/default_web_u-1/app/2.log');
  assert.deepEqual(request.HostConfig, {
    Binds: ['/srv/data:/data:ro,rslave', '/srv/shared:/shared:rw,rshared'],
    Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/xnull', CgroupPermissions: 'rw' }],
    LogConfig: { Type: 'k8s-file', Config: { path: '/var/log/pods/default_web_u-1/app/2.log' } },
    Privileged: false,
    ReadonlyRootfs: true,
    CapAdd: ['NET_ADMIN'],
    CapDrop: ['ALL'],
    GroupAdd: ['4000'],
    SecurityOpt: ['no-new-privileges=false', 'apparmor=unconfined'],
    MaskedPaths: ['/proc/kcore'],
    ReadonlyPaths: ['/proc/sys'],
    CpuShares: 512,
    CpuQuota: 20000,
    CpuPeriod: 100000,
    Memory: 33554432,
    OomScoreAdj: -997,
  });
});

test('ContainerConfig: command without args drops the image CMD; no seccomp profile is unconfined; Localhost profiles; bad input', () => {
  const { request } = translateContainer({ metadata: { name: 'a' }, image: { image: 'busybox' }, command: ['sleep', '1'], linux: { security_context: { no_new_privs: true, seccomp: { profile_type: 'Localhost', localhost_ref: '/etc/seccomp/p.json' } } } }, { sandboxId: 's', pod: 's', sandboxConfig: SANDBOX });
  assert.deepEqual(request.Config.Cmd, []);
  assert.deepEqual(request.HostConfig?.SecurityOpt, ['no-new-privileges=true', 'seccomp=/etc/seccomp/p.json']);
  const plain = translateContainer({ metadata: { name: 'a' }, image: { image: 'busybox' } }, { sandboxId: 's', pod: 's', sandboxConfig: SANDBOX });
  assert.deepEqual(plain.request.HostConfig?.SecurityOpt, ['no-new-privileges=false', 'seccomp=unconfined']);
  assert.equal(plain.request.Config.Cmd, undefined);
  assert.throws(() => translateContainer({ image: { image: 'busybox' } }, { sandboxId: 's', pod: 's', sandboxConfig: SANDBOX }), /has no name/);
  assert.throws(() => translateContainer({ metadata: { name: 'a' }, image: { image: 'b' }, linux: { security_context: { run_as_group: { value: '10' } } } }, { sandboxId: 's', pod: 's', sandboxConfig: SANDBOX }), /run_as_group without run_as_user/);
  assert.throws(() => translateContainer({ metadata: { name: 'a' }, image: { image: 'b' }, linux: { security_context: { seccomp_profile_path: '/etc/p.json' } } }, { sandboxId: 's', pod: 's', sandboxConfig: SANDBOX }), /localhost\/PATH/);
  assert.throws(() => translateContainer({ metadata: { name: 'a' } }, { sandboxId: 's', pod: 's', sandboxConfig: SANDBOX }), /names no image/);
  assert.throws(() => translateContainer({ metadata: { name: 'a' }, image: { image: 'b' }, mounts: [{ container_path: '/a', host_path: '/x:y' }] }, { sandboxId: 's', pod: 's', sandboxConfig: SANDBOX }), /":"/);
});

test('long Kubernetes names are cut to hull\'s limit, ending in a hash of the whole: the same metadata, the same name', () => {
  const long = { ...SANDBOX, metadata: { name: 'p'.repeat(150), uid: 'u'.repeat(36), namespace: 'n'.repeat(63), attempt: 0 } };
  const a = translateContainer({ metadata: { name: 'c'.repeat(63) }, image: { image: 'busybox' } }, { sandboxId: 's', pod: 's', sandboxConfig: long }).name;
  const b = translateContainer({ metadata: { name: 'c'.repeat(63) }, image: { image: 'busybox' } }, { sandboxId: 's', pod: 's', sandboxConfig: long }).name;
  const other = translateContainer({ metadata: { name: 'c'.repeat(62) + 'd' }, image: { image: 'busybox' } }, { sandboxId: 's', pod: 's', sandboxConfig: long }).name;
  assert.equal(a.length, 200);
  assert.equal(a, b);
  assert.notEqual(a, other);
  assert.match(a, /^k8s_c+_p+_[0-9a-f]{16}$/);
  assert.ok(translateSandbox(long, 'n').name.length <= 200);
});
