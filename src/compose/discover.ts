/**
 * Which files make a project, what it is called, and which variables its files see — the
 * Compose v2 rules (docs: compose/project-name, compose/environment-variables/envvars,
 * compose/multiple-compose-files/merge):
 * - files: `-f` (repeatable), else COMPOSE_FILE (split on COMPOSE_PATH_SEPARATOR, default ":"),
 *   else the first of compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml in the
 *   working directory or the nearest parent that has one, plus its `.override` sibling;
 * - the project directory: `--project-directory`, else the first file's directory;
 * - variables: the process environment, over `--env-file` files (or the project's `.env`);
 * - the name: `-p`, else COMPOSE_PROJECT_NAME, else top-level `name:`, else the directory's
 *   name, lower-cased with characters other than [a-z0-9_-] dropped.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { HullError, errnoCode } from '../errors.js';
import { parseDotenv } from './dotenv.js';
import { quote } from './yaml-source.js';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
const OVERRIDE_FILES: Record<string, string[]> = {
  'compose.yaml': ['compose.override.yaml', 'compose.override.yml'],
  'compose.yml': ['compose.override.yml', 'compose.override.yaml'],
  'docker-compose.yml': ['docker-compose.override.yml', 'docker-compose.override.yaml'],
  'docker-compose.yaml': ['docker-compose.override.yaml', 'docker-compose.override.yml'],
};

/** Where `-f -` stands in the list of files: the working directory is its project directory. */
export const STDIN_FILE = (workingDir: string): string => join(resolve(workingDir), '-');

/** Finds the default compose file in `dir` or its nearest parent; with its override file. */
export function findComposeFiles(dir: string): string[] | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    for (const name of DEFAULT_FILES) {
      const file = join(d, name);
      if (!isFile(file)) continue;
      const override = (OVERRIDE_FILES[name] ?? []).map((o) => join(d, o)).find(isFile);
      return override ? [file, override] : [file];
    }
    if (dirname(d) === d) return undefined;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The files a command names, or the ones discovery finds; throws NOT_FOUND when there are none. */
export function resolveComposeFiles(workingDir: string, files: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  let given = [...files];
  if (given.length === 0 && env.COMPOSE_FILE) given = env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || ':').filter((f) => f !== '');
  if (given.length > 0) {
    return given.map((f) => {
      if (f === '-') return STDIN_FILE(workingDir); // its text comes with the load options
      const p = isAbsolute(f) ? f : resolve(workingDir, f);
      if (!existsSync(p)) throw new HullError('NOT_FOUND', `Cannot load compose file ${quote(p)}: no such file`, { hint: 'check the path given with -f' });
      return p;
    });
  }
  const found = findComposeFiles(workingDir);
  if (!found) {
    throw new HullError('NOT_FOUND', `Cannot find a compose file in ${quote(workingDir)} or its parents`, {
      hint: `create ${DEFAULT_FILES[0]} there, or name one with -f FILE`,
    });
  }
  return found;
}

/** Lower-cases and drops every character but [a-z0-9_-], then leading "_" and "-" (as Compose does). */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

/** A name given by the user (`-p`, COMPOSE_PROJECT_NAME) must already be normal; Compose refuses it otherwise. */
export function checkProjectName(name: string, source: string): string {
  if (name === '' || normalizeProjectName(name) !== name) {
    throw new HullError('INVALID_ARGUMENT', `Cannot use project name ${quote(name)} (from ${source}): it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`, {
      hint: `try ${quote(normalizeProjectName(name) || 'app')}`,
    });
  }
  return name;
}

/**
 * The variables compose files are interpolated with: the `.env` file of the project directory
 * (or the `--env-file` files, in order) under the process environment, which wins.
 */
export function loadEnvironment(projectDir: string, envFiles: readonly string[], processEnv: Readonly<Record<string, string | undefined>>, workingDir: string): Record<string, string> {
  const fromProcess: Record<string, string> = {};
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) fromProcess[k] = v;
  const files = envFiles.length > 0 ? envFiles.map((f) => resolve(workingDir, f)) : [join(projectDir, '.env')];
  const fromFiles: Record<string, string> = {};
  for (const file of files) {
    let text: string;
    try {
      if (statSync(file).isDirectory()) throw new HullError('INVALID_ARGUMENT', `Cannot read env file ${quote(file)}: it is a directory`);
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && envFiles.length === 0) continue; // .env is optional, --env-file is not
      if (errnoCode(err) === 'ENOENT') throw new HullError('NOT_FOUND', `Cannot read env file ${quote(file)}: no such file`, { hint: 'check the path given with --env-file' });
      throw err;
    }
    Object.assign(fromFiles, parseDotenv(text, file, (name) => fromProcess[name] ?? fromFiles[name]));
  }
  return { ...fromFiles, ...fromProcess };
}

/** The project directory's own name, normalised, for a project that names itself nowhere else. */
export function directoryProjectName(projectDir: string): string {
  return normalizeProjectName(basename(resolve(projectDir)));
}
