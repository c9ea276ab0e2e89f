/**
 * Image endpoints that read or rename (Docker API v1.47 "Image" section): list with filters,
 * inspect, history, tag, delete, prune, distribution. Transfers (pull, push, import, save, load)
 * are in image-transfer.ts. Every image lookup's NOT_FOUND reads "No such image: NAME", the text
 * docker-py matches before it pulls.
 */
import { HullError, isHullError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { compareVersions } from './router.js';
import { badParameter, orNoSuch, parseFilters, queryBool, quote, sendJson, type ApiRequest } from './http.js';
import { displayName, parseReference, parseReferenceLoose, repositoryName, type ImageDetails, type ImageRecord } from './core.js';

/** An image by name, ID, ID prefix, or NAME@DIGEST (the manifest digest, as docker resolves it). */
export function findImage(engine: Engine, name: string): Promise<ImageRecord> {
  return orNoSuch('image', name, () => {
    if (name.includes('@')) {
      const ref = parseReferenceLoose(name);
      const repo = repositoryName(ref);
      const found = engine.images.list().find((r) => r.manifest === ref.digest && (r.names.length === 0 || r.names.some((n) => n.startsWith(`${repo}:`))));
      if (!found) throw new HullError('NOT_FOUND', `Cannot find image "${name}"`);
      return found;
    }
    return engine.images.get(name);
  });
}

function seconds(iso: string | undefined): number {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

function repoDigests(d: ImageDetails): string[] {
  const repos = new Set(d.record.names.map((n) => displayName(n).replace(/:[^:/]+$/, '')));
  return [...repos].map((r) => `${r}@${d.record.manifest}`);
}

/** `names`: the tags to show (a reference filter shows only the tags it matched, as dockerd does). */
export function imageSummary(d: ImageDetails, version: string, names = d.record.names.map(displayName)): Record<string, unknown> {
  const old = compareVersions(version, '1.44') < 0;
  const repos = new Set(names.map((n) => n.replace(/:[^:/]+$/, '')));
  return {
    Id: d.record.id,
    ParentId: '',
    RepoTags: names,
    RepoDigests: repoDigests(d).filter((r) => repos.has(r.slice(0, r.indexOf('@')))),
    Created: seconds(d.config.created ?? d.record.created),
    Size: d.size,
    SharedSize: -1,
    ...(old ? { VirtualSize: d.size } : {}),
    Labels: d.config.config?.Labels ?? {},
    Containers: -1,
  };
}

/** docker's reference filter: a path.Match glob against NAME or NAME:TAG. */
function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  return re.test(value);
}

function labelMatch(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  return eq === -1 ? want in labels : labels[want.slice(0, eq)] === want.slice(eq + 1);
}

export async function listImages({ res, query, engine, version }: ApiRequest): Promise<void> {
  const filters = parseFilters(query, ['dangling', 'reference', 'label', 'before', 'since']);
  queryBool(query, 'all');
  queryBool(query, 'digests');
  queryBool(query, 'shared-size');
  const dangling = filters.get('dangling');
  if (dangling && !dangling.every((v) => ['true', 'false', '1', '0'].includes(v))) throw badParameter(`Cannot read filter "dangling": expected true or false, got ${quote(dangling.join(','))}`);
  const createdOf = async (name: string) => seconds(engine.images.details(await findImage(engine, name)).config.created);
  const before = filters.get('before')?.[0];
  const since = filters.get('since')?.[0];
  const beforeT = before === undefined ? undefined : await createdOf(before);
  const sinceT = since === undefined ? undefined : await createdOf(since);
  const rows = engine.images.list().flatMap((record) => {
    const d = engine.images.details(record);
    const created = seconds(d.config.created ?? record.created);
    if (dangling && (record.names.length === 0) !== ['true', '1'].includes(dangling[0] as string)) return [];
    const refs = filters.get('reference');
    const names = record.names.map(displayName).filter((n) => !refs || refs.some((p) => globMatch(p, n) || globMatch(p, n.replace(/:[^:/]+$/, ''))));
    if (refs && names.length === 0) return [];
    const labels = filters.get('label');
    if (labels && !labels.every((l) => labelMatch(d.config.config?.Labels ?? {}, l))) return [];
    if (beforeT !== undefined && created >= beforeT) return [];
    if (sinceT !== undefined && created <= sinceT) return [];
    return [imageSummary(d, version, names)];
  });
  sendJson(res, 200, rows);
}

export async function inspectImage({ res, params, engine, version }: ApiRequest): Promise<void> {
  const record = await findImage(engine, params.name as string);
  const d = engine.images.details(record);
  const c = d.config;
  const driver = (await engine.snapshotter()).driver;
  sendJson(res, 200, {
    Id: record.id,
    RepoTags: record.names.map(displayName),
    RepoDigests: repoDigests(d),
    Parent: '',
    Comment: c.history?.at(-1)?.comment ?? '',
    Created: c.created ?? record.created,
    DockerVersion: '',
    Author: c.author ?? '',
    Config: c.config ?? {},
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Size: d.size,
    ...(compareVersions(version, '1.44') < 0 ? { VirtualSize: d.size } : {}),
    GraphDriver: { Name: driver, Data: null },
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: record.created },
  });
}

export async function imageHistory({ res, params, engine }: ApiRequest): Promise<void> {
  const record = await findImage(engine, params.name as string);
  const rows = await engine.images.history(record.id);
  sendJson(res, 200, rows.map((r, i) => ({
    Id: r.id,
    Created: seconds(r.created),
    CreatedBy: r.createdBy,
    Tags: i === 0 ? record.names.map(displayName) : null,
    Size: r.size,
    Comment: r.comment,
  })));
}

/** `repo` and `tag` query parameters as one reference; a digest is not a tag. */
export function targetReference(repo: string, tag: string | null): string {
  if (tag !== null && tag !== '' && !/^[\w][\w.-]{0,127}$/.test(tag)) throw new HullError('INVALID_REFERENCE', `Cannot use tag ${quote(tag)}: letters, digits, '_', '.', '-'; at most 128`);
  const full = tag ? `${repo}:${tag}` : repo;
  const ref = parseReference(full);
  if (ref.digest !== undefined) throw new HullError('INVALID_REFERENCE', `Cannot tag ${quote(full)}: a digest is not a tag`);
  return full;
}

export async function tagImage({ res, params, query, engine }: ApiRequest): Promise<void> {
  const repo = query.get('repo');
  if (!repo) throw badParameter('Cannot tag the image: query parameter "repo" is required');
  const target = targetReference(repo, query.get('tag'));
  const record = await findImage(engine, params.name as string);
  await engine.images.tag(record.id, target);
  res.writeHead(201);
  res.end();
}

export async function deleteImage({ res, params, query, engine }: ApiRequest): Promise<void> {
  const force = queryBool(query, 'force');
  queryBool(query, 'noprune');
  const name = params.name as string;
  await findImage(engine, name);
  const result = await orNoSuch('image', name, () => engine.images.remove(name, { force }));
  sendJson(res, 200, [...result.untagged.map((n) => ({ Untagged: displayName(n) })), ...result.deleted.map((d) => ({ Deleted: d }))]);
}

export async function pruneImages({ res, query, engine }: ApiRequest): Promise<void> {
  const filters = parseFilters(query, ['dangling']);
  const dangling = filters.get('dangling')?.[0] ?? 'true';
  if (!['true', 'false', '1', '0'].includes(dangling)) throw badParameter(`Cannot read filter "dangling": expected true or false, got ${quote(dangling)}`);
  const result = await engine.images.prune({ all: dangling === 'false' || dangling === '0' });
  sendJson(res, 200, {
    ImagesDeleted: [...result.untagged.map((n) => ({ Untagged: displayName(n) })), ...result.deleted.map((d) => ({ Deleted: d }))],
    SpaceReclaimed: result.reclaimed,
  });
}

/** Whether an error means "the registry does not have it" (404 rather than 500). */
export function isMissing(err: unknown): boolean {
  return isHullError(err, 'NOT_FOUND') || isHullError(err, 'MANIFEST_UNKNOWN') || isHullError(err, 'BLOB_UNKNOWN');
}
