import { test } from 'node:test';
import assert from 'node:assert/strict';
import { platformArgs } from './platform-args.js';

test('platformArgs: TARGET* from --platform, else the build platform; arm64/v8 shown as arm64', () => {
  const host = { os: 'linux', architecture: 'amd64' };
  assert.deepEqual(Object.fromEntries(platformArgs(undefined, host)), {
    BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64', BUILDVARIANT: '',
    TARGETPLATFORM: 'linux/amd64', TARGETOS: 'linux', TARGETARCH: 'amd64', TARGETVARIANT: '',
  });
  const cross = platformArgs('linux/arm/v7', { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.equal(cross.get('BUILDPLATFORM'), 'linux/arm64');
  assert.equal(cross.get('BUILDVARIANT'), '');
  assert.equal(cross.get('TARGETPLATFORM'), 'linux/arm/v7');
  assert.equal(cross.get('TARGETARCH'), 'arm');
  assert.equal(cross.get('TARGETVARIANT'), 'v7');
});
