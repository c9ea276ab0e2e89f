/** Running host programs (runc, mount, cp) with their stderr captured for error messages. */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { HullError } from '../errors.js';
import { which } from './which.js';

export interface ExecResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const resolved = new Map<string, string>();

/**
 * A bare program name found on PATH once per process: spawning it by name makes execvp try each
 * PATH entry in turn (a failed execve each), several times per container start.
 */
function program(cmd: string, env: NodeJS.ProcessEnv | undefined): string {
  if (cmd.includes('/')) return cmd;
  const key = `${env?.PATH ?? ''}\0${cmd}`;
  let path = resolved.get(key);
  if (path === undefined) resolved.set(key, (path = which(cmd, env?.PATH) ?? cmd));
  return path;
}

/** Runs argv to completion, capturing output; never throws for a non-zero exit (callers decide). */
export function execCapture(argv: readonly string[], options: SpawnOptions & { input?: string | Buffer } = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new HullError('INTERNAL', 'Cannot run an empty command');
  return new Promise((resolve, reject) => {
    const child = spawn(program(cmd, options.env), args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? 128, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin?.end(options.input);
  });
}

/** Runs argv and throws RUNTIME_FAILED with the program's own stderr when it fails. */
export async function execOrThrow(argv: readonly string[], action: string, options: SpawnOptions & { input?: string | Buffer } = {}): Promise<string> {
  let r: ExecResult;
  try {
    r = await execCapture(argv, options);
  } catch (err) {
    throw new HullError('RUNTIME_FAILED', `Cannot ${action}: could not run "${argv[0]}": ${(err as Error).message}`, {
      hint: `install it (npm test and npm run demo install hull's Debian dependencies)`,
      cause: err,
    });
  }
  if (r.code !== 0) {
    throw new HullError('RUNTIME_FAILED', `Cannot ${action}: ${argv[0]} exited with ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** Synchronous variant for short host tools on paths where async adds nothing. */
export function execSyncOrThrow(argv: readonly string[], action: string): string {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd ?? '', args, { encoding: 'utf8' });
  if (r.error) throw new HullError('RUNTIME_FAILED', `Cannot ${action}: could not run "${cmd}": ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new HullError('RUNTIME_FAILED', `Cannot ${action}: ${cmd} exited with ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}
