/**
 * How to reach one registry host: the endpoint to connect to, the schemes to try in order, and
 * the TLS material (CA roots, client certificate) for it. Pure apart from reading the files named.
 *
 *   certs.d layout (containers-certs.d(5), docker's /etc/docker/certs.d):
 *     <dir>/<host[:port]>/*.crt                  extra CA roots for that registry
 *     <dir>/<host[:port]>/<name>.cert + .key     a client certificate and its key
 *
 * Plain HTTP is tried (after HTTPS) only for localhost and loopback addresses, registries listed as
 * insecure, and when TLS verification is off, as podman does.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DOMAIN } from '../oci/reference.js';
import type { AuthEntry } from './auth-file.js';

export const DEFAULT_CERT_DIRS = ['/etc/containers/certs.d', '/etc/docker/certs.d'];
export const REGISTRIES_CONF = '/etc/containers/registries.conf';
/** Docker Hub's API endpoint: references say docker.io, the API lives here. */
export const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

/** Transport settings the front ends pass through (CLI flags, API parameters). */
export interface RegistryOptions {
  /** Verify TLS certificates (default true). When false, plain HTTP is allowed too. */
  tlsVerify?: boolean;
  /** certs.d-style directories; default /etc/containers/certs.d and /etc/docker/certs.d. */
  certDirs?: string[];
  /** Registries (host[:port]) where TLS is not verified and plain HTTP is allowed. */
  insecureRegistries?: string[];
  /** The auth file to read (and `hull login` to write); default podman's, see auth-file.ts. */
  authFile?: string;
  /** Explicit credentials (`--creds USER:PASS`), used instead of the auth files. */
  credentials?: { username: string; password: string };
  /** Credentials per registry, as an auth file's `auths` (the Docker API's X-Registry-Config): tried before the auth files. */
  registryAuths?: Record<string, AuthEntry>;
  /** Environment to read REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, DOCKER_CONFIG, HOME from. */
  env?: NodeJS.ProcessEnv;
  /** Parallel blob transfers (default 3). */
  concurrency?: number;
  /** Attempts per request on 429, 5xx and dropped connections (default 5). */
  retryAttempts?: number;
  /** First backoff delay; doubled each attempt (default 250 ms). */
  retryBaseDelayMs?: number;
  /** Blobs larger than this are pushed in chunks of this size (default 32 MiB). */
  chunkSize?: number;
}

export interface HostTls {
  /** Extra CA roots; undefined means Node's defaults (plus the system bundle, see transport.ts). */
  ca: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  /** A PEM file of CAs added to the roots (NODE_EXTRA_CA_CERTS, handed over by bin/hull). */
  extraCaFile?: string;
}

export interface HostConfig {
  /** The registry as references name it: docker.io, localhost:5000. */
  host: string;
  /** host[:port] to connect to. */
  endpoint: string;
  schemes: Array<'https' | 'http'>;
  tls: HostTls;
}

export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * Reads insecure registries from registries.conf (v2 `[[registry]]` tables with `insecure = true`,
 * and v1 `[registries.insecure] registries = [...]`). A deliberately small reader: only these keys.
 */
export function readInsecureRegistries(file = REGISTRIES_CONF): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const block of text.split(/^\s*\[\[registry\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\s*\[/m)[0] ?? '';
    const location = /^\s*location\s*=\s*["']([^"']+)["']/m.exec(body)?.[1];
    if (location && /^\s*insecure\s*=\s*true\b/m.test(body)) out.push(location);
  }
  const v1 = /\[registries\.insecure\][^[]*?registries\s*=\s*\[([^\]]*)\]/m.exec(text);
  if (v1?.[1]) out.push(...[...v1[1].matchAll(/["']([^"']+)["']/g)].map((m) => m[1] as string));
  return out;
}

function readCertsDir(dir: string): { ca: Buffer[]; cert?: Buffer; key?: Buffer } {
  const ca: Buffer[] = [];
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return { ca };
  }
  for (const name of names) {
    if (name.endsWith('.crt')) ca.push(readFileSync(join(dir, name)));
    else if (name.endsWith('.cert') && existsSync(join(dir, name.replace(/\.cert$/, '.key')))) {
      cert = readFileSync(join(dir, name));
      key = readFileSync(join(dir, name.replace(/\.cert$/, '.key')));
    }
  }
  return { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

export function resolveHost(host: string, opts: RegistryOptions = {}): HostConfig {
  const endpoint = host === DEFAULT_DOMAIN ? DOCKER_HUB_ENDPOINT : host;
  const insecure = [...(opts.insecureRegistries ?? []), ...readInsecureRegistries()].includes(host);
  const verify = opts.tlsVerify !== false && !insecure;
  const allowHttp = !verify || isLoopbackHost(host);
  const ca: Buffer[] = [];
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  for (const dir of opts.certDirs ?? DEFAULT_CERT_DIRS) {
    const found = readCertsDir(join(dir, host));
    ca.push(...found.ca);
    if (found.cert && !cert) {
      cert = found.cert;
      key = found.key;
    }
  }
  return {
    host,
    endpoint,
    // Loopback is tried over http first: plain HTTP is allowed there anyway, and a TLS attempt
    // costs ~30 ms of CPU (a secure context with the CA roots) before docker's https-first order
    // would fall back; a TLS registry on loopback answers the http ping with 400 and is used next.
    schemes: isLoopbackHost(host) ? ['http', 'https'] : allowHttp ? ['https', 'http'] : ['https'],
    tls: { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: verify, ...(opts.env?.HULL_EXTRA_CA_CERTS ? { extraCaFile: opts.env.HULL_EXTRA_CA_CERTS } : {}) },
  };
}
