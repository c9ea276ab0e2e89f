/**
 * The benchmark image corpus, built offline and cached under /var/cache/hull-bench (rebuilt when
 * missing). Each image is an OCI layout at <cache>/oci/<name>; index.json marks it complete.
 *
 *   busybox     1 layer   busybox-static with applet links (~1 MB)
 *   debian      1 layer   bookworm minbase + iperf3 (~150 MB)
 *   smallfiles  2 layers  busybox + 40,000 files of 100 B–4 KiB
 *   large       4 layers  debian + 250 MB of host /usr/lib + 150 MB of /usr/share + 64 MB random
 */
import { existsSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adoptLayer, packLayer, writeLayout, type LayerBlob } from './layout.js';
import { busyboxRootfs, debianRootfs, hostSliceRootfs, randomDataRootfs, smallFilesRootfs } from './sources.js';

export const CACHE_DIR = '/var/cache/hull-bench/v1';
export const SMALL_FILES = 40_000;

export interface CorpusImage {
  name: string;
  layout: string;
  layers: LayerBlob[];
}

export type ImageName = 'busybox' | 'debian' | 'smallfiles' | 'large';

export interface Corpus {
  images: Partial<Record<ImageName, CorpusImage>>;
  debianSource: string;
}

function readImage(name: string): CorpusImage | undefined {
  const layout = join(CACHE_DIR, 'oci', name);
  if (!existsSync(join(layout, 'index.json'))) return undefined;
  return { name, layout, layers: JSON.parse(readFileSync(join(layout, 'layers.json'), 'utf8')) as LayerBlob[] };
}

/** Builds a layer in a scratch directory on the bench filesystem, packs it, removes the scratch. */
async function layerFrom(layout: string, buildDir: string, fill: (dir: string) => void | Promise<void>): Promise<LayerBlob> {
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  await fill(buildDir);
  const layer = await packLayer(layout, buildDir);
  rmSync(buildDir, { recursive: true, force: true });
  return layer;
}

async function buildImage(name: string, makeLayers: (layout: string) => Promise<LayerBlob[]>, log: (s: string) => void): Promise<CorpusImage> {
  const cached = readImage(name);
  if (cached) return cached;
  const layout = join(CACHE_DIR, 'oci', name);
  rmSync(layout, { recursive: true, force: true });
  log(`corpus: building ${name}`);
  const layers = await makeLayers(layout);
  writeLayout(layout, { cmd: ['/bin/sh'], layers });
  return readImage(name) as CorpusImage;
}

export async function ensureCorpus(buildRoot: string, opts: { large: boolean; log: (s: string) => void }): Promise<Corpus> {
  const { log } = opts;
  const tmp = join(buildRoot, 'corpus-build');
  const debianDir = join(CACHE_DIR, 'rootfs', 'debian');
  mkdirSync(join(CACHE_DIR, 'rootfs'), { recursive: true });
  let debianSource = existsSync(join(CACHE_DIR, 'debian-source.txt')) ? readFileSync(join(CACHE_DIR, 'debian-source.txt'), 'utf8') : 'cached';
  const busybox = await buildImage('busybox', async (l) => [await layerFrom(l, tmp, busyboxRootfs)], log);
  const debian = await buildImage('debian', async (l) => {
    debianSource = await debianRootfs(debianDir, log);
    writeFileSync(join(CACHE_DIR, 'debian-source.txt'), debianSource);
    return [await packLayer(l, debianDir)];
  }, log);
  const smallfiles = await buildImage('smallfiles', async (l) => [adoptLayer(l, busybox.layers[0] as LayerBlob), await layerFrom(l, tmp, (d) => smallFilesRootfs(d, SMALL_FILES))], log);
  const images: Corpus['images'] = { busybox, debian, smallfiles };
  if (opts.large) {
    images.large = await buildImage('large', async (l) => [
      adoptLayer(l, debian.layers[0] as LayerBlob),
      await layerFrom(l, tmp, (d) => { hostSliceRootfs(d, '/usr/lib/x86_64-linux-gnu', 250 * 1024 ** 2); }),
      await layerFrom(l, tmp, (d) => { hostSliceRootfs(d, '/usr/share', 150 * 1024 ** 2); }),
      await layerFrom(l, tmp, (d) => randomDataRootfs(d, 64)),
    ], log);
  }
  return { images, debianSource };
}
