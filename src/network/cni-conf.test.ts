import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cniConfFiles, parseCniConf, readCniConf, withPortMappings } from './cni-conf.js';
import { pluginBinary } from './cni.js';

const K8S = { cniVersion: '1.0.0', name: 'k8s-pod-network', plugins: [{ type: 'bridge', bridge: 'cni0', ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.0.0/24' }]] } }, { type: 'portmap', capabilities: { portMappings: true } }, { type: 'loopback' }] };

test('the host CNI configuration: the first file by name; a .conf becomes a one-plugin list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-conf-'));
  try {
    assert.throws(() => readCniConf(dir), { code: 'NOT_FOUND' });
    writeFileSync(join(dir, '20-other.conflist'), JSON.stringify({ ...K8S, name: 'other' }));
    writeFileSync(join(dir, '10-k8s.conflist'), JSON.stringify(K8S));
    writeFileSync(join(dir, 'README'), 'not a configuration');
    assert.deepEqual(cniConfFiles(dir), ['10-k8s.conflist', '20-other.conflist']);
    assert.equal(readCniConf(dir).name, 'k8s-pod-network');
    const single = parseCniConf(JSON.stringify({ cniVersion: '0.4.0', name: 'one', type: 'bridge', bridge: 'b0' }), 'one.conf');
    assert.deepEqual(single, { cniVersion: '0.4.0', name: 'one', plugins: [{ type: 'bridge', bridge: 'b0' }] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad CNI configurations are refused naming the file; a plugin type cannot walk out of the plugin directory', () => {
  assert.throws(() => parseCniConf('{', 'x.conflist'), /Cannot use CNI configuration "x.conflist"/);
  assert.throws(() => parseCniConf('{"cniVersion":"1.0.0","plugins":[]}', 'x.conflist'), /no name/);
  assert.throws(() => parseCniConf('{"name":"n","plugins":[]}', 'x.conflist'), /no plugins/);
  assert.throws(() => parseCniConf('{"name":"n","plugins":[{"type":"../../bin/sh"}]}', 'x.conflist'), /is not a plugin name/);
});

test('hostPorts reach only plugins declaring the portMappings capability; CNI_PATH may list several directories', () => {
  const list = withPortMappings(parseCniConf(JSON.stringify(K8S), 'k'), [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  assert.equal(list.plugins[0]?.runtimeConfig, undefined);
  assert.deepEqual(list.plugins[1]?.runtimeConfig, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  assert.deepEqual(withPortMappings(list, []).plugins.map((p) => p.type), ['bridge', 'loopback'], 'portmap has nothing to do without ports');
  assert.equal(pluginBinary('/nonexistent:/usr/lib/cni', 'bridge'), '/usr/lib/cni/bridge');
});
