import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instruction } from './instructions.js';
import { applyMetadata, commandArgv, copyCreatedBy, nopCreatedBy, resolveWorkdir, runCreatedBy } from './stage-config.js';

const loc = { line: 1, original: '' };
const vars: Record<string, string> = { V: '1.0', PORTS: '80 443' };
const x = {
  word: (raw: string) => raw.replace(/\$(\w+)/g, (_m, n: string) => vars[n] ?? ''),
  words: (raw: string) => x.word(raw).split(' '),
};
const apply = (config: object, instr: Instruction, cmdSet = false) => applyMetadata(config, { cmdSet }, instr, x, 'Containerfile:1');

test('ENV merges (later keys win, first position kept) and expands', () => {
  const r = apply({ Env: ['PATH=/bin', 'A=old'] }, { kind: 'ENV', ...loc, pairs: [{ key: 'A', value: 'new-$V' }, { key: 'B', value: 'b' }] });
  assert.deepEqual(r.config.Env, ['PATH=/bin', 'A=new-1.0', 'B=b']);
});

test('shell forms use the SHELL in force; ENTRYPOINT clears an inherited CMD but not one of this stage', () => {
  const shell = { Shell: ['/bin/bash', '-o', 'pipefail', '-c'] };
  assert.deepEqual(apply(shell, { kind: 'CMD', ...loc, command: { form: 'shell', script: 'run' } }).config.Cmd, ['/bin/bash', '-o', 'pipefail', '-c', 'run']);
  assert.deepEqual(commandArgv({ form: 'exec', argv: ['a', 'b'] }, undefined), ['a', 'b']);
  const entry: Instruction = { kind: 'ENTRYPOINT', ...loc, command: { form: 'exec', argv: ['/app'] } };
  assert.equal(apply({ Cmd: ['inherited'] }, entry).config.Cmd, null);
  assert.deepEqual(apply({ Cmd: ['mine'] }, entry, true).config.Cmd, ['mine']);
});

test('EXPOSE: tcp by default, ranges, words that expand to several ports', () => {
  const r = apply({}, { kind: 'EXPOSE', ...loc, ports: ['8000-8001', '53/UDP', '$PORTS'] });
  assert.deepEqual(Object.keys(r.config.ExposedPorts ?? {}), ['8000/tcp', '8001/tcp', '53/udp', '80/tcp', '443/tcp']);
  assert.throws(() => apply({}, { kind: 'EXPOSE', ...loc, ports: ['http'] }), /Cannot use EXPOSE "http" at Containerfile:1/);
});

test('WORKDIR is relative to the previous one; USER, VOLUME, LABEL, STOPSIGNAL, HEALTHCHECK, ONBUILD, MAINTAINER', () => {
  assert.equal(resolveWorkdir('/srv', 'app/../web'), '/srv/web');
  assert.equal(resolveWorkdir(undefined, 'rel'), '/rel');
  assert.equal(apply({ WorkingDir: '/a' }, { kind: 'WORKDIR', ...loc, path: '/b/$V' }).config.WorkingDir, '/b/1.0');
  assert.equal(apply({}, { kind: 'USER', ...loc, user: 'app:staff' }).config.User, 'app:staff');
  assert.deepEqual(apply({ Volumes: { '/a': {} } }, { kind: 'VOLUME', ...loc, paths: ['/b'] }).config.Volumes, { '/a': {}, '/b': {} });
  assert.deepEqual(apply({ Labels: { a: '1' } }, { kind: 'LABEL', ...loc, pairs: [{ key: 'v', value: '$V' }] }).config.Labels, { a: '1', v: '1.0' });
  assert.equal(apply({}, { kind: 'STOPSIGNAL', ...loc, signal: 'SIGQUIT' }).config.StopSignal, 'SIGQUIT');
  assert.deepEqual(apply({}, { kind: 'HEALTHCHECK', ...loc, healthcheck: { test: ['CMD', 'true'], interval: 5e9 } }).config.Healthcheck, { Test: ['CMD', 'true'], Interval: 5e9 });
  assert.deepEqual(apply({ OnBuild: ['RUN a'] }, { kind: 'ONBUILD', ...loc, trigger: 'RUN b' }).config.OnBuild, ['RUN a', 'RUN b']);
  assert.equal(apply({}, { kind: 'MAINTAINER', ...loc, name: 'Someone $V' }).author, 'Someone $V');
});

test('history text in buildah style', () => {
  assert.equal(nopCreatedBy('ENV A=1'), '/bin/sh -c #(nop) ENV A=1');
  assert.equal(runCreatedBy('RUN make all', new Map()), '/bin/sh -c make all');
  assert.equal(runCreatedBy('RUN make', new Map([['Z', '2'], ['A', '1']])), '|2 A=1 Z=2 /bin/sh -c make');
  assert.equal(copyCreatedBy('COPY', 'file:abc', '/dst/'), '/bin/sh -c #(nop) COPY file:abc in /dst/ ');
});
