/** What every handler receives: the request, its route and caller, and the wired services. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gate, Principal } from '../auth/gate.js';
import type { RegistryConfig } from '../config.js';
import type { Registry } from '../registry.js';
import type { Route } from './router.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: Route;
  /** scheme://host[:port] the client used, for Location headers and the token realm. */
  baseUrl: string;
  principal: Principal;
  registry: Registry;
  gate: Gate;
  config: RegistryConfig;
}

/** The repository name of a per-repository route (the router validated it). */
export function repoOf(ctx: RequestContext): string {
  return ctx.route.name!;
}

/** Parses pagination parameters (spec.md#listing-tags): n >= 0, last = exclusive lower bound. */
export function pagination(url: URL): { n: number | undefined; last: string | undefined } {
  const nRaw = url.searchParams.get('n');
  const last = url.searchParams.get('last') ?? undefined;
  if (nRaw === null || nRaw === '') return { n: undefined, last };
  const n = Number(nRaw);
  return { n: Number.isSafeInteger(n) && n >= 0 ? n : undefined, last };
}

/** Applies n/last to a sorted list; returns the page and whether more follow. */
export function paginate(sorted: string[], n: number | undefined, last: string | undefined): { page: string[]; more: boolean } {
  const from = last === undefined ? sorted : sorted.filter((x) => x > last);
  if (n === undefined) return { page: from, more: false };
  return { page: from.slice(0, n), more: from.length > n && n > 0 };
}
