/**
 * What moved into the engine, seen through the CLI as a user sees it: --rm as the engine's
 * AutoRemove (anonymous volumes go too), the pull policy, relative bind paths, DNS options,
 * TERM for terminals, top filtered by the container's processes, and the PORTS column.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { hostHasBlkioWeight } from '../../src/sys/host-limits.js';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

test('run --rm removes the container and its anonymous volumes, in the foreground too', async () => {
  const before = (await env.ok(['volume', 'ls', '-q'])).trim();
  assert.equal(await env.ok(['run', '--rm', '-v', '/data', 'busybox', 'sh', '-c', 'echo x > /data/f; cat /data/f']), 'x\n');
  assert.equal((await env.ok(['volume', 'ls', '-q'])).trim(), before);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
});

test('--pull never refuses a missing image without asking a registry; --pull with a bad policy is refused', async () => {
  const r = await env.hull(['run', '--rm', '--pull', 'never', 'localhost:1/absent', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /no such image, and the pull policy is "never"/);
  assert.doesNotMatch(r.stderr, /Unable to find image/);
  const bad = await env.hull(['run', '--rm', '--pull', 'sometimes', 'busybox', 'true']);
  assert.match(bad.stderr, /pull policy "sometimes"/);
});

test('a malformed image name fails as such, before any "Unable to find image"', async () => {
  const r = await env.hull(['run', '--rm', 'Bad:Ref:x', 'true']);
  assert.equal(r.code, 125);
  assert.doesNotMatch(r.stderr, /Unable to find image/);
});

test('-v ./dir:/w and -v .:/w bind paths relative to the working directory, as docker 23+ does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-rel-'));
  try {
    writeFileSync(join(dir, 'hello.txt'), 'hi\n');
    assert.equal(await env.ok(['run', '--rm', '-v', '.:/w', 'busybox', 'cat', '/w/hello.txt'], { cwd: dir }), 'hi\n');
    assert.equal(await env.ok(['run', '--rm', '-v', './:/w:ro', 'busybox', 'cat', '/w/hello.txt'], { cwd: dir }), 'hi\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--dns-search and --dns-option reach resolv.conf; bad ones are refused', async () => {
  const conf = await env.ok(['run', '--rm', '--dns-search', 'example.test', '--dns-option', 'ndots:2', 'busybox', 'cat', '/etc/resolv.conf']);
  assert.match(conf, /^search example\.test$/m);
  assert.match(conf, /^options .*ndots:2/m);
  const bad = await env.hull(['run', '--rm', '--dns-search', 'a b', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /--dns-search "a b"/);
});

test('-t sets TERM=xterm when the image does not; exec -t outside a terminal says why it cannot', async () => {
  const out = await env.ok(['run', '--rm', '-t', 'busybox', 'sh', '-c', 'echo "term=$TERM"']);
  assert.match(out, /term=xterm/);
  const id = (await env.ok(['run', '-d', 'busybox', 'sleep', '60'])).trim();
  try {
    const noTerminal = await env.hull(['exec', '-t', id, 'sh', '-c', 'echo "term=$TERM"']);
    assert.equal(noTerminal.code, 125);
    assert.match(noTerminal.stderr, /not running in a terminal/);
    assert.doesNotMatch(noTerminal.stderr, /level=error/);
    assert.match(await env.ok(['exec', id, 'sh', '-c', 'echo "term=${TERM:-none}"']), /term=none/);
  } finally {
    await env.hull(['rm', '-f', id]);
  }
});

test('top with BSD-style options lists only the container\'s processes', async () => {
  const id = (await env.ok(['run', '-d', 'busybox', 'sleep', '61'])).trim();
  try {
    const out = await env.ok(['top', id, 'aux']);
    const rows = out.trim().split('\n').slice(1);
    assert.equal(rows.length, 1, out);
    assert.match(rows[0] as string, /sleep 61/);
    assert.match(out.split('\n')[0] as string, /PID/);
  } finally {
    await env.hull(['rm', '-f', id]);
  }
});

test('ps shows published ports in the PORTS column and {{.Ports}}', async () => {
  const id = (await env.ok(['run', '-d', '-p', '127.0.0.1::80', 'busybox', 'sleep', '62'])).trim();
  try {
    const port = (await env.ok(['port', id, '80'])).trim();
    const ports = (await env.ok(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}'])).trim();
    assert.equal(ports, `${port}->80/tcp`);
    assert.match(await env.ok(['ps']), new RegExp(`${port.replace(/\./g, '\\.')}->80/tcp`));
  } finally {
    await env.hull(['rm', '-f', id]);
  }
});

test('--pid, --ipc, --sysctl, --oom-score-adj, --group-add reach the kernel; host-changing sysctls are refused', async () => {
  const hostInit = (await import('node:fs')).readFileSync('/proc/1/comm', 'utf8');
  assert.equal(await env.ok(['run', '--rm', '--pid', 'host', 'busybox', 'cat', '/proc/1/comm']), hostInit, '--pid host sees the host\'s PID 1');
  const own = await env.ok(['run', '--rm', 'busybox', 'sh', '-c', 'echo $$']);
  assert.equal(own.trim(), '1', 'a private pid namespace starts at 1');
  assert.equal(await env.ok(['run', '--rm', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_forward']), '1\n');
  const hostWide = await env.hull(['run', '--rm', '--sysctl', 'kernel.panic=1', 'busybox', 'true']);
  assert.equal(hostWide.code, 125);
  assert.match(hostWide.stderr, /not namespaced/);
  assert.equal(await env.ok(['run', '--rm', '--oom-score-adj', '500', 'busybox', 'cat', '/proc/self/oom_score_adj']), '500\n');
  const clamped = Number(await env.ok(['run', '--rm', '--oom-score-adj', '-500', 'busybox', 'cat', '/proc/self/oom_score_adj']));
  assert.ok(clamped >= Number((await import('node:fs')).readFileSync('/proc/self/oom_score_adj', 'utf8')), 'never below hull\'s own score');
  assert.match(await env.ok(['run', '--rm', '--group-add', '4242', '--group-add', 'staff', 'busybox', 'id', '-G']), /\b4242\b.*\b50\b|\b50\b.*\b4242\b/);
  assert.match((await env.hull(['run', '--rm', '--group-add', 'wheel', 'busybox', 'true'])).stderr, /"wheel" is not in the image's \/etc\/group/);
  const a = (await env.ok(['run', '-d', '--ipc', 'shareable', 'busybox', 'sleep', '63'])).trim();
  try {
    const ns = (id: string) => env.ok(['exec', id, 'readlink', '/proc/self/ns/ipc']);
    const b = (await env.ok(['run', '-d', '--ipc', `container:${a}`, 'busybox', 'sleep', '63'])).trim();
    assert.equal(await ns(b), await ns(a));
    await env.hull(['rm', '-f', b]);
  } finally {
    await env.hull(['rm', '-f', a]);
  }
});

test('resource switches: cpuset, memory reservation; --oom-kill-disable needs --memory', async () => {
  const id = (await env.ok(['create', '--cpuset-cpus', '0', '--memory', '64m', '--memory-reservation', '32m', '--oom-kill-disable', 'busybox', 'true'])).trim();
  const hc = JSON.parse(await env.ok(['inspect', '-f', '{{json .HostConfig}}', id])) as Record<string, unknown>;
  assert.equal(hc.CpusetCpus, '0');
  assert.equal(hc.MemoryReservation, 32 * 1024 * 1024);
  assert.equal(hc.OomKillDisable, true);
  await env.ok(['start', '-a', id]);
  await env.ok(['rm', id]);
  const bad = await env.hull(['run', '--rm', '--oom-kill-disable', 'busybox', 'true']);
  assert.match(bad.stderr, /--oom-kill-disable without --memory/);
});

test('legacy --link names the linked container in /etc/hosts; --volumes-from shares mounts', async () => {
  const db = (await env.ok(['run', '-d', '--name', 'linkdb', '-v', '/shared', 'busybox', 'sh', '-c', 'echo from-db > /shared/f; sleep 64'])).trim();
  try {
    const hosts = await env.ok(['run', '--rm', '--link', 'linkdb:database', 'busybox', 'cat', '/etc/hosts']);
    assert.match(hosts, /\bdatabase\b/);
    assert.match(hosts, /\blinkdb\b/);
    assert.equal(await env.ok(['run', '--rm', '--volumes-from', 'linkdb:ro', 'busybox', 'cat', '/shared/f']), 'from-db\n');
    const ro = await env.hull(['run', '--rm', '--volumes-from', 'linkdb:ro', 'busybox', 'touch', '/shared/g']);
    assert.notEqual(ro.code, 0);
  } finally {
    await env.hull(['rm', '-f', '-v', db]);
  }
});

test('--expose shows in ps, --cidfile writes the ID once, --log-driver none keeps no log, -a picks streams', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-cid-'));
  try {
    const cid = join(dir, 'cid');
    const id = (await env.ok(['run', '-d', '--cidfile', cid, '--expose', '7000-7001/udp', '--log-driver', 'none', 'busybox', 'sh', '-c', 'echo hidden; sleep 65'])).trim();
    assert.equal((await import('node:fs')).readFileSync(cid, 'utf8'), id);
    assert.equal((await env.ok(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}'])).trim(), '7000/udp, 7001/udp');
    const logs = await env.hull(['logs', id]);
    assert.match(logs.stderr, /log driver is "none"/);
    const again = await env.hull(['run', '--rm', '--cidfile', cid, 'busybox', 'true']);
    assert.match(again.stderr, /the file exists/);
    await env.hull(['rm', '-f', id]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const onlyErr = await env.hull(['run', '--rm', '-a', 'stderr', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
  assert.equal(onlyErr.stdout, '');
  assert.equal(onlyErr.stderr, 'err\n');
});

test('flags hull does not implement say so, with the reason, never "unknown flag"', async () => {
  for (const [args, pattern] of [
    [['--gpus', 'all'], /no GPU support/],
    [['--userns', 'auto'], /UsernsMode.*not supported/],
    // keep-id is rootless mode's (docs/rootless.md): as root it is refused with that reason.
    [['--userns', 'keep-id'], /--userns keep-id.*hull runs as root here/],
  ] as Array<[string[], RegExp]>) {
    const r = await env.hull(['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /unknown/);
  }
});

test('--blkio-weight is applied where the kernel weighs block I/O and refused with the reason where not', async () => {
  const r = await env.hull(['run', '--rm', '--network', 'none', '--blkio-weight', '300', 'busybox', 'true']);
  if (hostHasBlkioWeight()) assert.equal(r.code, 0, r.stderr);
  else {
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Cannot use --blkio-weight: this kernel has no block I\/O weight/);
  }
  const range = await env.hull(['run', '--rm', '--blkio-weight', '5', 'busybox', 'true']);
  assert.match(range.stderr, /BlkioWeight 5 is outside 10 to 1000/);
});

test('images: REPOSITORY[:TAG], --digests, --filter dangling/reference/label/before/since', async () => {
  await env.ok(['tag', 'busybox', 'localhost:5000/team/tool:1']);
  await env.ok(['tag', 'busybox', 'other:2']);
  try {
    const repos = (filter: string[], extra: string[] = []) => env.ok(['images', ...filter.flatMap((f) => ['--filter', f]), ...extra, '--format', '{{.Repository}}:{{.Tag}}']).then((o) => o.trim().split('\n').filter(Boolean).sort());
    assert.deepEqual(await repos([], ['busybox']), ['busybox:latest']);
    assert.deepEqual(await repos([], ['localhost:5000/team/tool']), ['localhost:5000/team/tool:1']);
    assert.deepEqual(await repos(['reference=other:*']), ['other:2']);
    assert.deepEqual(await repos(['reference=*/team/*']), ['localhost:5000/team/tool:1']);
    assert.deepEqual(await repos(['dangling=true']), []);
    assert.deepEqual(await repos(['label=no.such.label']), []);
    assert.match(await env.ok(['images', '--digests', 'busybox']), /DIGEST[\s\S]*sha256:/);
    const bad = await env.hull(['images', '--filter', 'color=red']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /unknown filter/);
  } finally {
    await env.ok(['rmi', 'localhost:5000/team/tool:1', 'other:2']);
  }
});

test('ps --filter: name as a regular expression, network, volume, -f short form', async () => {
  const web = (await env.ok(['run', '-d', '--name', 'web', '-v', 'psvol:/data', 'busybox', 'sleep', '66'])).trim();
  const web2 = (await env.ok(['run', '-d', '--name', 'web2', '--network', 'none', 'busybox', 'sleep', '66'])).trim();
  try {
    const names = (...f: string[]) => env.ok(['ps', ...f.flatMap((x) => ['-f', x]), '--format', '{{.Names}}']).then((o) => o.trim().split('\n').filter(Boolean).sort());
    assert.deepEqual(await names('name=^web$'), ['web']);
    assert.deepEqual(await names('name=web'), ['web', 'web2']);
    assert.deepEqual(await names('network=none'), ['web2']);
    assert.deepEqual(await names('volume=psvol'), ['web']);
    assert.deepEqual(await names('volume=/data'), ['web']);
    assert.match((await env.hull(['ps', '-f', 'status=sleepy'])).stderr, /unknown status/);
  } finally {
    await env.hull(['rm', '-f', '-v', web, web2]);
    await env.hull(['volume', 'rm', 'psvol']);
  }
});

test('commit and diff leave out what the runtime mounted (/etc/hosts, /etc/resolv.conf, volume targets), as docker does', async () => {
  const id = (await env.ok(['run', '-d', '-v', '/newvol', '--tmpfs', '/scratch', 'busybox', 'sh', '-c', 'echo kept > /kept.txt; sleep 67'])).trim();
  try {
    for (let i = 0; i < 50 && !(await env.ok(['diff', id])).includes('/kept.txt'); i++) await new Promise((r) => setTimeout(r, 100));
    const diff = (await env.ok(['diff', id])).trim().split('\n');
    assert.deepEqual(diff, ['A /kept.txt']);
    const image = (await env.ok(['commit', id, 'committed:1'])).trim();
    const listing = await env.ok(['run', '--rm', image, 'sh', '-c', 'cat /kept.txt; ls -d /newvol /scratch 2>&1; wc -c /etc/hosts']);
    assert.match(listing, /^kept$/m);
    assert.match(listing, /\/newvol: No such file or directory/);
    await env.ok(['rmi', 'committed:1']);
  } finally {
    await env.hull(['rm', '-f', '-v', id]);
  }
});

test('system prune removes stopped containers, unused networks, dangling images, and with --volumes anonymous volumes', async () => {
  const stopped = (await env.ok(['run', '-v', '/anon', 'busybox', 'true'])).trim();
  const running = (await env.ok(['run', '-d', 'busybox', 'sleep', '68'])).trim();
  await env.ok(['network', 'create', 'prunenet']);
  try {
    const declined = await env.hull(['system', 'prune'], { input: 'n\n' });
    assert.match(declined.stdout, /Are you sure/);
    assert.match(await env.ok(['ps', '-a', '--format', '{{.Names}}']), new RegExp(stopped));
    const out = await env.ok(['system', 'prune', '-f', '--volumes']);
    assert.match(out, /Deleted Containers:/);
    assert.match(out, /Deleted Networks:\n(.*\n)*prunenet/);
    assert.match(out, /Deleted Volumes:/);
    assert.match(out, /Total reclaimed space:/);
    const ids = (await env.ok(['ps', '-aq', '--no-trunc'])).trim().split('\n');
    assert.deepEqual(ids, [running]);
    assert.equal((await env.ok(['volume', 'ls', '-q'])).trim(), '');
    assert.match(await env.ok(['images', '--format', '{{.Repository}}']), /busybox/, 'a named image stays without -a');
  } finally {
    await env.hull(['rm', '-f', running]);
    await env.hull(['network', 'rm', 'prunenet']);
  }
});

test('errors say what is wrong: names, signals, ids, paused containers, linked /dev in an image', async () => {
  const upper = await env.hull(['run', '--rm', 'UPPER/case', 'true']);
  assert.match(upper.stderr, /must be lowercase/);
  assert.doesNotMatch(upper.stderr, /cannot reach/i);
  assert.match((await env.hull(['tag', 'busybox', 'Bad Tag'])).stderr, /contains a space/);
  assert.match((await env.hull(['run', '--rm', '-u', '3000000000', 'busybox', 'id'])).stderr, /uid 3000000000 is above 2147483647/);
  const id = (await env.ok(['run', '-d', 'busybox', 'sleep', '69'])).trim();
  try {
    const bogus = await env.hull(['kill', '-s', 'BOGUS', id]);
    assert.match(bogus.stderr, /"BOGUS": unknown signal/);
    assert.doesNotMatch(bogus.stderr, /level=/);
    await env.ok(['pause', id]);
    const paused = await env.hull(['exec', id, 'true']);
    assert.match(paused.stderr, /unpause it first/);
    await env.ok(['unpause', id]);
  } finally {
    await env.hull(['rm', '-f', id]);
  }
  // An image whose /dev is a symbolic link to the host's is refused before runc follows it.
  const dir = mkdtempSync(join(tmpdir(), 'hull-devlink-'));
  try {
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync, copyFileSync, symlinkSync, chmodSync } = await import('node:fs');
    mkdirSync(join(dir, 'rootfs/bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(dir, 'rootfs/bin/sh'));
    chmodSync(join(dir, 'rootfs/bin/sh'), 0o755);
    symlinkSync('/tmp', join(dir, 'rootfs/dev'));
    execFileSync('tar', ['-C', join(dir, 'rootfs'), '-cf', join(dir, 'img.tar'), '.']);
    await env.ok(['import', join(dir, 'img.tar'), 'devlink']);
    const r = await env.hull(['run', '--rm', 'devlink', '/bin/sh', '-c', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /\/dev is a symbolic link \(to "\/tmp"\)/);
    await env.ok(['rmi', 'devlink']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ps rows have docker\'s template fields: RunningFor, Mounts, Networks, LocalVolumes, Size with --size', async () => {
  const id = (await env.ok(['run', '-d', '-v', 'fieldvol:/v', 'busybox', 'sh', '-c', 'head -c 100000 /dev/zero > /big; sleep 70'])).trim();
  try {
    const line = (await env.ok(['ps', '-s', '--filter', `id=${id}`, '--format', '{{.RunningFor}}|{{.Mounts}}|{{.Networks}}|{{.LocalVolumes}}|{{.Size}}'])).trim();
    const [running, mounts, networks, volumes, size] = line.split('|');
    assert.match(running as string, /ago$/);
    assert.equal(mounts, 'fieldvol');
    assert.equal(networks, 'bridge');
    assert.equal(volumes, '1');
    assert.notEqual(size, '0B');
  } finally {
    await env.hull(['rm', '-f', id]);
    await env.hull(['volume', 'rm', 'fieldvol']);
  }
});

test('cp reaches volumes and binds inside a container, refuses a tmpfs with the reason; port clashes name the owner', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hull-cpbind-'));
  try {
    writeFileSync(join(dir, 'in-bind.txt'), 'from the bind\n');
    const id = (await env.ok(['run', '-d', '-v', `${dir}:/srv/bind`, '-v', 'cpvol:/data', '--tmpfs', '/scratch', '-p', '127.0.0.1:18391:80', 'busybox', 'sh', '-c', 'echo in-volume > /data/v.txt; sleep 71'])).trim();
    try {
      for (let i = 0; i < 50 && (await env.hull(['cp', `${id}:/data/v.txt`, join(dir, 'got.txt')])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal((await import('node:fs')).readFileSync(join(dir, 'got.txt'), 'utf8'), 'in-volume\n');
      await env.ok(['cp', `${id}:/srv/bind/in-bind.txt`, join(dir, 'got2.txt')]);
      assert.equal((await import('node:fs')).readFileSync(join(dir, 'got2.txt'), 'utf8'), 'from the bind\n');
      await env.ok(['cp', join(dir, 'in-bind.txt'), `${id}:/data/copied.txt`]);
      assert.equal(await env.ok(['exec', id, 'cat', '/data/copied.txt']), 'from the bind\n');
      const tmpfs = await env.hull(['cp', `${id}:/scratch`, join(dir, 'x')]);
      assert.match(tmpfs.stderr, /on a tmpfs mounted at \/scratch/);
      const clash = await env.hull(['run', '-d', '--name', 'second', '-p', '127.0.0.1:18391:80', 'busybox', 'sleep', '5']);
      assert.equal(clash.code, 125);
      assert.match(clash.stderr, /container "[a-z_]+" publishes it already/);
      await env.hull(['rm', '-f', 'second']);
    } finally {
      await env.hull(['rm', '-f', id]);
      await env.hull(['volume', 'rm', 'cpvol']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build - takes the Containerfile on stdin with no context; an unused --build-arg is warned about', async () => {
  const r = await env.hull(['build', '-t', 'fromstdin:1', '--build-arg', 'NOT_USED=1', '--build-arg', 'USED=2', '-'], { input: 'FROM busybox\nARG USED\nRUN echo "used=$USED" > /u\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\[Warning\] One or more build-args \[NOT_USED\] were not consumed/);
  assert.equal(await env.ok(['run', '--rm', 'fromstdin:1', 'cat', '/u']), 'used=2\n');
  await env.ok(['rmi', 'fromstdin:1']);
  const bad = await env.hull(['build', '-f', '-', '.'], { input: 'FROM busybox\nRUNN x\n' });
  assert.match(bad.stderr, /Cannot parse "<stdin>" line 2/);
});
