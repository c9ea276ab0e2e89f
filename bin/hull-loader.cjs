'use strict';
/*
 * Loads the bundled CLI (dist/bundle/hull.cjs, one CommonJS file) through V8's code cache.
 * Why: a container start pays for hull's own start-up, and Node 20 has no compile cache for
 * modules. Compiling the bundle from cached bytecode instead of source saves ~30 ms of every
 * command (~60 ms with one file instead of ES module chunks); see docs/architecture.md.
 *
 * One cache per command word (dist/bundle/cache/run, .../ps, ...), holding the bytecode of what
 * that command ran: the first run writes it at exit, later runs load only what they need (a
 * cache shared by all commands grows with each, and V8 reads all of it every time). V8 rejects
 * a cache made for other source or another V8, and it is then rewritten. Writing is best effort
 * (atomic rename): an installation hull cannot write to only runs without the cache.
 */
const { mkdirSync, readFileSync, writeFileSync, renameSync, unlinkSync } = require('node:fs');
const { join } = require('node:path');
const vm = require('node:vm');

const dir = join(__dirname, '..', 'dist', 'bundle');
const bundle = join(dir, 'hull.cjs');

// The command word: the first argument that is not a global option or its value.
function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (['--root', '--runroot', '--storage-driver', '--runtime'].includes(argv[i])) i++;
    else if (!argv[i].startsWith('-')) return argv[i];
  }
  return '';
}

const args = process.argv.slice(2);
// V8 rejects a cache made under other flags (bin/hull gives the API service its own): one cache per set.
const flags = process.execArgv.join(' ').replace(/[^a-z0-9]+/g, '-');
const key = `${/^[a-z][a-z-]*$/.test(commandOf(args)) ? commandOf(args) : 'other'}${args.includes('--help') ? '.help' : ''}${flags ? `.${flags}` : ''}`;
// Where the cache lives: beside the bundle; an ordinary user, who cannot write there (rootless
// mode, docs/rootless.md), keeps one in the user's cache directory, read and written first.
const cacheDirs = [join(dir, 'cache')];
const home = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : '');
if (home && process.env.HULL_ROOTLESS_UID) cacheDirs.unshift(join(home, 'hull', 'code-cache'));
let cachedData;
for (const d of cacheDirs) {
  try {
    cachedData = readFileSync(join(d, key));
    break;
  } catch {
    cachedData = undefined;
  }
}
// The bundle is pure ASCII (esbuild's charset: 'ascii'), so latin1 decodes it exactly, ~4x faster.
const source = readFileSync(bundle, 'latin1');
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
if (!cachedData || script.cachedDataRejected) {
  process.once('exit', () => {
    const data = script.createCachedData();
    for (const d of cacheDirs) {
      const file = join(d, key);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(d, { recursive: true });
        writeFileSync(tmp, data);
        renameSync(tmp, file);
        return;
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          // nothing was written
        }
      }
    }
  });
}
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, bundle, dir);
