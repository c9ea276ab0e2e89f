import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planListenAddress, planRootlessForwarders } from './rootless-ports.js';

const enter = ['nsenter', '--net=/run/user/1000/hull/rootless-netns/ns', '--'];

test('a TCP port: a listener on the host joined to a relay in the networks namespace by a unix socket', () => {
  const [plan] = planRootlessForwarders([{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }], '10.89.0.2', { socat: 'socat', enter, dir: '/r/portfwd', id: 'abcdef0123456789', ipv6: true });
  assert.deepEqual(plan?.listener, ['socat', 'TCP6-LISTEN:8080,bind=[::],ipv6only=0,reuseaddr,backlog=128,fork', 'UNIX-CONNECT:/r/portfwd/abcdef012345-tcp-8080.sock']);
  assert.deepEqual(plan?.relay, { socket: '/r/portfwd/abcdef012345-tcp-8080.sock', argv: [...enter, 'socat', 'UNIX-LISTEN:/r/portfwd/abcdef012345-tcp-8080.sock,fork,unlink-early,mode=600', 'TCP4:10.89.0.2:80'] });
});

test('a UDP port: each peer gets its own relay through nsenter', () => {
  const [plan] = planRootlessForwarders([{ hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' }], '10.89.0.2', { socat: 'socat', enter, dir: '/r', id: 'x', ipv6: true });
  assert.equal(plan?.relay, undefined);
  assert.deepEqual(plan?.listener, ['socat', '-T', '60', 'UDP4-RECVFROM:5353,bind=127.0.0.1,reuseaddr,fork', `EXEC:'${enter.join(' ')} socat -T 60 - UDP4-SENDTO:10.89.0.2:53'`]);
});

test('the host address decides the family', () => {
  assert.equal(planListenAddress({ hostIp: '', hostPort: 1, containerPort: 1, protocol: 'tcp' }, false), 'TCP4-LISTEN:1,reuseaddr,backlog=128,fork');
  assert.equal(planListenAddress({ hostIp: '::1', hostPort: 1, containerPort: 1, protocol: 'tcp' }, true), 'TCP6-LISTEN:1,bind=[::1],ipv6only=1,reuseaddr,backlog=128,fork');
});
