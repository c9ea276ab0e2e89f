/** CLI for scripts (demo, benchmarks): node dist/src/testing/busybox-tar.js OUT.tar[.gz] */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxTar } from './busybox.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: busybox-tar OUT.tar[.gz]\n');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'hull-busybox-'));
try {
  buildBusyboxTar(out, work);
} finally {
  rmSync(work, { recursive: true, force: true });
}
