import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pastaPortSpec, planPasta } from './pasta.js';

test('-p bindings become pasta forwards per protocol; none forwards nothing', () => {
  const ports = [
    { hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' as const },
    { hostIp: '127.0.0.1', hostPort: 8443, containerPort: 443, protocol: 'tcp' as const },
    { hostIp: '', hostPort: 5353, containerPort: 53, protocol: 'udp' as const },
  ];
  assert.equal(pastaPortSpec(ports, 'tcp'), '8080:80,127.0.0.1/8443:443');
  assert.equal(pastaPortSpec(ports, 'udp'), '5353:53');
  assert.equal(pastaPortSpec([], 'tcp'), 'none');
  const argv = planPasta('/usr/bin/pasta', '/run/ns', ports.slice(0, 1), '/run/p.pid');
  // Never automatic forwarding (a container must not take over host ports it binds).
  assert.deepEqual(argv.slice(-8), ['-t', '8080:80', '-u', 'none', '-T', 'none', '-U', 'none']);
});
