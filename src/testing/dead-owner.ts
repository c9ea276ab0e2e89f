/** A "pid-starttime" token of a process that has exited: provably dead, for temp-area tests. */
import { spawn } from 'node:child_process';
import { processStartTime } from '../sys/lock.js';

export async function deadOwnerToken(): Promise<string> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const pid = child.pid as number;
  let start: string | undefined;
  while ((start = processStartTime(pid)) === undefined) await new Promise((r) => setTimeout(r, 5));
  const closed = new Promise((r) => child.on('close', r));
  child.kill('SIGKILL');
  await closed;
  return `${pid}-${start}`;
}

/** This process's token: alive while the test runs. */
export function liveOwnerToken(): string {
  return `${process.pid}-${processStartTime(process.pid) ?? 0}`;
}
