import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isIndexRecord, mergeDescriptors, serializeIndex } from './image-index.js';

const d = (n: string, arch: string): Descriptor => ({ mediaType: MediaType.OciManifest, digest: `sha256:${n.repeat(64)}`, size: 400, platform: { os: 'linux', architecture: arch } });

test('an index hull writes parses back as an OCI index with the same descriptors', () => {
  const bytes = serializeIndex([d('a', 'amd64'), { ...d('b', 'arm64'), annotations: { team: 'hull' } }]);
  const parsed = parseManifest(bytes);
  assert.equal(parsed.kind, 'index');
  assert.equal(parsed.mediaType, MediaType.OciIndex);
  if (parsed.kind !== 'index') return;
  assert.deepEqual(parsed.index.manifests.map((m) => [m.platform?.architecture, m.annotations?.team]), [['amd64', undefined], ['arm64', 'hull']]);
});

test('adding a manifest the list names replaces its entry in place; new ones append', () => {
  const merged = mergeDescriptors([d('a', 'amd64'), d('b', 'arm64')], [{ ...d('a', 'amd64'), platform: { os: 'linux', architecture: 'amd64', variant: 'v3' } }, d('c', 's390x')]);
  assert.deepEqual(merged.map((m) => `${m.digest.slice(7, 8)}:${m.platform?.variant ?? ''}`), ['a:v3', 'b:', 'c:']);
});

test('index records are told by their media type (OCI index and Docker manifest list)', () => {
  assert.equal(isIndexRecord({ manifestMediaType: MediaType.OciIndex }), true);
  assert.equal(isIndexRecord({ manifestMediaType: MediaType.DockerManifestList }), true);
  assert.equal(isIndexRecord({ manifestMediaType: MediaType.OciManifest }), false);
});
