/**
 * Rootless storage drivers (docs/storage.md), hull and podman both run by the same ordinary user:
 *   (a) pull of the smallfiles image (40,000 files) into an empty store, with the kernel's overlay
 *       and with fuse-overlayfs (hull: --storage-driver fuse-overlayfs; podman: its overlay driver
 *       with mount_program=fuse-overlayfs) — target ≤ 1.0× podman rootless with the same driver;
 *   (b) `run --rm --network none busybox true` on a fuse-overlayfs store: the mount is a fuse
 *       daemon each — target ≤ 1.0× podman rootless with fuse-overlayfs.
 * A pull writes the same layers with either driver (nothing is mounted); (a) shows that, and
 * (b) what the fuse mount costs a start.
 */
import { copyFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, probeSides, type Side } from '../lib/ab.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { refOf } from '../lib/context.js';
import { compare, figureOf, type Figure } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import { busyboxTarball, HULL_BIN } from '../../src/testing/hull-cli.js';
import { createRootlessUser, rootlessUnsupported, type RootlessUser } from '../../src/testing/rootless-user.js';
import { which } from '../../src/sys/which.js';
import { asUser, configurePodman, timeAs } from './rootless.js';

const PULL_OVERLAY = 'rootless pull smallfiles (empty store), kernel overlay';
const PULL_FUSE = 'rootless pull smallfiles (empty store), fuse-overlayfs';
const RUN_FUSE = 'rootless run --rm busybox true, --network none, fuse-overlayfs store';
/** podman 4.3 takes vfs for a new --root without a storage.conf: overlay is named. */
const PODMAN_OVERLAY = ['--storage-driver', 'overlay'];
const FUSE_OPT = [...PODMAN_OVERLAY, '--storage-opt', 'overlay.mount_program=/usr/bin/fuse-overlayfs'];


/** One pull into a fresh store, timed; the store is removed (inside the namespace) after. */
function pullSide(u: RootlessUser, name: string, engine: 'hull' | 'podman', flags: string[], ref: string): Side {
  let i = 0;
  return {
    name,
    measure: async () => {
      const store = join(u.home, `bench-${name.replace(/\W+/g, '-')}-${i++}`);
      const bin = engine === 'hull' ? HULL_BIN : 'podman';
      const ms = await timeAs(u, [bin, '--root', store, ...flags, 'pull', '-q', '--tls-verify=false', ref])();
      // podman's overlay driver keeps <store>/overlay mounted on itself in its namespace.
      await asUser(u, [bin, '--root', store, ...flags, 'unshare', 'sh', '-c', `umount -R "${store}/overlay" 2>/dev/null; rm -rf "${store}"`]);
      return ms;
    },
  };
}

const SUBJECT: Record<string, [string, string]> = {
  'hull overlay': [PULL_OVERLAY, 'hull'],
  'podman overlay': [PULL_OVERLAY, 'podman rootless'],
  'hull fuse': [PULL_FUSE, 'hull (fuse-overlayfs)'],
  'podman fuse': [PULL_FUSE, 'podman rootless (mount_program fuse-overlayfs)'],
  'hull run fuse': [RUN_FUSE, 'hull (fuse-overlayfs)'],
  'podman run fuse': [RUN_FUSE, 'podman rootless (mount_program fuse-overlayfs)'],
};

async function measure(ctx: BenchContext, sides: Side[], iterations: number, warmups: number): Promise<Figure[]> {
  const probed = await probeSides(sides);
  const res = await interleave(probed.ok, { warmups, iterations, onProgress: ctx.log });
  const figures: Figure[] = res.map((r) => ({ case: SUBJECT[r.name]?.[0] ?? r.name, subject: SUBJECT[r.name]?.[1] ?? r.name, unit: 'ms', stats: summarize(r.samples), load1: r.load1 }));
  for (const [name, why] of probed.failed) figures.push({ case: SUBJECT[name]?.[0] ?? name, subject: SUBJECT[name]?.[1] ?? name, unit: 'ms', missing: `error: ${why}` });
  return figures;
}

export const rootlessStorage: Scenario = {
  name: 'rootless-storage',
  title: 'Rootless storage: pull and start with the kernel overlay and with fuse-overlayfs, hull vs podman as the same user',
  async run(ctx: BenchContext) {
    const why = rootlessUnsupported() ?? (which('fuse-overlayfs') ? undefined : 'fuse-overlayfs is not installed');
    if (why) return { figures: [{ case: PULL_FUSE, subject: 'hull (fuse-overlayfs)', unit: 'ms', missing: `skipped: ${why}` }], targets: [], bound: '', notes: [] };
    const u = createRootlessUser();
    const figures: Figure[] = [];
    try {
      configurePodman(u);
      const ref = refOf(ctx, 'smallfiles');
      figures.push(...(await measure(ctx, [
        pullSide(u, 'hull overlay', 'hull', [], ref),
        pullSide(u, 'podman overlay', 'podman', PODMAN_OVERLAY, ref),
        pullSide(u, 'hull fuse', 'hull', ['--storage-driver', 'fuse-overlayfs'], ref),
        pullSide(u, 'podman fuse', 'podman', FUSE_OPT, ref),
      ], ctx.n(3, 1), 0)));
      const tar = join(u.home, 'busybox.tar.gz');
      copyFileSync(busyboxTarball(), tar);
      chownSync(tar, u.uid, u.gid);
      const hullFuse = [HULL_BIN, '--root', join(u.home, 'hull-fuse'), '--storage-driver', 'fuse-overlayfs'];
      const podmanFuse = ['podman', '--root', join(u.home, 'podman-fuse'), ...FUSE_OPT];
      await asUser(u, [...hullFuse, 'import', tar, 'busybox']);
      await asUser(u, [...podmanFuse, 'import', '-q', tar, 'localhost/busybox']);
      figures.push(...(await measure(ctx, [
        { name: 'hull run fuse', measure: timeAs(u, [...hullFuse, 'run', '--rm', '--network', 'none', 'busybox', 'true']) },
        { name: 'podman run fuse', measure: timeAs(u, [...podmanFuse, 'run', '--rm', '--network', 'none', 'localhost/busybox', 'true']) },
      ], ctx.n(15, 5), ctx.n(1, 0))));
    } finally {
      await u.remove();
    }
    const f = (c: string, s: string) => figureOf(figures, c, s, true);
    return {
      figures,
      targets: [
        compare(PULL_OVERLAY, 'podman rootless', f(PULL_OVERLAY, 'hull'), f(PULL_OVERLAY, 'podman rootless'), 1.0, 'issue 21: at most podman rootless\'s time'),
        compare(PULL_FUSE, 'podman rootless (mount_program fuse-overlayfs)', f(PULL_FUSE, 'hull (fuse-overlayfs)'), f(PULL_FUSE, 'podman rootless (mount_program fuse-overlayfs)'), 1.0, 'issue 21: at most podman rootless\'s time, both with fuse-overlayfs'),
        compare(RUN_FUSE, 'podman rootless (mount_program fuse-overlayfs)', f(RUN_FUSE, 'hull (fuse-overlayfs)'), f(RUN_FUSE, 'podman rootless (mount_program fuse-overlayfs)'), 1.0, 'at most podman rootless\'s time, both mounting with fuse-overlayfs'),
      ],
      bound: 'A pull unpacks the same layer directories with either driver (nothing is mounted; hull\'s fuse-overlayfs store probes one test mount when it is created). A start mounts the container\'s view: one fuse-overlayfs daemon per container for both engines, where the kernel overlay is one mount(2).',
      notes: ['Both engines run as one fresh ordinary user with its own subordinate ranges; podman with runtime runc, cgroupfs and file events (PEERS.md), fuse-overlayfs through --storage-opt overlay.mount_program.'],
    };
  },
};
