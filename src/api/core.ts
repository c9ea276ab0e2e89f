/**
 * Everything src/api takes from below engine/, in one place: pure helpers (reference parsing,
 * event matching) and the sinks the image service writes to. The API reaches the engine's state
 * only through the Engine it is given; when the one-door rule is enforced by the layers test,
 * these re-exports move behind engine/ and nothing else in src/api changes.
 */
export { parseReference, parseReferenceLoose, familiarString, familiarName, formatReference, repositoryName, type Reference } from '../oci/reference.js';
export { shortId, isDigest, type Digest } from '../oci/digest.js';
export { parsePlatform, formatPlatform } from '../oci/platform.js';
export { displayName, normaliseName, type ImageRecord } from '../images/image-store.js';
export { TarSink } from '../images/formats/entry-sink.js';
export { matchEvent, parseEvents, type EventFilter, type HullEvent } from '../events/event-log.js';
export type { TransferEvent } from '../registry-client/events.js';
export type { RegistryOptions } from '../registry-client/hosts.js';
export type { ImageDetails } from '../images/image-service.js';
