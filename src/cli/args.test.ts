import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, type OptionSpec } from './args.js';
import { isHullError } from '../errors.js';

const SPECS: OptionSpec[] = [
  { name: 'env', short: 'e', type: 'string', multiple: true, description: '' },
  { name: 'rm', type: 'boolean', description: '' },
  { name: 'interactive', short: 'i', type: 'boolean', description: '' },
  { name: 'tty', short: 't', type: 'boolean', description: '' },
  { name: 'name', type: 'string', description: '' },
  { name: 'workdir', short: 'w', type: 'string', description: '' },
];

// Golden table: argv -> options and positionals, as docker parses `run`.
const CASES: Array<[string[], Record<string, unknown>, string[]]> = [
  [['busybox'], {}, ['busybox']],
  [['--rm', 'busybox', 'ls', '-la'], { rm: true }, ['busybox', 'ls', '-la']],
  [['-e', 'A=1', '-eB=2', '--env=C=3', '--env', 'D', 'img'], { env: ['A=1', 'B=2', 'C=3', 'D'] }, ['img']],
  [['-it', 'img', 'sh'], { interactive: true, tty: true }, ['img', 'sh']],
  [['-itw', '/tmp', 'img'], { interactive: true, tty: true, workdir: '/tmp' }, ['img']],
  [['--name=x', '--rm=false', 'img', '--rm'], { name: 'x', rm: false }, ['img', '--rm']],
  [['--', '-img'], {}, ['-img']],
];

test('docker-style parsing stops at the first positional', () => {
  for (const [argv, options, positionals] of CASES) {
    const r = parseArgs(argv, SPECS, 'run', true);
    assert.deepEqual(r.options, options, argv.join(' '));
    assert.deepEqual(r.positionals, positionals, argv.join(' '));
  }
});

test('unknown flags and missing values are usage errors naming the flag', () => {
  assert.throws(() => parseArgs(['--nope'], SPECS, 'run'), (e) => isHullError(e, 'INVALID_ARGUMENT') && /--nope/.test(e.message));
  assert.throws(() => parseArgs(['-x'], SPECS, 'run'), (e) => isHullError(e) && /'x'/.test(e.message));
  assert.throws(() => parseArgs(['--name'], SPECS, 'run'), (e) => isHullError(e) && /needs an argument/.test(e.message));
  assert.throws(() => parseArgs(['--rm=maybe'], SPECS, 'run'), (e) => isHullError(e) && /true or false/.test(e.message));
});
