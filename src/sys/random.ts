/**
 * Random bytes straight from the kernel. Why not node:crypto: loading it costs ~5 ms, paid by
 * every command that only needs a few random ids (a container start among them).
 */
import { closeSync, openSync, readSync } from 'node:fs';

export function randomBytes(n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let got = 0; got < n; ) got += readSync(fd, buf, got, n - got, null);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** A uniform integer in [0, max), max <= 2^32. */
export function randomInt(max: number): number {
  const limit = 2 ** 32 - (2 ** 32 % max); // rejection sampling: no modulo bias
  for (;;) {
    const v = randomBytes(4).readUInt32LE(0);
    if (v < limit) return v % max;
  }
}
