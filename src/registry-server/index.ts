/**
 * The registry server's public surface: `hull registry serve` and `hull registry gc` call these.
 * See docs/registry.md for the configuration and the storage layout (paths.ts).
 */
import type { RegistryConfig } from './config.js';
import { runGc, type GcOptions, type GcReport } from './gc.js';
import { Registry } from './registry.js';
import { openStorageDriver } from './storage/open.js';

export { loadRegistryConfig, type RegistryConfig, type RegistryConfigOverrides } from './config.js';
export { startRegistryServer, type RunningRegistry, type StartOptions } from './server.js';
export { jsonLineLogger, silentLogger, type RegistryLogger, type RegistryLogEntry } from './log.js';
export type { GcReport } from './gc.js';
export type { StorageDriver, FileInfo, FileWriter, BlobReader } from './storage/driver.js';
export { FsStorageDriver } from './storage/fs-driver.js';
export { S3StorageDriver, type S3DriverOptions } from './storage/s3-driver.js';

/**
 * Node flags a serving process starts with: bin/hull passes them to `hull registry serve` (V8 reads
 * them only at start-up, and refuses them in NODE_OPTIONS). A blob relayed from S3 is a new
 * ArrayBuffer per socket read; from V8's small initial old space that meant a full GC every ~70 ms
 * at 64 concurrent GETs, 18 % of the process's CPU. 64 MB cuts them ~10x for ~25 MB more RSS.
 */
export const REGISTRY_SERVE_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/** Runs mark-and-sweep on the config's storage root; safe while a server runs (see gc.ts). */
export async function runRegistryGc(config: RegistryConfig, options: Omit<GcOptions, 'graceMs'>): Promise<GcReport> {
  const registry = new Registry(openStorageDriver(config));
  await registry.prepare({ clearTmp: false });
  return runGc(registry, { ...options, graceMs: config.gcGraceMs });
}
