/** The host's resource limits, read from /proc/self/limits (Node exposes no getrlimit). */
import { existsSync, readFileSync } from 'node:fs';

export interface HostLimit {
  soft: number;
  hard: number;
}

const NAMES: Record<string, string> = {
  'Max open files': 'RLIMIT_NOFILE',
  'Max processes': 'RLIMIT_NPROC',
  'Max core file size': 'RLIMIT_CORE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max stack size': 'RLIMIT_STACK',
};

const UNLIMITED = Number.POSITIVE_INFINITY; // 'unlimited': JSON cannot carry uint64 max exactly, so callers skip such limits

/** Pure: parses the text of /proc/PID/limits into RLIMIT_* -> {soft, hard}. */
export function parseProcLimits(text: string): Record<string, HostLimit> {
  const out: Record<string, HostLimit> = {};
  for (const line of text.split('\n')) {
    for (const [label, name] of Object.entries(NAMES)) {
      if (!line.startsWith(label)) continue;
      const [soft, hard] = line.slice(label.length).trim().split(/\s+/);
      const num = (v: string | undefined) => (v === undefined || v === 'unlimited' ? UNLIMITED : Number(v));
      out[name] = { soft: num(soft), hard: num(hard) };
    }
  }
  return out;
}

export function readHostLimits(): Record<string, HostLimit> {
  return parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
}

/** Whether the kernel weighs block I/O (cgroup v2's io controller; v1's blkio.weight needs the BFQ or CFQ scheduler). */
export function hostHasBlkioWeight(): boolean {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/).includes('io');
  return existsSync('/sys/fs/cgroup/blkio/blkio.weight') || existsSync('/sys/fs/cgroup/blkio/blkio.bfq.weight');
}
