// Whiteout tables (image-spec layer.md "Whiteouts"): the same layers applied in 'delete' mode into
// one directory, and in 'overlay' mode into one directory each, then mounted with the real
// overlayfs; both must leave exactly the expected survivors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildTar, type RawEntry } from '../testing/tar-builder.js';
import { applyLayer } from './apply-layer.js';
import { chunked, makeSandbox } from './sandbox.js';

interface Case {
  name: string;
  layers: RawEntry[][];
  /** Every path left, sorted: directories end in "/", files are "path=content", symlinks "path->target". */
  expect: string[];
}

const dir = (name: string): RawEntry => ({ name: `${name}/`, type: 'dir' });
const file = (name: string, data = name): RawEntry => ({ name, data });
const wh = (name: string): RawEntry => ({ name });

const CASES: Case[] = [
  { name: 'file whiteout', layers: [[dir('a'), file('a/b'), file('a/c')], [wh('a/.wh.b')]], expect: ['a/', 'a/c=a/c'] },
  { name: 'directory whiteout', layers: [[dir('d'), file('d/x'), file('d/y/z'), file('k')], [wh('.wh.d')]], expect: ['k=k'] },
  { name: 'whiteout of a symlink', layers: [[file('a'), { name: 's', type: 'symlink', linkname: 'a' }], [wh('.wh.s')]], expect: ['a=a'] },
  // (A whiteout under a directory no lower layer has is not in this table: overlay mode must create
  // the directory to hold the whiteout, and overlayfs then shows the empty directory, as with docker.)
  { name: 'whiteout of nothing', layers: [[file('a'), dir('p')], [wh('.wh.nothere'), wh('p/.wh.nothere')]], expect: ['a=a', 'p/'] },
  {
    name: 'opaque directory, marker first',
    layers: [[dir('d'), file('d/old'), dir('d/sub'), file('d/sub/old')], [dir('d'), wh('d/.wh..wh..opq'), file('d/new')]],
    expect: ['d/', 'd/new=d/new'],
  },
  {
    name: 'opaque directory, marker last (tar order is not guaranteed)',
    layers: [[dir('d'), file('d/old')], [dir('d'), file('d/new'), wh('d/.wh..wh..opq')]],
    expect: ['d/', 'd/new=d/new'],
  },
  {
    name: 'opaque keeps a subdirectory this layer wrote into, without its lower contents',
    layers: [[dir('d'), file('d/keep'), dir('d/sub'), file('d/sub/old')], [file('d/sub/new'), wh('d/.wh..wh..opq')]],
    expect: ['d/', 'd/sub/', 'd/sub/new=d/sub/new'],
  },
  {
    name: 'whiteout then a new directory of the same name',
    layers: [[dir('d'), file('d/old')], [wh('.wh.d'), dir('d'), file('d/new')]],
    expect: ['d/', 'd/new=d/new'],
  },
  {
    name: 'a new directory then its whiteout (same layer is not hidden)',
    layers: [[dir('d'), file('d/old')], [dir('d'), file('d/new'), wh('.wh.d')]],
    expect: ['d/', 'd/new=d/new'],
  },
  {
    name: 'whiteout and file of the same name in one layer, both orders',
    layers: [[file('f', 'old'), file('g', 'old')], [wh('.wh.f'), file('f', 'new'), file('g', 'new'), wh('.wh.g')]],
    expect: ['f=new', 'g=new'],
  },
  {
    name: 'three layers: delete then recreate',
    layers: [[file('a', '1'), file('b')], [wh('.wh.a')], [file('a', '3')]],
    expect: ['a=3', 'b=b'],
  },
  {
    name: 'whiteout in a directory the layer does not otherwise mention',
    layers: [[dir('x'), dir('x/y'), file('x/y/z'), file('x/y/w')], [wh('x/y/.wh.z')]],
    expect: ['x/', 'x/y/', 'x/y/w=x/y/w'],
  },
  {
    name: 'file replaced by a directory and back',
    layers: [[file('p')], [dir('p'), file('p/q')], [file('p', 'again')]],
    expect: ['p=again'],
  },
  {
    name: 'opaque in the middle of three layers',
    layers: [[dir('d'), file('d/1')], [dir('d'), wh('d/.wh..wh..opq'), file('d/2')], [file('d/3')]],
    expect: ['d/', 'd/2=d/2', 'd/3=d/3'],
  },
];

function survivors(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = fs.lstatSync(path.join(root, r));
      if (st.isDirectory()) {
        out.push(`${r}/`);
        walk(r);
      } else if (st.isSymbolicLink()) out.push(`${r}->${fs.readlinkSync(path.join(root, r))}`);
      else if (st.isFile()) out.push(`${r}=${fs.readFileSync(path.join(root, r), 'utf8')}`);
      else out.push(`${r}?`);
    }
  };
  walk('');
  return out.sort();
}

for (const c of CASES) {
  test(`whiteouts, delete mode: ${c.name}`, async () => {
    const s = makeSandbox();
    try {
      for (const [i, layer] of c.layers.entries()) {
        await applyLayer(s.dir, chunked(buildTar(layer)), { whiteouts: 'delete', layer: `layer${i}` });
      }
      assert.deepEqual(survivors(s.dir), c.expect);
    } finally {
      s.cleanup();
    }
  });

  test(`whiteouts, overlay mode through a real overlayfs mount: ${c.name}`, { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
    const s = makeSandbox();
    const merged = path.join(s.base, 'merged');
    let mounted = false;
    try {
      const dirs = [path.join(s.base, 'empty')];
      fs.mkdirSync(dirs[0] ?? '');
      for (const [i, layer] of c.layers.entries()) {
        const d = path.join(s.base, `l${i}`);
        await applyLayer(d, chunked(buildTar(layer)), { whiteouts: 'overlay', layer: `layer${i}` });
        dirs.push(d);
      }
      fs.mkdirSync(merged);
      const m = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dirs.reverse().join(':')}`, merged], { encoding: 'utf8' });
      assert.equal(m.status, 0, m.stderr);
      mounted = true;
      assert.deepEqual(survivors(merged), c.expect);
    } finally {
      if (mounted) spawnSync('umount', [merged]);
      s.cleanup();
    }
  });
}

test('overlay mode writes a 0:0 character device per whiteout and trusted.overlay.opaque=y', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const s = makeSandbox();
  try {
    await applyLayer(s.dir, chunked(buildTar([wh('a/.wh.b'), wh('a/.wh.c'), dir('o'), wh('o/.wh..wh..opq')])), { whiteouts: 'overlay' });
    for (const n of ['a/b', 'a/c']) {
      const st = fs.lstatSync(path.join(s.dir, n));
      assert.ok(st.isCharacterDevice() && st.rdev === 0, n);
    }
    const r = spawnSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', path.join(s.dir, 'o')], { encoding: 'utf8' });
    assert.equal(r.stdout, 'y');
    assert.deepEqual(fs.readdirSync(s.dir).sort(), ['a', 'o']);
  } finally {
    s.cleanup();
  }
});
