/**
 * Pure merging of an image's defaults with `hull run`/`create` options into a container's
 * Config, following docker's rules:
 *  - CMD given on the command line replaces the image's Cmd;
 *  - --entrypoint replaces the image's Entrypoint and clears the image's Cmd;
 *  - -e K=V overrides the image's K (the front door resolves -e K from its own environment);
 *  - an image without PATH gets the default PATH.
 */
import { HullError } from '../errors.js';
import type { ContainerDefaults } from '../oci/image-config.js';
import { DEFAULT_PATH } from '../runtime/defaults.js';
import { envKey, mergeEnv } from '../oci/env.js';

export interface ProcessOptions {
  cmd?: string[];
  /** Replaces the image's ENTRYPOINT (and clears its CMD); [] clears it. */
  entrypoint?: string[];
  env?: string[];
  workdir?: string;
  user?: string;
}

export function resolveEnvArgs(args: string[], hostEnv: NodeJS.ProcessEnv): string[] {
  return args.flatMap((a) => {
    if (a.includes('=')) return [a];
    const v = hostEnv[a];
    return v === undefined ? [] : [`${a}=${v}`];
  });
}

/** Parses an --env-file: KEY=VALUE lines, # comments, blank lines; KEY alone takes hull's env. */
export function parseEnvFile(text: string, hostEnv: NodeJS.ProcessEnv): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return resolveEnvArgs(lines, hostEnv);
}

export interface ProcessConfig {
  Entrypoint: string[];
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
}

/** Env entries are KEY=VALUE: a front door resolves `-e KEY` from its own environment first. */
export function mergeProcessConfig(image: ContainerDefaults | undefined, opts: ProcessOptions): ProcessConfig {
  const entrypoint = opts.entrypoint ?? image?.Entrypoint ?? [];
  const cmd = opts.cmd && opts.cmd.length > 0 ? opts.cmd : opts.entrypoint !== undefined ? [] : (image?.Cmd ?? []);
  const imageEnv = image?.Env ?? [];
  const base = imageEnv.some((e) => envKey(e) === 'PATH') ? [] : [`PATH=${DEFAULT_PATH}`];
  return {
    Entrypoint: entrypoint,
    Cmd: cmd,
    Env: mergeEnv(base, imageEnv, (opts.env ?? []).filter((e) => e.includes('='))),
    WorkingDir: opts.workdir ?? (image?.WorkingDir || '/'),
    User: opts.user ?? image?.User ?? '',
  };
}

/** The argv the container's process runs: Entrypoint followed by Cmd. */
export function processArgs(c: Pick<ProcessConfig, 'Entrypoint' | 'Cmd'>, name: string): string[] {
  const args = [...c.Entrypoint, ...c.Cmd];
  if (args.length === 0) {
    throw new HullError('INVALID_ARGUMENT', `Cannot create container "${name}": no command specified`, {
      hint: 'give a command after the image name, or use an image with a CMD or ENTRYPOINT',
    });
  }
  return args;
}

export function checkWorkdir(dir: string): string {
  if (!dir.startsWith('/')) throw new HullError('INVALID_ARGUMENT', `Cannot use working directory "${dir}": it must be an absolute path`);
  return dir;
}
