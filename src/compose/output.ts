/**
 * The model as `docker compose config` prints it: `name` first, services by name, each
 * service's keys in alphabetical order, then networks, volumes, secrets and configs.
 */
import { stringify } from 'yaml';
import type { ComposeModel } from './model.js';

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

export function modelForOutput(model: ComposeModel): Record<string, unknown> {
  const out: Record<string, unknown> = { name: model.name, services: sortKeys(model.services) };
  for (const k of ['networks', 'volumes', 'secrets', 'configs'] as const) if (model[k]) out[k] = sortKeys(model[k]);
  return out;
}

export function modelAsYaml(model: ComposeModel): string {
  // Strings that look like numbers or booleans are quoted, so the output reads back the same.
  return stringify(modelForOutput(model), { lineWidth: 0, nullStr: 'null' });
}

/** The image a service runs: its `image`, or `PROJECT-SERVICE` for one that is only built (Compose v2's default). */
export function serviceImage(model: ComposeModel, service: string): string {
  return model.services[service]?.image ?? `${model.name}-${service}`;
}
