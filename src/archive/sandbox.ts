/**
 * Test-only helpers for the archive tests: a sandbox with a sentinel directory beside the layer
 * directory, and a snapshot of everything outside the layer directory to prove nothing changed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';

export interface Sandbox {
  base: string;
  /** The layer directory: base/layer. */
  dir: string;
  /** base/sentinel, holding a file "keep": attacks aim here. */
  sentinel: string;
  /** Lines describing every path under base except dir (type, mode, owner, size, links, mtime). */
  outside(): string[];
  cleanup(): void;
}

export function makeSandbox(): Sandbox {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'hull-archive-'));
  const dir = path.join(base, 'layer');
  const sentinel = path.join(base, 'sentinel');
  fs.mkdirSync(dir);
  fs.mkdirSync(sentinel);
  fs.writeFileSync(path.join(sentinel, 'keep'), 'keep');
  fs.utimesSync(sentinel, 1_600_000_000, 1_600_000_000);
  return {
    base,
    dir,
    sentinel,
    outside: () => describeTree(base, dir),
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

/** One line per path under `root` (skipping `skip`), in sorted walk order. */
export function describeTree(root: string, skip?: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (p === skip) return;
    const st = fs.lstatSync(p);
    const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? `l->${fs.readlinkSync(p)}` : st.isFile() ? `f:${fs.readFileSync(p, 'latin1')}` : 'o';
    // The root's own times belong to the caller; others are compared to the millisecond, since
    // utimes(2) through Node takes a double and may lose the last digits of a pax mtime.
    const mtime = p === root ? '' : ` ${Math.floor(st.mtimeMs)}`;
    out.push(`${path.relative(root, p) || '.'} ${kind} ${st.mode.toString(8)} ${st.uid}:${st.gid} n${st.nlink} ${st.size}${mtime}`);
    if (st.isDirectory()) for (const c of fs.readdirSync(p).sort()) walk(path.join(p, c));
  };
  walk(root);
  return out;
}

/** A stream of `buf` in odd-sized chunks, so headers straddle chunk boundaries. */
export function chunked(buf: Uint8Array, size = 4093): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) chunks.push(Buffer.from(buf.subarray(i, i + size)));
  return Readable.from(chunks);
}
