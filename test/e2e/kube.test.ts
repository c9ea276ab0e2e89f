/**
 * `hull kube play|down|generate` end to end, as root with runc, conmon, CNI and pods: what a user
 * checks after playing a file (pods running, env, files, data kept, probes acting), and the YAML
 * generate writes, played back. Waits are for states, never for durations.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function yamlFile(name: string, text: string): string {
  const path = join(env.dir, name);
  writeFileSync(path, text);
  return path;
}

const APP = `
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  GREETING: hello
  app.conf: |
    mode=kube
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cret}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: app-data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      volumes:
        - {name: conf, configMap: {name: app-config}}
        - {name: secret, secret: {secretName: app-secret}}
        - {name: data, persistentVolumeClaim: {claimName: app-data}}
      containers:
        - name: main
          image: busybox
          command: [sh, -c, 'echo "$GREETING from $POD_NAME" > /data/$POD_NAME; exec sleep 600']
          env:
            - name: GREETING
              valueFrom: {configMapKeyRef: {name: app-config, key: GREETING}}
            - name: PASSWORD
              valueFrom: {secretKeyRef: {name: app-secret, key: password}}
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
          volumeMounts:
            - {name: conf, mountPath: /etc/app}
            - {name: secret, mountPath: /run/secrets/app}
            - {name: data, mountPath: /data}
`;

test('a Deployment with 2 replicas, ConfigMap env and file, a Secret and a PVC that keeps data across down and play', async () => {
  const file = yamlFile('app.yaml', APP);
  const played = await env.hull(['kube', 'play', file]);
  assert.equal(played.code, 0, played.stderr);
  assert.equal(played.stderr.includes('warning'), false, played.stderr);
  assert.equal((played.stdout.match(/^Pod:$/gm) ?? []).length, 2);
  const pods = (await env.ok(['pod', 'ps', '--format', '{{.Name}} {{.Status}}'])).split('\n').filter(Boolean).sort();
  assert.deepEqual(pods, ['app-pod-0 Running', 'app-pod-1 Running']);
  for (const pod of ['app-pod-0', 'app-pod-1']) {
    const c = `${pod}-main`;
    assert.equal(await env.ok(['exec', c, 'sh', '-c', 'echo "$GREETING $PASSWORD $POD_NAME"']), `hello s3cret ${pod}\n`);
    assert.equal(await env.ok(['exec', c, 'cat', '/etc/app/app.conf']), 'mode=kube\n');
    assert.equal(await env.ok(['exec', c, 'cat', '/run/secrets/app/password']), 's3cret');
    assert.equal(await env.ok(['exec', c, 'stat', '-c', '%a', '/run/secrets/app/password']), '400\n');
    // ConfigMap files are mounted read-only.
    assert.notEqual((await env.hull(['exec', c, 'touch', '/etc/app/x'])).code, 0);
  }
  await until(async () => (await env.hull(['exec', 'app-pod-1-main', 'cat', '/data/app-pod-0'])).stdout === 'hello from app-pod-0\n', 'the shared claim to hold the first replica\'s file');

  const down = await env.hull(['kube', 'down', file]);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(await env.ok(['pod', 'ps', '-q']), '');
  assert.deepEqual((await env.ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean), ['app-data']);

  await env.ok(['kube', 'play', file]);
  assert.equal(await env.ok(['exec', 'app-pod-0-main', 'cat', '/data/app-pod-1']), 'hello from app-pod-1\n');
  // Playing again over running pods is refused; --replace replaces them.
  const again = await env.hull(['kube', 'play', file]);
  assert.equal(again.code, 125);
  assert.match(again.stderr, /Cannot play pod "app-pod-0": a pod of that name exists/);
  await env.ok(['kube', 'play', '--replace', file]);
  // Scaled down to one replica: --replace removes both earlier pods, down what the file's objects made.
  const one = yamlFile('app-1.yaml', APP.replace('replicas: 2', 'replicas: 1'));
  await env.ok(['kube', 'play', '--replace', one]);
  assert.deepEqual((await env.ok(['pod', 'ps', '--format', '{{.Name}}'])).split('\n').filter(Boolean), ['app-pod']);
  assert.equal(await env.ok(['exec', 'app-pod-main', 'cat', '/data/app-pod-1']), 'hello from app-pod-1\n');
  await env.ok(['kube', 'down', '--force', one]);
  assert.equal(await env.ok(['pod', 'ps', '-q']), '');
  assert.equal(await env.ok(['volume', 'ls', '-q']), '');
});

test('an exec readiness probe reports; an httpGet liveness probe restarts a container that stops answering', async () => {
  const file = yamlFile('probes.yaml', `
apiVersion: v1
kind: Pod
metadata: {name: probes}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: web
      image: busybox
      command: [sh, -c, 'mkdir -p /www && echo ok > /www/healthz && exec httpd -f -p 8080 -h /www']
      ports: [{containerPort: 8080, name: http}]
      livenessProbe:
        httpGet: {path: /healthz, port: http}
        periodSeconds: 1
        failureThreshold: 2
    - name: worker
      image: busybox
      command: [sleep, '600']
      readinessProbe:
        exec: {command: [cat, /tmp/ready]}
        periodSeconds: 1
`);
  await env.ok(['kube', 'play', file]);
  const status = async (c: string) => (await env.ok(['inspect', '-f', '{{.State.Health.Status}}', c])).trim();
  await until(async () => (await status('probes-web')) === 'healthy', 'the web container to be healthy');
  assert.match(await env.ok(['inspect', '-f', '{{(index .State.Health.Log 0).Output}}', 'probes-web']), /HTTP probe http:\/\/[0-9.]+:8080\/healthz: 200 OK/);
  await until(async () => (await status('probes-worker')) === 'unhealthy', 'the worker to be not ready');
  await env.ok(['exec', 'probes-worker', 'touch', '/tmp/ready']);
  await until(async () => (await status('probes-worker')) === 'healthy', 'the worker to be ready');

  await env.ok(['exec', 'probes-web', 'rm', '/www/healthz']);
  await until(async () => (await env.ok(['inspect', '-f', '{{.RestartCount}}', 'probes-web'])).trim() === '1', 'the liveness probe to restart the web container');
  await until(async () => (await status('probes-web')) === 'healthy', 'the restarted web container to be healthy');
  assert.equal(await env.ok(['inspect', '-f', '{{.RestartCount}}', 'probes-worker']), '0\n');
  await env.ok(['kube', 'down', file]);
});

test('a startupProbe holds the liveness probe back until it passes, and restarts a container that never starts up', async () => {
  const file = yamlFile('startup.yaml', `
apiVersion: v1
kind: Pod
metadata: {name: startup}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: slow
      image: busybox
      command: [sh, -c, 'sleep 2; touch /tmp/started; exec sleep 600']
      startupProbe: {exec: {command: [cat, /tmp/started]}, periodSeconds: 1, failureThreshold: 60}
      livenessProbe: {exec: {command: [echo, live]}, periodSeconds: 1}
    - name: never
      image: busybox
      command: [sleep, '600']
      startupProbe: {exec: {command: [cat, /tmp/started]}, periodSeconds: 1, failureThreshold: 2}
`);
  await env.ok(['kube', 'play', file]);
  const health = async (c: string) => JSON.parse(await env.ok(['inspect', '-f', '{{json .State.Health}}', c])) as { Status: string; StartupPassed?: boolean; Log: Array<{ Output: string }> };
  await until(async () => (await health('startup-slow')).Log.at(-1)?.Output === 'live\n', 'the liveness probe to run after the startup probe passed');
  const slow = await health('startup-slow');
  assert.equal(slow.StartupPassed, true);
  assert.equal(slow.Status, 'healthy');
  assert.ok(slow.Log.some((l) => l.Output.includes('No such file')), 'the startup probe failed before it passed');
  assert.equal(await env.ok(['inspect', '-f', '{{.RestartCount}}', 'startup-slow']), '0\n');
  await until(async () => Number(await env.ok(['inspect', '-f', '{{.RestartCount}}', 'startup-never'])) >= 1, 'the container that never starts up to be restarted');
  await env.ok(['kube', 'down', file]);
});

test('hostPath and Memory emptyDir volumes, a published hostPort, and the container\'s securityContext and limits', async () => {
  const site = join(env.dir, 'site');
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), 'hello kube\n');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const file = yamlFile('web.yaml', `
apiVersion: v1
kind: Pod
metadata: {name: site}
spec:
  volumes:
    - {name: www, hostPath: {path: ${site}, type: Directory}}
    - {name: made, hostPath: {path: ${join(env.dir, 'made')}, type: DirectoryOrCreate}}
    - {name: cache, emptyDir: {medium: Memory}}
  containers:
    - name: web
      image: busybox
      command: [httpd, -f, -p, '8080', -h, /www]
      ports: [{containerPort: 8080, hostPort: ${port}, hostIP: 127.0.0.1}]
      resources: {limits: {cpu: 500m, memory: 48Mi}}
      securityContext: {runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      volumeMounts:
        - {name: www, mountPath: /www, readOnly: true}
        - {name: made, mountPath: /made}
        - {name: cache, mountPath: /cache}
`);
  await env.ok(['kube', 'play', file]);
  let body = '';
  await until(async () => {
    body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => '');
    return body !== '';
  }, 'the published hostPort to answer');
  assert.equal(body, 'hello kube\n');
  assert.equal(await env.ok(['exec', 'site-web', 'id', '-u']), '1000\n');
  assert.notEqual((await env.hull(['exec', 'site-web', 'touch', '/rootfs-file'])).code, 0);
  assert.notEqual((await env.hull(['exec', 'site-web', 'touch', '/www/x'])).code, 0);
  assert.match(await env.ok(['exec', 'site-web', 'grep', ' /cache ', '/proc/mounts']), /^tmpfs \/cache tmpfs /);
  assert.equal(existsSync(join(env.dir, 'made')), true);
  assert.equal(await env.ok(['inspect', '-f', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{json .HostConfig.CapDrop}}', 'site-web']), `500000000 ${48 * 1024 * 1024} ["ALL"]\n`);
  await env.ok(['kube', 'down', file]);
  assert.equal(existsSync(join(site, 'index.html')), true);
});

test('generate of a running pod, then down and play of the generated YAML, gives the same containers', async () => {
  const file = yamlFile('gen-src.yaml', `
apiVersion: v1
kind: ConfigMap
metadata: {name: gen-config}
data: {site.conf: "listen 80\\n"}
---
apiVersion: v1
kind: Pod
metadata:
  name: gen
  labels: {tier: web}
  annotations: {owner: team-a}
spec:
  restartPolicy: OnFailure
  volumes:
    - {name: conf, configMap: {name: gen-config}}
    - {name: scratch, emptyDir: {}}
  initContainers:
    - {name: prep, image: busybox, command: ['true']}
  containers:
    - name: web
      image: busybox
      command: [sh, -c]
      args: ['echo $$HOME; exec sleep 600']
      workingDir: /tmp
      env: [{name: MODE, value: prod}]
      ports: [{containerPort: 80}]
      resources: {limits: {cpu: 250m, memory: 32Mi}}
      securityContext: {runAsUser: 1000, runAsGroup: 1000, capabilities: {drop: [NET_RAW]}}
      readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 30}
      volumeMounts:
        - {name: conf, mountPath: /etc/site}
        - {name: scratch, mountPath: /scratch}
    - name: side
      image: busybox
      command: [sleep, '600']
`);
  await env.ok(['kube', 'play', file]);
  // What makes the containers the same: their process, environment, limits, security, checks and mounts.
  const shape = async () =>
    (JSON.parse(await env.ok(['inspect', 'gen-web', 'gen-side'])) as Array<{ Config: Record<string, unknown>; HostConfig: Record<string, unknown>; Mounts: Array<Record<string, unknown>> }>).map((c) => ({
      config: ['Image', 'Entrypoint', 'Cmd', 'Env', 'WorkingDir', 'User', 'Healthcheck', 'HealthcheckOnFailureAction'].map((k) => c.Config[k]),
      host: ['NanoCpus', 'Memory', 'CapAdd', 'CapDrop', 'RestartPolicy', 'ReadonlyRootfs', 'Privileged'].map((k) => c.HostConfig[k]),
      mounts: c.Mounts.map((m) => [m.Type, m.Name, m.Destination, m.RW]),
    }));
  const before = await shape();
  const generated = await env.ok(['kube', 'generate', 'gen']);
  assert.match(generated, /kind: Pod/);
  assert.match(generated, /kind: ConfigMap/);
  const genFile = yamlFile('gen.yaml', generated);
  await env.ok(['kube', 'down', file]);
  const replay = await env.hull(['kube', 'play', genFile]);
  assert.equal(replay.code, 0, replay.stderr);
  assert.equal(replay.stderr.includes('warning'), false, replay.stderr);
  assert.deepEqual(await shape(), before);
  assert.equal(await env.ok(['exec', 'gen-web', 'cat', '/etc/site/site.conf']), 'listen 80\n');
  const pod = JSON.parse(await env.ok(['pod', 'inspect', 'gen'])) as { Labels: Record<string, string>; Annotations: Record<string, string> } | Array<{ Labels: Record<string, string>; Annotations: Record<string, string> }>;
  const view = Array.isArray(pod) ? pod[0] : pod;
  assert.equal(view?.Labels.tier, 'web');
  assert.equal(view?.Annotations.owner, 'team-a');
  // The generated YAML regenerates to itself.
  assert.equal(await env.ok(['kube', 'generate', 'gen']), generated);
  await env.ok(['kube', 'down', genFile]);
});

const SCHEMA_CHECK = join(dirname(fileURLToPath(import.meta.url)), '../../../test/kube/check-schema.py');
const hasPythonKubernetes = spawnSync('/usr/bin/python3', ['-c', 'import kubernetes, yaml']).status === 0;

test('generated YAML has the shape the Kubernetes API accepts (the official client\'s models of its schema)', { skip: hasPythonKubernetes ? false : 'needs python3-kubernetes (apt-get install python3-kubernetes)' }, async () => {
  await env.ok(['volume', 'create', 'kept']);
  await env.ok(['run', '-d', '--name', 'plain', '-p', '127.0.0.1::8080', '-e', 'A=1', '-v', 'kept:/data', '--memory', '64m', '--cap-drop', 'NET_RAW', '--health-cmd', 'true', '--health-on-failure', 'restart', 'busybox', 'sleep', '600']);
  const check = (yaml: string) => spawnSync('/usr/bin/python3', [SCHEMA_CHECK], { input: yaml, encoding: 'utf8' });
  for (const args of [['plain'], ['-s', 'plain'], ['-t', 'deployment', '-r', '2', '-s', 'plain']]) {
    const yaml = await env.ok(['kube', 'generate', ...args]);
    const r = check(yaml);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}\n${yaml}`);
  }
  assert.match(check(await env.ok(['kube', 'generate', '-t', 'deployment', 'plain'])).stdout, /^ok PersistentVolumeClaim kept\nok Deployment plain\n$/);
  // The checker itself refuses what the API would: an unknown field.
  assert.equal(check('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a, image: busybox, bogus: 1}]}\n').status, 1);
  await env.ok(['rm', '-f', 'plain']);
  await env.ok(['volume', 'rm', 'kept']);
});

test('a field hull does not support is a warning naming it; malformed YAML is refused with document and line', async () => {
  const warned = await env.hull(['kube', 'play', '--start=false', '-'], {
    input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: warned}\nspec:\n  containers:\n    - name: a\n      image: busybox\n      command: [sleep, "600"]\n      lifecycle: {preStop: {exec: {command: [x]}}}\n',
  });
  assert.equal(warned.code, 0, warned.stderr);
  assert.equal(warned.stderr, 'warning: <stdin>: document 1, line 9: spec.containers[0].lifecycle: postStart/preStop hooks are not supported by hull; ignored\n');
  assert.match(await env.ok(['pod', 'ps', '--format', '{{.Name}} {{.Status}}']), /^warned Created$/m);
  await env.ok(['kube', 'down', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: warned}\nspec: {containers: [{name: a, image: busybox, command: [sleep, "600"]}]}\n' });

  // --configmap FILE supplies ConfigMaps the pods use; without it the play is refused, naming the reference.
  const cm = yamlFile('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {COLOR: blue}\n');
  const user = yamlFile('user.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: user}\nspec:\n  containers:\n    - {name: a, image: busybox, command: [sleep, "600"], envFrom: [{configMapRef: {name: extra}}]}\n');
  const missing = await env.hull(['kube', 'play', user]);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /document 1, line 6: spec\.containers\[0\]\.envFrom\[0\]\.configMapRef names a ConfigMap "extra" that is in none of the files/);
  await env.ok(['kube', 'play', '--configmap', cm, user]);
  assert.equal(await env.ok(['exec', 'user-a', 'sh', '-c', 'echo $COLOR']), 'blue\n');
  await env.ok(['kube', 'down', user]);

  const bad = yamlFile('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   labels: x\n');
  const refused = await env.hull(['kube', 'play', bad]);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /^Error: Cannot read Kubernetes YAML ".*bad\.yaml": document 2, line 8: Nested mappings/m);
  assert.doesNotMatch(await env.ok(['pod', 'ps', '--format', '{{.Name}}']), /^p$/m);
});

test('a Job runs to completion and its exit code is reported; a DaemonSet is one pod', async () => {
  const file = yamlFile('job.yaml', `
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers: [{name: prep, image: busybox, command: [sh, -c, 'echo prepared > /work/state'], volumeMounts: [{name: work, mountPath: /work}]}]
      containers: [{name: main, image: busybox, command: [sh, -c, 'cat /work/state; exit 3'], volumeMounts: [{name: work, mountPath: /work}]}]
      volumes: [{name: work, emptyDir: {}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: busybox, command: [sleep, '600']}]}
`);
  const r = await env.hull(['kube', 'play', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Job pod once-pod failed \(exit code 3\)/);
  assert.equal(await env.ok(['logs', 'once-pod-main']), 'prepared\n');
  assert.match(await env.ok(['pod', 'ps', '--format', '{{.Name}} {{.Status}}']), /^agent-pod Running$/m);
  await env.ok(['kube', 'down', file]);
  assert.doesNotMatch(await env.ok(['pod', 'ps', '--format', '{{.Name}}']), /^(once|agent)-pod$/m);
  assert.doesNotMatch(await env.ok(['volume', 'ls', '-q']), /^once-pod-/m);
});
