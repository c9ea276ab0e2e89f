// Hostile layers, one test per attack. Each checks the refusal (or that the write stayed inside
// the layer directory) and that nothing outside the layer directory changed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { isHullError, type ErrorCode } from '../errors.js';
import { buildTar, gzip, type RawEntry } from '../testing/tar-builder.js';
import { applyLayer, type ApplyLayerOptions } from './apply-layer.js';
import { chunked, makeSandbox, type Sandbox } from './sandbox.js';

type Expect = { refuse: ErrorCode } | 'confined';

async function attack(
  entries: (s: Sandbox) => RawEntry[] | Buffer,
  expect: Expect,
  opts: Partial<ApplyLayerOptions> = {},
  check?: (s: Sandbox) => void,
): Promise<void> {
  for (const whiteouts of ['delete', 'overlay'] as const) {
    const s = makeSandbox();
    try {
      const before = s.outside();
      const built = entries(s);
      const bytes = Buffer.isBuffer(built) ? built : buildTar(built);
      const run = applyLayer(s.dir, chunked(bytes), { whiteouts, layer: 'sha256:hostile', ...opts });
      if (expect === 'confined') {
        await run;
        check?.(s);
      } else {
        await assert.rejects(run, (err: unknown) => {
          assert.ok(isHullError(err), `expected a HullError, got ${String(err)}`);
          assert.equal(err.code, expect.refuse, err.message);
          assert.match(err.message, /^Cannot apply layer "sha256:hostile": /);
          return true;
        });
      }
      assert.deepEqual(s.outside(), before, `something outside the layer changed (${whiteouts} mode)`);
    } finally {
      s.cleanup();
    }
  }
}

const inside = (s: Sandbox, rel: string): boolean => fs.existsSync(path.join(s.dir, rel));
const refuse = (code: ErrorCode = 'UNSAFE_ARCHIVE'): Expect => ({ refuse: code });

test('symlink-up-and-out: a relative symlink climbing out, then a write through it', () =>
  attack(() => [{ name: 'evil', type: 'symlink', linkname: '../sentinel' }, { name: 'evil/pwned', data: 'x' }], 'confined', {}, (s) =>
    assert.ok(inside(s, 'sentinel/pwned')),
  ));

test('symlink-up-and-out-deep: ../../../.. then the sandbox path', () =>
  attack(
    (s) => [{ name: 'evil', type: 'symlink', linkname: `../../../../../../../../..${s.sentinel}` }, { name: 'evil/pwned', data: 'x' }],
    'confined',
  ));

test('symlink-chain-out: a -> b -> c -> ../sentinel, then a/pwned', () =>
  attack(
    () => [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'c' },
      { name: 'c', type: 'symlink', linkname: '../sentinel' },
      { name: 'a/pwned', data: 'x' },
    ],
    'confined',
  ));

test('symlink-replaces-dir: a directory made earlier in the layer becomes a symlink out', () =>
  attack(
    () => [
      { name: 'd/', type: 'dir' },
      { name: 'd/x', data: 'x' },
      { name: 'd', type: 'symlink', linkname: '../sentinel' },
      { name: 'd/pwned', data: 'x' },
    ],
    'confined',
    {},
    (s) => assert.ok(fs.lstatSync(path.join(s.dir, 'd')).isSymbolicLink()),
  ));

test('absolute-symlink-then-write: a symlink to the absolute sentinel path, then a write through it', () =>
  attack((s) => [{ name: 'abs', type: 'symlink', linkname: s.sentinel }, { name: 'abs/keep', data: 'pwned' }], 'confined', {}, (s) =>
    assert.equal(fs.readFileSync(path.join(s.dir, s.sentinel, 'keep'), 'utf8'), 'pwned'),
  ));

test('symlink-loop: a -> b -> a, then a/x', () =>
  attack(
    () => [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'a' },
      { name: 'a/x', data: 'x' },
    ],
    refuse(),
  ));

test('write-over-symlink: a file entry where a symlink to the outside stands replaces the symlink', () =>
  attack(
    () => [
      { name: 'l', type: 'symlink', linkname: '../sentinel/keep' },
      { name: 'l', data: 'pwned', mode: 0o777 },
    ],
    'confined',
    {},
    (s) => assert.ok(fs.lstatSync(path.join(s.dir, 'l')).isFile()),
  ));

test('dir-over-symlink: a directory entry where a symlink out stands, then a file in it', () =>
  attack(
    () => [
      { name: 'd', type: 'symlink', linkname: '../sentinel' },
      { name: 'd/', type: 'dir', mode: 0o777, mtime: 1 },
      { name: 'd/pwned', data: 'x' },
    ],
    'confined',
    {},
    (s) => assert.ok(fs.lstatSync(path.join(s.dir, 'd')).isDirectory()),
  ));

test('dotdot-path: ../sentinel/pwned', () => attack(() => [{ name: '../sentinel/pwned', data: 'x' }], refuse()));

test('dotdot-middle: a/../../sentinel/pwned', () => attack(() => [{ name: 'a/../../sentinel/pwned', data: 'x' }], refuse()));

test('absolute-path: the absolute sentinel path is taken relative to the layer', () =>
  attack((s) => [{ name: `${s.sentinel}/keep`, data: 'pwned' }], 'confined', {}, (s) => assert.ok(inside(s, `${s.sentinel}/keep`))));

test('hardlink-absolute: a hardlink to the absolute path of a file outside', () =>
  attack((s) => [{ name: 'h', type: 'link', linkname: `${s.sentinel}/keep` }], refuse('INVALID_FORMAT')));

test('hardlink-dotdot: a hardlink to ../sentinel/keep', () => attack(() => [{ name: 'h', type: 'link', linkname: '../sentinel/keep' }], refuse()));

test('hardlink-through-symlink: a hardlink to s/keep where s points outside', () =>
  attack(
    (s) => [
      { name: 's', type: 'symlink', linkname: s.sentinel },
      { name: 't', type: 'symlink', linkname: '../sentinel' },
      { name: 'h', type: 'link', linkname: 's/keep' },
      { name: 'h2', type: 'link', linkname: 't/keep' },
    ],
    refuse('INVALID_FORMAT'),
  ));

test('hardlink-to-symlink-then-write: linking a symlink links the symlink, and a later write replaces it', () =>
  attack(
    () => [
      { name: 'l', type: 'symlink', linkname: '../sentinel/keep' },
      { name: 'h', type: 'link', linkname: 'l' },
      { name: 'h', data: 'pwned' },
    ],
    'confined',
  ));

test('hardlink-to-dir: hardlinks to directories are refused', () =>
  attack(() => [{ name: 'd/', type: 'dir' }, { name: 'h', type: 'link', linkname: 'd' }], refuse()));

test('whiteout-parent: .wh.. names the directory itself', () => attack(() => [{ name: 'sub/.wh..', data: '' }], refuse()));

test('whiteout-dotdot: .wh... and ../.wh.sentinel', () =>
  Promise.all([attack(() => [{ name: '.wh...', data: '' }], refuse()), attack(() => [{ name: '../.wh.sentinel', data: '' }], refuse())]).then(() => undefined));

test('whiteout-through-symlink: s -> sentinel, then s/.wh.keep', () =>
  attack(
    (s) => [
      { name: 's', type: 'symlink', linkname: '../sentinel' },
      { name: 't', type: 'symlink', linkname: s.sentinel },
      { name: 's/.wh.keep' },
      { name: 't/.wh.keep' },
    ],
    'confined',
  ));

test('opaque-through-symlink: s -> sentinel, then s/.wh..wh..opq', () =>
  attack(
    (s) => [
      { name: 's', type: 'symlink', linkname: '../sentinel' },
      { name: 't', type: 'symlink', linkname: s.sentinel },
      { name: 's/.wh..wh..opq' },
      { name: 't/.wh..wh..opq' },
    ],
    'confined',
  ));

test('pax-path-dotdot: a harmless header name overridden by a pax path climbing out', () =>
  attack(() => [{ name: 'harmless', data: 'x', pax: { path: '../sentinel/pwned' } }], refuse()));

test('pax-linkpath-dotdot: a hardlink whose pax linkpath climbs out', () =>
  attack(() => [{ name: 'h', type: 'link', linkname: 'harmless', pax: { linkpath: '../sentinel/keep' } }], refuse()));

test('pax-path-nul: a NUL byte hidden in a pax path', () => attack(() => [{ name: 'harmless', data: 'x', pax: { path: 'a\0/../../x' } }], refuse()));

test('gnu-longname-dotdot: a GNU long name climbing out', () =>
  attack(() => [{ name: 'harmless', data: 'x', gnuLongName: `${'a/'.repeat(60)}${'../'.repeat(61)}sentinel/pwned` }], refuse()));

test('gnu-longlink-dotdot: a hardlink whose GNU long link target climbs out', () =>
  attack(() => [{ name: 'h', type: 'link', linkname: 'harmless', gnuLongLink: '../sentinel/keep' }], refuse()));

test('device-outside: a device node at ../sentinel/null', () =>
  attack(() => [{ name: '../sentinel/null', type: 'char', devmajor: 1, devminor: 3 }], refuse()));

test('dot-entries: "." and "/" as files are refused; "./" as a directory is skipped', async () => {
  await attack(() => [{ name: '.', type: 'file', data: 'x' }], refuse());
  await attack(() => [{ name: '/', type: 'symlink', linkname: '../sentinel' }], refuse());
  await attack(() => [{ name: './', type: 'dir', mode: 0o777 }, { name: './ok', data: 'x' }], 'confined', {}, (s) => {
    assert.ok(inside(s, 'ok'));
    assert.equal(fs.statSync(s.dir).mode & 0o777, 0o755);
  });
});

test('file-as-parent: a/x where a is a regular file', () => attack(() => [{ name: 'a', data: 'x' }, { name: 'a/x', data: 'y' }], refuse()));

test('xattr-name-injection: an xattr name that would inject a setfattr line', () =>
  attack(() => [{ name: 'f', data: 'x', xattrs: { 'user.a\n# file: ../sentinel/keep\nuser.b': 'x' } }], refuse()));

test('overlay-xattrs-ignored: trusted.overlay.* records from the archive are not applied', () =>
  attack(() => [{ name: 'd/', type: 'dir', xattrs: { 'trusted.overlay.redirect': '/etc', 'trusted.overlay.opaque': 'y' } }], 'confined', {}, (s) => {
    const r = spawnSync('getfattr', ['-d', '-m', '-', path.join(s.dir, 'd')], { encoding: 'utf8' });
    assert.doesNotMatch(r.stdout, /overlay/);
  }));

test('unknown-type: GNU sparse and unknown typeflags are refused', async () => {
  await attack(() => [{ name: 'sparse', type: 'S', data: 'x' }], refuse());
  await attack(() => [{ name: 'sparse', data: 'x', pax: { 'GNU.sparse.major': '1' } }], refuse());
});

test('huge-entry-size: a header claiming 1 TiB is refused before any data', () =>
  attack(() => [{ name: 'big', data: 'x', size: 2 ** 40 }], refuse('LIMIT_EXCEEDED')));

test('entry-size-limit: an entry bigger than maxEntryBytes', () =>
  attack(() => [{ name: 'big', data: Buffer.alloc(4096) }], refuse('LIMIT_EXCEEDED'), { limits: { maxEntryBytes: 1024 } }));

test('total-size-limit: more bytes than maxUncompressedBytes', () =>
  attack(() => [{ name: 'a', data: Buffer.alloc(64 * 1024) }, { name: 'b', data: Buffer.alloc(64 * 1024) }], refuse('LIMIT_EXCEEDED'), {
    limits: { maxUncompressedBytes: 100 * 1024 },
  }));

test('too-many-entries: more entries than maxEntries', () =>
  attack(() => Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: '' })), refuse('LIMIT_EXCEEDED'), { limits: { maxEntries: 20 } }));

test('path-too-long: a pax path longer than maxPathBytes', () =>
  attack(() => [{ name: `${'d/'.repeat(2100)}f`, data: 'x' }], refuse('LIMIT_EXCEEDED')));

test('huge-pax-record: a pax record past the 1 MiB bound', () =>
  attack(() => [{ name: 'f', data: 'x', pax: { comment: 'x'.repeat(2 * 1024 * 1024) } }], refuse('LIMIT_EXCEEDED')));

test('decompression-bomb-gzip: zeros gzip about 1000:1, past a 100:1 bound', () =>
  attack(() => gzip(buildTar([{ name: 'zeros', data: Buffer.alloc(40 * 1024 * 1024) }])), refuse('LIMIT_EXCEEDED'), {
    limits: { maxCompressionRatio: 100 },
  }));

test('decompression-bomb-zstd: zeros through zstd, far past the default ratio bound', (t) => {
  const tar = buildTar([{ name: 'zeros', data: Buffer.alloc(64 * 1024 * 1024) }]);
  const z = spawnSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 });
  if (z.error) return t.skip('zstd CLI not installed');
  return attack(() => z.stdout, refuse('LIMIT_EXCEEDED'));
});

test('bad-checksum: a corrupt header is refused', () => attack(() => [{ name: 'f', data: 'x', checksum: 1 }], refuse('INVALID_FORMAT')));

test('truncated: an archive cut inside an entry is refused', () =>
  attack(() => buildTar([{ name: 'f', data: Buffer.alloc(2048, 1) }], { end: false }).subarray(0, 1024), refuse('INVALID_FORMAT')));

test('negative-base256: a size field with a negative base-256 number is refused', () =>
  attack(() => {
    const b = buildTar([{ name: 'f', data: '' }]);
    b.fill(0xff, 124, 136);
    let sum = 0;
    b.fill(0x20, 148, 156);
    for (let i = 0; i < 512; i++) sum += b[i] ?? 0;
    b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return b;
  }, refuse('INVALID_FORMAT')));

test('device-not-root: without root, device nodes are refused (fifos are fine)', { skip: process.getuid?.() !== 0 && 'needs root to switch to an unprivileged user' }, () => {
  const s = makeSandbox();
  try {
    fs.chownSync(s.base, 65534, 65534);
    fs.chownSync(s.dir, 65534, 65534);
    fs.chmodSync(s.base, 0o755);
    const tar = path.join(s.base, 'dev.tar');
    fs.writeFileSync(tar, buildTar([{ name: 'ok', type: 'fifo' }, { name: 'null', type: 'char', devmajor: 1, devminor: 3 }]));
    const script = `
      import { applyLayer } from ${JSON.stringify(new URL('./apply-layer.js', import.meta.url).href)};
      import * as fs from 'node:fs';
      try { await applyLayer(${JSON.stringify(s.dir)}, fs.createReadStream(${JSON.stringify(tar)}), { whiteouts: 'overlay', layer: 'dev' }); console.log('applied'); }
      catch (e) { console.log(e.code + ' ' + e.message); }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.match(r.stdout, /^UNSAFE_ARCHIVE Cannot apply layer "dev": entry "null" is a device node/, r.stderr);
    assert.ok(fs.lstatSync(path.join(s.dir, 'ok')).isFIFO());
  } finally {
    s.cleanup();
  }
});

test('corrupt-gzip and corrupt-zstd: damaged compressed streams are refused as invalid', async (t) => {
  const tar = buildTar([{ name: 'f', data: Buffer.alloc(200_000, 3) }, { name: 'g', data: 'x'.repeat(50_000) }]);
  const gz = gzip(tar);
  gz.fill(0x55, 40, 80);
  await attack(() => gz, refuse('INVALID_FORMAT'));
  const z = spawnSync('zstd', ['-q', '-c'], { input: tar });
  if (z.error) return t.skip('zstd CLI not installed');
  const zs = Buffer.from(z.stdout);
  zs.fill(0x55, 20, 60);
  await attack(() => zs, refuse('INVALID_FORMAT'));
});
