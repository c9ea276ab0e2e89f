/**
 * One compose file, as Compose v2's loader takes it (compose-go loader.loadYamlFile): parse,
 * check the shape, interpolate, normalise to long forms, resolve `extends` (this file's
 * services or another file's, compose-spec services.md#extends) and `include`
 * (compose-spec include.md). What comes out is ready to merge with the next `-f` file.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { loadEnvironment } from './discover.js';
import { interpolateTree } from './interpolate.js';
import { mergeFiles, mergeValues, stripMarkers } from './merge.js';
import { normalizeService } from './normalize-service.js';
import { RESOURCE_KINDS, normalizeResources } from './resources.js';
import { toStr } from './units.js';
import { validateComposeFile } from './validate.js';
import { lineIn, parseComposeYaml, pathText, quote, type Path, type SourceFile } from './yaml-source.js';

type Raw = Record<string, unknown>;

export interface FileLoader {
  /** The directory error messages show paths relative to. */
  workingDir: string;
  home: string | undefined;
  warnings: string[];
  /** Every file read, for locating errors found after merging. */
  sources: SourceFile[];
  /** Files already parsed for `extends: {file}`, by path and environment. */
  cache: Map<string, Raw>;
  /** Texts given instead of files (`-f -`: standard input, read by the front door). */
  texts: Map<string, string>;
}

export function shortName(loader: FileLoader, p: string): string {
  const r = relative(loader.workingDir, p);
  return r.startsWith('..') || r === '' ? p : r;
}

/** An error at `path` of `file`: `Cannot load compose file "compose.yaml": line 7: services.web.ports[0] ...`. */
export function failAt(loader: FileLoader, file: SourceFile, path: Path, message: string, hint?: string): never {
  const line = lineIn(file, path);
  throw new HullError('INVALID_FORMAT', `Cannot load compose file ${quote(shortName(loader, file.path))}: ${line ? `line ${line}: ` : ''}${pathText(path)} ${message}`, {
    hint: hint ?? 'see the Compose Specification for the keys and their forms',
  });
}

function readSource(loader: FileLoader, path: string): SourceFile {
  let text: string;
  try {
    text = loader.texts.get(path) ?? readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new HullError('NOT_FOUND', `Cannot load compose file ${quote(shortName(loader, path))}: no such file`);
    if (errnoCode(err) === 'EISDIR') throw new HullError('INVALID_ARGUMENT', `Cannot load compose file ${quote(shortName(loader, path))}: it is a directory`);
    throw err;
  }
  const file = parseComposeYaml(text, path, shortName(loader, path));
  loader.sources.push(file);
  validateComposeFile(file, (p) => shortName(loader, p));
  return file;
}

/** Parse, check, interpolate and normalise one file; `dir` is where its relative paths point. */
function readNormalized(loader: FileLoader, path: string, env: Record<string, string>, dir: string): { file: SourceFile; value: Raw } {
  const file = readSource(loader, path);
  const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  const interpolated = interpolateTree(
    file.value ?? {},
    lookup,
    (at, err) => failAt(loader, file, at, `cannot be interpolated: ${err.message}`, err.kind === 'required' ? 'set the variable in the environment or the .env file' : 'write a literal "$" as "$$"'),
    (name) => {
      const w = `The ${quote(name)} variable is not set. Defaulting to a blank string.`;
      if (!loader.warnings.includes(w)) loader.warnings.push(w);
    },
  ) as Raw;
  const value: Raw = {};
  for (const [k, v] of Object.entries(interpolated)) {
    if (k.startsWith('x-')) continue;
    if (k === 'services') {
      const services: Raw = {};
      for (const [name, svc] of Object.entries((v ?? {}) as Raw)) {
        if (name.startsWith('x-')) continue;
        services[name] = svc === null || typeof svc !== 'object' || Array.isArray(svc) ? svc : normalizeService(svc as Raw, { dir, home: loader.home }, (key, msg) => failAt(loader, file, ['services', name, key], msg));
      }
      value.services = services;
    } else if ((RESOURCE_KINDS as string[]).includes(k)) {
      value[k] = normalizeResources(k as (typeof RESOURCE_KINDS)[number], v, dir, (name, msg) => failAt(loader, file, [k, name], msg));
    } else if (k === 'version') {
      const w = '`version` is obsolete: it is ignored (the Compose Specification has no versions)';
      if (!loader.warnings.includes(w)) loader.warnings.push(w);
    } else value[k] = v;
  }
  return { file, value };
}

/** Resolves every `extends` of `services` (from `file`), in place. */
function applyExtends(loader: FileLoader, file: SourceFile, services: Raw, env: Record<string, string>, chain: string[]): void {
  const done = new Set<string>();
  const resolveOne = (name: string, stack: string[]): Raw => {
    const svc = services[name] as Raw;
    if (done.has(name) || !svc || svc.extends === undefined) return svc;
    const here = `${file.path}#${name}`;
    if (stack.includes(here)) failAt(loader, file, ['services', name, 'extends'], `makes a cycle: ${[...stack, here].map((s) => s.split('#')[1]).join(' -> ')}`);
    const ref = stripMarkers(svc.extends) as { service: string; file?: string };
    let base: Raw | undefined;
    if (ref.file) {
      const other = readExtendsFile(loader, ref.file, env, [...chain, file.path]);
      const otherServices = other.value.services as Raw | undefined;
      base = otherServices?.[ref.service] as Raw | undefined;
      if (!base) failAt(loader, file, ['services', name, 'extends'], `extends service ${quote(ref.service)}, which ${quote(shortName(loader, ref.file))} does not define`);
    } else {
      if (!services[ref.service]) failAt(loader, file, ['services', name, 'extends'], `extends service ${quote(ref.service)}, which this file does not define`);
      base = resolveOne(ref.service, [...stack, here]);
    }
    const own: Raw = { ...svc };
    delete own.extends;
    const merged = mergeValues(stripMarkers(base), own, name, 'services') as Raw;
    services[name] = merged;
    done.add(name);
    return merged;
  };
  for (const name of Object.keys(services)) resolveOne(name, []);
}

/** Another file named by `extends: {file}`: its own relative paths point from its own directory. */
function readExtendsFile(loader: FileLoader, path: string, env: Record<string, string>, chain: string[]): { value: Raw } {
  const cached = loader.cache.get(path);
  if (cached) return { value: cached };
  if (chain.includes(path)) throw new HullError('INVALID_FORMAT', `Cannot load compose file ${quote(shortName(loader, path))}: extends makes a cycle through ${chain.map((c) => quote(shortName(loader, c))).join(', ')}`);
  const { file, value } = readNormalized(loader, path, env, dirname(path));
  applyExtends(loader, file, (value.services ?? {}) as Raw, env, [...chain, path]);
  loader.cache.set(path, value);
  return { value };
}

/**
 * Loads one `-f` file (relative paths against `dir`), with its extends and includes resolved.
 * `included` is the chain of files including this one, to refuse an include cycle.
 */
export function loadComposeFile(loader: FileLoader, path: string, env: Record<string, string>, dir: string, included: string[] = []): Raw {
  const { file, value } = readNormalized(loader, path, env, dir);
  if (value.services) applyExtends(loader, file, value.services as Raw, env, []);
  const includes = value.include as unknown[] | undefined;
  delete value.include;
  if (!includes) return value;
  let result = stripMarkers(value) as Raw;
  includes.forEach((entry, i) => {
    const spec = typeof entry === 'string' ? { path: entry } : (entry as Raw);
    const paths = (Array.isArray(spec.path) ? spec.path : [spec.path]).map((p) => resolve(dir, toStr(p)));
    if (paths.length === 0 || spec.path === undefined) failAt(loader, file, ['include', i], 'needs a "path"');
    const projectDir = spec.project_directory === undefined ? dirname(paths[0] as string) : resolve(dir, toStr(spec.project_directory));
    const envFiles = spec.env_file === undefined ? [] : (Array.isArray(spec.env_file) ? spec.env_file : [spec.env_file]).map((f) => resolve(dir, toStr(f)));
    // The including project's variables win over the included one's .env (compose-go include.go).
    const childEnv = loadEnvironment(projectDir, envFiles, env, dir);
    for (const p of paths) {
      if ([...included, path].includes(p)) failAt(loader, file, ['include', i], `makes a cycle: ${[...included, path, p].map((c) => shortName(loader, c)).join(' -> ')}`);
    }
    const child = mergeFiles(paths.map((p) => loadComposeFile(loader, p, childEnv, projectDir, [...included, path])));
    result = addIncluded(loader, file, result, child, paths[0] as string, i);
  });
  return result;
}

/** Resources of an included project join this one; the same name defined twice differently is refused. */
function addIncluded(loader: FileLoader, file: SourceFile, into: Raw, child: Raw, childPath: string, index: number): Raw {
  const out: Raw = { ...into };
  for (const kind of ['services', ...RESOURCE_KINDS]) {
    const mine = { ...((out[kind] ?? {}) as Raw) };
    for (const [name, def] of Object.entries((child[kind] ?? {}) as Raw)) {
      if (name in mine && JSON.stringify(mine[name]) !== JSON.stringify(def)) {
        failAt(loader, file, ['include', index], `brings ${kind.replace(/s$/, '')} ${quote(name)} from ${quote(shortName(loader, childPath))}, which conflicts with one defined already`, 'rename one of them');
      }
      mine[name] = def;
    }
    if (Object.keys(mine).length > 0) out[kind] = mine;
  }
  return out;
}
