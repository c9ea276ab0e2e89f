/**
 * Restart policies and health checks: `healthcheck run`, `system restore`
 * (after a reboot), and the hidden `health-scheduler` that hull starts for itself (docs/health.md).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';

export const healthcheckRun: Command = {
  name: 'healthcheck run',
  summary: "Run a container's health check now",
  usage: 'CONTAINER',
  description: 'Run the health check once and record its result; exit 0 when it passed, 1 when it failed (and print "unhealthy").',
  options: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals }) {
    const { result } = await ctx.engine().containers.health.probe(positionals[0] as string);
    if (result.ExitCode === 0) return 0;
    ctx.stdout.write('unhealthy\n');
    return 1;
  },
};

export const restore: Command = {
  name: 'system restore',
  summary: 'Start the containers a reboot stopped',
  usage: '',
  description: 'Run once at boot (docs/health.md has a unit file): starts every container with --restart always, and those with unless-stopped that the user had not stopped.',
  options: [],
  maxArgs: 0,
  async run(ctx) {
    let failed = 0;
    const started = await ctx.engine().containers.health.restore((r, err) => {
      failed++;
      ctx.stderr.write(`Error: Cannot start container "${r.Name}": ${err instanceof Error ? err.message : String(err)}\n`);
    });
    for (const r of started) ctx.stdout.write(`${r.Name}\n`);
    return failed > 0 ? 125 : 0;
  },
};

/** Not for users: the store's scheduler, started by hull itself; exits when nothing needs it. */
export const healthScheduler: Command = {
  name: 'health-scheduler',
  summary: 'Run the probes and delayed restarts of this store (started by hull)',
  usage: '',
  options: [],
  maxArgs: 0,
  async run(ctx) {
    // A store deleted under a sleeping waiter (rm -rf of a test store): nothing to schedule, and
    // opening the engine would create the directories again.
    if (!existsSync(join(ctx.engineOptions.root, 'containers'))) return 0;
    const ac = new AbortController();
    let wake = () => {};
    // SIGHUP: a record changed (wake up and re-read); SIGTERM/SIGINT: finish the jobs and exit.
    process.on('SIGHUP', () => wake());
    process.on('SIGTERM', () => ac.abort());
    process.on('SIGINT', () => ac.abort());
    await ctx.engine().runHealthScheduler(ac.signal, (s) => (wake = () => s.wake()));
    return 0;
  },
};
