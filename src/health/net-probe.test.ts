import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { containerAddress, localAddressFromFibTrie, netProbeProblem, runNetProbe } from './net-probe.js';
import { effectiveProbe, validateHealthcheck } from './health-config.js';

const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 10.89.0.0/24 2 0 2
        +-- 10.89.0.0/30 2 0 2
           |-- 10.89.0.0
              /24 link UNICAST
           |-- 10.89.0.5
              /32 host LOCAL
     +-- 127.0.0.0/8 2 0 2
        |-- 127.0.0.1
           /32 host LOCAL
`;

test('the container address is the first non-loopback local address of its namespace', () => {
  assert.equal(localAddressFromFibTrie(FIB_TRIE), '10.89.0.5');
  assert.equal(localAddressFromFibTrie('Main:\n  |-- 127.0.0.1\n     /32 host LOCAL\n'), undefined);
  // A process in the host's network namespace is probed on 127.0.0.1.
  assert.equal(containerAddress(process.pid), '127.0.0.1');
});

test('network probe tests are checked', () => {
  assert.equal(netProbeProblem(['TCP-SOCKET', '', '80']), undefined);
  assert.equal(netProbeProblem(['HTTP-GET', 'http', '', '8080', '/healthz', 'X-Probe: 1']), undefined);
  assert.match(netProbeProblem(['TCP-SOCKET', '', '99999']) ?? '', /port/);
  assert.match(netProbeProblem(['HTTP-GET', 'ftp', '', '80', '/']) ?? '', /scheme/);
  assert.match(netProbeProblem(['HTTP-GET', 'http', '', '80', '/', 'bad\r\nheader']) ?? '', /headers/);
  assert.throws(() => validateHealthcheck({ Test: ['TCP-SOCKET', ''] }), /TCP-SOCKET takes/);
  assert.deepEqual(effectiveProbe({ Test: ['TCP-SOCKET', '', '80'] })?.net, 'TCP-SOCKET');
});

test('HTTP-GET and TCP-SOCKET probes reach a real server; failures are results', async (t) => {
  let status = 200;
  const server = createServer((req, res) => {
    res.statusCode = req.headers['x-probe'] === 'yes' ? status : 418;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = String((server.address() as AddressInfo).port);
  const ok = await runNetProbe(['HTTP-GET', 'http', '', port, '/healthz', 'X-Probe: yes'], process.pid, 10_000);
  assert.equal(ok.ExitCode, 0, ok.Output);
  assert.match(ok.Output, /: 200 OK$/);
  status = 500;
  assert.equal((await runNetProbe(['HTTP-GET', 'http', '127.0.0.1', port, '/', 'X-Probe: yes'], process.pid, 10_000)).ExitCode, 1);
  assert.equal((await runNetProbe(['TCP-SOCKET', '', port], process.pid, 10_000)).ExitCode, 0);
  server.close();
  await new Promise((r) => setTimeout(r, 50));
  const refused = await runNetProbe(['TCP-SOCKET', '', port], process.pid, 10_000);
  assert.equal(refused.ExitCode, 1);
  assert.match(refused.Output, /ECONNREFUSED/);
});
