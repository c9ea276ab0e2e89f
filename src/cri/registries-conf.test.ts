import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRegistriesConf, planPullSources } from './registries-conf.js';
import { parseCriConfig } from './config.js';

const CONF = `
unqualified-search-registries = ["docker.io"]

[[registry]]
prefix = "registry.k8s.io"
location = "registry.k8s.io"
[[registry.mirror]]
location = "mirror.local:5000/k8s"
insecure = true
[[registry.mirror]]
location = "second.local/k8s"
pull-from-mirror = "digest-only"

[[registry]]
prefix = "registry.k8s.io/e2e-test-images"
location = "local.test/e2e"
insecure = true

[[registry]]
location = "quay.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "quay-mirror.local"

[[registry]]
prefix = "*.blocked.example"
blocked = true
`;

test('registries.conf: mirrors first (in order, by pull-from-mirror), then the location; longest prefix wins', () => {
  const conf = parseRegistriesConf(CONF);
  assert.deepEqual(planPullSources(conf, 'registry.k8s.io/pause', ':3.9'), [
    { reference: 'mirror.local:5000/k8s/pause:3.9', host: 'mirror.local:5000', insecure: true, mirror: true },
    { reference: 'registry.k8s.io/pause:3.9', host: 'registry.k8s.io', insecure: false, mirror: false },
  ]);
  const digest = '@sha256:' + 'a'.repeat(64);
  assert.deepEqual(planPullSources(conf, 'registry.k8s.io/pause', digest).map((s) => s.reference), [`mirror.local:5000/k8s/pause${digest}`, `second.local/k8s/pause${digest}`, `registry.k8s.io/pause${digest}`]);
  assert.deepEqual(planPullSources(conf, 'registry.k8s.io/e2e-test-images/busybox', ':1.29-2'), [{ reference: 'local.test/e2e/busybox:1.29-2', host: 'local.test', insecure: true, mirror: false }]);
  assert.deepEqual(planPullSources(conf, 'quay.io/app', ':1').map((s) => s.reference), ['quay.io/app:1'], 'mirror-by-digest-only');
  assert.deepEqual(planPullSources(conf, 'quay.io/app', digest).map((s) => s.reference), [`quay-mirror.local/app${digest}`, `quay.io/app${digest}`]);
  assert.deepEqual(planPullSources(conf, 'docker.io/library/busybox', ':1').map((s) => s.reference), ['docker.io/library/busybox:1'], 'no entry: as named');
  assert.deepEqual(planPullSources(conf, 'registry.k8s.io.evil/x', ':1').map((s) => s.reference), ['registry.k8s.io.evil/x:1'], 'a prefix matches whole path components');
  assert.throws(() => planPullSources(conf, 'a.blocked.example/x', ':1'), (err: { code: string; message: string }) => err.code === 'DENIED' && /blocked/.test(err.message));
});

test('registries.conf: bad files are refused with what is wrong', () => {
  assert.throws(() => parseRegistriesConf('[[registry]\n'), { code: 'INVALID_FORMAT' });
  assert.throws(() => parseRegistriesConf('[[registry]]\ninsecure = true\n'), /neither prefix nor location/);
  assert.throws(() => parseRegistriesConf('[[registry]]\nlocation = "a"\ninsecure = "yes"\n'), /insecure must be true or false/);
  assert.throws(() => parseRegistriesConf('[[registry]]\nlocation = "a"\n[[registry.mirror]]\nlocation = "b"\npull-from-mirror = "sometimes"\n'), /pull-from-mirror/);
  assert.deepEqual(parseRegistriesConf('').registries, []);
});

test('CRI config: TOML keys over the defaults; unknown keys refused', () => {
  const c = parseCriConfig('listen = "unix:///tmp/x.sock"\ncni_conf_dir = "/tmp/net.d"\n', 'c.toml');
  assert.equal(c.listen, 'unix:///tmp/x.sock');
  assert.equal(c.cniConfDir, '/tmp/net.d');
  assert.equal(c.registriesConf, '/etc/containers/registries.conf');
  assert.throws(() => parseCriConfig('colour = "blue"\n', 'c.toml'), /unknown key "colour"/);
  assert.throws(() => parseCriConfig('listen = 3\n', 'c.toml'), /listen must be a non-empty string/);
});
