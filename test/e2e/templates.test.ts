/**
 * Go templates through the CLI, on real containers (issue 15, item 2): docker's one-liners for
 * inspect, `table` formats with headers, `.Label`, and errors that exit non-zero.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
  await env.ok(['create', '--name', 'web', '--label', 'tier=front', '--label', 'app=shop', '-e', 'A=1', '-v', '/srv', 'busybox', 'sh', '-c', 'echo hi']);
});
after(async () => env.cleanup());

test("inspect -f runs docker's one-liners: range over Mounts, Labels with $k $v, index, json, if/eq", async () => {
  const out = await env.ok([
    'inspect',
    '-f',
    '{{range .Mounts}}{{.Destination}} {{end}}|{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}|{{index .Config.Labels "tier"}}|{{json .Config.Cmd}}|{{if eq .State.Status "created"}}new{{else}}old{{end}}|{{join .Config.Cmd " "}}|{{len .Config.Env}}',
    'web',
  ]);
  const [mounts, labels, tier, cmd, state, joined, envCount] = out.trimEnd().split('|');
  assert.equal(mounts, '/srv ');
  assert.equal(labels, 'app=shop;tier=front;');
  assert.equal(tier, 'front');
  assert.equal(cmd, '["sh","-c","echo hi"]');
  assert.equal(state, 'new');
  assert.equal(joined, 'sh -c echo hi');
  assert.ok(Number(envCount) >= 2, envCount);
});

test('ps --format "table ..." prints docker\'s header and aligned columns; .Label "x" works', async () => {
  const out = await env.ok(['ps', '-a', '--format', 'table {{.Names}}\\t{{.Label "tier"}}\\t{{.State}}']);
  assert.match(out, /^NAMES\s+/);
  assert.match(out, /\nweb {7}front {5}created\n$/);
  assert.equal(await env.ok(['ps', '-a', '--format', '{{.Names}}:{{upper .State}}']), 'web:CREATED\n');
});

test("each list names its columns as docker does: IMAGE ID in images, VOLUME NAME in volume ls", async () => {
  assert.match(await env.ok(['images', '--format', 'table {{.ID}}\t{{.Repository}}:{{.Tag}}']), /^IMAGE ID {7}REPOSITORY:TAG\n[0-9a-f]{12} {3}busybox:latest\n$/);
  await env.ok(['volume', 'create', 'tablevol']);
  assert.match(await env.ok(['volume', 'ls', '--format', 'table {{.Name}}\t{{.Driver}}']), /^VOLUME NAME +DRIVER\n(.*\n)*tablevol +local\n/);
});

test('an unknown field or a malformed template exits 125 and says so, printing nothing on stdout', async () => {
  const unknown = await env.hull(['ps', '-a', '--format', '{{.Nope}}']);
  assert.equal(unknown.code, 125);
  assert.equal(unknown.stdout, '');
  assert.match(unknown.stderr, /template parsing error: template: :1:2: executing "" at <\.Nope>: can't evaluate field Nope/);
  assert.match(unknown.stderr, /hint: fields: ID, /);
  const bad = await env.hull(['inspect', '-f', '{{.State.Status', 'web']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /template: :1: unclosed action/);
  const noField = await env.hull(['inspect', '-f', '{{.State.Nope}}', 'web']);
  assert.equal(noField.code, 125);
  assert.match(noField.stderr, /map has no entry for key "Nope"/);
  // A label map is a map: a missing key prints <no value>, as on docker.
  assert.equal(await env.ok(['inspect', '-f', '{{.Config.Labels.none}}', 'web']), '<no value>\n');
});
