import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHullError } from '../errors.js';
import { parseKubeYaml } from './parse.js';
import { planPlay } from './plan.js';
import { warningText } from './fields.js';

const plan = (text: string, opts = {}) => planPlay(parseKubeYaml(text, 'app.yaml'), opts);

function refused(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isHullError(err, 'INVALID_FORMAT'), String(err));
    assert.match((err as Error).message, re);
    return true;
  });
}

test('malformed YAML is refused with the document and the line', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [b\n';
  refused(() => parseKubeYaml(text, 'app.yaml'), /^Cannot read Kubernetes YAML "app\.yaml": document 2, line 9: Flow sequence/);
  refused(() => parseKubeYaml('a: 1\na: 2\n', 'app.yaml'), /document 1, line 2: .*[Uu]nique/);
  refused(() => parseKubeYaml('- 1\n- 2\n', 'app.yaml'), /document 1, line 1: a Kubernetes object must be a mapping/);
});

test('names from the file are quoted with control characters escaped', () => {
  refused(() => plan('apiVersion: v1\nkind: Pod\nmetadata:\n  name: "bad\\u001b[31m"\nspec: {containers: [{name: a, image: busybox}]}\n'), /"bad\\u001b\[31m" is not a valid name/);
});

test('a value of the wrong type is refused with its path and line', () => {
  refused(() => plan('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: two\n  template:\n    spec: {containers: [{name: a, image: busybox}]}\n'), /document 1, line 5: spec\.replicas must be a whole number/);
});

test('a Pod becomes one pod with a create request per container (golden)', () => {
  const p = plan(`
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
  annotations: {note: hi}
spec:
  restartPolicy: OnFailure
  securityContext: {runAsUser: 1000, runAsGroup: 1000}
  containers:
    - name: app
      image: busybox
      command: [httpd]
      args: [-f, -p, "$(PORT)"]
      workingDir: /srv
      env: [{name: PORT, value: "8080"}]
      ports: [{containerPort: 8080, hostPort: 18080, name: http}]
      resources: {limits: {cpu: 500m, memory: 64Mi}, requests: {memory: 32Mi}}
      securityContext:
        capabilities: {add: [NET_ADMIN], drop: [ALL]}
        readOnlyRootFilesystem: true
      livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5, failureThreshold: 2}
`);
  assert.deepEqual(p.warnings, []);
  assert.equal(p.pods.length, 1);
  const pod = p.pods[0]!;
  assert.deepEqual({ name: pod.name, owner: pod.owner, hostname: pod.hostname, ports: pod.ports }, { name: 'web', owner: 'Pod/web', hostname: 'web', ports: [{ containerPort: 8080, hostPort: 18080, protocol: 'tcp' }] });
  assert.deepEqual(pod.containers[0]!.request, {
    name: 'web-app',
    Config: {
      Image: 'busybox',
      Entrypoint: ['httpd'],
      Cmd: ['-f', '-p', '8080'],
      Env: ['PORT=8080'],
      WorkingDir: '/srv',
      User: '1000:1000',
      ExposedPorts: { '8080/tcp': {} },
      Healthcheck: { Test: ['HTTP-GET', 'http', '', '8080', '/healthz'], Interval: 5e9, Timeout: 1e9, Retries: 2 },
      HealthcheckOnFailureAction: 'restart',
      Labels: {
        app: 'web',
        'io.hull.kube.pod': 'web',
        'io.hull.kube.owner': 'Pod/web',
        'io.hull.kube.labels': '{"app":"web"}',
        'io.hull.kube.annotations': '{"note":"hi"}',
        'io.hull.kube.restart-policy': 'OnFailure',
        'io.hull.kube.container': 'app',
      },
    },
    HostConfig: { NanoCpus: 5e8, Memory: 64 * 2 ** 20, MemoryReservation: 32 * 2 ** 20, CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], ReadonlyRootfs: true, RestartPolicy: { Name: 'on-failure' } },
  });
});

const CONFIG = `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {GREETING: hello, app.conf: "port=1\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {password: czNjcmV0}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

test('a Deployment with 2 replicas, ConfigMap env and files, a Secret and a PVC', () => {
  const p = plan(`${CONFIG}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes:
        - {name: conf, configMap: {name: cfg, items: [{key: app.conf, path: conf/app.conf}]}}
        - {name: sec, secret: {secretName: creds}}
        - {name: store, persistentVolumeClaim: {claimName: data}}
        - {name: scratch, emptyDir: {}}
      containers:
        - name: app
          image: busybox
          envFrom: [{configMapRef: {name: cfg}, prefix: CFG_}]
          env:
            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
            - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
          volumeMounts:
            - {name: conf, mountPath: /etc/app}
            - {name: sec, mountPath: /run/secrets/app}
            - {name: store, mountPath: /data}
            - {name: scratch, mountPath: /tmp/scratch}
`);
  assert.deepEqual(p.warnings, []);
  assert.deepEqual(p.pods.map((x) => x.name), ['web-pod-0', 'web-pod-1']);
  const c = p.pods[1]!.containers[0]!.request;
  assert.deepEqual(c.Config.Env, ['CFG_GREETING=hello', 'CFG_app.conf=port=1\n', 'PASSWORD=s3cret', 'POD=web-pod-1']);
  assert.deepEqual(c.HostConfig?.Mounts, [
    { Type: 'volume', Source: 'web-pod-1-conf', Target: '/etc/app', ReadOnly: true },
    { Type: 'volume', Source: 'web-pod-1-sec', Target: '/run/secrets/app', ReadOnly: true },
    { Type: 'volume', Source: 'data', Target: '/data', ReadOnly: false },
    { Type: 'volume', Source: 'web-pod-1-scratch', Target: '/tmp/scratch', ReadOnly: false },
  ]);
  const vols = new Map(p.volumes.map((v) => [v.name, v]));
  assert.equal(vols.get('data')?.kind, 'pvc');
  assert.deepEqual(vols.get('web-pod-0-conf')?.files?.map((f) => [f.path, f.data.toString(), f.mode]), [['conf/app.conf', 'port=1\n', 0o644]]);
  assert.deepEqual(vols.get('web-pod-0-sec')?.files?.map((f) => [f.path, f.data.toString(), f.mode]), [['password', 's3cret', 0o400]]);
  assert.equal(vols.get('web-pod-1-scratch')?.kind, 'emptyDir');
});

test('--configmap documents supply ConfigMaps; a missing one is refused with its line', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: busybox\n      envFrom: [{configMapRef: {name: cfg}}]\n';
  refused(() => plan(pod), /document 1, line 8: spec\.containers\[0\]\.envFrom\[0\]\.configMapRef names a ConfigMap "cfg" that is in none of the files/);
  // kube down needs only the names: the missing ConfigMap does not stop it.
  assert.deepEqual(plan(pod, { forRemoval: true }).pods.map((x) => x.name), ['p']);
  const p = plan(pod, { configDocuments: parseKubeYaml(CONFIG, 'cfg.yaml') });
  assert.deepEqual(p.pods[0]!.containers[0]!.request.Config.Env, ['GREETING=hello', 'app.conf=port=1\n']);
  assert.deepEqual(p.warnings.map((w) => w.message).filter((m) => m.includes('--configmap')).length, 1); // the PVC in cfg.yaml is skipped, said once
});

test('a field hull does not support is a warning that names it and its line', () => {
  const p = plan('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  nodeSelector: {disk: ssd}\n  containers:\n    - name: a\n      image: busybox\n      lifecycle:\n        preStop: {exec: {command: [x]}}\n      frobnicate: 1\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n');
  assert.deepEqual(p.warnings.map(warningText), [
    'app.yaml: document 1, line 5: spec.nodeSelector: has no effect on one host with hull; ignored',
    'app.yaml: document 1, line 9: spec.containers[0].lifecycle: postStart/preStop hooks are not supported by hull; ignored',
    'app.yaml: document 1, line 11: spec.containers[0].frobnicate: not supported by hull; ignored',
    'app.yaml: document 2, line 14: kind: kind "Namespace" is not supported by hull; the object is skipped (Pod, Deployment, DaemonSet, Job, ConfigMap, Secret, PersistentVolumeClaim and Service are)',
  ]);
});

test('probes: exec readiness reports only, liveness restarts, tcpSocket, startupProbe is the startup check', () => {
  const p = plan(`
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: ready
      image: busybox
      readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 2}
    - name: live
      image: busybox
      startupProbe: {tcpSocket: {port: 80}, periodSeconds: 3, failureThreshold: 10}
      livenessProbe: {tcpSocket: {port: 80}, timeoutSeconds: 2}
    - name: both
      image: busybox
      livenessProbe: {exec: {command: ["true"]}}
      readinessProbe: {exec: {command: ["true"]}}
`);
  const [ready, live] = p.pods[0]!.containers.map((c) => c.request.Config);
  assert.deepEqual([ready?.Healthcheck, ready?.HealthcheckOnFailureAction, ready?.StartupHealthcheck], [{ Test: ['CMD', 'cat', '/tmp/ready'], Interval: 2e9, Timeout: 1e9, Retries: 3 }, undefined, undefined]);
  assert.deepEqual([live?.Healthcheck, live?.HealthcheckOnFailureAction], [{ Test: ['TCP-SOCKET', '', '80'], Interval: 10e9, Timeout: 2e9, Retries: 3 }, 'restart']);
  assert.deepEqual(live?.StartupHealthcheck, { Test: ['TCP-SOCKET', '', '80'], Interval: 3e9, Timeout: 1e9, Retries: 10 });
  assert.deepEqual(p.warnings.map(warningText), ['app.yaml: document 1, line 17: spec.containers[2].readinessProbe: not run: hull runs one health check per container, and the livenessProbe takes it']);
});

test('Job runs to completion, DaemonSet is one pod, Services are noted, init containers planned', () => {
  const p = plan(`
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      initContainers: [{name: prep, image: busybox, command: ["true"]}]
      containers: [{name: main, image: busybox, command: [echo, done]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}], type: ClusterIP}
`);
  assert.deepEqual(p.warnings, []);
  assert.deepEqual(p.pods.map((x) => [x.name, x.kind, x.runToCompletion]), [['once-pod', 'Job', true], ['agent-pod', 'DaemonSet', false]]);
  assert.deepEqual(p.pods[0]!.initContainers.map((c) => c.request.name), ['once-pod-prep']);
  assert.equal(p.pods[0]!.containers[0]!.request.HostConfig?.RestartPolicy, undefined);
  assert.deepEqual(p.services, [{ name: 'web', ports: [{ port: 80, targetPort: 8080, protocol: 'tcp' }] }]);
});

test('bad values are refused: base64, selector, key paths, quantities', () => {
  refused(() => plan('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: "not base64!"}\n'), /line 4: data has a value for "k" that is not base64/);
  refused(() => plan('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: y}}\n    spec: {containers: [{name: a, image: busybox}]}\n'), /selects app=x/);
  refused(() => plan(`${CONFIG}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: c, configMap: {name: cfg, items: [{key: GREETING, path: ../../etc/passwd}]}}]\n  containers: [{name: a, image: busybox}]\n`), /must be a relative path without "\.\."/);
  refused(() => plan('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: busybox, resources: {limits: {memory: lots}}}]\n'), /"lots" is not a quantity/);
});

test('a Secret\'s files belong to the user of the containers that mount them', () => {
  const pod = (users: number[]) => plan(`${CONFIG}---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes: [{name: s, secret: {secretName: creds}}]
  containers:
${users.map((u, i) => `    - {name: c${i}, image: busybox, securityContext: {runAsUser: ${u}}, volumeMounts: [{name: s, mountPath: /s}]}`).join('\n')}
`);
  const one = pod([1000]);
  assert.deepEqual(one.volumes.find((v) => v.name === 'p-s')?.owner, { uid: 1000, gid: 1000 });
  const two = pod([1000, 2000]);
  const v = two.volumes.find((x) => x.name === 'p-s');
  assert.equal(v?.owner, undefined);
  assert.equal(v?.files?.[0]?.mode, 0o444);
  assert.match(two.warnings.map(warningText).join('\n'), /mounted by containers running as different users/);
});
