/**
 * Shell completion (issue 15, item 12): the script `hull completion bash` prints is loaded into a
 * real bash, which is asked to complete command lines as it does on TAB (COMP_WORDS/COMP_CWORD,
 * then the registered completion function). zsh and fish load their scripts without errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HULL_BIN, hullWithBusybox, runHull } from '../../src/testing/hull-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hull-completion-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function script(shell: string): Promise<string> {
  const r = await runHull(join(dir, 'root'), join(dir, 'run'), ['completion', shell]);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, `hull.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

/** What bash offers for `line` (the cursor at its end), through the function `complete -p hull` names. */
function bashComplete(file: string, line: string, path?: string): string[] {
  const words = line.split(' ');
  const program = `
source ${JSON.stringify(file)}
fn=$(complete -p hull | sed -E 's/.* -F ([^ ]+) .*/\\1/')
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${words.length - 1}
COMP_LINE=${JSON.stringify(line)}
COMP_POINT=${line.length}
cd ${JSON.stringify(dir)}
"$fn" hull "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8', env: { ...process.env, PATH: `${path ? `${path}:` : ''}${process.env.PATH ?? ''}` } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test('bash completes commands, group subcommands, flags, flag values and global options', async () => {
  const file = await script('bash');
  assert.deepEqual(bashComplete(file, 'hull ru'), ['run']);
  assert.deepEqual(bashComplete(file, 'hull im').sort(), ['image', 'images', 'import']);
  assert.ok(bashComplete(file, 'hull ').includes('completion'));
  assert.deepEqual(bashComplete(file, 'hull image p').sort(), ['prune', 'pull', 'push']);
  assert.deepEqual(bashComplete(file, 'hull volume c'), ['create']);
  assert.deepEqual(bashComplete(file, 'hull run --rm --na'), ['--name']);
  assert.ok(bashComplete(file, 'hull ps -').includes('--format'));
  assert.deepEqual(bashComplete(file, 'hull volume create --la'), ['--label']);
  assert.deepEqual(bashComplete(file, 'hull container ls --no-t'), ['--no-trunc']);
  // Global options and their values come before the command.
  assert.deepEqual(bashComplete(file, 'hull --root /tmp --storage-driver ov'), ['overlay']);
  assert.deepEqual(bashComplete(file, 'hull --root /tmp ps --qu'), ['--quiet']);
  assert.deepEqual(bashComplete(file, 'hull --ver'), ['--version']);
  // A flag's value and an argument complete file names.
  writeFileSync(join(dir, 'envfile.list'), 'A=1\n');
  assert.deepEqual(bashComplete(file, 'hull run --env-file envf'), ['envfile.list']);
});

test('bash completes the names of containers, images and volumes from the store the line names', async () => {
  const file = await script('bash');
  const env = await hullWithBusybox();
  try {
    await env.ok(['create', '--name', 'webby', 'busybox', 'true']);
    await env.ok(['volume', 'create', 'vol1']);
    const g = `hull --root ${env.root} --runroot ${env.runroot}`;
    const withPath = (line: string) => bashComplete(file, line, dirname(HULL_BIN));
    assert.deepEqual(withPath(`${g} start we`), ['webby']);
    assert.deepEqual(withPath(`${g} rm webby we`), ['webby'], 'rm takes several containers');
    assert.deepEqual(withPath(`${g} logs --tail 5 we`), ['webby'], 'a flag value is skipped');
    assert.deepEqual(withPath(`${g} run bu`), ['busybox:latest']);
    assert.deepEqual(withPath(`${g} image inspect bu`), ['busybox:latest']);
    assert.deepEqual(withPath(`${g} volume rm v`), ['vol1']);
    assert.deepEqual(withPath(`${g} volume create v`), [], 'a new name is not completed');
    const fish = spawnSync('sh', ['-c', 'command -v fish'], { encoding: 'utf8' }).stdout.trim();
    if (fish) {
      const r = spawnSync(fish, ['-c', `source ${await script('fish')}; and complete -C '${g} start we'`], { encoding: 'utf8', env: { ...process.env, HOME: dir, PATH: `${dirname(HULL_BIN)}:${process.env.PATH ?? ''}` } });
      assert.match(r.stdout, /^webby$/m, r.stderr);
    }
  } finally {
    await env.cleanup();
  }
});

test('zsh and fish load their scripts; an unknown shell is refused', async (t) => {
  for (const shell of ['zsh', 'fish']) {
    const bin = spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' }).stdout.trim();
    if (!bin) {
      t.diagnostic(`${shell} is not installed here: not checked`);
      continue;
    }
    const file = await script(shell);
    const check = shell === 'zsh' ? `source ${file} && (( $+functions[_hull] )) && echo loaded` : `source ${file}; and complete -C 'hull volume cr'`;
    const r = spawnSync(bin, ['-c', check], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, shell === 'zsh' ? /loaded/ : /^create\t/m);
  }
  const bad = await runHull(join(dir, 'root'), join(dir, 'run'), ['completion', 'tcsh']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /Cannot print completion for "tcsh": unknown shell/);
});
