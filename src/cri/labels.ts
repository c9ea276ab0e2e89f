/**
 * How CRI objects are marked in hull's store, so `hull ps --all` shows them (labelled) and the
 * CRI lists only them, and so a restarted server finds everything again (no state in memory):
 *
 *   io.hull.cri.kind          container | sandbox
 *   io.hull.cri.sandbox-id    (containers) the sandbox's ID (the pod's ID)
 *   io.hull.cri.metadata      JSON: the CRI metadata (name, attempt; pod uid, namespace)
 *   io.hull.cri.annotations   JSON: the CRI annotations
 *   io.hull.cri.image         (containers) the image as kubelet named it
 *   io.hull.cri.log-path      (containers) the log file, when kubelet gave one
 *   io.hull.cri.config        (sandboxes) JSON: the PodSandboxConfig (log directory, ports, DNS)
 * kubelet's own labels are kept as they are; CRI answers leave the io.hull.cri.* ones out.
 */
import { createHash } from 'node:crypto';
import { HullError, showUntrusted } from '../errors.js';
import type { CriContainerConfig } from './messages.js';

export const CRI_PREFIX = 'io.hull.cri.';
export const KIND = `${CRI_PREFIX}kind`;
export const SANDBOX_ID = `${CRI_PREFIX}sandbox-id`;
export const METADATA = `${CRI_PREFIX}metadata`;
export const ANNOTATIONS = `${CRI_PREFIX}annotations`;
export const IMAGE = `${CRI_PREFIX}image`;
export const LOG_PATH = `${CRI_PREFIX}log-path`;
export const CONFIG = `${CRI_PREFIX}config`;

/** kubelet's labels, refused when they use hull's own prefix (they would forge the CRI's). */
export function userLabels(labels: Record<string, string> | undefined): Record<string, string> {
  for (const k of Object.keys(labels ?? {})) {
    if (k.startsWith(CRI_PREFIX)) throw new HullError('INVALID_ARGUMENT', `Cannot use label "${showUntrusted(k)}": the ${CRI_PREFIX} prefix is hull's own`);
  }
  return { ...labels };
}

/** The labels without hull's. */
export function visibleLabels(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => !k.startsWith(CRI_PREFIX)));
}

export function readJsonLabel<T>(labels: Record<string, string> | undefined, key: string, fallback: T): T {
  const text = labels?.[key];
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function containerLabels(c: CriContainerConfig, sandboxId: string, logPath: string | undefined): Record<string, string> {
  return {
    ...userLabels(c.labels),
    [KIND]: 'container',
    [SANDBOX_ID]: sandboxId,
    [METADATA]: JSON.stringify({ name: c.metadata?.name ?? '', attempt: c.metadata?.attempt ?? 0 }),
    [ANNOTATIONS]: JSON.stringify(c.annotations ?? {}),
    // kubelet sends the image ID in `image` and the pod spec's name in `user_specified_image`.
    [IMAGE]: c.image?.user_specified_image || c.image?.image || '',
    ...(logPath ? { [LOG_PATH]: logPath } : {}),
  };
}

/** hull's names are at most 200 characters here (the store's limit is 253, pods' may be less). */
export const MAX_NAME = 200;

/**
 * Kubernetes names add up past hull's limit (pod names alone may be 253 characters): a long name
 * is cut and ends in a hash of the whole, so it stays the same for the same metadata (the name
 * reservation) and differs for different metadata. The whole metadata is in the labels.
 */
export function boundedName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  return `${name.slice(0, MAX_NAME - 17)}_${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}
