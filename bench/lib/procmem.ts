/**
 * Memory of a group of processes: those whose command line mentions a path (a store's root or
 * runroot, as conmon's -b/-p arguments do) and all their descendants (the container processes).
 * PSS (/proc/PID/smaps_rollup) shares common pages fairly among the processes mapping them.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Proc { pid: number; ppid: number; cmdline: string }

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { pid, ppid, cmdline };
  } catch {
    return undefined;
  }
}

function allProcs(): Proc[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map((n) => readProc(Number(n))).filter((p): p is Proc => p !== undefined);
}

/** Pids whose command line contains one of `needles` (not their descendants). */
export function processesNaming(needles: readonly string[]): number[] {
  return allProcs().filter((p) => needles.some((n) => p.cmdline.includes(n))).map((p) => p.pid);
}

/** Pids whose command line contains one of `needles`, plus their descendants. */
export function processTree(needles: readonly string[]): number[] {
  const procs = allProcs();
  const chosen = new Set(procs.filter((p) => needles.some((n) => p.cmdline.includes(n))).map((p) => p.pid));
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) if (!chosen.has(p.pid) && chosen.has(p.ppid)) { chosen.add(p.pid); grew = true; }
  }
  return [...chosen];
}

function field(file: string, name: string): number {
  try {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export interface GroupMemory { pids: number; pssMiB: number; rssMiB: number; commands: string[] }

export function groupMemory(pids: readonly number[]): GroupMemory {
  let pss = 0;
  let rss = 0;
  const commands = new Set<string>();
  for (const pid of pids) {
    pss += field(`/proc/${pid}/smaps_rollup`, 'Pss');
    rss += field(`/proc/${pid}/status`, 'VmRSS');
    try { commands.add(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()); } catch { /* exited */ }
  }
  return { pids: pids.length, pssMiB: pss / 1024, rssMiB: rss / 1024, commands: [...commands].sort() };
}
