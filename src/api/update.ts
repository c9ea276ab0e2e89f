/**
 * `POST /containers/{id}/update` (Docker API v1.47 ContainerUpdate): the body is type-checked
 * here and passed to the engine, which applies it (containers/update.ts). The docker CLI sends
 * every Resources field, zero when not asked for; fields hull does not offer are refused only
 * when set to something other than their zero value, so a request never silently loses a limit.
 */
import { badParameter, field, readJsonObject, sendJson, type ApiRequest } from './http.js';
import { getContainer } from './containers.js';
import type { UpdateRequest } from '../engine/requests.js';

const NUMBERS = ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuQuota', 'CpuPeriod', 'CpuShares', 'PidsLimit', 'BlkioWeight'] as const;
const STRINGS = ['CpusetCpus', 'CpusetMems'] as const;
/** Accepted at their zero value (what the CLI sends for a flag not given). */
const UNSUPPORTED = ['KernelMemory', 'KernelMemoryTCP', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth', 'BlkioWeightDevice',
  'BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'Devices', 'DeviceCgroupRules', 'DeviceRequests', 'Ulimits', 'OomKillDisable', 'CgroupParent'];

const isZero = (v: unknown) => v === undefined || v === null || v === 0 || v === '' || v === false || (Array.isArray(v) && v.length === 0);

/** Pure: Docker's update body -> the engine's UpdateRequest; throws a 400 naming the field. */
export function parseUpdateBody(body: Record<string, unknown>): UpdateRequest {
  const req: UpdateRequest = {};
  for (const n of NUMBERS) {
    const v = field(body, n, 'number');
    if (v !== undefined) req[n] = v;
  }
  for (const n of STRINGS) {
    const v = field(body, n, 'string');
    if (v !== undefined) req[n] = v;
  }
  const swappiness = body.MemorySwappiness;
  if (!isZero(swappiness) && swappiness !== -1) throw badParameter('Cannot update the container: field "MemorySwappiness" is not supported by hull');
  for (const n of UNSUPPORTED) if (!isZero(body[n])) throw badParameter(`Cannot update the container: field "${n}" is not supported by hull`);
  const policy = field(body, 'RestartPolicy', 'object');
  if (policy) {
    const name = field(policy, 'Name', 'string') ?? '';
    const max = field(policy, 'MaximumRetryCount', 'number');
    req.RestartPolicy = { Name: name as never, ...(max !== undefined ? { MaximumRetryCount: max } : {}) };
  }
  return req;
}

export async function updateContainer(r: ApiRequest): Promise<void> {
  const request = parseUpdateBody(await readJsonObject(r.req));
  const c = await getContainer(r.engine, r.params.id as string);
  await r.engine.containers.update(c.Id, request);
  sendJson(r.res, 200, { Warnings: [] });
}
