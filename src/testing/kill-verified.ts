/**
 * SIGKILL for tests that simulate a crash from pids read in files. A pid in a file that outlived
 * its process names a stranger once the kernel reuses it (pid_max is 32768 here and a suite
 * starts thousands of processes): killing it blindly kills another test's conmon or container.
 * So a pid is killed only while it still is the process meant.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { processStartTime } from '../sys/lock.js';

/** Kills `pid` if its command line or cgroup names `mark` (a container ID); true if it was killed. */
export function killIfStill(pid: number, mark: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    if (!cmdline.includes(mark) && !cgroup.includes(mark)) return false;
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false; // gone
  }
}

/** Kills the holder of a hull lock file ("pid starttime") if that very process still runs. */
export function killLockHolder(lockFile: string): boolean {
  try {
    const [pid, start] = readFileSync(lockFile, 'utf8').trim().split(' ');
    if (!pid || processStartTime(Number(pid)) !== start) return false;
    process.kill(Number(pid), 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills every process whose command line names `mark` (a test's runroot), as a reboot would:
 * conmon and the hull commands it spawns on an exit all carry the runroot in their arguments.
 * Returns how many were killed; call again until 0, since a process may fork just before its kill.
 */
export function killProcessesNaming(mark: string): number {
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(mark)) continue;
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // gone already
    }
  }
  return killed;
}
