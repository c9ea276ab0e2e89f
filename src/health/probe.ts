/**
 * One health probe: the check's command run in the running container through `runc exec`, with
 * the container's own process settings (user, capabilities, environment, no-new-privileges) and
 * no terminal; stdout and stderr together, cut at 4096 bytes. A probe that outlives its timeout
 * is killed — the exec'd process by its host pid (runc's --pid-file), then runc — and counts as
 * a failure with Docker's "Health check exceeded timeout" output. HTTP-GET and TCP-SOCKET checks
 * are run from the host instead (net-probe.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeSpec } from '../oci/runtime-spec.js';
import { runcArgv, type RuntimeOptions } from '../runtime/runc.js';
import { writeJsonAtomic } from '../sys/atomic-write.js';
import { randomBytes } from '../sys/random.js';
import type { Probe } from './health-config.js';
import { runNetProbe } from './net-probe.js';
import { MAX_OUTPUT_BYTES, rfc3339Micro, timeoutOutput, truncateOutput, type HealthLogEntry } from './health-state.js';

export interface ProbeTarget {
  runtime: RuntimeOptions;
  id: string;
  /** The container's bundle: its config.json gives the process settings; temp files go there. */
  bundle: string;
  /** The container's process: a network probe finds the container's address through it. */
  pid?: number;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs the probe once; never throws for a failing or hanging command (that is a result). */
export async function runProbe(t: ProbeTarget, probe: Pick<Probe, 'argv' | 'timeoutMs' | 'net'>, signal?: AbortSignal): Promise<HealthLogEntry> {
  if (probe.net) return runNetProbe([probe.net, ...probe.argv], t.pid ?? 0, probe.timeoutMs, signal);
  const start = now();
  const entry = (exitCode: number, output: string): HealthLogEntry => ({ Start: rfc3339Micro(start), End: rfc3339Micro(now()), ExitCode: exitCode, Output: output });
  let spec: RuntimeSpec;
  try {
    spec = JSON.parse(readFileSync(join(t.bundle, 'config.json'), 'utf8')) as RuntimeSpec;
  } catch (err) {
    return entry(-1, `cannot read the container's bundle: ${(err as Error).message}`);
  }
  const suffix = randomBytes(6).toString('hex');
  const processFile = join(t.bundle, `probe-${suffix}.json`);
  const pidFile = join(t.bundle, `probe-${suffix}.pid`);
  writeJsonAtomic(processFile, { ...spec.process, terminal: false, args: probe.argv }, { ephemeral: true });
  const [cmd, ...args] = runcArgv.exec(t.runtime, t.id, processFile, {});
  // --pid-file goes before the container id, as runc's flags do.
  args.splice(args.length - 1, 0, '--pid-file', pidFile);
  try {
    return await new Promise<HealthLogEntry>((resolve) => {
      const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let size = 0;
      const collect = (b: Buffer) => {
        if (size <= MAX_OUTPUT_BYTES) chunks.push(b);
        size += b.length;
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      let timedOut = false;
      let settled = false;
      const kill = () => {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
        } catch {
          // not started yet, or gone already
        }
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, probe.timeoutMs);
      signal?.addEventListener('abort', kill, { once: true });
      child.once('error', (err) => {
        clearTimeout(timer);
        settled = true;
        resolve(entry(-1, err.message));
      });
      const finish = (code: number | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', kill);
        child.stdout.destroy();
        child.stderr.destroy();
        if (timedOut) resolve(entry(-1, timeoutOutput(probe.timeoutMs)));
        else resolve(entry(code ?? -1, truncateOutput(Buffer.concat(chunks))));
      };
      child.once('close', finish);
      // A process the probe left in the background may hold the output pipes open: once runc has
      // exited, the output is taken as it is after a moment.
      child.once('exit', (code) => setTimeout(() => finish(code), 200).unref());
    });
  } finally {
    rmSync(processFile, { force: true });
    rmSync(pidFile, { force: true });
  }
}
