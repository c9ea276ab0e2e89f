import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeProcessConfig, parseEnvFile, processArgs, resolveEnvArgs } from './config.js';
import { applyChange, parseCommandForm } from '../images/changes.js';
import { DEFAULT_PATH } from '../runtime/defaults.js';

const IMAGE = { Entrypoint: ['/entry'], Cmd: ['default'], Env: ['PATH=/img/bin', 'A=image'], WorkingDir: '/srv', User: 'app' };

test('docker rules for merging image defaults with run options', () => {
  const plain = mergeProcessConfig(IMAGE, {});
  assert.deepEqual([...plain.Entrypoint, ...plain.Cmd], ['/entry', 'default']);
  const withCmd = mergeProcessConfig(IMAGE, { cmd: ['x', 'y'] });
  assert.deepEqual([...withCmd.Entrypoint, ...withCmd.Cmd], ['/entry', 'x', 'y']);
  const withEntrypoint = mergeProcessConfig(IMAGE, { entrypoint: ['sh'] });
  assert.deepEqual([...withEntrypoint.Entrypoint, ...withEntrypoint.Cmd], ['sh'], '--entrypoint clears the image CMD');
  const env = mergeProcessConfig(IMAGE, { env: resolveEnvArgs(['A=cli', 'B=2', 'FROM_HOST', 'UNSET'], { FROM_HOST: 'h' }) });
  assert.deepEqual(env.Env, ['PATH=/img/bin', 'A=cli', 'B=2', 'FROM_HOST=h']);
  assert.deepEqual(mergeProcessConfig({}, {}).Env, [`PATH=${DEFAULT_PATH}`]);
  assert.equal(mergeProcessConfig(IMAGE, { workdir: '/w', user: '0' }).WorkingDir, '/w');
  assert.throws(() => processArgs({ Entrypoint: [], Cmd: [] }, 'x'), /no command specified/);
});

test('env files: comments, blanks, host lookups', () => {
  assert.deepEqual(parseEnvFile('# c\nA=1\n\nB = 2\nHOSTVAR\r\n', { HOSTVAR: 'v' }), ['A=1', 'B = 2', 'HOSTVAR=v']);
});

test('--change instructions', () => {
  assert.deepEqual(parseCommandForm('["a", "b c"]'), ['a', 'b c']);
  assert.deepEqual(parseCommandForm('echo $HOME'), ['/bin/sh', '-c', 'echo $HOME']);
  let c = applyChange({}, 'ENV A=1 B="x y"');
  c = applyChange(c, 'ENV LEGACY some value');
  c = applyChange(c, 'EXPOSE 80 53/udp');
  c = applyChange(c, 'LABEL k=v');
  c = applyChange(c, 'USER 1000:1000');
  c = applyChange(c, 'VOLUME /data');
  assert.deepEqual(c, { Env: ['A=1', 'B=x y', 'LEGACY=some value'], ExposedPorts: { '80/tcp': {}, '53/udp': {} }, Labels: { k: 'v' }, User: '1000:1000', Volumes: { '/data': {} } });
  assert.throws(() => applyChange({}, 'RUN x'), /"RUN" is not supported/);
  assert.throws(() => applyChange({}, 'WORKDIR rel'), /absolute/);
});
