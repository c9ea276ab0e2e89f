/**
 * POST /build: the classic builder's endpoint (the docker CLI uses it when BuildKit is not there).
 * The body is the context as a tar (plain, gzip or zstd); the engine unpacks it breakout-safe and
 * builds it as `hull build` does (engine/build-context.ts). Output is Docker's JSON stream:
 * `stream` lines as the classic builder prints them, `aux.ID` with the image, `errorDetail` on failure.
 */
import { HullError } from '../errors.js';
import { buildFromArchive } from '../engine/build-context.js';
import { shortId } from '../engine/flags.js';
import { badParameter, errorBody, queryBool, quote, startJsonStream, type ApiRequest } from './http.js';
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
  if (remote) throw new HullError('UNSUPPORTED', `Cannot build from ${quote(remote)}: hull builds the context sent in the request body`, { hint: 'send the context: docker build DIR' });
  const network = q.get('networkmode');
  const target = q.get('target');
  const platform = q.get('platform');
  const dockerfile = q.get('dockerfile');
  const send = startJsonStream(r.res);
  const line = (text: string) => send({ stream: text });
  try {
    const result = await buildFromArchive(r.engine, r.req, {
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
    }, (e) => {
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
    });
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
