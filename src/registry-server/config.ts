/**
 * Registry configuration: a YAML file, then flag overrides, then defaults. Format (all optional):
 *
 *   http:
 *     addr: 127.0.0.1:5000          # HOST:PORT; port 0 picks a free port
 *     tls: { cert: server.crt, key: server.key }
 *     maxManifestBytes: 4194304     # larger manifest PUTs get 413
 *     publicUrl: https://reg.example  # base for Location and the token realm (default: from Host)
 *   storage:
 *     root: /var/lib/hull-registry
 *     fsync: true                   # fsync before a blob becomes visible
 *     delete: true                  # allow DELETE of manifests and blobs (405 UNSUPPORTED when false)
 *     uploadPurgeAge: 24h           # abandoned upload sessions older than this are removed
 *     uploadPurgeInterval: 1h
 *     automaticMount: false         # a mount without `from` finds a repository the caller may read
 *     s3:                           # present => blobs and metadata in an S3 bucket instead of root
 *       bucket: registry
 *       region: us-east-1
 *       regionendpoint: http://rgw.example:7480   # any S3-compatible endpoint (alias: endpoint)
 *       rootdirectory: /hull        # key prefix inside the bucket
 *       forcepathstyle: true        # default true when an endpoint is given
 *       accesskey: AKIA...          # both or neither; neither => the SDK's chain (AWS_* env, profile)
 *       secretkey: ...
 *       chunksize: 8388608          # multipart part size (>= 5 MiB)
 *       redirect: false             # true => blob GETs answer 307 to a presigned URL
 *       redirectexpiry: 20m
 *   auth:
 *     htpasswd: users.htpasswd      # bcrypt entries (htpasswd -B)
 *     access: access.yaml           # per-repository rules, see auth/access.ts
 *     anonymousPull: false          # pull without credentials
 *     token:                        # present => Bearer tokens from /token instead of Basic on each request
 *       issuer: hull-registry
 *       service: hull-registry
 *       key: token-key.pem          # PEM EC P-256 private key; generated in memory when absent
 *       expiresIn: 300              # seconds
 *   proxy:                          # present => a read-only pull-through cache of remoteurl
 *     remoteurl: https://registry-1.docker.io
 *     username: user                # optional upstream credentials (Basic, or for its token realm)
 *     password: secret
 *     ttl: 5m                       # a cached tag is served this long before the upstream is asked again
 *   notifications:                  # webhooks in distribution's envelope format
 *     endpoints:
 *       - name: audit
 *         url: https://hooks.example/registry
 *         headers: { Authorization: [Bearer token] }
 *         timeout: 5s                 # per delivery attempt
 *         backoff: 1s                 # first retry delay, doubling up to 60 s
 *         ignore: { actions: [pull], mediatypes: [application/octet-stream] }
 *         maxqueue: 10000             # events kept while the receiver is down
 *   gc:
 *     grace: 1h                     # GC never sweeps blobs or manifests changed within this window
 *
 * Relative paths are resolved against the config file's directory. Durations are seconds or
 * a number with s, m, h or d.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HullError, errnoCode } from '../errors.js';
import type { NotificationEndpoint } from './notifications/notifier.js';
import type { ProxyConfig } from './proxy/cache.js';
import type { S3DriverOptions } from './storage/s3-driver.js';

export interface RegistryConfig {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  publicUrl?: string;
  maxManifestBytes: number;
  root: string;
  fsync: boolean;
  deleteEnabled: boolean;
  /** spec.md#mounting-a-blob-from-another-repository: a mount without `from` (automatic content discovery). */
  automaticMount: boolean;
  uploadPurgeAgeMs: number;
  uploadPurgeIntervalMs: number;
  auth: {
    htpasswd?: string;
    access?: string;
    anonymousPull: boolean;
    token?: { issuer: string; service: string; key?: string; expiresInSec: number };
  };
  gcGraceMs: number;
  /** Object storage instead of `root` (storage/s3-driver.ts). */
  s3?: S3DriverOptions;
  /** Pull-through cache mode (proxy/cache.ts). */
  proxy?: ProxyConfig;
  notifications: NotificationEndpoint[];
}

/** Flag-level overrides, as the CLI passes them. */
export interface RegistryConfigOverrides {
  addr?: string;
  root?: string;
  htpasswd?: string;
  access?: string;
  anonymousPull?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  token?: boolean;
  maxManifestBytes?: number;
  uploadPurgeAge?: string | number;
  fsync?: boolean;
  deleteEnabled?: boolean;
  automaticMount?: boolean;
}

const DEFAULTS = { addr: '127.0.0.1:5000', root: '/var/lib/hull/registry', maxManifestBytes: 4 * 1024 * 1024, purgeAge: '24h', purgeInterval: '1h', grace: '1h' };

function bad(why: string): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot load registry config: ${why}`, { hint: 'see docs/registry.md for the config format' });
}

export function parseDurationMs(v: unknown, field: string): number {
  if (typeof v === 'number' && v >= 0) return v * 1000;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim()) : null;
  if (!m) throw bad(`${field} "${String(v)}" is not a duration like 30s, 10m, 24h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  if (!m || Number(m[3]) > 65535) throw bad(`address "${addr}" is not HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}

type Doc = Record<string, unknown>;

function section(doc: Doc, key: string): Doc {
  const v = doc[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`"${key}" must be a mapping`);
  return v as Doc;
}

function str(doc: Doc, key: string, where: string): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${where}.${key} must be a string`);
  return v;
}

function bool(doc: Doc, key: string, where: string): boolean | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(`${where}.${key} must be true or false`);
  return v;
}

async function readDoc(file: string): Promise<Doc> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new HullError('NOT_FOUND', `Cannot load registry config "${file}": no such file`);
    throw err;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw bad(`"${file}" is not valid YAML (${(err as Error).message})`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw bad(`"${file}" must be a YAML mapping`);
  return doc as Doc;
}

function stringList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(`${field} must be a list of strings`);
  return v as string[];
}

function parseEndpoints(doc: Doc): NotificationEndpoint[] {
  const list = doc.endpoints ?? [];
  if (!Array.isArray(list)) throw bad('notifications.endpoints must be a list');
  return list.map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(`notifications.endpoints[${i}] must be a mapping`);
    const e = raw as Doc;
    const where = `notifications.endpoints[${i}]`;
    const url = str(e, 'url', where);
    if (!url || !/^https?:\/\/\S+$/.test(url)) throw bad(`${where}.url "${url ?? ''}" is not an http(s) URL`);
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(section(e, 'headers'))) headers[k] = typeof v === 'string' ? [v] : stringList(v, `${where}.headers.${k}`);
    const ignore = section(e, 'ignore');
    const maxQueue = e.maxqueue ?? 10_000;
    if (typeof maxQueue !== 'number' || !Number.isSafeInteger(maxQueue) || maxQueue < 1) throw bad(`${where}.maxqueue must be a positive integer`);
    return {
      name: str(e, 'name', where) ?? `endpoint-${i}`,
      url,
      headers,
      timeoutMs: parseDurationMs(e.timeout ?? '5s', `${where}.timeout`),
      backoffMs: Math.max(parseDurationMs(e.backoff ?? '1s', `${where}.backoff`), 1),
      ignoredActions: stringList(ignore.actions, `${where}.ignore.actions`),
      ignoredMediaTypes: [...stringList(ignore.mediatypes, `${where}.ignore.mediatypes`), ...stringList(e.ignoredmediatypes, `${where}.ignoredmediatypes`)],
      maxQueue,
    };
  });
}

function parseProxy(doc: Doc): ProxyConfig {
  const remoteUrl = str(doc, 'remoteurl', 'proxy');
  if (!remoteUrl || !/^https?:\/\/[^\s/]+/.test(remoteUrl)) throw bad(`proxy.remoteurl "${remoteUrl ?? ''}" is not an http(s) URL`);
  const username = str(doc, 'username', 'proxy');
  const password = str(doc, 'password', 'proxy');
  if (password !== undefined && username === undefined) throw bad('proxy.password needs proxy.username');
  return {
    remoteUrl,
    ttlMs: parseDurationMs(doc.ttl ?? '5m', 'proxy.ttl'),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** storage.s3, with distribution's key names (regionendpoint, rootdirectory, accesskey, ...). */
function parseS3(doc: Doc): S3DriverOptions {
  const bucket = str(doc, 'bucket', 'storage.s3');
  if (!bucket) throw bad('storage.s3.bucket is required');
  const accessKeyId = str(doc, 'accesskey', 'storage.s3');
  const secretAccessKey = str(doc, 'secretkey', 'storage.s3');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) throw bad('storage.s3 needs both accesskey and secretkey, or neither (then the AWS_* environment or profile is used)');
  const partSize = doc.chunksize ?? 8 * 1024 * 1024;
  if (typeof partSize !== 'number' || !Number.isSafeInteger(partSize) || partSize < 5 * 1024 * 1024) throw bad('storage.s3.chunksize must be an integer of at least 5242880 (S3 refuses smaller parts)');
  const endpoint = str(doc, 'regionendpoint', 'storage.s3') ?? str(doc, 'endpoint', 'storage.s3');
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw bad(`storage.s3.regionendpoint "${endpoint}" is not an http(s) URL`);
  const region = str(doc, 'region', 'storage.s3');
  const rootDirectory = str(doc, 'rootdirectory', 'storage.s3');
  const forcePathStyle = bool(doc, 'forcepathstyle', 'storage.s3');
  const sessionToken = str(doc, 'sessiontoken', 'storage.s3');
  return {
    bucket,
    partSize,
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(rootDirectory ? { rootDirectory } : {}),
    ...(forcePathStyle !== undefined ? { forcePathStyle } : {}),
    ...(accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : {}),
    ...(sessionToken ? { sessionToken } : {}),
    ...(bool(doc, 'redirect', 'storage.s3') ? { redirectExpiresIn: parseDurationMs(doc.redirectexpiry ?? '20m', 'storage.s3.redirectexpiry') / 1000 } : {}),
  };
}

/** Loads a config file (optional) and applies overrides; the result is complete and validated. */
export async function loadRegistryConfig(file?: string, overrides: RegistryConfigOverrides = {}): Promise<RegistryConfig> {
  const doc = file ? await readDoc(file) : {};
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();
  const rel = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(base, p));
  const http = section(doc, 'http');
  const storage = section(doc, 'storage');
  const auth = section(doc, 'auth');
  const tlsDoc = section(http, 'tls');
  const tokenDoc = auth.token === undefined ? undefined : section(auth, 'token');
  const gc = section(doc, 'gc');

  const { host, port } = parseAddr(overrides.addr ?? str(http, 'addr', 'http') ?? DEFAULTS.addr);
  const cert = overrides.tlsCert ? path.resolve(overrides.tlsCert) : rel(str(tlsDoc, 'cert', 'http.tls'));
  const key = overrides.tlsKey ? path.resolve(overrides.tlsKey) : rel(str(tlsDoc, 'key', 'http.tls'));
  if ((cert === undefined) !== (key === undefined)) throw bad('TLS needs both a certificate and a key');
  const maxManifestBytes = overrides.maxManifestBytes ?? http.maxManifestBytes ?? DEFAULTS.maxManifestBytes;
  if (typeof maxManifestBytes !== 'number' || !Number.isSafeInteger(maxManifestBytes) || maxManifestBytes <= 0) throw bad('http.maxManifestBytes must be a positive integer');
  const useToken = overrides.token ?? tokenDoc !== undefined;
  const td = tokenDoc ?? {};
  const expires = td.expiresIn ?? 300;
  if (typeof expires !== 'number' || expires <= 0) throw bad('auth.token.expiresIn must be a positive number of seconds');

  const config: RegistryConfig = {
    host,
    port,
    maxManifestBytes,
    root: overrides.root ? path.resolve(overrides.root) : (rel(str(storage, 'root', 'storage')) ?? DEFAULTS.root),
    fsync: overrides.fsync ?? bool(storage, 'fsync', 'storage') ?? true,
    deleteEnabled: overrides.deleteEnabled ?? bool(storage, 'delete', 'storage') ?? true,
    automaticMount: overrides.automaticMount ?? bool(storage, 'automaticMount', 'storage') ?? false,
    uploadPurgeAgeMs: parseDurationMs(overrides.uploadPurgeAge ?? storage.uploadPurgeAge ?? DEFAULTS.purgeAge, 'storage.uploadPurgeAge'),
    uploadPurgeIntervalMs: parseDurationMs(storage.uploadPurgeInterval ?? DEFAULTS.purgeInterval, 'storage.uploadPurgeInterval'),
    auth: {
      anonymousPull: overrides.anonymousPull ?? bool(auth, 'anonymousPull', 'auth') ?? false,
    },
    gcGraceMs: parseDurationMs(gc.grace ?? DEFAULTS.grace, 'gc.grace'),
    notifications: parseEndpoints(section(doc, 'notifications')),
  };
  if (storage.s3 !== undefined) config.s3 = parseS3(section(storage, 's3'));
  if (doc.proxy !== undefined) config.proxy = parseProxy(section(doc, 'proxy'));
  if (cert && key) config.tls = { cert, key };
  const publicUrl = str(http, 'publicUrl', 'http');
  if (publicUrl) config.publicUrl = publicUrl.replace(/\/+$/, '');
  const htpasswd = overrides.htpasswd ? path.resolve(overrides.htpasswd) : rel(str(auth, 'htpasswd', 'auth'));
  if (htpasswd) config.auth.htpasswd = htpasswd;
  const access = overrides.access ? path.resolve(overrides.access) : rel(str(auth, 'access', 'auth'));
  if (access) config.auth.access = access;
  if (useToken) {
    const keyFile = rel(str(td, 'key', 'auth.token'));
    config.auth.token = {
      issuer: str(td, 'issuer', 'auth.token') ?? 'hull-registry',
      service: str(td, 'service', 'auth.token') ?? 'hull-registry',
      expiresInSec: expires,
      ...(keyFile ? { key: keyFile } : {}),
    };
  }
  return config;
}
