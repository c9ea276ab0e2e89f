/**
 * Compose (issue 18): `up -d` and `down` of a five-service project (two levels of depends_on,
 * one published port, images present, no builds) — hull compose on its engine vs Debian's
 * docker-compose over podman's Docker-compatible socket (`podman system service`), target at
 * most 0.5×, and the same docker-compose through hull's own socket (`hull system service`),
 * target at most 0.5× too. Every service stops on SIGKILL, so no side waits out a stop timeout
 * (`sleep` as PID 1 ignores SIGTERM). Each sample of one command runs the other untimed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { hullGetImage, podmanGetImage } from '../lib/images.js';
import { runOk, timeOk } from '../lib/proc.js';
import { compare, figureOf, notYet, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const UP = 'compose up -d (5 services)';
const DOWN = 'compose down (5 services)';
const PORT = 18_419;
const HULL_SOCKET = 'docker-compose + hull socket';

function composeFile(image: string): string {
  const s = `{image: "${image}", command: [sleep, "3600"], stop_signal: SIGKILL`;
  return [
    'services:',
    `  a: ${s}}`,
    `  b: ${s}, depends_on: [a]}`,
    `  c: ${s}, depends_on: [a]}`,
    `  d: ${s}, depends_on: [b, c]}`,
    `  e: ${s}, ports: ["${PORT}:80"]}`,
    '',
  ].join('\n');
}

async function waitForSocket(path: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) {
    if (child.exitCode !== null) throw new Error(`podman system service exited ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!existsSync(path)) throw new Error('podman system service made no socket in 10 s');
}

export const compose: Scenario = {
  name: 'compose',
  title: 'hull compose up -d / down of five services vs docker-compose over podman\'s socket',
  async run(ctx: BenchContext) {
    const hs = ctx.freshStore('cmp-hull');
    const ps = ctx.freshStore('cmp-podman');
    const figures: Figure[] = [];
    const hasCompose = await ctx.hull.has('compose');
    const { ref } = await hullGetImage(ctx, hs, 'busybox');
    const pref = await podmanGetImage(ctx, ps, 'busybox');
    const dir = join(ctx.scratch, 'compose');
    mkdirSync(join(dir, 'hull'), { recursive: true });
    mkdirSync(join(dir, 'podman'), { recursive: true });
    writeFileSync(join(dir, 'hull', 'compose.yaml'), composeFile(ref));
    writeFileSync(join(dir, 'podman', 'docker-compose.yml'), composeFile(pref));
    const sock = join(ps.runroot, 'podman.sock');
    const [pc, ...pa] = ctx.peers.podman(ps, 'system', 'service', '--time=0', `unix://${sock}`);
    const service = spawn(pc as string, pa, { env: ctx.peers.env, stdio: 'ignore' });
    const hullSock = join(hs.runroot, 'api.sock');
    mkdirSync(join(dir, 'hull-api'), { recursive: true });
    writeFileSync(join(dir, 'hull-api', 'docker-compose.yml'), composeFile(ref));
    const [hsc, ...hsa] = ctx.hull.argv(hs, 'system', 'service', '--time', '0', `unix://${hullSock}`);
    const hullService = hasCompose ? spawn(hsc as string, hsa, { stdio: 'ignore' }) : undefined;
    try {
      await waitForSocket(sock, service);
      if (hullService) await waitForSocket(hullSock, hullService);
      const dcEnv = { ...ctx.peers.env, DOCKER_HOST: `unix://${sock}`, COMPOSE_PROJECT_NAME: 'bench' };
      const dc = (cmd: string) => timeOk('docker-compose', ['-f', join(dir, 'podman', 'docker-compose.yml'), ...cmd.split(' ')], { env: dcEnv, quiet: true, timeoutMs: 300_000 });
      const dcHull = (cmd: string) => timeOk('docker-compose', ['-f', join(dir, 'hull-api', 'docker-compose.yml'), ...cmd.split(' ')], { env: { ...process.env, DOCKER_HOST: `unix://${hullSock}`, COMPOSE_PROJECT_NAME: 'benchapi' }, quiet: true, timeoutMs: 300_000 });
      const hc = (cmd: string) => {
        const [c, ...a] = ctx.hull.argv(hs, 'compose', '-p', 'bench', '-f', join(dir, 'hull', 'compose.yaml'), ...cmd.split(' '));
        return timeOk(c as string, a, { quiet: true, timeoutMs: 300_000 });
      };
      // One measured command per sample; the other one puts the project back, untimed.
      const sidesFor = (timed: 'up -d' | 'down'): Side[] => {
        const other = timed === 'up -d' ? 'down' : 'up -d';
        const pair = (f: (cmd: string) => Promise<number>) => async () => {
          if (timed === 'down') await f(other);
          const ms = await f(timed);
          if (timed === 'up -d') await f(other);
          return ms;
        };
        return [...(hasCompose ? [{ name: 'hull', measure: pair(hc) }, { name: HULL_SOCKET, measure: pair(dcHull) }] : []), { name: 'docker-compose + podman socket', measure: pair(dc) }];
      };
      for (const [caseName, timed] of [[UP, 'up -d'], [DOWN, 'down']] as const) {
        const res = await interleave(sidesFor(timed), { warmups: 1, iterations: ctx.n(7, 3), onProgress: ctx.log });
        figures.push(...res.map((r) => ({ case: caseName, subject: r.name, unit: 'ms' as const, stats: summarize(r.samples), load1: r.load1 })));
        if (!hasCompose) figures.unshift({ case: caseName, subject: 'hull', unit: 'ms', missing: notYet('compose') });
      }
    } finally {
      service.kill('SIGTERM');
      hullService?.kill('SIGTERM');
      await runOk('docker-compose', ['-f', join(dir, 'podman', 'docker-compose.yml'), 'down'], { env: { ...ctx.peers.env, DOCKER_HOST: `unix://${sock}`, COMPOSE_PROJECT_NAME: 'bench' } }).catch(() => undefined);
      if (hasCompose) await ctx.hull.run(hs, ['compose', '-p', 'bench', '-f', join(dir, 'hull', 'compose.yaml'), 'down']);
      await ctx.dropStore(hs);
      await ctx.dropStore(ps);
    }
    const peer = 'docker-compose + podman socket';
    return {
      figures,
      targets: [UP, DOWN].flatMap((c) => [
        compare(c, peer, figureOf(figures, c, 'hull'), figureOf(figures, c, peer), 0.5, 'issue 18: at most 0.5× docker-compose over podman\'s socket'),
        compare(c, HULL_SOCKET, figureOf(figures, c, 'hull'), figureOf(figures, c, HULL_SOCKET), 0.5, 'issue 18: at most 0.5× the same through hull\'s own socket'),
      ]),
      bound:
        'hull: one Node process reading the files and calling the engine in-process; independent services start together, level by level, each container a conmon + runc start and a CNI attach. docker-compose: a Python process (~0.4 s to start) making HTTP calls to podman\'s service, which does the same runc/conmon work.',
      notes: [
        'Five busybox services running `sleep 3600`, in two levels of depends_on (a; b, c; d) and one with a published port; stop_signal SIGKILL on both sides.',
        'docker-compose is Debian\'s 1.29 (Python); podman runs `system service` on a private socket and store with the bench\'s containers.conf.',
        'docker-compose + hull socket: the same docker-compose against `hull system service` on the hull store (another project name).',
      ],
    };
  },
};
