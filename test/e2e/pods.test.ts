/**
 * Pods end to end as root, through the built CLI with real runc, conmon and CNI: members share the
 * infra's network (localhost) and host name, a pod-level port reaches a member, a pod-level memory
 * limit binds every member, init containers run first and in order, removing a pod removes its
 * containers, bad input is refused with a clear error, and a kill -9 during `pod create` never
 * leaves a pod that `pod ls` shows half made.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { HULL_BIN, hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { waitFor, fetchText } from '../../src/testing/wait.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PodJson {
  Id: string;
  Name: string;
  State: string;
  Hostname: string;
  CgroupParent: string;
  InfraContainerId: string;
  Containers: Array<{ Id: string; Name: string; State: string; IsInfra: boolean }>;
}
const podInspect = async (name: string) => (JSON.parse(await env.ok(['pod', 'inspect', name])) as PodJson[])[0] as PodJson;
const inspect = async (name: string, template: string) => (await env.ok(['inspect', '-f', template, name])).trim();

test('two containers of a pod talk over localhost and share the pod\'s host name', async () => {
  await env.ok(['pod', 'create', '--name', 'talk', '--hostname', 'podhost']);
  await env.ok(['run', '-d', '--pod', 'talk', '--name', 'talk-web', 'busybox', 'httpd', '-f', '-p', '8080', '-h', '/var/www']);
  const out = await env.ok(['run', '--rm', '--pod', 'talk', 'busybox', 'sh', '-c', 'hostname; for i in $(seq 1 100); do wget -qO- http://localhost:8080/ && exit 0; sleep 0.2; done; exit 1']);
  assert.match(out, /^podhost$/m);
  assert.match(out, /hello from hull/);
  assert.equal((await env.ok(['exec', 'talk-web', 'hostname'])).trim(), 'podhost');
  const pod = await podInspect('talk');
  assert.equal(pod.State, 'Running');
  assert.equal(pod.Containers.length, 2, 'the --rm member is gone; the infra and the server stay');
  assert.equal(await inspect('talk-web', '{{.HostConfig.NetworkMode}}'), `container:${pod.InfraContainerId}`);
  // The built-in infra runs with no capability at all, on a read-only root.
  const infraPid = await inspect(pod.InfraContainerId, '{{.State.Pid}}');
  assert.match(readFileSync(`/proc/${infraPid}/status`, 'utf8'), /^CapEff:\s+0+$/m);
  assert.equal(await inspect(pod.InfraContainerId, '{{.HostConfig.ReadonlyRootfs}}'), 'true');
  // The member is in the infra's network, IPC and UTS namespaces (pinned to files while the pod runs).
  const webPid = await inspect('talk-web', '{{.State.Pid}}');
  for (const ns of ['net', 'ipc', 'uts']) assert.equal(readlinkSync(`/proc/${webPid}/ns/${ns}`), readlinkSync(`/proc/${infraPid}/ns/${ns}`), `the ${ns} namespace`);
  // ps --pod names each container's pod.
  const ps = await env.ok(['ps', '-a', '--pod', '--format', '{{.Names}} {{.PodName}}']);
  assert.match(ps, /^talk-web talk$/m);
  await env.ok(['pod', 'rm', '-f', 'talk']);
  const pins = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(pod.InfraContainerId) && / nsfs /.test(l));
  assert.deepEqual(pins, [], 'pod rm leaves no namespace pinned');
});

test('a port published by the pod reaches the member that listens on it', async () => {
  await env.ok(['pod', 'create', '--name', 'pub', '-p', '80']);
  await env.ok(['run', '-d', '--pod', 'pub', '--name', 'pub-web', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']);
  const infra = (await podInspect('pub')).InfraContainerId;
  const port = (await env.ok(['port', infra, '80'])).trim().split(':')[1];
  assert.match(port ?? '', /^\d+$/);
  await waitFor(async () => (await fetchText(`http://127.0.0.1:${port}/`).catch(() => '')).includes('hello from hull'), 'the member\'s httpd on the pod\'s port');
  await env.ok(['pod', 'rm', '-f', 'pub']);
  // podman's --pod new:NAME makes the pod, and the container's -p becomes the pod's.
  await env.ok(['run', '-d', '--pod', 'new:pubnew', '-p', '80', '--name', 'pubnew-web', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']);
  const made = await podInspect('pubnew');
  const newPort = (await env.ok(['port', made.InfraContainerId, '80'])).trim().split(':')[1];
  await waitFor(async () => (await fetchText(`http://127.0.0.1:${newPort}/`).catch(() => '')).includes('hello from hull'), 'the new pod\'s port');
  await env.ok(['pod', 'rm', '-f', 'pubnew']);
});

test('a pod-level memory limit applies to each of its containers', async () => {
  await env.ok(['pod', 'create', '--name', 'mem', '--memory', '32m']);
  const pod = await podInspect('mem');
  await env.ok(['run', '-d', '--pod', 'mem', '--name', 'mem-a', 'busybox', 'sleep', '1d']);
  await env.ok(['run', '-d', '--pod', 'mem', '--name', 'mem-b', 'busybox', 'sleep', '1d']);
  // Both sit in the pod's cgroup, which carries the limit.
  assert.equal(readFileSync(`/sys/fs/cgroup/memory${pod.CgroupParent}/memory.limit_in_bytes`, 'utf8').trim(), String(32 * 1024 * 1024));
  for (const name of ['mem-a', 'mem-b']) {
    const pid = await inspect(name, '{{.State.Pid}}');
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /:memory:/.test(l)) ?? '';
    assert.ok(line.includes(`${pod.CgroupParent}/`), `${name} is under the pod's cgroup: ${line}`);
  }
  // And it binds: 48 MiB in either member is killed, 16 MiB is not; outside the pod 48 MiB is fine.
  for (const name of ['mem-a', 'mem-b']) {
    const r = await env.hull(['exec', name, 'sh', '-c', 'head -c 48m /dev/zero | tail > /dev/null']);
    assert.notEqual(r.code, 0, `${name} may not use 48 MiB in a 32 MiB pod`);
    assert.equal((await env.ok(['exec', name, 'sh', '-c', 'head -c 16m /dev/zero | tail > /dev/null && echo fits'])).trim(), 'fits');
  }
  assert.match(await env.ok(['run', '--rm', 'busybox', 'sh', '-c', 'head -c 48m /dev/zero | tail > /dev/null && echo fits']), /fits/);
  await env.ok(['pod', 'rm', '-f', 'mem']);
  assert.ok(!existsSync(`/sys/fs/cgroup/memory${pod.CgroupParent}`), 'the pod\'s cgroup is removed with it');
});

test('init containers run to completion, in order, before the others start', async () => {
  await env.ok(['volume', 'create', 'initvol']);
  await env.ok(['pod', 'create', '--name', 'ini']);
  await env.ok(['create', '--pod', 'ini', '--init-ctr', 'always', '--name', 'ini-1', '-v', 'initvol:/shared', 'busybox', 'sh', '-c', 'sleep 1; echo first >> /shared/log']);
  await env.ok(['create', '--pod', 'ini', '--init-ctr', 'once', '--name', 'ini-2', '-v', 'initvol:/shared', 'busybox', 'sh', '-c', 'echo second >> /shared/log']);
  await env.ok(['create', '--pod', 'ini', '--name', 'ini-app', '-v', 'initvol:/shared', 'busybox', 'sh', '-c', 'cat /shared/log; echo app >> /shared/log; sleep 1d']);
  await env.ok(['pod', 'start', 'ini']);
  await waitFor(async () => (await env.ok(['logs', 'ini-app'])).includes('second'), 'the app\'s output');
  assert.equal(await env.ok(['logs', 'ini-app']), 'first\nsecond\n');
  assert.equal(await inspect('ini-1', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0');
  assert.notEqual((await env.hull(['inspect', 'ini-2'])).code, 0, 'a "once" init container is removed after it succeeded');
  // A failing init container stops the pod's start, and the others are not started.
  await env.ok(['pod', 'create', '--name', 'inifail']);
  await env.ok(['create', '--pod', 'inifail', '--init-ctr', 'always', '--name', 'inifail-1', 'busybox', 'sh', '-c', 'exit 3']);
  await env.ok(['create', '--pod', 'inifail', '--name', 'inifail-app', 'busybox', 'sleep', '1d']);
  const r = await env.hull(['pod', 'start', 'inifail']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /init container "inifail-1" exited with code 3/);
  assert.equal(await inspect('inifail-app', '{{.State.Status}}'), 'created');
  await env.ok(['pod', 'rm', '-f', 'ini', 'inifail']);
  await env.ok(['volume', 'rm', 'initvol']);
});

test('removing a pod removes its containers; a running one needs -f', async () => {
  await env.ok(['pod', 'create', '--name', 'gone']);
  await env.ok(['run', '-d', '--pod', 'gone', '--name', 'gone-1', 'busybox', 'sleep', '1d']);
  await env.ok(['create', '--pod', 'gone', '--name', 'gone-2', 'busybox', 'true']);
  const pod = await podInspect('gone');
  const refused = await env.hull(['pod', 'rm', 'gone']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Cannot remove pod "gone": it is degraded/, 'one member runs, one does not: podman\'s "Degraded"');
  const infraRm = await env.hull(['rm', '-f', pod.InfraContainerId]);
  assert.notEqual(infraRm.code, 0);
  assert.match(infraRm.stderr, /infra container of pod/);
  await env.ok(['pod', 'rm', '-f', 'gone']);
  const left = await env.ok(['ps', '-a', '--format', '{{.Names}}']);
  for (const name of ['gone-1', 'gone-2', `${pod.Id.slice(0, 12)}-infra`]) assert.ok(!left.split('\n').includes(name), `${name} is removed with its pod`);
  assert.doesNotMatch(await env.ok(['pod', 'ps', '--format', '{{.Name}}']), /^gone$/m);
});

test('pod stop, start and the states derived from the containers', async () => {
  await env.ok(['pod', 'create', '--name', 'states']);
  assert.equal((await podInspect('states')).State, 'Created');
  await env.ok(['create', '--pod', 'states', '--name', 'states-1', 'busybox', 'sleep', '1d']);
  await env.ok(['pod', 'start', 'states']);
  assert.equal((await podInspect('states')).State, 'Running');
  await env.ok(['pod', 'pause', 'states']);
  assert.equal((await podInspect('states')).State, 'Paused');
  await env.ok(['pod', 'unpause', 'states']);
  await env.ok(['pod', 'stop', '-t', '1', 'states']);
  assert.equal((await podInspect('states')).State, 'Exited');
  await env.ok(['pod', 'restart', 'states']);
  assert.equal((await podInspect('states')).State, 'Running');
  await env.ok(['pod', 'kill', 'states']);
  await waitFor(async () => (await podInspect('states')).State === 'Exited', 'the pod to exit');
  const id = (await podInspect('states')).Id;
  assert.match(await env.ok(['pod', 'prune', '-f']), new RegExp(`^${id}$`, 'm'));
  assert.doesNotMatch(await env.ok(['pod', 'ps', '--format', '{{.Name}}']), /^states$/m);
});

test('bad input: unknown pod, duplicate name, ports or a network of its own on a member', async () => {
  const unknown = await env.hull(['run', '--rm', '--pod', 'nosuchpod', 'busybox', 'true']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /Cannot find pod "nosuchpod": no such pod/);
  await env.ok(['pod', 'create', '--name', 'dup']);
  assert.equal((await env.hull(['pod', 'exists', 'dup'])).code, 0);
  assert.equal((await env.hull(['pod', 'exists', 'nosuchpod'])).code, 1);
  const dup = await env.hull(['pod', 'create', '--name', 'dup']);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, /Cannot create pod "dup": the name is already in use/);
  const publish = await env.hull(['create', '--pod', 'dup', '-p', '8080:80', 'busybox', 'true']);
  assert.notEqual(publish.code, 0);
  assert.match(publish.stderr, /Cannot create container in pod "dup": it shares the pod's network, so ports are published by the pod/);
  const network = await env.hull(['create', '--pod', 'dup', '--network', 'host', 'busybox', 'true']);
  assert.match(network.stderr, /cannot have --network host/);
  const hostname = await env.hull(['create', '--pod', 'dup', '--hostname', 'other', 'busybox', 'true']);
  assert.match(hostname.stderr, /cannot have its own --hostname/);
  const share = await env.hull(['pod', 'create', '--share', 'net,mnt']);
  assert.match(share.stderr, /--share "mnt" is not a namespace/);
  const initAlone = await env.hull(['create', '--init-ctr', 'always', 'busybox', 'true']);
  assert.match(initAlone.stderr, /--init-ctr needs --pod/);
  const cgroup = await env.hull(['create', '--cgroup-parent', '../../etc', 'busybox', 'true']);
  assert.match(cgroup.stderr, /is not a cgroup path/);
  // Nothing was made by the refusals.
  assert.equal((await podInspect('dup')).Containers.length, 1);
  await env.ok(['pod', 'rm', 'dup']);
});

test('a kill -9 during pod create leaves no pod that pod ls shows half made', async () => {
  for (const delay of [150, 300, 600, 1200]) {
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'pod', 'create', '--name', `crash${delay}`], { stdio: 'ignore' });
    const closed = new Promise((r) => child.once('close', r));
    await sleep(delay);
    child.kill('SIGKILL');
    await closed;
    const pods = JSON.parse(await env.ok(['pod', 'ps', '--format', 'json'])) as Array<{ Name: string; InfraID: string; NumberOfContainers: number }>;
    const listed = pods.find((p) => p.Name === `crash${delay}`);
    if (listed) {
      // Shown: then it is whole, with its infra container.
      assert.equal(listed.NumberOfContainers, 1);
      assert.equal((await podInspect(`crash${delay}`)).Containers[0]?.IsInfra, true);
      await env.ok(['pod', 'rm', `crash${delay}`]);
    } else {
      // Not shown: the name is free again and no infra container is left.
      await env.ok(['pod', 'create', '--name', `crash${delay}`]);
      await env.ok(['pod', 'rm', `crash${delay}`]);
    }
  }
  const infras = (await env.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter((n) => n.endsWith('-infra'));
  assert.deepEqual(infras, []);
});

test('pod top, logs and stats; a shared pid namespace; an infra from an image', async () => {
  await env.ok(['pod', 'create', '--name', 'obs', '--share', '+pid', '--infra-image', 'busybox', '--infra-command', 'sleep', '--infra-command', '1d']);
  await env.ok(['run', '-d', '--pod', 'obs', '--name', 'obs-a', 'busybox', 'sh', '-c', 'echo from-a; sleep 1d']);
  await env.ok(['run', '-d', '--pod', 'obs', '--name', 'obs-b', 'busybox', 'sh', '-c', 'echo from-b; sleep 1d']);
  // With pid shared, one member sees the infra's and the other's processes.
  await waitFor(async () => /sleep 1d/.test(await env.ok(['exec', 'obs-a', 'ps'])), 'processes of the pod');
  const ps = await env.ok(['exec', 'obs-a', 'ps', '-o', 'args']);
  assert.ok(ps.split('\n').filter((l) => l.includes('sleep 1d')).length >= 3, `infra and both members in one pid namespace:\n${ps}`);
  await waitFor(async () => (await env.ok(['pod', 'logs', 'obs'])).includes('from-b'), 'the members\' output');
  const logs = await env.ok(['pod', 'logs', 'obs']);
  assert.match(logs, /^obs-a from-a$/m);
  assert.match(logs, /^obs-b from-b$/m);
  const top = await env.ok(['pod', 'top', 'obs']);
  assert.match(top, /^obs-a\s/m);
  assert.match(top, /^obs-b\s/m);
  const stats = JSON.parse(await env.ok(['pod', 'stats', '--format', 'json', 'obs'])) as Array<{ Name: string; Containers: number; MemUsage: number }>;
  assert.equal(stats[0]?.Name, 'obs');
  assert.equal(stats[0]?.Containers, 3);
  assert.ok((stats[0]?.MemUsage ?? 0) > 0);
  assert.equal(await inspect((await podInspect('obs')).InfraContainerId, '{{.Config.Image}}'), 'busybox');
  await env.ok(['pod', 'rm', '-f', 'obs']);
});

test('a kill -9 while the pod is recorded as being created: the next pod ls removes it, infra and name included', async () => {
  let caught = false;
  for (let attempt = 0; attempt < 10 && !caught; attempt++) {
    const name = `halfmade${attempt}`;
    const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'pod', 'create', '--name', name], { stdio: 'ignore' });
    const closed = new Promise((r) => child.once('close', r));
    let exited = false;
    void closed.then(() => (exited = true));
    // Kill it the moment its record says "Creating" (the window a crash must leave clean).
    while (!exited && !caught) {
      const dir = join(env.root, 'pods');
      const creating = existsSync(dir) && readdirSync(dir).some((e) => /^[a-f0-9]{64}$/.test(e) && (() => {
        try {
          const r = JSON.parse(readFileSync(join(dir, e, 'pod.json'), 'utf8')) as { Name: string; Creating?: string };
          return r.Name === name && r.Creating !== undefined;
        } catch {
          return false;
        }
      })());
      if (creating) {
        child.kill('SIGKILL');
        caught = true;
      } else await sleep(2);
    }
    await closed;
    assert.doesNotMatch(await env.ok(['pod', 'ps', '--format', '{{.Name}}']), new RegExp(`^${name}$`, 'm'));
    if (caught) {
      // Gone for good: the name is free, no infra container is left.
      await env.ok(['pod', 'create', '--name', name]);
      await env.ok(['pod', 'rm', name]);
    } else {
      await env.ok(['pod', 'rm', name]);
    }
  }
  assert.ok(caught, 'a pod create was caught while recorded as being created');
  const infras = (await env.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter((n) => n.endsWith('-infra'));
  assert.deepEqual(infras, []);
});

test('starting a member starts its pod\'s infra', async () => {
  await env.ok(['pod', 'create', '--name', 'lazy']);
  await env.ok(['create', '--pod', 'lazy', '--name', 'lazy-1', 'busybox', 'sleep', '1d']);
  await env.ok(['start', 'lazy-1']);
  assert.equal((await podInspect('lazy')).State, 'Running');
  await env.ok(['pod', 'rm', '-f', 'lazy']);
});
