/**
 * Root filesystems for the corpus, all built offline: busybox from busybox-static, Debian by
 * debootstrap against the configured apt mirror (or, failing that, a copy of the host's system
 * directories), many small generated files, a slice of the host's /usr, incompressible data.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, lstatSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { buildBusyboxRootfs } from '../../src/testing/busybox.js';
import { run } from '../lib/proc.js';

export function busyboxRootfs(dir: string): void {
  buildBusyboxRootfs(dir);
}

function aptMirror(): string {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const m = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (m?.[1]) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

/**
 * Debian bookworm minbase plus iperf3 (the network scenario runs it inside containers), cached
 * at `cacheDir`. Returns how it was made.
 */
export async function debianRootfs(cacheDir: string, log: (s: string) => void): Promise<string> {
  if (existsSync(join(cacheDir, 'etc/debian_version'))) return 'cached';
  const tmp = `${cacheDir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const mirror = aptMirror();
  log(`debootstrap --variant=minbase --include=iperf3 bookworm from ${mirror} (about a minute)`);
  const r = await run('debootstrap', ['--variant=minbase', '--include=iperf3', 'bookworm', tmp, mirror], { quiet: true, timeoutMs: 15 * 60_000 });
  if (r.code === 0) {
    rmSync(join(tmp, 'var/cache/apt/archives'), { recursive: true, force: true });
    mkdirSync(join(tmp, 'var/cache/apt/archives/partial'), { recursive: true });
    renameSync(tmp, cacheDir);
    return `debootstrap --variant=minbase bookworm (${mirror})`;
  }
  log(`debootstrap failed (${r.stderr.trim().split('\n').pop() ?? r.code}); copying host directories instead`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const d of ['usr', 'etc', 'bin', 'sbin', 'lib', 'lib64', 'var/lib/dpkg']) {
    if (existsSync(`/${d}`)) cpSync(`/${d}`, join(tmp, d), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.startsWith('/usr/lib/jvm') && !src.startsWith('/usr/local') && !src.includes('/node_modules/') });
  }
  for (const d of ['tmp', 'root', 'proc', 'sys', 'dev', 'run', 'var/tmp']) mkdirSync(join(tmp, d), { recursive: true });
  renameSync(tmp, cacheDir);
  return 'copy of host /usr /etc /bin /lib (debootstrap failed)';
}

/** Deterministic pseudo-random numbers (xorshift32), so the corpus is the same on every machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

/** `count` text files of 100 B to 4 KiB in a two-level tree (like node_modules or a source tree). */
export function smallFilesRootfs(dir: string, count: number): void {
  const next = rng(42);
  const perDir = 100;
  for (let i = 0; i < count; i++) {
    const d = join(dir, 'data', `pkg${Math.floor(i / (perDir * 20))}`, `mod${Math.floor(i / perDir)}`);
    if (i % perDir === 0) mkdirSync(d, { recursive: true });
    const size = 100 + (next() % 3997);
    let text = '';
    while (text.length < size) text += `${WORDS[next() % WORDS.length]} `;
    writeFileSync(join(d, `file${i % perDir}.txt`), text.slice(0, size));
  }
}

/** Copies regular files and symlinks from `src` (sorted walk) until `budgetBytes` are copied. */
export function hostSliceRootfs(dir: string, src: string, budgetBytes: number): number {
  let copied = 0;
  const walk = (from: string): void => {
    let names: string[];
    try { names = readdirSync(from).sort(); } catch { return; }
    for (const name of names) {
      if (copied >= budgetBytes) return;
      const p = join(from, name);
      const st = lstatSync(p);
      const target = join(dir, relative('/', p));
      if (st.isDirectory()) walk(p);
      else if (st.isFile() || st.isSymbolicLink()) {
        mkdirSync(dirname(target), { recursive: true });
        cpSync(p, target, { verbatimSymlinks: true });
        if (st.isFile()) copied += st.size;
      }
    }
  };
  walk(src);
  return copied;
}

/** `mb` MiB of incompressible bytes (a SHA-256 counter stream) in one file, as media or model files are. */
export function randomDataRootfs(dir: string, mb: number): void {
  mkdirSync(join(dir, 'opt/data'), { recursive: true });
  const fd = openSync(join(dir, 'opt/data/blob.bin'), 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mb; i++) {
    for (let off = 0; off < chunk.length; off += 32) createHash('sha256').update(`${i}:${off}`).digest().copy(chunk, off);
    writeSync(fd, chunk);
  }
  closeSync(fd);
}
