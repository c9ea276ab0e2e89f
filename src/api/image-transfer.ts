/**
 * Image transfers (Docker API v1.47 "Image" section): create (pull, or `fromSrc=-` import), push,
 * get (docker-archive tarballs), load; and the registry calls `/auth`, `/distribution/NAME/json`,
 * `/images/search`. Progress is Docker's JSON message stream (progress.ts). A stream starts only
 * with the first progress message: a failure before it (bad reference, unknown image, 401) is an
 * ordinary HTTP error with its status; after it, the stream ends with an `errorDetail` message.
 * A client that goes away aborts the transfer: the engine removes what it had added.
 */
import type { ServerResponse } from 'node:http';
import { HullError } from '../errors.js';
import { inspectDistribution, searchRegistry } from '../engine/registry-access.js';
import { login } from '../engine/registry-login.js';
import { badParameter, base64JsonHeader, errorBody, field, orNoSuch, queryBool, queryInt, quote, readJsonObject, sendJson, startJsonStream, type ApiRequest } from './http.js';
import { errorMessageLine, TransferMessages, type JsonMessage } from './progress.js';
import { displayName, familiarString, parsePlatform, parseReference, type RegistryOptions } from './core.js';
import { findImage, targetReference } from './images.js';

/** X-Registry-Auth: base64url JSON {username, password, serveraddress, identitytoken}. */
export function registryAuth(header: string | string[] | undefined): { username: string; password: string } | undefined {
  const a = base64JsonHeader(header, 'X-Registry-Auth');
  if (a && typeof a.username === 'string' && a.username !== '' && typeof a.password === 'string') return { username: a.username, password: a.password };
  return undefined;
}

function withCredentials(base: RegistryOptions, creds: { username: string; password: string } | undefined): RegistryOptions {
  return creds ? { ...base, credentials: creds } : base;
}

/** A JSON stream whose headers go out with the first message. */
function lazyStream(res: ServerResponse): { send: (m: JsonMessage) => void; started: () => boolean } {
  let send: ((m: unknown) => void) | undefined;
  return {
    send: (m) => (send ??= startJsonStream(res))(m),
    started: () => send !== undefined,
  };
}

/** Ends a stream with the error, or answers with its status when nothing was streamed yet. */
function fail(res: ServerResponse, stream: ReturnType<typeof lazyStream>, err: unknown): void {
  if (!stream.started()) throw err;
  stream.send(errorMessageLine(errorBody(err).message));
  res.end();
}

export async function createImage(r: ApiRequest): Promise<void> {
  const { query, res } = r;
  if (query.get('fromSrc') !== null) return importImage(r);
  const fromImage = query.get('fromImage');
  if (!fromImage) throw badParameter('Cannot create an image: query parameter "fromImage" or "fromSrc" is required');
  const tag = query.get('tag');
  const reference = tag ? (tag.includes(':') ? `${fromImage}@${tag}` : `${fromImage}:${tag}`) : fromImage;
  const ref = parseReference(reference);
  const platformText = query.get('platform');
  const platform = platformText ? parsePlatform(platformText) : undefined;
  const stream = lazyStream(res);
  const messages = new TransferMessages('pull', stream.send);
  try {
    const result = await r.engine.images.pull(reference, {
      ...withCredentials(r.registry, registryAuth(r.req.headers['x-registry-auth'])),
      ...(platform ? { platform } : {}),
      signal: r.signal,
      onEvent: (e) => {
        if (e.type === 'resolved') {
          stream.send({ status: `Pulling from ${ref.path}`, id: ref.digest ?? ref.tag ?? 'latest' });
          if (e.platform) stream.send({ status: `Platform ${e.platform}: ${e.digest}` });
        }
        messages.onEvent(e);
      },
    });
    stream.send({ status: `Digest: ${result.digest}` });
    stream.send({ status: `Status: ${messages.transferred ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}` });
    res.end();
  } catch (err) {
    fail(res, stream, err);
  }
}

async function importImage(r: ApiRequest): Promise<void> {
  const { query, res } = r;
  const src = query.get('fromSrc');
  if (src !== '-') throw new HullError('UNSUPPORTED', `Cannot import from ${quote(src ?? '')}: hull imports only the request body (fromSrc=-)`, { hint: 'download the tarball and send it: docker import FILE' });
  const repo = query.get('repo');
  const name = repo ? targetReference(repo, query.get('tag')) : undefined;
  const changes = query.getAll('changes');
  const message = query.get('message');
  const image = await r.engine.images.importTarball(r.req, {
    source: '-',
    ...(name !== undefined ? { name } : {}),
    ...(changes.length > 0 ? { changes } : {}),
    ...(message ? { message } : {}),
  });
  const send = startJsonStream(res);
  send({ status: image.id });
  res.end();
}

export async function pushImage(r: ApiRequest): Promise<void> {
  const { query, res, params } = r;
  const tag = query.get('tag');
  const name = params.name as string;
  const source = tag ? targetReference(name, tag) : name;
  await findImage(r.engine, source);
  const ref = parseReference(source);
  const creds = registryAuth(r.req.headers['x-registry-auth']);
  const stream = lazyStream(res);
  const messages = new TransferMessages('push', stream.send);
  stream.send({ status: `The push refers to repository [${displayName(`${ref.domain}/${ref.path}`).replace(/:latest$/, '')}]` });
  try {
    await r.engine.images.push(source, undefined, {
      ...withCredentials(r.registry, creds),
      signal: r.signal,
      onEvent: (e) => {
        messages.onEvent(e);
        if (e.type === 'manifest-pushed') {
          stream.send({ status: `${ref.tag ?? 'latest'}: digest: ${e.digest} size: ${e.size}` });
          stream.send({ progressDetail: {}, aux: { Tag: ref.tag ?? 'latest', Digest: e.digest, Size: e.size } });
        }
      },
    });
    res.end();
  } catch (err) {
    fail(res, stream, err);
  }
}

/** GET /images/{name}/get and GET /images/get?names=...: a docker-archive tarball. */
export async function getImages(r: ApiRequest): Promise<void> {
  const names = r.params.name !== undefined ? [r.params.name] : r.query.getAll('names');
  if (names.length === 0) throw badParameter('Cannot export images: query parameter "names" is required');
  for (const n of names) await findImage(r.engine, n);
  r.res.setHeader('Content-Type', 'application/x-tar');
  await r.engine.saveImages(names, 'docker-archive', { stream: r.res });
  r.res.end();
}

export async function loadImages(r: ApiRequest): Promise<void> {
  queryBool(r.query, 'quiet'); // checked for its type; hull prints no progress while it loads
  const loaded = await r.engine.images.load(r.req, 'docker load');
  const send = startJsonStream(r.res);
  for (const image of loaded) {
    if (image.names.length === 0) send({ stream: `Loaded image ID: ${image.id}\n` });
    for (const n of image.names) send({ stream: `Loaded image: ${displayName(n)}\n` });
  }
  r.res.end();
}

export async function auth(r: ApiRequest): Promise<void> {
  const body = await readJsonObject(r.req);
  const username = field(body, 'username', 'string');
  const password = field(body, 'password', 'string');
  const server = field(body, 'serveraddress', 'string') ?? 'docker.io';
  if (!username) throw badParameter('Cannot log in: field "username" is required');
  if (password === undefined) throw badParameter('Cannot log in: field "password" is required');
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (host === '' || !/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw badParameter(`Cannot log in: field "serveraddress" ${quote(server)} is not a registry host`);
  const normalised = ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(host) ? 'docker.io' : host;
  await login(normalised, { username, password }, r.registry, r.registry.env ?? {});
  sendJson(r.res, 200, { Status: 'Login Succeeded', IdentityToken: '' });
}

export async function distribution(r: ApiRequest): Promise<void> {
  const name = r.params.name as string;
  const creds = registryAuth(r.req.headers['x-registry-auth']);
  const info = await orNoSuch('image', name, () => inspectDistribution(name, { ...withCredentials(r.registry, creds), signal: r.signal }));
  sendJson(r.res, 200, {
    Descriptor: info.descriptor,
    Platforms: info.platforms.map((p) => ({ architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) })),
  });
}

/**
 * docker search against a v2 registry's catalog, as podman does: `docker search localhost:5000/app`.
 * Docker Hub's search service is not a registry API; a term without a registry host is refused.
 */
export async function searchImages(r: ApiRequest): Promise<void> {
  const term = r.query.get('term');
  if (!term) throw badParameter('Cannot search: query parameter "term" is required');
  const limit = queryInt(r.query, 'limit', { min: 1, max: 100 }) ?? 25;
  const slash = term.indexOf('/');
  const first = slash === -1 ? '' : term.slice(0, slash);
  if (!(first.includes('.') || first.includes(':') || first === 'localhost')) {
    throw new HullError('UNSUPPORTED', `Cannot search ${quote(term)}: hull searches a registry's catalog, and Docker Hub's search service is not one`, {
      hint: 'name the registry: docker search localhost:5000/NAME',
    });
  }
  const repos = await searchRegistry(first, term.slice(slash + 1), { ...withCredentials(r.registry, registryAuth(r.req.headers['x-registry-auth'])), limit: 1000 });
  sendJson(r.res, 200, repos.slice(0, limit).map((name) => ({ name: `${first}/${name}`, description: '', star_count: 0, is_official: false, is_automated: false })));
}

