/**
 * POST /build: the classic builder's endpoint (the docker CLI uses it when BuildKit is not there).
 * The body is the context as a tar (plain, gzip, bzip2, xz or zstd), or `remote` names a git
 * repository or URL (engine/remote-context.ts); the engine unpacks it breakout-safe and
 * builds it as `hull build` does (engine/build-context.ts). Output is Docker's JSON stream:
 * `stream` lines as the classic builder prints them, `aux.ID` with the image, `errorDetail` on failure.
 * X-Registry-Config carries credentials for the base images' registries.
 */
import { HullError } from '../errors.js';
import { buildFromArchive, buildFromRemote } from '../engine/build-context.js';
import { parseRemoteContext } from '../engine/remote-context.js';
import type { BuildEventSink } from '../build/events.js';
import type { AuthEntry } from '../registry-client/auth-file.js';
import { shortId } from '../engine/flags.js';
import { badParameter, base64JsonHeader, errorBody, parseFilters, queryBool, quote, sendJson, startJsonStream, type ApiRequest } from './http.js';
import { targetReference } from './images.js';

function jsonMap(query: URLSearchParams, name: string): Record<string, string> | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw badParameter(`Cannot read query parameter "${name}": invalid JSON ${quote(raw)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badParameter(`Cannot read query parameter "${name}": expected a JSON object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue; // docker: a build arg without a value takes it from the environment; the API has none
    if (typeof x !== 'string') throw badParameter(`Cannot read query parameter "${name}": the value of ${quote(k)} must be a string`);
    out[k] = x;
  }
  return out;
}

/** X-Registry-Config: base64 JSON of registry -> {username, password | auth}, for the base images' pulls. */
function registryConfig(header: string | string[] | undefined): Record<string, AuthEntry> | undefined {
  const doc = base64JsonHeader(header, 'X-Registry-Config');
  if (doc === undefined) return undefined;
  const out: Record<string, AuthEntry> = {};
  for (const [registry, entry] of Object.entries(doc)) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw badParameter(`Cannot read header "X-Registry-Config": the entry of ${quote(registry)} must be a JSON object`);
    const e = entry as Record<string, unknown>;
    const text = (k: string) => (typeof e[k] === 'string' ? { [k]: e[k] as string } : {});
    out[registry] = { ...text('username'), ...text('password'), ...text('auth') };
  }
  return out;
}

export async function build(r: ApiRequest): Promise<void> {
  const q = r.query;
  const tags = q.getAll('t').map((t) => targetReference(t, null));
  const buildArgs = jsonMap(q, 'buildargs');
  const labels = jsonMap(q, 'labels');
  const quiet = queryBool(q, 'q');
  const noCache = queryBool(q, 'nocache');
  const pull = queryBool(q, 'pull');
  for (const n of ['rm', 'forcerm']) queryBool(q, n, true);
  const remote = q.get('remote');
  if (remote === 'client-session') throw new HullError('UNSUPPORTED', 'Cannot build with BuildKit: hull serves the classic builder', { hint: 'set DOCKER_BUILDKIT=0 (docker build) or use hull build' });
  if (remote) parseRemoteContext(remote); // a 400 before the stream starts
  const registryAuths = registryConfig(r.req.headers['x-registry-config']);
  const network = q.get('networkmode');
  const target = q.get('target');
  const platform = q.get('platform');
  const dockerfile = q.get('dockerfile');
  const send = startJsonStream(r.res);
  const line = (text: string) => send({ stream: text });
  try {
    const request = {
      tags,
      ...(buildArgs ? { buildArgs } : {}),
      ...(labels ? { labels } : {}),
      ...(target ? { target } : {}),
      ...(platform ? { platform } : {}),
      ...(network && network !== 'default' ? { network } : {}),
      ...(dockerfile ? { dockerfile } : {}),
      noCache,
      pull,
      signal: r.signal,
      registry: { ...r.registry, ...(registryAuths ? { registryAuths } : {}) },
    };
    const onEvent: BuildEventSink = (e) => {
      if (quiet) return;
      switch (e.type) {
        case 'step':
          line(`Step ${e.step}/${e.total} : ${e.text}\n`);
          break;
        case 'cached':
          line(` ---> Using cache\n ---> ${shortId(e.id)}\n`);
          break;
        case 'done':
          line(` ---> ${shortId(e.id)}\n`);
          break;
        case 'output':
          line(e.data.toString('utf8'));
          break;
        case 'pull':
          line(`Pulling ${e.image}\n`);
          break;
        default:
          break;
      }
    };
    const result = remote ? await buildFromRemote(r.engine, remote, request, onEvent) : await buildFromArchive(r.engine, r.req, request, onEvent);
    send({ aux: { ID: result.id } });
    if (quiet) line(`${result.id}\n`);
    else {
      line(`Successfully built ${shortId(result.id)}\n`);
      for (const n of q.getAll('t')) line(`Successfully tagged ${n}\n`);
    }
  } catch (err) {
    const { message } = errorBody(err);
    send({ errorDetail: { message }, error: message });
  }
  r.res.end();
}

/**
 * POST /build/prune (`docker builder prune`, and `docker system prune`): empties hull's build
 * cache, as `hull builder prune` does. hull keeps no per-entry ids or sizes to keep some of it by,
 * so the size and filter limits BuildKit offers are refused rather than ignored.
 */
export async function pruneBuildCache(r: ApiRequest): Promise<void> {
  parseFilters(r.query, []);
  for (const limit of ['keep-storage', 'reserved-space', 'max-used-space', 'min-free-space']) {
    const v = r.query.get(limit);
    if (v !== null && v !== '' && v !== '0') throw badParameter(`Cannot prune the build cache keeping ${quote(limit)}: hull empties the whole build cache`);
  }
  queryBool(r.query, 'all');
  const { reclaimed } = await r.engine.builds.prune();
  sendJson(r.res, 200, { CachesDeleted: [], SpaceReclaimed: reclaimed });
}
