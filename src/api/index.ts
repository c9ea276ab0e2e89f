/** The Docker Engine API's public surface: what `hull system service` and tests use. See docs/api.md. */
export { serveApi, createApiServer, type ServeOptions, type TlsFiles } from './server.js';
export { DEFAULT_SOCKET, parseListenAddress } from './address.js';
export { API_VERSION, MIN_API_VERSION } from './router.js';
