/** Platforms for doors that do not open the engine (`hull version`): a light import. */
export { formatPlatform, hostPlatform, parsePlatform } from '../oci/platform.js';
