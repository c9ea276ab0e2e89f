/** Pure parts of networking: port flags, subnet choice, the CNI conflist, iptables plans, hosts files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindingsFromExposed, checkBindings, formatPortLines, fromDockerBindings, parsePublishFlag, toDockerBindings } from './ports.js';
import { formatCidr, hostNetworks, parseCidr, planSubnet } from './subnet.js';
import { planConflist, pluginInput } from './cni.js';
import { planNetworkRules } from './host-rules.js';
import { hostsContent, type SandboxState } from './sandbox.js';
import { parseAddHost, parseNetworkMode, resolvConfContent } from './flags.js';
import type { NetworkRecord } from './network-store.js';

test('-p flags: ports, addresses, protocols, ranges; bad ones refused', () => {
  assert.deepEqual(parsePublishFlag('80'), [{ hostIp: '', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublishFlag('8080:80/udp'), [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'udp' }]);
  assert.deepEqual(parsePublishFlag('127.0.0.1::80'), [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublishFlag('127.0.0.1:8000-8001:80-81').map((b) => `${b.hostPort}>${b.containerPort}`), ['8000>80', '8001>81']);
  for (const bad of ['0', '70000', '80/sctp', '8000-8002:80-81', 'x:80:80', '[::1]:80:80', '81-80']) assert.throws(() => parsePublishFlag(bad), /Cannot publish/, bad);
  assert.throws(() => checkBindings([...parsePublishFlag('8080:80'), ...parsePublishFlag('127.0.0.1:8080:81')]), /twice/);
  checkBindings([...parsePublishFlag('8080:80'), ...parsePublishFlag('8080:80/udp'), ...parsePublishFlag('81'), ...parsePublishFlag('82')]);
  assert.deepEqual(bindingsFromExposed({ '80/tcp': {}, '53/udp': {}, '9000': {} }).map((b) => `${b.containerPort}/${b.protocol}`), ['9000/tcp', '80/tcp', '53/udp'], 'integer-like keys come first in a JS object');
  const ports = parsePublishFlag('8080:80');
  assert.deepEqual(toDockerBindings(ports), { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.deepEqual(fromDockerBindings(toDockerBindings(ports)), ports);
  assert.deepEqual(formatPortLines(ports), ['80/tcp -> 0.0.0.0:8080']);
  assert.deepEqual(formatPortLines(ports, '80'), ['0.0.0.0:8080']);
});

test('subnets: the first free /24 from 10.88.0.0, skipping the host\'s routes and addresses', () => {
  const used = hostNetworks(
    JSON.stringify([{ dst: 'default', gateway: '192.0.2.1' }, { dst: '10.88.0.0/24' }, { dst: '10.88.2.7' }]),
    JSON.stringify([{ addr_info: [{ family: 'inet', local: '10.88.1.5', prefixlen: 24 }, { family: 'inet', local: '127.0.0.1', prefixlen: 8 }] }]),
  );
  assert.equal(formatCidr(planSubnet(used)), '10.88.3.0/24');
  assert.equal(formatCidr(planSubnet([parseCidr('10.88.0.0/16')])), '10.89.0.0/24');
  assert.throws(() => parseCidr('10.88.0.1/24'), /host bits/);
  assert.throws(() => parseCidr('10.88.0.0/33'), /IPv4 CIDR/);
});

const net = (over: Partial<NetworkRecord> = {}): NetworkRecord => ({ version: 1, Name: 'app', Id: 'a'.repeat(64), Created: '', Driver: 'bridge', Scope: 'local', Bridge: 'hull-aaaaaaaaaa', Subnet: '10.90.0.0/24', Gateway: '10.90.0.1', Internal: false, Labels: {}, Default: false, ...over });

test('conflist: bridge with host-local under hull\'s dataDir; portmap only with ports; internal has no default route', () => {
  const plain = planConflist(net(), { ipamDir: '/run/hull/networks/ipam', ports: [] });
  assert.deepEqual(plain.plugins.map((p) => p.type), ['bridge']);
  assert.deepEqual(plain.plugins[0], {
    type: 'bridge', bridge: 'hull-aaaaaaaaaa', isGateway: true, ipMasq: false, hairpinMode: true,
    ipam: { type: 'host-local', dataDir: '/run/hull/networks/ipam', ranges: [[{ subnet: '10.90.0.0/24', gateway: '10.90.0.1' }]], routes: [{ dst: '0.0.0.0/0' }] },
  });
  const withPorts = planConflist(net(), { ipamDir: '/x', ports: parsePublishFlag('127.0.0.1:8080:80') });
  assert.deepEqual(withPorts.plugins[1], { type: 'portmap', snat: true, capabilities: { portMappings: true }, runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' }] } });
  const prev = { cniVersion: '1.0.0', ips: [{ address: '10.90.0.2/24' }] };
  assert.deepEqual(pluginInput(withPorts, withPorts.plugins[1]!, prev).prevResult, prev);
  assert.deepEqual((planConflist(net({ Internal: true }), { ipamDir: '/x', ports: [] }).plugins[0]!.ipam as { routes: unknown[] }).routes, []);
});

test('iptables plans: isolation and masquerade per network; internal drops all forwarding', () => {
  const argv = (n: NetworkRecord) => planNetworkRules(n).map((r) => `${r.table} ${r.chain} ${r.spec.filter((_, i, a) => a[i - 1] !== '--comment' && a[i] !== '-m' && a[i] !== 'comment' && a[i] !== '--comment').join(' ')}`);
  assert.deepEqual(argv(net()), [
    'filter HULL-FORWARD -i hull-aaaaaaaaaa -o hull-aaaaaaaaaa -j ACCEPT',
    'filter HULL-FORWARD -i hull-aaaaaaaaaa -o hull+ -j DROP',
    'filter HULL-FORWARD -i hull-aaaaaaaaaa -j ACCEPT',
    'nat HULL-POSTROUTING -s 10.90.0.0/24 ! -d 10.90.0.0/24 -j MASQUERADE',
  ]);
  assert.deepEqual(argv(net({ Internal: true })).slice(1), ['filter HULL-FORWARD -i hull-aaaaaaaaaa -j DROP', 'filter HULL-FORWARD -o hull-aaaaaaaaaa -j DROP']);
});

test('hosts files: self, --add-host, then peers on user networks by name, alias and short id', () => {
  const ep = (network: string, ip: string, aliases: string[] = [], dns = true) => ({ network, networkId: '', ifname: 'eth0', aliases, dns, conflist: { cniVersion: '1.0.0', name: network, plugins: [] }, ip, ports: [] });
  const sb = (id: string, name: string, endpoints: SandboxState['endpoints']): SandboxState => ({ version: 1, id: id.repeat(64), name, hostname: id.repeat(12), setupBy: '', netns: '', hostsPath: '', extraHosts: [], endpoints });
  const me = { ...sb('a', 'me', [ep('app', '10.90.0.2')]), extraHosts: [parseAddHost('db.local:10.1.2.3')] };
  const web = sb('b', 'web', [ep('app', '10.90.0.3', ['www'])]);
  const other = sb('c', 'elsewhere', [ep('other', '10.91.0.2')]);
  assert.equal(hostsContent(me, [me, web, other]), [
    '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `10.90.0.2\t${'a'.repeat(12)} me`, '10.1.2.3\tdb.local', `10.90.0.3\tweb www ${'b'.repeat(12)}`, '',
  ].join('\n'));
  const onDefault = sb('d', 'plain', [ep('bridge', '10.88.0.2', [], false)]);
  assert.doesNotMatch(hostsContent(onDefault, [onDefault, sb('e', 'peer', [ep('bridge', '10.88.0.3', [], false)])]), /peer/);
});

test('flags: network modes, --add-host, resolv.conf with --dns', () => {
  assert.deepEqual(parseNetworkMode('container:web'), { kind: 'container', ref: 'web' });
  assert.deepEqual(parseNetworkMode('host'), { kind: 'host' });
  assert.deepEqual(parseNetworkMode('app'), { kind: 'network', name: 'app' });
  assert.throws(() => parseAddHost('nohost'), /NAME:IP/);
  assert.equal(resolvConfContent('search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n', []), 'search lan\nnameserver 10.0.0.2\n');
  assert.equal(resolvConfContent('search lan\nnameserver 10.0.0.2\n', ['10.9.9.9']), 'search lan\nnameserver 10.9.9.9\n');
});
