/**
 * The order services start in: every service after what it depends on (`depends_on`, the
 * service whose network it joins with `network_mode: service:NAME`, `links`, `volumes_from`). A cycle is refused with
 * the services that make it. Stopping runs the same order backwards.
 */
import { HullError } from '../errors.js';
import type { ComposeModel, ServiceConfig } from './model.js';

/** The services `svc` needs started first. */
export function dependenciesOf(svc: ServiceConfig): string[] {
  const deps = new Set(Object.keys(svc.depends_on ?? {}));
  const mode = svc.network_mode ?? '';
  if (mode.startsWith('service:')) deps.add(mode.slice(8));
  // links and volumes_from name services that must exist first (Compose adds them to depends_on).
  for (const l of (svc.links as string[] | undefined) ?? []) deps.add(l.split(':')[0] as string);
  for (const v of (svc.volumes_from as string[] | undefined) ?? []) if (!v.startsWith('container:')) deps.add(v.split(':')[0] as string);
  return [...deps];
}

/**
 * Services in start order (dependencies first; otherwise by name, so the order is stable).
 * Only services in the model count: one left out by a profile was refused when loading.
 */
export function startOrder(model: ComposeModel): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new HullError('INVALID_FORMAT', `Cannot order the services of "${model.name}": they depend on each other in a cycle: ${cycle.join(' -> ')}`, {
        hint: 'remove one of these depends_on (or network_mode: service:) entries',
      });
    }
    state.set(name, 'visiting');
    const svc = model.services[name] as ServiceConfig;
    for (const dep of dependenciesOf(svc).sort()) if (model.services[dep]) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(model.services).sort()) visit(name, []);
  return order;
}

/** Services that depend on `name`, directly or not (they are recreated when it is). */
export function dependantsOf(model: ComposeModel, name: string): string[] {
  const out = new Set<string>();
  const walk = (n: string) => {
    for (const [other, svc] of Object.entries(model.services)) {
      if (!out.has(other) && dependenciesOf(svc).includes(n)) {
        out.add(other);
        walk(other);
      }
    }
  };
  walk(name);
  return [...out].sort();
}

/** `names` plus everything they depend on, directly or not (what `up SERVICE` starts without --no-deps). */
export function withDependencies(model: ComposeModel, names: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (n: string) => {
    if (out.has(n) || !model.services[n]) return;
    out.add(n);
    for (const d of dependenciesOf(model.services[n] as ServiceConfig)) walk(d);
  };
  names.forEach(walk);
  return [...out];
}

/**
 * Services in levels: level 0 depends on nothing, level N only on lower levels. The services of
 * one level start together (Compose starts independent services in parallel); `down` stops the
 * levels in reverse.
 */
export function startLevels(model: ComposeModel): string[][] {
  const level = new Map<string, number>();
  for (const name of startOrder(model)) {
    const deps = dependenciesOf(model.services[name] as ServiceConfig).filter((d) => model.services[d]);
    level.set(name, deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => level.get(d) ?? 0)));
  }
  const levels: string[][] = [];
  for (const [name, l] of level) (levels[l] ??= []).push(name);
  return levels;
}
