/**
 * The registry client's public surface: what images/pull.ts, images/push.ts and the front ends use.
 * See docs/registry-client.md for the design and the measurements.
 */
export { openRegistryClient, withRegistryClient, RegistryClient, type ClientOptions, type FetchedManifest, type RegistrySession } from './client.js';
export { pullScope, pushScope, parseChallenges, type Challenge } from './auth.js';
export { defaultAuthFile, lookupCredentials, saveCredentials, removeCredentials, type Credentials } from './auth-file.js';
export { resolveHost, isLoopbackHost, type RegistryOptions, type HostConfig } from './hosts.js';
export { downloadBlob } from './blob-download.js';
export { uploadBlob, DEFAULT_CHUNK_SIZE, type UploadOutcome } from './blob-upload.js';
export { BlobSourceStore } from './blob-sources.js';
export { createLimiter } from './limit.js';
export type { TransferEvent, EventSink, BlobRole } from './events.js';
