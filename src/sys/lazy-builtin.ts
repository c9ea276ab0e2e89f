/**
 * A Node built-in module loaded on first use instead of with the module that names it. Every hull
 * command loads the modules its command reaches; http, https, tls, zlib, dgram and readline cost
 * ~8 ms of a start-up together, and a container start from a local image needs none of them.
 * (oci/digest.ts does the same for node:crypto; oci/ comes before sys/.)
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function lazyBuiltin<T>(name: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(name) as T);
}
