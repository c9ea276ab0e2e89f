/**
 * Registry credentials on disk, in podman's auth.json format (containers-auth.json(5)), which is
 * also docker's config.json format:
 *
 *   { "auths": { "localhost:5000": { "auth": base64("user:password") },
 *                "quay.io/team/app": { "auth": "..." } } }          version: the format has none
 *
 * Where: `--authfile`, else $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR:-/run/user/UID}/containers/auth.json
 * (podman's default, written by `hull login`). Read also: $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json. Keys may name a host or a host/repository prefix; the longest match wins.
 * Docker Hub appears as docker.io, index.docker.io or https://index.docker.io/v1/.
 * Credential helpers (credsStore, credHelpers) are not run.
 */
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { writeFileAtomic } from '../sys/atomic-write.js';
import { updateLocked } from '../sys/lock.js';
import { DEFAULT_DOMAIN } from '../oci/reference.js';

export interface Credentials {
  username: string;
  password: string;
}

/** One registry's entry, as auth files and Docker's X-Registry-Config header spell it. */
export interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  [k: string]: unknown;
}

interface AuthDocument {
  auths?: Record<string, AuthEntry>;
  [k: string]: unknown;
}

const DOCKER_HUB_KEYS = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/', 'https://index.docker.io/v1'];

/** Where the caller's environment puts the auth file (never this process's: `env` is given). */
export function defaultAuthFile(env: NodeJS.ProcessEnv): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  const runtimeDir = env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
  return join(runtimeDir, 'containers', 'auth.json');
}

export function dockerConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return env.HOME ? join(env.HOME, '.docker', 'config.json') : undefined;
}

function readDocument(file: string): AuthDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return {};
    throw new HullError('PERMISSION_DENIED', `Cannot read auth file "${file}": ${(err as Error).message}`);
  }
  if (text.trim() === '') return {};
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
    return doc as AuthDocument;
  } catch (err) {
    throw new HullError('INVALID_FORMAT', `Cannot read auth file "${file}": ${(err as Error).message}`, { hint: 'fix or remove the file, then run "hull login" again' });
  }
}

function normaliseKey(key: string): string {
  if (DOCKER_HUB_KEYS.includes(key)) return DEFAULT_DOMAIN;
  return key.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

function decodeEntry(entry: AuthEntry): Credentials | undefined {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon === -1) return undefined;
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  return undefined;
}

/** Credentials from one document for host/repository: the longest matching key wins. */
export function findCredentials(doc: AuthDocument, host: string, repository?: string): Credentials | undefined {
  const want = repository ? `${host}/${repository}` : host;
  let best: { len: number; creds: Credentials } | undefined;
  for (const [key, entry] of Object.entries(doc.auths ?? {})) {
    const k = normaliseKey(key);
    if (want !== k && !want.startsWith(`${k}/`)) continue;
    const creds = decodeEntry(entry);
    if (creds && (!best || k.length > best.len)) best = { len: k.length, creds };
  }
  return best?.creds;
}

/** Looks in the auth file, then docker's config.json. */
export function lookupCredentials(host: string, repository: string | undefined, opts: { authFile?: string; env?: NodeJS.ProcessEnv } = {}): Credentials | undefined {
  const env = opts.env ?? {};
  const files = [opts.authFile ?? defaultAuthFile(env)];
  const docker = dockerConfigFile(env);
  if (docker && !opts.authFile) files.push(docker);
  for (const file of files) {
    const creds = findCredentials(readDocument(file), host, repository);
    if (creds) return creds;
  }
  return undefined;
}

async function updateDocument(file: string, fn: (doc: AuthDocument) => void): Promise<void> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  await updateLocked(`${file}.lock`, { read: () => readDocument(file), write: (doc) => writeFileAtomic(file, JSON.stringify(doc, null, '\t') + '\n', 0o600) }, fn);
}

/** `hull login`: stores base64(user:pass) under the host key, keeping every other key as it was. */
export async function saveCredentials(file: string, host: string, creds: Credentials): Promise<void> {
  await updateDocument(file, (doc) => {
    doc.auths ??= {};
    doc.auths[host] = { ...(doc.auths[host] ?? {}), auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
  });
}

/** `hull logout`: removes the host's entry; false when there was none. */
export async function removeCredentials(file: string, host: string): Promise<boolean> {
  let removed = false;
  await updateDocument(file, (doc) => {
    for (const key of Object.keys(doc.auths ?? {})) {
      if (normaliseKey(key) === normaliseKey(host) && doc.auths) {
        delete doc.auths[key];
        removed = true;
      }
    }
  });
  return removed;
}
