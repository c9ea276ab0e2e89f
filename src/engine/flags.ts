/**
 * The pure parsers front doors use to turn their text (CLI flags, compose's short syntaxes, kube
 * quantities) into request values. Syntax only: what a value may be is decided when the request
 * reaches the engine (containers/create-check.ts), whoever sent it.
 */
import type { DeviceMapping, DockerMount } from '../containers/create-request.js';
import { parseDeviceFlag } from '../runtime/devices.js';
import { parseMountFlag, type MountRequest } from '../volumes/mount-flags.js';
import { parsePublishFlag, toDockerBindings, type DockerPortBindings } from '../network/ports.js';

export { parseSize, parseUlimit } from '../runtime/resources.js';
export { parseEnvFile, resolveEnvArgs } from '../containers/config.js';
export { parseDetachKeys } from '../runtime/attach.js';
export { parseFilters } from '../containers/filters.js';
export { parseLogTime } from '../containers/logs.js';
export { parsePlatform, hostPlatform, formatPlatform } from '../oci/platform.js';
export { checkIpFlag } from '../network/flags.js';
export { parseSaveFormat } from '../images/save.js';
export { shortId } from '../oci/digest.js';
export { displayName } from '../images/image-store.js';
export { parseReference, parseReferenceLoose, familiarString, repositoryName, formatReference } from '../oci/reference.js';
export { PULL_POLICIES } from './ensure-image.js';
export { WAIT_CONDITIONS } from '../containers/wait.js';
export { parseRestartPolicy } from '../health/restart-policy.js';
export { parseHealthFlags, parseHealthOnFailure } from '../health/health-config.js';

/** `KEY=VALUE` (or `KEY`, an empty value) entries -> a map: labels, options, annotations. */
export function parseKeyValues(entries: readonly string[]): Record<string, string> {
  return Object.fromEntries(entries.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

/** `--device HOST[:CONTAINER][:PERMS]` -> Docker's DeviceMapping. */
export function parseDevice(flag: string): DeviceMapping {
  const d = parseDeviceFlag(flag);
  return { PathOnHost: d.hostPath, PathInContainer: d.containerPath, CgroupPermissions: d.permissions };
}

/** `-p [IP:][HOST:]CONTAINER[/PROTO]` (repeated) -> Docker's PortBindings and ExposedPorts. */
export function parsePublish(flags: readonly string[]): { PortBindings: DockerPortBindings; ExposedPorts: Record<string, object> } {
  const bindings = flags.flatMap(parsePublishFlag);
  return { PortBindings: toDockerBindings(bindings), ExposedPorts: Object.fromEntries(bindings.map((b) => [`${b.containerPort}/${b.protocol}`, {}])) };
}

/** Docker's Mount object for a parsed --mount. */
export function dockerMountOf(m: MountRequest): DockerMount {
  if (m.type === 'bind') {
    return { Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readonly, ...(m.propagation || !m.recursive ? { BindOptions: { ...(m.propagation ? { Propagation: m.propagation } : {}), ...(!m.recursive ? { NonRecursive: true } : {}) } } : {}) };
  }
  if (m.type === 'volume') {
    return { Type: 'volume', ...(m.name !== undefined ? { Source: m.name } : {}), Target: m.target, ReadOnly: m.readonly, ...(m.noCopy || m.labels ? { VolumeOptions: { ...(m.noCopy ? { NoCopy: true } : {}), ...(m.labels ? { Labels: m.labels } : {}) } } : {}) };
  }
  return { Type: 'tmpfs', Target: m.target, ReadOnly: m.options.includes('ro'), ...(m.size !== undefined || m.mode !== undefined ? { TmpfsOptions: { ...(m.size !== undefined ? { SizeBytes: m.size } : {}), ...(m.mode !== undefined ? { Mode: m.mode } : {}) } } : {}) };
}

/** `--mount type=...,source=...,target=...` -> Docker's Mount object. */
export function parseMount(flag: string): DockerMount {
  return dockerMountOf(parseMountFlag(flag));
}
