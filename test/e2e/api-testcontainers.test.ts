/**
 * Testcontainers for Node against hull's socket: a GenericContainer started with a log-message wait
 * strategy and a port wait strategy, reached on its mapped port, exec'd into and stopped. Ryuk (a
 * Docker Hub image) is off; this machine has /.dockerenv, so the host is given (PEERS.md).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hullWithBusybox, type HullEnv } from '../../src/testing/hull-cli.js';
import { runProcess, startApiService, type ApiService } from '../../src/testing/api-service.js';

let env: HullEnv;
let api: ApiService;
before(async () => {
  env = await hullWithBusybox();
  api = await startApiService(env);
  // Testcontainers reads its settings from the environment when it is first loaded.
  Object.assign(process.env, { DOCKER_HOST: `unix://${api.socket}`, TESTCONTAINERS_RYUK_DISABLED: 'true', TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1' });
});
after(async () => {
  await api.stop();
  await env.cleanup();
});

test('GenericContainer: log-message and listening-port waits, the mapped port, exec, stop', async () => {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('busybox')
    .withCommand(['sh', '-c', 'echo ready; exec httpd -f -p 8080 -h /var/www'])
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forAll([Wait.forLogMessage('ready'), Wait.forListeningPorts()]))
    .start();
  try {
    const port = container.getMappedPort(8080);
    assert.equal(container.getHost(), '127.0.0.1');
    const page = await runProcess(['timeout', '10', 'wget', '-qO-', `http://127.0.0.1:${port}/`]);
    assert.match(page.stdout, /hello from hull/);
    const r = await container.exec(['sh', '-c', 'echo exec-ok; exit 3']);
    assert.deepEqual([r.exitCode, r.output.trim()], [3, 'exec-ok']);
    assert.match(await env.ok(['ps', '--format', '{{.Image}} {{.Status}}']), /busybox(:latest)? Up/);
  } finally {
    await container.stop();
  }
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '', 'stop removes the container, as Testcontainers expects');
});
