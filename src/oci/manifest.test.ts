import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson, parseManifest } from './manifest.js';
import { parseImageConfig } from './image-config.js';
import { MediaType } from './media-types.js';
import { chainIds } from './chain-id.js';
import { sha256, type Digest } from './digest.js';
import { isHullError } from '../errors.js';

const D1 = `sha256:${'1'.repeat(64)}` as Digest;
const D2 = `sha256:${'2'.repeat(64)}` as Digest;

const OCI_MANIFEST = {
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: { mediaType: MediaType.OciConfig, digest: D1, size: 123 },
  layers: [{ mediaType: MediaType.OciLayerGzip, digest: D2, size: 456, annotations: { a: 'b' } }],
};

test('an OCI manifest round-trips and its digest is of the exact bytes', () => {
  const { bytes, digest } = encodeJson(OCI_MANIFEST);
  const parsed = parseManifest(bytes);
  assert.equal(parsed.kind, 'manifest');
  assert.deepEqual(parsed.kind === 'manifest' && parsed.manifest, OCI_MANIFEST);
  assert.equal(digest, sha256(bytes));
  assert.equal(encodeJson(parsed.kind === 'manifest' ? parsed.manifest : {}).digest, digest, 'stable re-encoding');
});

test('docker schema2 manifests and lists are recognised by their media type', () => {
  const docker = { ...OCI_MANIFEST, mediaType: MediaType.DockerManifest };
  assert.equal(parseManifest(JSON.stringify(docker)).mediaType, MediaType.DockerManifest);
  const list = { schemaVersion: 2, mediaType: MediaType.DockerManifestList, manifests: [{ mediaType: MediaType.DockerManifest, digest: D1, size: 1, platform: { os: 'linux', architecture: 'amd64' } }] };
  const parsed = parseManifest(JSON.stringify(list));
  assert.equal(parsed.kind, 'index');
  assert.deepEqual(parsed.kind === 'index' && parsed.index.manifests[0]?.platform, { os: 'linux', architecture: 'amd64' });
  // No mediaType in the document: the shape and the declared type decide.
  assert.equal(parseManifest(JSON.stringify({ schemaVersion: 2, manifests: [] })).kind, 'index');
  assert.equal(parseManifest(JSON.stringify({ schemaVersion: 2, config: OCI_MANIFEST.config, layers: [] }), MediaType.DockerManifest).mediaType, MediaType.DockerManifest);
});

test('malformed manifests are refused with a message naming the problem', () => {
  const cases: Array<[string, RegExp, string]> = [
    ['{', /not valid JSON/, 'INVALID_FORMAT'],
    ['[]', /not a JSON object/, 'INVALID_FORMAT'],
    [JSON.stringify({ schemaVersion: 3 }), /schemaVersion 3/, 'INVALID_FORMAT'],
    [JSON.stringify({ schemaVersion: 1, fsLayers: [] }), /schema1/, 'UNSUPPORTED'],
    [JSON.stringify({ ...OCI_MANIFEST, layers: [{ mediaType: 'x', digest: 'sha256:nothex', size: 1 }] }), /digest "sha256:nothex" is invalid/, 'INVALID_FORMAT'],
    [JSON.stringify({ ...OCI_MANIFEST, config: { ...OCI_MANIFEST.config, size: -1 } }), /size "-1" is invalid/, 'INVALID_FORMAT'],
    [JSON.stringify({ ...OCI_MANIFEST, layers: 'x' }), /"layers" must be an array/, 'INVALID_FORMAT'],
    [JSON.stringify({ ...OCI_MANIFEST, mediaType: 'application/x-unknown' }), /not an image manifest/, 'UNSUPPORTED'],
  ];
  for (const [input, why, code] of cases) {
    assert.throws(() => parseManifest(input), (e) => isHullError(e) && e.code === code && why.test(e.message), input.slice(0, 60));
  }
});

test('image configs are validated and chainIDs follow the spec', () => {
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D1, D2] }, config: { Cmd: ['sh'] } };
  assert.deepEqual(parseImageConfig(JSON.stringify(config)), config);
  assert.throws(() => parseImageConfig(JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: ['x'] } })), /diff_id "x" is invalid/);
  assert.throws(() => parseImageConfig('{"os":"linux"}'), /architecture and os/);
  // image-spec config.md: ChainID(L0) = DiffID(L0); ChainID(Ln) = SHA256(ChainID(Ln-1) + " " + DiffID(Ln)).
  assert.deepEqual(chainIds([D1, D2]), [D1, sha256(`${D1} ${D2}`)]);
});
