/**
 * The context's ignore rules for the builder: the first of <Containerfile>.containerignore,
 * <Containerfile>.dockerignore, CONTEXT/.containerignore, CONTEXT/.dockerignore (dockerignore.ts),
 * as the two predicates the copy code walks with.
 */
import { loadIgnore } from './dockerignore.js';

export interface ContextFilter {
  /** Whether a context path (relative, `/`-separated) is left out. */
  excluded(rel: string): boolean;
  /** Whether a left-out directory can be skipped whole (no exception puts anything inside back). */
  skipDir(rel: string): boolean;
}

export async function loadIgnoreFile(contextDir: string, containerfile: string | undefined): Promise<ContextFilter> {
  const m = await loadIgnore(contextDir, containerfile === undefined ? {} : { containerfile });
  return { excluded: (rel) => m.excludes(rel), skipDir: (rel) => m.canSkipDir(rel) };
}
