import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRootlessNetworkCmd } from './rootless-network-cmd.js';
import { parseNetworkMode } from './flags.js';
import { planHostfwd, planSlirp4netns } from './slirp4netns.js';

const path = '/home/a/.config/hull/containers.conf';

test('pasta unless containers.conf says slirp4netns, with the reason', () => {
  assert.equal(parseRootlessNetworkCmd(undefined, path).cmd, 'pasta');
  assert.match(parseRootlessNetworkCmd('[engine]\nx = 1\n', path).reason, /does not set/);
  const c = parseRootlessNetworkCmd('[network]\ndefault_rootless_network_cmd = "slirp4netns"\n', path);
  assert.deepEqual(c, { cmd: 'slirp4netns', reason: `${path}: [network] default_rootless_network_cmd` });
});

test('a bad containers.conf is refused, naming the file', () => {
  assert.throws(() => parseRootlessNetworkCmd('[network]\ndefault_rootless_network_cmd = "vde"\n', path), /Cannot use default_rootless_network_cmd "vde" of "\/home\/a\/.config\/hull\/containers.conf"/);
  assert.throws(() => parseRootlessNetworkCmd('[network\n', path), /Cannot read "\/home\/a/);
});

test('--network slirp4netns and pasta; their options are refused', () => {
  assert.deepEqual(parseNetworkMode('slirp4netns'), { kind: 'network', name: 'slirp4netns' });
  assert.deepEqual(parseNetworkMode('pasta'), { kind: 'network', name: 'pasta' });
  assert.throws(() => parseNetworkMode('slirp4netns:port_handler=slirp4netns'), /hull takes no slirp4netns options/);
  assert.throws(() => parseNetworkMode('pasta:-T,8080'), /hull takes no pasta options/);
});

test('slirp4netns argv and its add_hostfwd request', () => {
  assert.deepEqual(planSlirp4netns('slirp4netns', '/r/netns/x', '/r/portfwd/x.sock'), ['slirp4netns', '--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--ready-fd=3', '--api-socket=/r/portfwd/x.sock', '--netns-type=path', '/r/netns/x', 'tap0']);
  assert.deepEqual(planHostfwd({ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }), { execute: 'add_hostfwd', arguments: { proto: 'tcp', host_addr: '0.0.0.0', host_port: 8080, guest_port: 80 } });
});
