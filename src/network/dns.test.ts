/** Pure parts of DNS and the IPv6 proxies: aardvark config files, resolv.conf, /proc tables, socat argv. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundInodes, dnsNameservers, hexAddress, isDnsName, planDnsConfigs } from './dns.js';
import { checkDnsOption, checkDnsSearch, checkDnsServer, resolvConfContent } from './flags.js';
import { listeningV6, planProxies } from './proxy.js';
import { checkAlias } from './service.js';
import type { Endpoint, SandboxState } from './sandbox.js';

const endpoint = (network: string, ip: string | undefined, over: Partial<Endpoint> = {}): Endpoint => ({
  network,
  networkId: `${network}-id`,
  ifname: 'eth0',
  aliases: [],
  dns: true,
  conflist: { cniVersion: '1.0.0', name: network, plugins: [{ type: 'bridge', ipam: { ranges: [[{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }]] } }] },
  ports: [],
  ...(ip ? { ip, prefixLen: 24, gateway: '10.89.0.1' } : {}),
  ...over,
});
const sandbox = (id: string, name: string, endpoints: Endpoint[], dns?: string[]): SandboxState => ({ version: 1, id, name, hostname: id.slice(0, 12), setupBy: '', netns: '', hostsPath: '/x/hosts', extraHosts: [], endpoints, ...(dns ? { dns } : {}) });

test('aardvark config: gateway line, then one line per container with its names, aliases, short id and --dns upstreams', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const plans = planDnsConfigs([
    sandbox(b, 'web', [endpoint('front', '10.89.0.3', { aliases: ['www', 'bad alias', 'www'] })], ['192.0.2.53', 'not-an-ip', '2001:db8::53']),
    sandbox(a, 'db', [endpoint('front', '10.89.0.2'), endpoint('bridge', '10.88.0.2', { dns: false })]),
    sandbox('c'.repeat(64), 'starting', [endpoint('front', undefined)]),
  ]);
  assert.deepEqual([...plans.keys()], ['front-id'], 'the default network and address-less endpoints get none');
  assert.equal(plans.get('front-id'), `10.89.0.1\n${a} 10.89.0.2  db,${a.slice(0, 12)}\n${b} 10.89.0.3  web,www,${b.slice(0, 12)} 192.0.2.53,2001:db8::53\n`);
  assert.deepEqual(planDnsConfigs([]), new Map());
  assert.deepEqual(dnsNameservers([endpoint('front', '10.89.0.2'), endpoint('bridge', '10.88.0.2', { dns: false, gateway: '10.88.0.1' })]), ['10.89.0.1']);
});

test('DNS names and network aliases: what a config line and a hosts file can carry', () => {
  for (const ok of ['db', 'my-db.local', 'x_1', 'A9']) assert.equal(isDnsName(ok), true, ok);
  for (const bad of ['', 'a b', 'a,b', 'a\nb', '-x', 'x-', 'x.', 'é']) assert.equal(isDnsName(bad), false, bad);
  assert.throws(() => checkAlias('db\n10.0.0.1 evil'), /Cannot use network alias "db\\n10.0.0.1 evil": it is not a DNS name/);
});

test('resolv.conf: network nameservers, --dns, --dns-search and --dns-option', () => {
  const host = 'search corp.example\noptions ndots:1\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n';
  assert.equal(resolvConfContent(host, []), 'search corp.example\noptions ndots:1\nnameserver 10.0.0.2\n');
  assert.equal(resolvConfContent(host, { dns: ['192.0.2.53'], nameservers: ['10.89.0.1'] }), 'search corp.example\noptions ndots:1\nnameserver 10.89.0.1\n', 'on a user network --dns goes upstream');
  assert.equal(resolvConfContent(host, { search: ['a.example', 'b.example'], options: ['ndots:2', 'timeout:1'] }), 'search a.example b.example\noptions ndots:2 timeout:1\nnameserver 10.0.0.2\n');
  assert.equal(resolvConfContent(host, { search: ['.'] }), 'options ndots:1\nnameserver 10.0.0.2\n', '"." means no search domains');
  assert.equal(resolvConfContent(host, { search: [], options: [] }), resolvConfContent(host, []), 'empty lists change nothing');
  assert.equal(checkDnsSearch('example.com'), 'example.com');
  assert.equal(checkDnsOption('ndots:3'), 'ndots:3');
  assert.equal(checkDnsServer('2001:db8::1'), '2001:db8::1');
  assert.throws(() => checkDnsSearch('a b'), /Cannot use --dns-search "a b"/);
  assert.throws(() => checkDnsOption('ndots:1\nnameserver 6.6.6.6'), /Cannot use --dns-option/);
  assert.throws(() => checkDnsServer('dns.example'), /Cannot use --dns "dns.example": expected an IP address/);
});

test('/proc/net tables: port-53 sockets of an address, IPv6 listeners', () => {
  assert.equal(hexAddress('10.88.0.1'), '0100580A');
  const udp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  1: 0100580A:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 0',
    '  2: 0101580A:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4343 2 0000000000000000 0',
  ].join('\n');
  assert.deepEqual([...boundInodes('10.88.0.1', udp)], ['4242']);
  assert.deepEqual([...boundInodes('10.88.9.1', udp)], []);
  const tcp6 = '  0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1';
  assert.equal(listeningV6(8080, 'tcp', tcp6), true);
  assert.equal(listeningV6(8081, 'tcp', tcp6), false);
});

test('IPv6 proxies: one socat per port published on every address, none for an IPv4 host address', () => {
  const plans = planProxies(
    [
      { hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostIp: '', hostPort: 5353, containerPort: 53, protocol: 'udp' },
      { hostIp: '127.0.0.1', hostPort: 9000, containerPort: 90, protocol: 'tcp' },
    ],
    '10.88.0.5',
  );
  assert.deepEqual(plans.map((p) => p.argv.slice(-2)), [
    ['TCP6-LISTEN:8080,bind=[::],ipv6only=1,reuseaddr,backlog=128,fork', 'TCP4:10.88.0.5:80'],
    ['UDP6-RECVFROM:5353,bind=[::],ipv6only=1,reuseaddr,fork', 'UDP4-SENDTO:10.88.0.5:53'],
  ]);
});
