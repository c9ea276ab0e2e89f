'use strict';
/*
 * Loads the bundled CLI (dist/bundle/hull.cjs, one CommonJS file) through V8's code cache.
 * Why: a container start pays for hull's own start-up, and Node 20 has no compile cache for
 * modules. Compiling the bundle from cached bytecode instead of source saves ~30 ms of every
 * command (~60 ms with one file instead of ES module chunks); see docs/architecture.md.
 *
 * The cache (dist/bundle/hull.cache) holds the bytecode of the functions that commands ran.
 * A process running a command the cache has not seen yet rewrites it at exit, with everything
 * compiled so far; after a few different commands it stops changing. V8 rejects a cache made
 * for other source or another V8, and it is then rebuilt. Writing is best effort (atomic rename):
 * an installation hull cannot write to only runs without the cache.
 */
const { readFileSync, writeFileSync, renameSync, unlinkSync } = require('node:fs');
const { join } = require('node:path');
const vm = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'bundle', 'hull.cjs');
const cacheFile = join(__dirname, '..', 'dist', 'bundle', 'hull.cache');
const seenFile = `${cacheFile}.commands`;

// The command word: the first argument that is not a global option or its value.
function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (['--root', '--runroot', '--storage-driver', '--runtime'].includes(argv[i])) i++;
    else if (!argv[i].startsWith('-')) return argv[i];
  }
  return '';
}

function readOrUndefined(file, encoding) {
  try {
    return readFileSync(file, encoding);
  } catch {
    return undefined;
  }
}

const source = readFileSync(bundle, 'utf8');
const cachedData = readOrUndefined(cacheFile);
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
const seen = cachedData && !script.cachedDataRejected ? (readOrUndefined(seenFile, 'utf8') ?? '').split('\n') : [];
const args = process.argv.slice(2);
const command = commandOf(args) + (args.includes('--help') ? ' --help' : '');
if (!seen.includes(command)) {
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
      writeFileSync(seenFile, [...seen.filter(Boolean), command].join('\n'));
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
    }
  });
}
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, bundle, join(__dirname, '..', 'dist', 'bundle'));
