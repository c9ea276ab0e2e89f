/**
 * Registry: the storage-side composition the HTTP handlers and GC share. Explicitly wired from a
 * driver; no module state.
 */
import { BlobStore } from './blob-store.js';
import { ManifestStore } from './manifest-store.js';
import { REPO_MARKERS, REPOSITORIES_DIR, TMP_DIR, VERSION_FILE, VERSION_TEXT, LAYOUT_VERSION } from './paths.js';
import type { StorageDriver } from './storage/driver.js';
import { UploadStore } from './uploads.js';
import { HullError } from '../errors.js';

export class Registry {
  readonly blobs: BlobStore;
  readonly manifests: ManifestStore;
  readonly uploads: UploadStore;

  constructor(
    readonly driver: StorageDriver,
    onUploadBytes?: (n: number) => void,
  ) {
    this.blobs = new BlobStore(driver);
    this.manifests = new ManifestStore(driver, this.blobs);
    this.uploads = new UploadStore(driver, this.blobs, onUploadBytes);
  }

  /**
   * Checks or writes the layout version and clears temp files left by a crash (a temp file is
   * never referenced: it only becomes data by a rename). One serving process per root.
   */
  async prepare(options: { clearTmp: boolean } = { clearTmp: true }): Promise<void> {
    const version = await this.driver.getContent(VERSION_FILE);
    if (version && version.toString('utf8') !== VERSION_TEXT) {
      throw new HullError('UNSUPPORTED', `Cannot open registry storage: layout "${version.toString('utf8').trim()}" is not version ${LAYOUT_VERSION}`, {
        hint: 'use the hull version that wrote this storage, or a new root directory',
      });
    }
    if (!version) await this.driver.putContent(VERSION_FILE, VERSION_TEXT);
    // Only the serving process clears temp files; a GC running beside it must not.
    if (options.clearTmp) await this.driver.delete(TMP_DIR);
  }

  /** Every repository name, sorted (a directory holding _layers, _manifests or _uploads). */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (prefix: string): Promise<void> => {
      const entries = await this.driver.list(prefix === '' ? REPOSITORIES_DIR : `${REPOSITORIES_DIR}/${prefix}`);
      if (entries.some((e) => (REPO_MARKERS as readonly string[]).includes(e) && e !== '_uploads')) out.push(prefix);
      for (const e of entries) {
        if (e.startsWith('_')) continue;
        await walk(prefix === '' ? e : `${prefix}/${e}`);
      }
    };
    await walk('');
    return out.filter((r) => r !== '').sort();
  }

  /** Repositories including those with only upload sessions (for the purge). */
  async repositoriesWithUploads(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (prefix: string): Promise<void> => {
      const entries = await this.driver.list(prefix === '' ? REPOSITORIES_DIR : `${REPOSITORIES_DIR}/${prefix}`);
      if (entries.includes('_uploads')) out.push(prefix);
      for (const e of entries) if (!e.startsWith('_')) await walk(prefix === '' ? e : `${prefix}/${e}`);
    };
    await walk('');
    return out;
  }

  async repositoryExists(name: string): Promise<boolean> {
    const entries = await this.driver.list(`${REPOSITORIES_DIR}/${name}`);
    return entries.includes('_manifests') || entries.includes('_layers');
  }
}
