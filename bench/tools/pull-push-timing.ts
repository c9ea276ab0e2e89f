/**
 * Measures a cold pull and a push of a multi-layer image through the reference registry, hull
 * against skopeo and podman in the same run (docs/registry-client.md reports the figures; the
 * bench suite in bench/ runs the same comparisons on its corpus).
 *
 *   node dist/bench/tools/pull-push-timing.js [ITERATIONS]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HULL_BIN } from '../../src/testing/hull-cli.js';
import { buildBusyboxTar } from '../../src/testing/busybox.js';
import { buildImage, layerFromFiles, layerFromGzip, writeOciLayout } from '../../src/registry-client/testing/images.js';
import { startReferenceRegistry, type ReferenceRegistry } from '../../src/registry-client/testing/reference-registry.js';

function time(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.toString()}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Layers of many files with half-compressible content, like application layers. */
async function makeLayers(dir: string): Promise<Parameters<typeof buildImage>[0]> {
  buildBusyboxTar(join(dir, 'bb.tar.gz'), dir);
  const layers = [layerFromGzip(readFileSync(join(dir, 'bb.tar.gz')))];
  for (let l = 0; l < 4; l++) {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 150; i++) files[`data/l${l}/f${i}.bin`] = Buffer.from(randomBytes(50_000).toString('hex'));
    layers.push(await layerFromFiles(files));
  }
  layers.push(await layerFromFiles({ 'data/big.bin': Buffer.from(randomBytes(12_000_000).toString('base64')) }));
  return layers;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'hull-measure-'));
  const regs: ReferenceRegistry[] = [];
  try {
    const layers = await makeLayers(dir);
    const img = buildImage(layers);
    const layout = join(dir, 'layout');
    writeOciLayout(layout, img.blobs, { bytes: img.manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json' }, 'latest');
    const total = layers.reduce((s, l) => s + l.blob.length, 0);
    const reg = await startReferenceRegistry();
    regs.push(reg);
    const ref = `${reg.host}/measure/app:latest`;
    execFileSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${ref}`]);
    console.log(`image: ${layers.length} layers, ${(total / 1e6).toFixed(1)} MB compressed`);
    const pulls: Record<string, number[]> = { hull: [], 'podman (overlay)': [], 'skopeo -> oci:': [], 'skopeo -> containers-storage (overlay)': [] };
    for (let i = 0; i < n; i++) {
      const s = join(dir, `s${i}`);
      pulls.hull?.push(time(HULL_BIN, ['--root', `${s}/hull`, '--runroot', `${s}/hullrun`, 'pull', '-q', ref]));
      pulls['podman (overlay)']?.push(time('podman', ['--root', `${s}/pod`, '--runroot', `${s}/podrun`, '--storage-driver', 'overlay', 'pull', '-q', '--tls-verify=false', ref]));
      pulls['skopeo -> oci:']?.push(time('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${s}/oci:latest`]));
      pulls['skopeo -> containers-storage (overlay)']?.push(time('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `containers-storage:[overlay@${s}/sk+${s}/skrun]${ref}`]));
      if (i < n - 1) spawnSync('sh', ['-c', `umount -R ${s}/pod/overlay 2>/dev/null; umount -R ${s}/sk/overlay 2>/dev/null; true`]);
    }
    for (const [k, v] of Object.entries(pulls)) console.log(`pull  ${k.padEnd(40)} median ${median(v).toFixed(0)} ms  (${v.map((x) => x.toFixed(0)).join(', ')})`);
    const pushes: Record<string, number[]> = { hull: [], podman: [], 'skopeo oci: ->': [] };
    const s0 = join(dir, 's0');
    for (let i = 0; i < n; i++) {
      for (const [name, run] of [
        ['hull', (host: string) => time(HULL_BIN, ['--root', `${s0}/hull`, '--runroot', `${s0}/hullrun`, 'push', '-q', ref, `${host}/pushed/app:1`])],
        ['podman', (host: string) => time('podman', ['--root', `${s0}/pod`, '--runroot', `${s0}/podrun`, '--storage-driver', 'overlay', 'push', '-q', '--tls-verify=false', ref, `docker://${host}/pushed/app:1`])],
        ['skopeo oci: ->', (host: string) => time('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${host}/pushed/app:1`])],
      ] as const) {
        const fresh = await startReferenceRegistry();
        try {
          pushes[name]?.push(run(fresh.host));
        } finally {
          await fresh.close();
        }
      }
    }
    for (const [k, v] of Object.entries(pushes)) console.log(`push  ${k.padEnd(40)} median ${median(v).toFixed(0)} ms  (${v.map((x) => x.toFixed(0)).join(', ')})`);
  } finally {
    for (const r of regs) await r.close();
    spawnSync('sh', ['-c', `for m in $(grep -o '${dir}[^ ]*' /proc/self/mounts | sort -r); do umount -l "$m"; done; true`]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
