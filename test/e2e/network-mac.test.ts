/**
 * --mac-address: the address the container's interface has, on a user network and the default
 * one, from `hull run` and from the docker CLI through the API (which sends it in the endpoint,
 * API 1.44+); `inspect` reports it; a multicast address and `--network none` are refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { startApiService, type ApiService } from '../../src/testing/api-service.js';

let env: HullEnv;
let api: ApiService;
before(async () => {
  env = await hullWithBusybox();
  api = await startApiService(env);
  await env.ok(['network', 'create', 'macnet']);
});
after(async () => {
  await api.stop();
  await env.cleanup();
});

const address = ['cat', '/sys/class/net/eth0/address'];

test('the interface gets the MAC asked for, on a user network and the default one; inspect shows it', async () => {
  assert.equal(await env.ok(['run', '--rm', '--network', 'macnet', '--mac-address', '02:42:AC:11:00:99', 'busybox', ...address]), '02:42:ac:11:00:99\n');
  assert.equal(await env.ok(['run', '--rm', '--mac-address', '02:42:ac:11:00:98', 'busybox', ...address]), '02:42:ac:11:00:98\n');
  await env.ok(['run', '-d', '--name', 'mac-kept', '--network', 'macnet', '--mac-address', '02:42:ac:11:00:97', 'busybox', 'sleep', '600']);
  assert.equal(await env.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}', 'mac-kept']), '02:42:ac:11:00:97\n');
  await env.ok(['rm', '-f', 'mac-kept']);
});

test('the docker CLI sets it through the API', async () => {
  assert.equal(await api.dockerOk(['run', '--rm', '--network', 'macnet', '--mac-address', '02:42:ac:11:00:96', 'busybox', ...address]), '02:42:ac:11:00:96\n');
});

test('a multicast MAC and --mac-address without a bridge network are refused', async () => {
  const multicast = await env.hull(['run', '--rm', '--mac-address', '01:00:5e:00:00:01', 'busybox', 'true']);
  assert.equal(multicast.code, 125);
  assert.match(multicast.stderr, /Cannot use --mac-address "01:00:5e:00:00:01": it is a multicast address/);
  const none = await env.hull(['run', '--rm', '--network', 'none', '--mac-address', '02:00:00:00:00:01', 'busybox', 'true']);
  assert.equal(none.code, 125);
  assert.match(none.stderr, /--mac-address with --network none/);
  const bad = await api.docker(['run', '--rm', '--mac-address', '03:00:00:00:00:01', 'busybox', 'true']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /it is a multicast address/);
});
