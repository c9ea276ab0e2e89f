/**
 * Golden tests of the loader: discovery, names, variables, merging (the examples of
 * compose-spec merge.md), extends, include, profiles (profiles.md's example) and anchors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { load } from './testing/files.js';

test('finds compose.yaml in a parent directory, merges compose.override.yaml, names the project after the directory', () => {
  const p = load(
    {
      'compose.yaml': 'services:\n  web:\n    image: nginx\n',
      'compose.override.yaml': 'services:\n  web:\n    environment: [DEBUG=1]\n',
      'docker-compose.yml': 'services:\n  other:\n    image: ignored\n',
      'src/deep/.keep': '',
    },
    { dirName: 'My_App.v2!', workingDir: 'src/deep' },
  );
  assert.equal(p.model.name, 'my_appv2');
  assert.deepEqual(Object.keys(p.model.services), ['web']);
  assert.deepEqual(p.model.services.web?.environment, { DEBUG: '1' });
  assert.deepEqual(p.configFiles.map((f) => f.slice(p.workingDir.length + 1)), ['compose.yaml', 'compose.override.yaml']);
});

test('project name: -p, then COMPOSE_PROJECT_NAME (also from .env), then name:, then the directory', () => {
  const files = { 'compose.yaml': 'name: "From File"\nservices:\n  a:\n    image: x\n' };
  assert.equal(load(files, { projectName: 'cli' }).model.name, 'cli');
  assert.equal(load(files, { environment: { COMPOSE_PROJECT_NAME: 'env' } }).model.name, 'env');
  assert.equal(load({ ...files, '.env': 'COMPOSE_PROJECT_NAME=dotenv\n' }).model.name, 'dotenv');
  assert.equal(load(files).model.name, 'fromfile');
  assert.equal(load({ 'compose.yaml': 'services:\n  a:\n    image: x\n' }, { dirName: 'Dir' }).model.name, 'dir');
  assert.throws(() => load(files, { projectName: 'Bad Name' }), {
    code: 'INVALID_ARGUMENT',
    message: 'Cannot use project name "Bad Name" (from -p): it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit',
  });
});

test('variables: the process environment wins over .env; --env-file replaces .env; unset ones warn', () => {
  const files = {
    'compose.yaml': 'services:\n  web:\n    image: "${IMAGE}:${TAG:-latest}"\n    command: echo $$HOME ${MISSING}\n',
    '.env': 'IMAGE=from-dotenv\nTAG=1.0\n',
    'other.env': 'IMAGE=from-other\n',
  };
  let p = load(files, { environment: { TAG: '2.0' } });
  assert.equal(p.model.services.web?.image, 'from-dotenv:2.0');
  assert.deepEqual(p.model.services.web?.command, ['echo', '$HOME']);
  assert.deepEqual(p.warnings, ['The "MISSING" variable is not set. Defaulting to a blank string.']);
  p = load(files, { envFiles: ['other.env'] });
  assert.equal(p.model.services.web?.image, 'from-other:latest');
  assert.throws(() => load(files, { envFiles: ['nope.env'] }), { code: 'NOT_FOUND', message: /Cannot read env file ".*nope.env": no such file/ });
});

test('a required variable names its file, key and line', () => {
  assert.throws(() => load({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n    environment:\n      DB: ${DB_URL:?set DB_URL first}\n' }), {
    code: 'INVALID_FORMAT',
    message: 'Cannot load compose file "compose.yaml": line 5: services.web.environment.DB cannot be interpolated: required variable DB_URL is missing a value: set DB_URL first',
  });
});

test('merge.md: mappings merge, sequences append, command replaces, unique resources replace by key', () => {
  const p = load(
    {
      'compose.yaml': ['services:', '  foo:', '    image: a', '    environment: {key1: value1, key2: value2}', '    dns: [1.1.1.1]', '    command: ["echo", "foo"]', '    volumes: ["foo:/work", "./a:/a"]', '    ports: ["8080:80", "9000:90"]', 'volumes:', '  foo:', '  bar:', ''].join('\n'),
      'override.yaml': ['services:', '  foo:', '    environment: [key2=VALUE, key3=value3]', '    dns: [8.8.8.8]', '    command: ["echo", "bar"]', '    volumes: ["bar:/work"]', '    ports: ["8080:80", "8443:443"]', ''].join('\n'),
    },
    { files: ['compose.yaml', 'override.yaml'] },
  );
  const foo = p.model.services.foo;
  assert.deepEqual(foo?.environment, { key1: 'value1', key2: 'VALUE', key3: 'value3' });
  assert.deepEqual(foo?.dns, ['1.1.1.1', '8.8.8.8']);
  assert.deepEqual(foo?.command, ['echo', 'bar']);
  assert.deepEqual(foo?.volumes, [
    { type: 'volume', source: 'bar', target: '/work' },
    { type: 'bind', source: join(p.workingDir, 'a'), target: '/a', bind: { create_host_path: true } },
  ]);
  assert.deepEqual(foo?.ports?.map((x) => `${x.published}:${x.target}`), ['8080:80', '9000:90', '8443:443']);
});

test('healthcheck.test is replaced, a service named "test" is merged like any other', () => {
  const p = load({
    'compose.yaml': 'services:\n  test:\n    image: a\n    healthcheck: {test: [CMD, a], interval: 5s}\n',
    'compose.override.yaml': 'services:\n  test:\n    environment: [X=1]\n    healthcheck: {test: [CMD, b]}\n',
  });
  assert.deepEqual(p.model.services.test, { image: 'a', healthcheck: { test: ['CMD', 'b'], interval: '5s' }, environment: { X: '1' }, networks: { default: null } });
});

test('merge.md: !reset removes, !override replaces', () => {
  const p = load(
    {
      'compose.yaml': 'services:\n  app:\n    image: myapp\n    ports:\n      - "8080:80"\n    environment:\n      FOO: BAR\n      KEEP: 1\n    cap_add: [NET_ADMIN]\n',
      'compose.override.yaml': 'services:\n  app:\n    image: myapp\n    ports: !override\n      - "8443:443"\n    environment:\n      FOO: !reset null\n    cap_add: !reset []\n',
    },
  );
  const app = p.model.services.app;
  assert.deepEqual(app?.ports, [{ mode: 'ingress', target: 443, published: '8443', protocol: 'tcp' }]);
  assert.deepEqual(app?.environment, { KEEP: '1' });
  assert.equal(app?.cap_add, undefined);
});

test('anchors, merge keys and x- extensions', () => {
  const p = load({
    'compose.yaml': [
      'x-common: &common',
      '  restart: always',
      '  environment: &env',
      '    LEVEL: info',
      '  labels: {tier: back}',
      'services:',
      '  a:',
      '    <<: *common',
      '    image: a',
      '    labels: {tier: front}',
      '  b:',
      '    <<: *common',
      '    image: b',
      '    environment:',
      '      <<: *env',
      '      EXTRA: "1"',
      '    x-private: ignored',
      '',
    ].join('\n'),
  });
  assert.deepEqual(p.model.services.a, { restart: 'always', environment: { LEVEL: 'info' }, labels: { tier: 'front' }, image: 'a', networks: { default: null } });
  assert.deepEqual(p.model.services.b?.environment, { LEVEL: 'info', EXTRA: '1' });
  assert.equal('x-private' in (p.model.services.b ?? {}), false);
});

test('extends: same file and another file, whose relative paths stay its own', () => {
  const p = load({
    'compose.yaml': [
      'services:',
      '  base:',
      '    image: base',
      '    environment: [A=1]',
      '    cap_add: [CHOWN]',
      '  web:',
      '    extends: base',
      '    environment: [B=2]',
      '  worker:',
      '    extends:',
      '      file: common/services.yaml',
      '      service: job',
      '    command: run-worker',
      '',
    ].join('\n'),
    'common/services.yaml': 'services:\n  job:\n    image: job\n    build: ./ctx\n    env_file: job.env\n    command: default\n',
    'common/job.env': 'FROM_FILE=yes\n',
  });
  assert.deepEqual(p.model.services.web, { image: 'base', environment: { A: '1', B: '2' }, cap_add: ['CHOWN'], networks: { default: null } });
  const worker = p.model.services.worker;
  assert.equal(worker?.image, 'job');
  assert.deepEqual(worker?.build, { context: join(p.workingDir, 'common/ctx') });
  assert.deepEqual(worker?.command, ['run-worker']);
  assert.deepEqual(worker?.environment, { FROM_FILE: 'yes' });
});

test('extends: a cycle and a missing base are refused with the line', () => {
  assert.throws(() => load({ 'compose.yaml': 'services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: a\n' }), { message: /line \d: services\.[ab]\.extends makes a cycle: [ab] -> [ab] -> [ab]/ });
  assert.throws(() => load({ 'compose.yaml': 'services:\n  a:\n    extends: ghost\n' }), {
    message: 'Cannot load compose file "compose.yaml": line 3: services.a.extends extends service "ghost", which this file does not define',
  });
});

test('include: another project joins with its own directory and .env; conflicts are refused', () => {
  const p = load({
    'compose.yaml': 'include:\n  - db/compose.yaml\nservices:\n  web:\n    image: web\n    depends_on: [db]\n',
    'db/compose.yaml': 'services:\n  db:\n    image: "postgres:${PG}"\n    volumes: [./data:/var/lib/postgresql/data, dbdata:/x]\nvolumes:\n  dbdata:\n',
    'db/.env': 'PG=16\n',
  });
  assert.equal(p.model.services.db?.image, 'postgres:16');
  assert.equal(p.model.services.db?.volumes?.[0]?.source, join(p.workingDir, 'db/data'));
  assert.deepEqual(p.model.volumes, { dbdata: { name: 'app_dbdata' } });
  assert.deepEqual(p.model.services.web?.depends_on, { db: { condition: 'service_started', required: true, restart: false } });
  assert.throws(
    () => load({ 'compose.yaml': 'include: [other.yaml]\nservices:\n  web:\n    image: a\n', 'other.yaml': 'services:\n  web:\n    image: b\n' }),
    { message: 'Cannot load compose file "compose.yaml": line 1: include[0] brings service "web" from "other.yaml", which conflicts with one defined already' },
  );
});

test('profiles.md: services are enabled by active profiles or by being named', () => {
  const files = {
    'compose.yaml': [
      'services:',
      '  web: {image: web_image}',
      '  test_lib: {image: test_lib_image, profiles: [test]}',
      '  coverage_lib: {image: coverage_lib_image, depends_on: [test_lib], profiles: [test]}',
      '  debug_lib: {image: debug_lib_image, depends_on: [test_lib], profiles: [debug]}',
      '',
    ].join('\n'),
  };
  const names = (opts: Parameters<typeof load>[1]) => Object.keys(load(files, opts).model.services).sort();
  assert.deepEqual(names({}), ['web']);
  assert.deepEqual(names({ profiles: ['test'] }), ['coverage_lib', 'test_lib', 'web']);
  assert.deepEqual(names({ environment: { COMPOSE_PROFILES: 'test,debug' } }), ['coverage_lib', 'debug_lib', 'test_lib', 'web']);
  assert.deepEqual(names({ services: ['coverage_lib'] }), ['coverage_lib', 'test_lib', 'web']);
  assert.deepEqual(names({ services: ['debug_lib'], profiles: ['test'] }), ['coverage_lib', 'debug_lib', 'test_lib', 'web']);
  assert.throws(() => load(files, { profiles: ['debug'] }), {
    message: 'Cannot load the compose project: service "debug_lib" depends on service "test_lib", which no active profile enables',
  });
});
