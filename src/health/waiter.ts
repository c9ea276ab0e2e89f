/**
 * The waiter: what sleeps in the scheduler's place between jobs. A Node process idles at ~40 MB;
 * `/bin/sh` waiting on `sleep` costs well under 1 MB (docs/health.md has the figures). It holds
 * the scheduler lock (its token is written there by the scheduler handing over), and when its
 * sleep ends — or SIGHUP cuts it short — it execs the scheduler in the same process, so the
 * token in the lock names the scheduler again without a write.
 *
 *   trap 'kill $!' HUP          a wake-up ends the sleep early
 *   sleep SECONDS &             in the background, so that `wait` can be interrupted
 *   echo ready                  the trap is in place: the token may now be published
 *   wait; trap '' HUP           from here to Node's own handler, SIGHUP is ignored (exec keeps
 *   exec SCHEDULER...           SIG_IGN); the scheduler reads the records after, so nothing is lost
 */
import { spawn } from 'node:child_process';
import { HullError } from '../errors.js';
import { holderOfPid, type Holder } from './scheduler-lock.js';

const SCRIPT = [
  'trap \'kill $! 2>/dev/null\' HUP',
  'sleep "$0" &',
  'echo ready',
  'exec >/dev/null',
  'wait $!',
  'trap \'\' HUP',
  'exec "$@"',
].join('\n');

/** Pure: the waiter's argv; `seconds` is how long to sleep, `then` the scheduler command. */
export function waiterArgv(seconds: number, then: readonly string[]): string[] {
  return ['/bin/sh', '-c', SCRIPT, Math.max(0, seconds).toFixed(3), ...then];
}

/** Starts a detached waiter and resolves once its trap is set (it may then be handed the lock). */
export function startWaiter(seconds: number, then: readonly string[], env: NodeJS.ProcessEnv): Promise<Holder> {
  const [cmd, ...args] = waiterArgv(seconds, then);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'ignore'], detached: true, env });
    let out = '';
    const fail = (why: string) => reject(new HullError('RUNTIME_FAILED', `Cannot start the health scheduler's waiter: ${why}`));
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code) => fail(`it exited early (${String(code)})`));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!out.includes('ready\n')) return;
      child.removeAllListeners('exit');
      child.stdout.destroy();
      child.unref();
      const holder = child.pid === undefined ? undefined : holderOfPid(child.pid);
      if (holder) resolve(holder);
      else fail('it vanished');
    });
  });
}
