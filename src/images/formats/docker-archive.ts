/**
 * docker-archive: the tar `docker save` writes and `docker load` reads (format version 1.2, the
 * layout docker wrote before 25.0; docker 25+ and podman still read it, and skopeo reads it as
 * `docker-archive:FILE`).
 *
 *   <config hex>.json              the image config; its sha256 is the image ID
 *   <diff_id hex>/layer.tar        each layer, UNCOMPRESSED, so its sha256 is its diff_id
 *   manifest.json                  [{"Config": "<hex>.json", "RepoTags": ["busybox:latest"],
 *                                     "Layers": ["<hex>/layer.tar", ...]}, ...]     (one per image)
 *   repositories                   {"busybox": {"latest": "<top layer hex>"}}      (legacy)
 *
 * hull writes this classic layout rather than docker 25's OCI-layout-plus-manifest.json: it is
 * what every reader understands, and `--format oci-archive` gives the OCI layout. Layers stored
 * compressed are decompressed while they stream into the tar (a first pass counts the bytes, as
 * the tar header needs the size before the data). Reading accepts both layouts, gzip'd or not,
 * and docker's symlinked duplicate layers (resolved in archive-files.ts).
 */
import { HullError } from '../../errors.js';
import { Digester, digestHex, type Digest } from '../../oci/digest.js';
import { isRecord } from '../../oci/descriptor.js';
import { decompressTo } from '../../archive/decompress.js';
import { familiarString, familiarName, parseReference } from '../../oci/reference.js';
import { normaliseName } from '../image-store.js';
import type { ArchiveFiles } from './archive-files.js';
import { decompressedChunks, type ArchivedImage, type BlobSource, type SavedImage } from './archived-image.js';
import type { EntrySink } from './entry-sink.js';

export const DOCKER_MANIFEST = 'manifest.json';

interface ManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

export async function writeDockerArchive(sink: EntrySink, images: readonly SavedImage[], blobs: BlobSource): Promise<void> {
  const entries: ManifestEntry[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const image of images) {
    const configName = `${digestHex(image.id)}.json`;
    if (!sink.has(configName)) await sink.addBytes(configName, image.configBytes);
    const layerNames: string[] = [];
    for (const [i, layer] of image.manifest.layers.entries()) {
      const diffID = image.config.rootfs.diff_ids[i];
      if (diffID === undefined) throw new HullError('INVALID_FORMAT', `Cannot save image "${image.id}": its config has fewer diff_ids than its manifest has layers`);
      const name = `${digestHex(diffID)}/layer.tar`;
      layerNames.push(name);
      if (sink.has(name)) continue;
      const what = `layer ${layer.digest}`;
      const size = await uncompressedSize(blobs, layer.digest, diffID, what);
      await sink.addStream(name, size, decompressedChunks(blobs.openRead(layer.digest), what));
    }
    const tags = image.names.map((n) => familiarString(parseReference(n)));
    entries.push({ Config: configName, RepoTags: tags, Layers: layerNames });
    const top = layerNames[layerNames.length - 1]?.split('/')[0];
    for (const n of image.names) {
      const ref = parseReference(n);
      if (ref.tag !== undefined && top !== undefined) (repositories[familiarName(ref)] ??= {})[ref.tag] = top;
    }
  }
  await sink.addBytes(DOCKER_MANIFEST, Buffer.from(JSON.stringify(entries)));
  await sink.addBytes('repositories', Buffer.from(JSON.stringify(repositories)));
}

/** Decompresses once to count (and check the diff_id: a corrupt store must not produce an archive). */
async function uncompressedSize(blobs: BlobSource, digest: Digest, diffID: string, what: string): Promise<number> {
  const d = new Digester();
  const kind = await decompressTo(blobs.openRead(digest), (b) => d.update(b), { layer: what });
  if (kind === 'none') return blobs.size(digest);
  const actual = d.digest();
  if (actual !== diffID) throw new HullError('INVALID_DIGEST', `Cannot save ${what}: its uncompressed digest ${actual} does not match the config's diff_id ${diffID}`);
  return d.size;
}

/** Parses manifest.json into the images it lists; every named entry must be in the archive. */
export function readDockerArchive(files: ArchiveFiles): ArchivedImage[] {
  let doc: unknown;
  try {
    doc = JSON.parse(files.readBytes(DOCKER_MANIFEST, 'manifest').toString('utf8'));
  } catch (err) {
    if (err instanceof HullError) throw err;
    throw bad(files, `manifest.json is not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(doc) || doc.length === 0) throw bad(files, 'manifest.json must be a non-empty array of images');
  return doc.map((raw: unknown, i) => {
    if (!isRecord(raw) || typeof raw.Config !== 'string' || !Array.isArray(raw.Layers) || !raw.Layers.every((l) => typeof l === 'string')) {
      throw bad(files, `manifest.json entry ${i} needs "Config" (a string) and "Layers" (an array of strings)`);
    }
    const tags = raw.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw bad(files, `manifest.json entry ${i} has a "RepoTags" that is not an array of strings`);
    const names = tags.map((t) => {
      try {
        return normaliseName(t);
      } catch (err) {
        throw bad(files, `manifest.json entry ${i} has an invalid RepoTag "${t}": ${(err as Error).message}`);
      }
    });
    if (!files.has(raw.Config)) throw bad(files, `config "${raw.Config}" named by manifest.json is not in the archive`);
    const layers = (raw.Layers as string[]).map((entry) => {
      if (!files.has(entry)) throw bad(files, `layer "${entry}" named by manifest.json is not in the archive`);
      return { entry };
    });
    return { names, config: { entry: raw.Config }, layers };
  });
}

function bad(files: ArchiveFiles, why: string): HullError {
  return new HullError('INVALID_FORMAT', `Cannot load "${files.source}": ${why}`, { hint: 'the archive is damaged or incomplete; save it again' });
}
