/**
 * `loadProject`: from what a `hull compose` command was given (files, project name, env files,
 * profiles, the caller's environment) to the normalised project. The steps, in Compose v2's
 * order: find the files, read the variables, load each file (load-file.ts), merge them in
 * order (merge.ts), name the project, keep the services the active profiles enable, finish
 * the model (finish.ts). Pure apart from reading the files; the environment is passed in.
 */
import { dirname, resolve } from 'node:path';
import { HullError } from '../errors.js';
import { STDIN_FILE, checkProjectName, directoryProjectName, loadEnvironment, normalizeProjectName, resolveComposeFiles } from './discover.js';
import { finishModel } from './finish.js';
import { loadComposeFile, type FileLoader } from './load-file.js';
import { mergeFiles, stripMarkers } from './merge.js';
import type { ComposeProject, ServiceConfig } from './model.js';

export interface LoadOptions {
  /** Where the command runs: discovery starts here, `-f` and `--env-file` paths resolve here. */
  workingDir: string;
  /** The caller's environment (the CLI passes process.env; the core never reads it itself). */
  environment: Readonly<Record<string, string | undefined>>;
  files?: readonly string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles?: readonly string[];
  /** Active profiles; without, COMPOSE_PROFILES (comma-separated) from the environment. */
  profiles?: readonly string[];
  /** Services the command names: they are enabled whatever their profiles (profiles.md). */
  services?: readonly string[];
  /** The text of `-f -` (the front door reads its standard input; the core never does). */
  stdinText?: string;
}

export function loadProject(opts: LoadOptions): ComposeProject {
  const configFiles = resolveComposeFiles(opts.workingDir, opts.files ?? [], opts.environment);
  const workingDir = opts.projectDirectory ? resolve(opts.workingDir, opts.projectDirectory) : dirname(configFiles[0] as string);
  const env = loadEnvironment(workingDir, opts.envFiles ?? [], opts.environment, opts.workingDir);
  const texts = new Map<string, string>();
  if (configFiles.includes(STDIN_FILE(opts.workingDir))) {
    if (opts.stdinText === undefined) throw new HullError('INVALID_ARGUMENT', 'Cannot read the compose file "-": no standard input was given');
    texts.set(STDIN_FILE(opts.workingDir), opts.stdinText);
  }
  const loader: FileLoader = { workingDir: opts.workingDir, home: env.HOME, warnings: [], sources: [], cache: new Map(), texts };
  const parts = configFiles.map((f) => loadComposeFile(loader, f, env, workingDir));
  const merged = stripMarkers(mergeFiles(parts)) as Record<string, unknown>;
  const name = projectName(opts, env, merged, workingDir);
  const { enabled, disabled } = applyProfiles((merged.services ?? {}) as Record<string, ServiceConfig>, activeProfiles(opts, env), opts.services ?? []);
  const model = finishModel(name, { ...merged, services: enabled }, env, new Set(Object.keys(disabled)));
  return { model, workingDir, configFiles, environment: env, disabledServices: disabled, warnings: loader.warnings };
}

function projectName(opts: LoadOptions, env: Record<string, string>, merged: Record<string, unknown>, workingDir: string): string {
  if (opts.projectName !== undefined) return checkProjectName(opts.projectName, '-p');
  if (env.COMPOSE_PROJECT_NAME) return checkProjectName(env.COMPOSE_PROJECT_NAME, 'COMPOSE_PROJECT_NAME');
  if (typeof merged.name === 'string' && normalizeProjectName(merged.name) !== '') return normalizeProjectName(merged.name);
  const fromDir = directoryProjectName(workingDir);
  return checkProjectName(fromDir, `the directory name of ${JSON.stringify(workingDir)}`);
}

function activeProfiles(opts: LoadOptions, env: Record<string, string>): string[] {
  if (opts.profiles && opts.profiles.length > 0) return [...opts.profiles];
  return (env.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * A service without profiles is always on; one with profiles is on when one is active ("*"
 * activates all) or when the command names it — and then its profiles become active too.
 */
export function applyProfiles(services: Record<string, ServiceConfig>, profiles: readonly string[], targeted: readonly string[]): { enabled: Record<string, ServiceConfig>; disabled: Record<string, ServiceConfig> } {
  const active = new Set(profiles);
  for (const t of targeted) for (const p of services[t]?.profiles ?? []) active.add(p);
  const on = (s: ServiceConfig) => !s?.profiles || s.profiles.length === 0 || active.has('*') || s.profiles.some((p) => active.has(p));
  const enabled: Record<string, ServiceConfig> = {};
  const disabled: Record<string, ServiceConfig> = {};
  for (const [name, svc] of Object.entries(services)) (on(svc) ? enabled : disabled)[name] = svc;
  return { enabled, disabled };
}
