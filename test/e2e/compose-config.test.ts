/** `hull compose config` through the built CLI: discovery from the working directory, output forms, errors and exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HULL_BIN } from '../../src/testing/hull-cli.js';
import { writeProject } from '../../src/compose/testing/files.js';

function hull(cwd: string, args: string[], env: Record<string, string> = {}, input = '') {
  const r = spawnSync(HULL_BIN, args, { cwd, input, env: { PATH: process.env.PATH ?? '', HOME: '/root', ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const FILE = `
services:
  web:
    image: "web:\${TAG:-dev}"
    ports: ["8080:80"]
    depends_on:
      app: {condition: service_started}
  app:
    build: ./app
    environment: [MODE=prod]
  db:
    image: db
    profiles: [data]
    volumes: [pg:/var/lib/db]
volumes:
  pg:
`;

test('hull compose config: YAML by default, JSON, names, images, profiles', () => {
  const dir = writeProject({ 'compose.yaml': FILE, '.env': 'TAG=1.2\n' }, 'Shop');
  mkdirSync(join(dir, 'sub'));
  const yaml = hull(join(dir, 'sub'), ['compose', 'config']);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.equal(
    yaml.stdout,
    [
      'name: shop',
      'services:',
      '  app:',
      '    build:',
      `      context: ${join(dir, 'app')}`,
      '    environment:',
      '      MODE: prod',
      '    networks:',
      '      default: null',
      '  web:',
      '    depends_on:',
      '      app:',
      '        condition: service_started',
      '        required: true',
      '        restart: false',
      '    image: web:1.2',
      '    networks:',
      '      default: null',
      '    ports:',
      '      - mode: ingress',
      '        protocol: tcp',
      '        published: "8080"',
      '        target: 80',
      'networks:',
      '  default:',
      '    name: shop_default',
      'volumes:',
      '  pg:',
      '    name: shop_pg',
      '',
    ].join('\n'),
  );
  const json = JSON.parse(hull(dir, ['compose', '--profile', 'data', 'config', '--format', 'json']).stdout) as { services: Record<string, unknown> };
  assert.deepEqual(Object.keys(json.services), ['app', 'db', 'web']);
  assert.equal(hull(dir, ['compose', 'config', '--services']).stdout, 'app\nweb\n');
  assert.equal(hull(dir, ['compose', 'config', '--services'], { COMPOSE_PROFILES: 'data' }).stdout, 'app\ndb\nweb\n');
  assert.equal(hull(dir, ['compose', 'config', '--volumes']).stdout, 'pg\n');
  assert.equal(hull(dir, ['compose', 'config', '--profiles']).stdout, 'data\n');
  assert.equal(hull(dir, ['compose', '-p', 'other', 'config', '--images']).stdout, 'other-app\nweb:1.2\n');
  assert.equal(hull(dir, ['compose', 'config', '-q']).stdout, '');
  const piped = hull(dir, ['compose', '-f', '-', 'config', '--services'], {}, 'services:\n  piped: {image: x}\n');
  assert.deepEqual([piped.code, piped.stdout], [0, 'piped\n'], piped.stderr);
});

test('hull compose config: errors name the file and line, exit 125', () => {
  const dir = writeProject({ 'compose.yaml': 'services:\n  web:\n    image: a\n    ports: ["80:80:80:80"]\n', 'empty/.keep': '' });
  const bad = hull(dir, ['compose', 'config']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: Cannot load compose file "compose.yaml": line 4: services.web.ports is not a port mapping: "80:80:80:80"\nhint: see the Compose Specification for the keys and their forms\n');
  const none = hull('/', ['compose', 'config']);
  assert.equal(none.code, 125);
  assert.match(none.stderr, /^Error: Cannot find a compose file in "\/" or its parents\nhint: create compose.yaml there, or name one with -f FILE\n$/);
  const unknown = hull(dir, ['compose', 'frobnicate']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /Cannot run "hull compose frobnicate": unknown command/);
});
