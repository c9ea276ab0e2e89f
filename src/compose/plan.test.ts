/** The plan: start order, the create request of a container (golden), and up/down convergence. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { load } from './testing/files.js';
import { startLevels, startOrder, dependantsOf } from './order.js';
import { planContainer } from './create-request.js';
import { LABEL, configHash } from './labels.js';
import { planDown, planUp, type ObservedContainer, type UpPlan } from './plan.js';

const THREE_TIER = `
services:
  web:
    image: web
    ports: ["8080:80"]
    depends_on: [app]
    networks: [front, back]
  app:
    image: app
    depends_on:
      db: {condition: service_healthy}
    networks:
      back:
        aliases: [api]
  db:
    image: db
    volumes: [data:/var/lib/db]
    networks: [back]
    healthcheck: {test: ["CMD", "true"], interval: 1s, retries: 3}
  sidecar:
    image: side
    network_mode: service:app
networks:
  front:
  back:
volumes:
  data:
`;

test('start order: dependencies first; a cycle is refused naming it', () => {
  const p = load({ 'compose.yaml': THREE_TIER }, { dirName: 'shop' });
  assert.deepEqual(startOrder(p.model), ['db', 'app', 'sidecar', 'web']);
  assert.deepEqual(dependantsOf(p.model, 'db'), ['app', 'sidecar', 'web']);
  assert.deepEqual(startLevels(p.model), [['db'], ['app'], ['sidecar', 'web']]);
  const cyclic = load({ 'compose.yaml': 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [c]}\n  c: {image: x, depends_on: [a]}\n' }, { dirName: 'cyc' });
  assert.throws(() => startOrder(cyclic.model), { code: 'INVALID_FORMAT', message: 'Cannot order the services of "cyc": they depend on each other in a cycle: a -> b -> c -> a' });
});

test('a container as the engine create request, with Compose v2 labels (golden)', () => {
  const p = load({ 'compose.yaml': THREE_TIER }, { dirName: 'shop' });
  const web = planContainer(p, { service: 'web', number: 1 });
  assert.equal(web.name, 'shop-web-1');
  assert.deepEqual(web.request, {
    name: 'shop-web-1',
    Config: {
      Image: 'web',
      Labels: {
        [LABEL.project]: 'shop',
        [LABEL.service]: 'web',
        [LABEL.containerNumber]: '1',
        [LABEL.oneoff]: 'False',
        [LABEL.configHash]: configHash(p.model.services.web!),
        [LABEL.workingDir]: p.workingDir,
        [LABEL.configFiles]: join(p.workingDir, 'compose.yaml'),
        [LABEL.dependsOn]: 'app:service_started:false',
        [LABEL.version]: '2.29.0',
      },
      ExposedPorts: { '80/tcp': {} },
    },
    HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, NetworkMode: 'shop_back' },
    NetworkingConfig: { EndpointsConfig: { shop_back: { Aliases: ['web'] } } },
  });
  assert.deepEqual(web.connect, { shop_front: { Aliases: ['web'] } });
  const db = planContainer(p, { service: 'db', number: 1 }).request;
  assert.deepEqual(db.HostConfig?.Mounts, [{ Type: 'volume', Source: 'shop_data', Target: '/var/lib/db', ReadOnly: false }]);
  assert.deepEqual(db.Config.Healthcheck, { Test: ['CMD', 'true'], Interval: 1e9, Retries: 3 });
  assert.equal(planContainer(p, { service: 'sidecar', number: 1 }).request.HostConfig?.NetworkMode, 'container:shop-app-1');
  const app = planContainer(p, { service: 'app', number: 1 }).request;
  assert.deepEqual(app.NetworkingConfig, { EndpointsConfig: { shop_back: { Aliases: ['app', 'api'] } } });
  assert.equal(app.Config.Labels?.[LABEL.dependsOn], 'db:service_healthy:false');
});

test('service keys map to Docker fields', () => {
  const p = load(
    {
      'compose.yaml': `
services:
  s:
    image: x
    command: ["sh", "-c", "echo hi"]
    entrypoint: []
    environment: {A: "1", UNSET_NO_VALUE: null}
    user: "1000"
    working_dir: /w
    restart: on-failure:5
    read_only: true
    init: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    tmpfs: ["/run:size=1m"]
    volumes: ["./h:/h:ro", {type: tmpfs, target: /t, tmpfs: {size: 1k}}]
    secrets: [tok]
    configs: [{source: conf, target: /etc/app.conf}]
    deploy: {resources: {limits: {cpus: "1.5", memory: 64m, pids: 50}}}
    ulimits: {nofile: 1024}
    stop_grace_period: 1m30s
    stop_signal: SIGINT
    network_mode: none
    extra_hosts: ["h:1.2.3.4"]
    dns: [9.9.9.9]
    shm_size: 32m
secrets:
  tok: {file: ./tok}
configs:
  conf: {file: ./app.conf}
`,
    },
    { dirName: 'p' },
  );
  const r = planContainer(p, { service: 's', number: 2 }).request;
  const dir = p.workingDir;
  assert.equal(r.name, 'p-s-2');
  assert.deepEqual(r.Config.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(r.Config.Entrypoint, ['']);
  assert.deepEqual(r.Config.Env, ['A=1']);
  assert.equal(r.Config.StopTimeout, 90);
  assert.deepEqual(r.HostConfig, {
    Binds: [`${dir}/h:/h:ro`],
    Mounts: [
      { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } },
      { Type: 'bind', Source: join(dir, 'tok'), Target: '/run/secrets/tok', ReadOnly: true },
      { Type: 'bind', Source: join(dir, 'app.conf'), Target: '/etc/app.conf', ReadOnly: true },
    ],
    RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 5 },
    CapAdd: ['NET_ADMIN'],
    CapDrop: ['ALL'],
    ReadonlyRootfs: true,
    Init: true,
    Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
    ExtraHosts: ['h:1.2.3.4'],
    Dns: ['9.9.9.9'],
    ShmSize: 32 * 1024 * 1024,
    Tmpfs: { '/run': 'size=1m' },
    Memory: 64 * 1024 * 1024,
    NanoCpus: 1.5e9,
    PidsLimit: 50,
    NetworkMode: 'none',
  });
  assert.equal(r.NetworkingConfig, undefined);
});

const running = (p: { model: { name: string } }, plan: UpPlan): ObservedContainer[] =>
  plan.services.flatMap((s) =>
    s.steps.flatMap((st) => (st.action === 'create' || st.action === 'recreate' ? [{ id: st.container.name, name: st.container.name, labels: st.container.request.Config.Labels ?? {}, running: true }] : st.action === 'remove' ? [] : [st.existing])),
  );

const actions = (plan: UpPlan) => Object.fromEntries(plan.services.map((s) => [s.service, s.steps.map((st) => `${st.action}${st.action === 'recreate' ? `(${st.reason})` : ''}`).join(',')]));

test('up: create all, then keep; an edit recreates the service and its dependants; scale; orphans', () => {
  const files = { 'compose.yaml': THREE_TIER };
  const p1 = load(files, { dirName: 'shop' });
  const first = planUp(p1, { containers: [], networks: [], volumes: [] });
  assert.deepEqual(actions(first), { db: 'create', app: 'create', sidecar: 'create', web: 'create' });
  assert.deepEqual(first.networks.map((n) => [n.name, n.create]), [['shop_front', true], ['shop_back', true]]);
  assert.deepEqual(first.volumes.map((v) => [v.name, v.create, v.labels[LABEL.volume]]), [['shop_data', true, 'data']]);
  const state = { containers: running(p1, first), networks: ['shop_front', 'shop_back'], volumes: ['shop_data'] };
  const again = planUp(p1, state);
  assert.deepEqual(actions(again), { db: 'keep', app: 'keep', sidecar: 'keep', web: 'keep' });
  assert.deepEqual(again.networks.map((n) => n.create), [false, false]);

  const edited = load({ 'compose.yaml': THREE_TIER.replace('    image: app\n', '    image: app\n    environment: [V=2]\n') }, { dirName: 'shop' });
  assert.deepEqual(actions(planUp(edited, state)), { db: 'keep', app: 'recreate(config)', sidecar: 'recreate(dependency)', web: 'recreate(dependency)' });
  assert.deepEqual(actions(planUp(edited, state, { noRecreate: true })), { db: 'keep', app: 'keep', sidecar: 'keep', web: 'keep' });
  assert.deepEqual(actions(planUp(p1, state, { forceRecreate: true, services: ['db'] })), { db: 'recreate(forced)' });

  const scaled = planUp(p1, state, { scale: { web: 3 } });
  assert.deepEqual(actions(scaled).web, 'keep,create,create');
  const names = scaled.services.find((s) => s.service === 'web')!.steps.flatMap((s) => (s.action === 'create' ? [s.container.name] : []));
  assert.deepEqual(names, ['shop-web-2', 'shop-web-3']);
  const state3 = { ...state, containers: running(p1, scaled) };
  assert.equal(actions(planUp(p1, state3)).web, 'keep,remove,remove');

  const withoutWeb = load({ 'compose.yaml': THREE_TIER.replace(/ {2}web:[\s\S]*? {2}app:/, '  app:').replace('networks:\n  front:\n', 'networks:\n') }, { dirName: 'shop' });
  assert.deepEqual(planUp(withoutWeb, state).orphans.map((c) => c.name), ['shop-web-1']);
});

test('up SERVICE starts its dependencies unless --no-deps; down removes dependants first', () => {
  const p = load({ 'compose.yaml': THREE_TIER }, { dirName: 'shop' });
  assert.deepEqual(Object.keys(actions(planUp(p, { containers: [], networks: [], volumes: [] }, { services: ['app'] }))), ['db', 'app']);
  assert.deepEqual(Object.keys(actions(planUp(p, { containers: [], networks: [], volumes: [] }, { services: ['app'], noDeps: true }))), ['app']);
  const state = { containers: running(p, planUp(p, { containers: [], networks: [], volumes: [] })), networks: ['shop_front', 'shop_back', 'other'], volumes: ['shop_data', 'x'] };
  const down = planDown(p, state);
  assert.deepEqual(down.containers.map((c) => c.name), ['shop-web-1', 'shop-sidecar-1', 'shop-app-1', 'shop-db-1']);
  assert.deepEqual(down.networks, ['shop_front', 'shop_back']);
  assert.deepEqual(down.volumes, []);
  assert.deepEqual(planDown(p, state, { volumes: true }).volumes, ['shop_data']);
});

test('external resources must exist; unsupported keys are refused by name', () => {
  const p = load({ 'compose.yaml': 'services:\n  a: {image: x, networks: [ext]}\nnetworks:\n  ext: {external: true}\n' });
  assert.throws(() => planUp(p, { containers: [], networks: [], volumes: [] }), { code: 'NOT_FOUND', message: 'Cannot use network "ext": it is declared external, but does not exist' });
  const dev = load({ 'compose.yaml': 'services:\n  a:\n    image: x\n    develop: {watch: []}\n' });
  assert.throws(() => planContainer(dev, { service: 'a', number: 1 }), { code: 'UNSUPPORTED', message: 'Cannot create service "a": "develop" is not supported by hull yet' });
});

test('links and volumes_from name the first container of a service and order the start', () => {
  const p = load({ 'compose.yaml': 'services:\n  app:\n    image: x\n    links: [db, "db:database"]\n    volumes_from: ["data:ro", "container:other"]\n  db: {image: x}\n  data: {image: x}\n' }, { dirName: 'p' });
  assert.deepEqual(startOrder(p.model), ['data', 'db', 'app']);
  const r = planContainer(p, { service: 'app', number: 1 }).request;
  assert.deepEqual(r.HostConfig?.Links, ['p-db-1:db', 'p-db-1:database']);
  assert.deepEqual(r.HostConfig?.VolumesFrom, ['p-data-1:ro', 'other']);
});
