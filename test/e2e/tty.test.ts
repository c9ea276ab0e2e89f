/** -it through a real pseudo-terminal (tmux): prompt, size, resize, detach keys, attach, exec -it. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hullWithBusybox, HULL_BIN, type HullEnv } from '../../src/testing/hull-cli.js';
import { startTmux } from '../../src/testing/tmux.js';

let env: HullEnv;
before(async () => {
  env = await hullWithBusybox();
});
after(async () => env.cleanup());

const hullCommand = (args: string) => `${HULL_BIN} --root ${env.root} --runroot ${env.runroot} ${args}`;

test('run -it gives a real terminal that follows resizes, and returns the exit code', async () => {
  const t = startTmux(`${hullCommand('run -it --rm busybox sh')}; echo EXITED $?; sleep 30`, 80, 24);
  try {
    await t.waitFor(/^\/ #/m);
    t.send('stty size; tty', 'Enter');
    await t.waitFor(/^24 80$/m);
    assert.match(t.screen(), /^\/dev\/pts\/\d+$/m);
    t.resize(100, 30);
    await new Promise((r) => setTimeout(r, 300));
    t.send('stty size', 'Enter');
    await t.waitFor(/^30 100$/m);
    t.send('exit 7', 'Enter');
    await t.waitFor(/EXITED 7$/m);
  } finally {
    t.kill();
  }
});

test('ctrl-p ctrl-q detaches and leaves the container running; attach reconnects; exec -it works', async () => {
  const t = startTmux(`${hullCommand('run -it --name detachable busybox sh')}; echo DETACHED $?; sleep 30`);
  try {
    await t.waitFor(/^\/ #/m);
    t.send('echo before-detach', 'Enter');
    await t.waitFor(/^before-detach$/m);
    t.send('C-p', 'C-q');
    await t.waitFor(/DETACHED 0$/m);
  } finally {
    t.kill();
  }
  assert.equal((await env.ok(['inspect', '-f', '{{.State.Status}}', 'detachable'])).trim(), 'running');
  const e = startTmux(`${hullCommand('exec -it detachable sh -c "tty; echo exec-ok"')}; echo EXEC $?; sleep 30`);
  try {
    await e.waitFor(/EXEC 0$/m);
    assert.match(e.screen(), /^\/dev\/pts\/\d+$/m);
    assert.match(e.screen(), /^exec-ok$/m);
  } finally {
    e.kill();
  }
  const a = startTmux(`${hullCommand('attach detachable')}; echo ATTACH $?; sleep 30`);
  try {
    await new Promise((r) => setTimeout(r, 500));
    a.send('echo after-attach', 'Enter');
    await a.waitFor(/^after-attach$/m);
    a.send('exit 3', 'Enter');
    await a.waitFor(/ATTACH 3$/m);
  } finally {
    a.kill();
  }
  assert.equal((await env.ok(['inspect', '-f', '{{.State.ExitCode}}', 'detachable'])).trim(), '3');
});
