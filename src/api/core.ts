/**
 * What src/api takes from the core besides the Engine it is given: pure helpers and types, all
 * through engine/ (the one-door rule of test/architecture/layers.test.ts).
 */
export { parseReference, parseReferenceLoose, familiarString, repositoryName } from '../engine/flags.js';
export { shortId, displayName, parsePlatform } from '../engine/flags.js';
export type { Reference } from '../oci/reference.js';
export type { Digest } from '../oci/digest.js';
export type { ImageRecord } from '../images/image-store.js';
export type { EventFilter, HullEvent } from '../engine/requests.js';
export type { TransferEvent } from '../registry-client/events.js';
export type { RegistryOptions } from '../registry-client/hosts.js';
export type { ImageDetails } from '../images/image-service.js';
