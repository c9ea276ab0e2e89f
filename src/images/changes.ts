/**
 * `--change` instructions for import and commit (docker's subset of Dockerfile instructions):
 * CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD is refused, STOPSIGNAL, USER, VOLUME, WORKDIR.
 * Pure: applied to a copy of the image's container defaults.
 */
import { HullError } from '../errors.js';
import type { ContainerDefaults } from '../oci/image-config.js';
import { mergeEnv } from '../oci/env.js';

function invalid(change: string, why: string): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot apply change "${change}": ${why}`, {
    hint: 'changes look like --change \'CMD ["sh"]\', --change "ENV KEY=value", --change "WORKDIR /app"',
  });
}

/** Exec form (a JSON array) or shell form (wrapped in /bin/sh -c), as a Dockerfile reads them. */
export function parseCommandForm(value: string): string[] {
  const v = value.trim();
  if (v.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
    } catch {
      // not JSON after all: shell form, as docker falls back
    }
  }
  return ['/bin/sh', '-c', v];
}

/** KEY=VALUE pairs (quotes allowed) or the legacy "KEY VALUE" form. */
export function parseKeyValues(rest: string, change: string): Array<[string, string]> {
  const legacy = /^([^\s=]+)\s+(.*)$/.exec(rest);
  if (legacy && !rest.split(/\s+/)[0]?.includes('=')) return [[legacy[1] as string, legacy[2] as string]];
  const out: Array<[string, string]> = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of rest.matchAll(re)) {
    let value = m[2] as string;
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value.startsWith("'")) value = value.slice(1, -1);
    out.push([m[1] as string, value]);
  }
  if (out.length === 0) throw invalid(change, 'expected KEY=VALUE');
  return out;
}

export function applyChange(config: ContainerDefaults, change: string): ContainerDefaults {
  const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(change);
  if (!m) throw invalid(change, 'expected an instruction and its argument');
  const instruction = (m[1] as string).toUpperCase();
  const rest = (m[2] as string).trim();
  const next: ContainerDefaults = { ...config };
  switch (instruction) {
    case 'CMD':
      next.Cmd = parseCommandForm(rest);
      break;
    case 'ENTRYPOINT':
      next.Entrypoint = parseCommandForm(rest);
      break;
    case 'ENV':
      next.Env = mergeEnv(config.Env ?? [], parseKeyValues(rest, change).map(([k, v]) => `${k}=${v}`));
      break;
    case 'LABEL':
      next.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(parseKeyValues(rest, change)) };
      break;
    case 'WORKDIR':
      if (!rest.startsWith('/')) throw invalid(change, 'WORKDIR must be an absolute path');
      next.WorkingDir = rest;
      break;
    case 'USER':
      next.User = rest;
      break;
    case 'STOPSIGNAL':
      next.StopSignal = rest;
      break;
    case 'EXPOSE':
      next.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
      for (const p of rest.split(/\s+/)) next.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
      break;
    case 'VOLUME':
      next.Volumes = { ...(config.Volumes ?? {}) };
      for (const v of rest.startsWith('[') ? parseCommandForm(rest) : rest.split(/\s+/)) next.Volumes[v] = {};
      break;
    default:
      throw invalid(change, `"${instruction}" is not supported (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME or WORKDIR)`);
  }
  return next;
}
