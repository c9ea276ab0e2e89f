/**
 * Container endpoints (Docker API v1.47 "Container" section) translated to engine calls: create
 * passes Docker's ContainerCreate body straight to the engine (which checks it as it checks the
 * CLI's flags), list/inspect render the engine's records in Docker's shapes, and the lifecycle
 * calls map the engine's states to the codes clients branch on (304 already started/stopped,
 * 409 conflict). Attach and exec (hijacked connections) are in attach-exec.ts.
 */
import { HullError, isHullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { containerJson, containerPorts, statusText } from '../engine/views.js';
import { badParameter, orNoSuch, parseFilters, queryBool, queryInt, quote, readJsonObject, sendJson, sendNoContent, startJsonStream, type ApiRequest } from './http.js';
import { checkCreateBody } from './create-body.js';
import { findImage } from './images.js';
import { muxFrame } from './stream-frames.js';
import { parseLogTime } from '../engine/flags.js';
import { CONTAINER_FILTER_KEYS, type ContainerCreateRequest, type ContainerRecord, type WaitCondition } from '../engine/requests.js';

export function getContainer(engine: Engine, id: string): Promise<ContainerRecord> {
  return orNoSuch('container', id, () => engine.containers.refresh(id));
}

function seconds(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

export function containerSummary(engine: Engine, r: ContainerRecord): Record<string, unknown> {
  const ports = containerPorts(r, engine.options.runroot).map((p) => ({ IP: p.hostIp || '0.0.0.0', PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.protocol }));
  const exposed = Object.keys(r.Config.ExposedPorts ?? {}).filter((k) => !ports.some((p) => `${p.PrivatePort}/${p.Type}` === k)).map((k) => ({ PrivatePort: Number(k.split('/')[0]), Type: k.split('/')[1] ?? 'tcp' }));
  return {
    Id: r.Id,
    Names: [`/${r.Name}`],
    Image: r.Config.Image,
    ImageID: r.ImageId,
    Command: [r.Path, ...r.Args].join(' '),
    Created: seconds(r.Created),
    Ports: [...ports, ...exposed],
    Labels: r.Config.Labels ?? {},
    State: r.State.Status,
    Status: statusText(r),
    HostConfig: { NetworkMode: r.HostConfig.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: r.NetworkSettings?.Networks ?? {} },
    Mounts: r.Mounts ?? [],
  };
}

export async function createContainer({ req, res, query, engine }: ApiRequest): Promise<void> {
  const body = await readJsonObject(req);
  const name = query.get('name');
  if (name !== null && name !== '' && !/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw badParameter(`Invalid container name (${quote(name)}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const { HostConfig, NetworkingConfig, ...config } = checkCreateBody(body);
  const request = {
    ...(name ? { name: name.replace(/^\//, '') } : {}),
    Config: config,
    ...(HostConfig ? { HostConfig } : {}),
    ...(NetworkingConfig ? { NetworkingConfig } : {}),
  } as ContainerCreateRequest;
  // Docker clients pull when this answers "No such image" (404), then create again.
  await findImage(engine, request.Config.Image);
  const record = await engine.containers.create(request);
  sendJson(res, 201, { Id: record.Id, Warnings: [] });
}

/** `size=1`: SizeRw (the writable layer) and SizeRootFs (that and the image), as `docker ps -s` and `inspect -s` show them. */
async function sizesOf(engine: Engine, records: ContainerRecord[]): Promise<(r: ContainerRecord) => { SizeRw: number; SizeRootFs: number }> {
  const rw = await engine.containerSizes(records.map((r) => r.Id));
  const imageSize = new Map<string, number>();
  const image = (id: string): number => {
    if (!imageSize.has(id)) {
      try {
        imageSize.set(id, engine.images.details(engine.images.get(id)).size);
      } catch {
        imageSize.set(id, 0); // the image was removed under the container
      }
    }
    return imageSize.get(id) as number;
  };
  for (const r of records) image(r.ImageId);
  return (r) => ({ SizeRw: rw.get(r.Id) ?? 0, SizeRootFs: (rw.get(r.Id) ?? 0) + image(r.ImageId) });
}

export async function listContainers({ res, query, engine }: ApiRequest): Promise<void> {
  const all = queryBool(query, 'all');
  const size = queryBool(query, 'size');
  const limit = queryInt(query, 'limit');
  const filters = parseFilters(query, CONTAINER_FILTER_KEYS);
  const pairs = [...filters].flatMap(([k, vs]) => vs.map((v) => [k, v] as [string, string]));
  let records = await engine.containers.listReconciled(all || (limit !== undefined && limit > 0), pairs);
  if (limit !== undefined && limit > 0) records = records.slice(0, limit);
  const sizes = size ? await sizesOf(engine, records) : undefined;
  sendJson(res, 200, records.map((r) => ({ ...containerSummary(engine, r), ...sizes?.(r) })));
}

export async function inspectContainer({ res, params, query, engine }: ApiRequest): Promise<void> {
  const r = await getContainer(engine, params.id as string);
  const json = { ...(containerJson(r, engine.options.runroot) as object), ...(queryBool(query, 'size') ? (await sizesOf(engine, [r]))(r) : {}) } as { HostConfig: { LogConfig?: { Type?: string } } };
  // conmon's k8s-file log is what json-file means here: the logs endpoint reads it. docker-py reads
  // the logs of `containers.run` only for json-file or journald, so the API names it json-file.
  if (json.HostConfig.LogConfig?.Type === 'k8s-file') json.HostConfig = { ...json.HostConfig, LogConfig: { ...json.HostConfig.LogConfig, Type: 'json-file' } };
  sendJson(res, 200, json);
}

export async function startContainer({ res, params, engine }: ApiRequest): Promise<void> {
  const r = await getContainer(engine, params.id as string);
  if (r.State.Status === 'running' || r.State.Status === 'paused') return sendNoContent(res, 304);
  await engine.containers.start(r.Id);
  sendNoContent(res);
}

function stopTimeout(query: URLSearchParams): number | undefined {
  return queryInt(query, 't', { min: -1, max: 86400 }) ?? queryInt(query, 'timeout', { min: -1, max: 86400 });
}

export async function stopContainer({ res, params, query, engine }: ApiRequest): Promise<void> {
  const t = stopTimeout(query);
  const r = await getContainer(engine, params.id as string);
  if (r.State.Status !== 'running' && r.State.Status !== 'paused') return sendNoContent(res, 304);
  await engine.containers.stop(r.Id, t);
  sendNoContent(res);
}

export async function restartContainer({ res, params, query, engine }: ApiRequest): Promise<void> {
  const t = stopTimeout(query);
  const r = await getContainer(engine, params.id as string);
  await engine.containers.restart(r.Id, t);
  sendNoContent(res);
}

export async function killContainer({ res, params, query, engine }: ApiRequest): Promise<void> {
  const signal = query.get('signal') || 'KILL';
  if (!/^(SIG)?[A-Z0-9+-]+$|^\d+$/.test(signal)) throw badParameter(`Cannot read query parameter "signal": ${quote(signal)} is not a signal name or number`);
  const r = await getContainer(engine, params.id as string);
  if (r.State.Status !== 'running' && r.State.Status !== 'paused') throw new HullError('CONFLICT', `Cannot kill container: ${r.Id} is not running`);
  await engine.containers.kill(r.Id, signal.replace(/^SIG/, ''));
  sendNoContent(res);
}

export async function pauseContainer({ res, params, engine }: ApiRequest): Promise<void> {
  const r = await getContainer(engine, params.id as string);
  await engine.containers.pause(r.Id);
  sendNoContent(res);
}

export async function unpauseContainer({ res, params, engine }: ApiRequest): Promise<void> {
  const r = await getContainer(engine, params.id as string);
  await engine.containers.unpause(r.Id);
  sendNoContent(res);
}

export async function renameContainer({ res, params, query, engine }: ApiRequest): Promise<void> {
  const name = query.get('name');
  if (!name) throw badParameter('Cannot rename: query parameter "name" is required');
  const r = await getContainer(engine, params.id as string);
  await engine.containers.rename(r.Id, name.replace(/^\//, ''));
  sendNoContent(res);
}

/** Headers go out at once (clients wait for them before they start the container), the body at the exit. */
export async function waitContainer({ res, params, query, engine, signal }: ApiRequest): Promise<void> {
  const condition = (query.get('condition') || 'not-running') as WaitCondition;
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw badParameter(`Cannot read query parameter "condition": ${quote(condition)} is not one of not-running, next-exit, removed`);
  const r = await getContainer(engine, params.id as string);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  try {
    const result = await engine.containers.wait(r.Id, condition, signal);
    res.end(JSON.stringify({ StatusCode: result.StatusCode, Error: result.Error ?? null }) + '\n');
  } catch (err) {
    if (signal.aborted) return;
    res.end(JSON.stringify({ StatusCode: -1, Error: { Message: isHullError(err) ? err.message : String(err) } }) + '\n');
  }
}

export async function removeContainer({ res, params, query, engine }: ApiRequest): Promise<void> {
  const force = queryBool(query, 'force');
  const volumes = queryBool(query, 'v');
  queryBool(query, 'link');
  const r = await orNoSuch('container', params.id as string, () => engine.containers.inspect(params.id as string));
  if (!force && (r.State.Status === 'running' || r.State.Status === 'paused')) {
    throw new HullError('CONFLICT', `cannot remove container "/${r.Name}": container is ${r.State.Status}: stop the container before removing or force remove`);
  }
  await engine.containers.remove(r.Id, { force, volumes });
  sendNoContent(res);
}

export async function pruneContainers({ res, query, engine }: ApiRequest): Promise<void> {
  const filters = parseFilters(query, ['until', 'label']);
  if (filters.size > 0) throw badParameter(`Cannot prune containers: the filters ${[...filters.keys()].map(quote).join(', ')} are not supported yet`);
  const removed = await engine.containers.prune();
  sendJson(res, 200, { ContainersDeleted: removed.map((r) => r.Id), SpaceReclaimed: 0 });
}

/** Logs: Docker's multiplexed frames without a TTY, the raw bytes with one. */
export async function containerLogs({ res, params, query, engine, signal }: ApiRequest): Promise<void> {
  const follow = queryBool(query, 'follow');
  const stdout = queryBool(query, 'stdout');
  const stderr = queryBool(query, 'stderr');
  const timestamps = queryBool(query, 'timestamps');
  if (!stdout && !stderr) throw badParameter('Bad parameters: you must choose at least one stream');
  // "all", or a count; a negative count means all, as dockerd reads it (Testcontainers sends -1).
  const tailQuery = query.get('tail') ?? 'all';
  if (tailQuery !== 'all' && !/^-?\d+$/.test(tailQuery)) throw badParameter(`Cannot read query parameter "tail": ${quote(tailQuery)} is not "all" or a whole number`);
  const tailText = tailQuery.startsWith('-') ? 'all' : tailQuery;
  const time = (name: string) => {
    const v = query.get(name);
    if (v === null || v === '' || v === '0') return undefined;
    try {
      return parseLogTime(v);
    } catch {
      throw badParameter(`Cannot read query parameter "${name}": ${quote(v)} is not a time`);
    }
  };
  const since = time('since');
  const until = time('until');
  const r = await getContainer(engine, params.id as string);
  const tty = r.Config.Tty === true;
  res.writeHead(200, { 'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream' });
  res.flushHeaders();
  await engine.containers.logs(r.Id, {
    ...(tailText !== 'all' ? { tail: Number(tailText) } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    follow,
  }, (rec) => {
    if ((rec.stream === 'stdout' && !stdout) || (rec.stream === 'stderr' && !stderr) || res.destroyed) return;
    const text = timestamps ? `${rec.time.replace(/\+00:00$/, 'Z')} ${rec.text}` : rec.text;
    const bytes = Buffer.from(text);
    res.write(tty ? bytes : muxFrame(rec.stream === 'stderr' ? 2 : 1, bytes));
  }, signal);
  res.end();
}

export async function topContainer({ res, params, query, engine }: ApiRequest): Promise<void> {
  const psArgs = query.get('ps_args');
  const r = await getContainer(engine, params.id as string);
  if (r.State.Status !== 'running' && r.State.Status !== 'paused') throw new HullError('CONFLICT', `Container ${r.Id} is not running`);
  const top = await engine.containers.top(r.Id, psArgs ? psArgs.split(/\s+/).filter(Boolean) : []);
  sendJson(res, 200, top);
}

export async function containerChanges({ res, params, engine }: ApiRequest): Promise<void> {
  const r = await getContainer(engine, params.id as string);
  const kinds = { C: 0, A: 1, D: 2 } as const;
  sendJson(res, 200, (await engine.containers.diff(r.Id)).map((c) => ({ Path: c.path, Kind: kinds[c.kind] })));
}

export async function exportContainer({ res, params, engine }: ApiRequest): Promise<void> {
  const r = await getContainer(engine, params.id as string);
  res.setHeader('Content-Type', 'application/x-tar');
  await engine.containers.export(r.Id, res);
  res.end();
}

export async function commitContainer({ res, query, engine }: ApiRequest): Promise<void> {
  const id = query.get('container');
  if (!id) throw badParameter('Cannot commit: query parameter "container" is required');
  const repo = query.get('repo');
  const tag = query.get('tag');
  const r = await getContainer(engine, id);
  const image = await engine.containers.commit(r.Id, {
    ...(repo ? { name: tag ? `${repo}:${tag}` : repo } : {}),
    changes: query.getAll('changes').flatMap((c) => c.split('\n')).filter(Boolean),
    ...(query.get('comment') ? { message: query.get('comment') as string } : {}),
    ...(query.get('author') ? { author: query.get('author') as string } : {}),
    pause: queryBool(query, 'pause', true),
  });
  sendJson(res, 201, { Id: image.id });
}

/** Docker's stats JSON from two cgroup samples (CPU % needs the previous one). */
export async function containerStats({ res, params, query, engine, signal }: ApiRequest): Promise<void> {
  const stream = queryBool(query, 'stream', true) && !queryBool(query, 'one-shot');
  const r = await getContainer(engine, params.id as string);
  const send = startJsonStream(res);
  const info = await engine.info();
  const cpus = info.NCPU;
  let prev = engine.containers.stats(r.Id);
  const render = (cur: typeof prev, pre: typeof prev) => ({
    read: new Date(cur.at / 1e6).toISOString(),
    preread: new Date(pre.at / 1e6).toISOString(),
    name: `/${r.Name}`,
    id: r.Id,
    pids_stats: { current: cur.pids },
    cpu_stats: { cpu_usage: { total_usage: cur.cpuNanos }, system_cpu_usage: cur.at * cpus, online_cpus: cpus },
    precpu_stats: { cpu_usage: { total_usage: pre.cpuNanos }, system_cpu_usage: pre.at * cpus, online_cpus: cpus },
    memory_stats: { usage: cur.memoryUsage, limit: Number.isFinite(cur.memoryLimit) ? cur.memoryLimit : info.MemTotal },
    blkio_stats: {},
    networks: {},
  });
  if (!stream) {
    send(render(prev, prev));
    res.end();
    return;
  }
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    let cur: typeof prev;
    try {
      cur = engine.containers.stats(r.Id);
    } catch {
      break; // stopped
    }
    send(render(cur, prev));
    prev = cur;
  }
  res.end();
}

export async function putArchive({ req, res, params, query, engine }: ApiRequest): Promise<void> {
  const path = query.get('path');
  if (!path) throw badParameter('Cannot copy into the container: query parameter "path" is required');
  const r = await getContainer(engine, params.id as string);
  await engine.containers.copyTo(r.Id, req, path);
  res.writeHead(200);
  res.end();
}

/** GET (the tar, with the stat header) and HEAD (the stat header only) of a path in the container. */
export async function getArchive({ req, res, params, query, engine }: ApiRequest): Promise<void> {
  const path = query.get('path');
  if (!path) throw badParameter('Cannot copy from the container: query parameter "path" is required');
  const r = await getContainer(engine, params.id as string);
  const stat = await engine.containers.statPath(r.Id, path);
  res.setHeader('X-Docker-Container-Path-Stat', Buffer.from(JSON.stringify(stat)).toString('base64'));
  if (req.method === 'HEAD') {
    res.writeHead(200);
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/x-tar');
  await engine.containers.copyFrom(r.Id, path, res);
  res.end();
}
