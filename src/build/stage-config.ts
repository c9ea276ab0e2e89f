/**
 * Instructions that only change the image config (ENV, LABEL, CMD, ENTRYPOINT, EXPOSE, VOLUME,
 * USER, WORKDIR, STOPSIGNAL, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER), pure, with Docker's rules:
 * ENV values are expanded with the variables of the point before the instruction; ENTRYPOINT
 * clears a CMD inherited from the base image (not one set in this stage); a relative WORKDIR is
 * relative to the previous one; EXPOSE without a protocol is tcp; shell forms wrap the stage's
 * SHELL (default ["/bin/sh", "-c"]).
 *
 * History entries are written in buildah's (and Docker's classic builder's) style:
 *   /bin/sh -c #(nop) ENV A=1            config-only instructions, empty_layer: true
 *   |1 V=1 /bin/sh -c make               RUN, with the build args in scope
 *   /bin/sh -c #(nop) COPY file:<hash> in /dst    COPY and ADD (file:, dir: or multi:)
 */
import { posix } from 'node:path';
import { HullError } from '../errors.js';
import type { ContainerDefaults, HealthConfig } from '../oci/image-config.js';
import { mergeEnv } from '../oci/env.js';
import type { CommandForm, HealthcheckSpec, Instruction } from './instructions.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** What a stage carries besides the config. */
export interface StageFlags {
  /** CMD was set in this stage (so a later ENTRYPOINT keeps it). */
  cmdSet: boolean;
}

export function commandArgv(command: CommandForm, shell: readonly string[] | undefined): string[] {
  return command.form === 'exec' ? command.argv : [...(shell && shell.length > 0 ? shell : DEFAULT_SHELL), command.script];
}

function exposedPorts(words: string[], where: string): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(w);
    if (!m) throw new HullError('INVALID_ARGUMENT', `Cannot use EXPOSE "${w}" at ${where}: expected PORT[-PORT][/PROTOCOL]`, { hint: 'for example EXPOSE 80 443/tcp 53/udp' });
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const proto = (m[3] ?? 'tcp').toLowerCase();
    for (let p = from; p <= to; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

function healthConfig(h: HealthcheckSpec): HealthConfig {
  const out: HealthConfig = { Test: h.test };
  if (h.interval !== undefined) out.Interval = h.interval;
  if (h.timeout !== undefined) out.Timeout = h.timeout;
  if (h.startPeriod !== undefined) out.StartPeriod = h.startPeriod;
  if (h.startInterval !== undefined) out.StartInterval = h.startInterval;
  if (h.retries !== undefined) out.Retries = h.retries;
  return out;
}

export interface MetadataResult {
  config: ContainerDefaults;
  flags: StageFlags;
  /** MAINTAINER sets the image's author. */
  author?: string;
}

/**
 * Applies one config-only instruction. `expand` expands a raw word with the stage's variables at
 * this point; `where` names the file and line for messages.
 */
export interface Expander {
  /** One word (expand.ts expandWord). */
  word(raw: string): string;
  /** A word that may become several (expand.ts expandWords, for EXPOSE). */
  words(raw: string): string[];
}

export function applyMetadata(config: ContainerDefaults, flags: StageFlags, instr: Instruction, x: Expander, where: string): MetadataResult {
  const expand = (raw: string) => x.word(raw);
  const c: ContainerDefaults = { ...config };
  const f: StageFlags = { ...flags };
  switch (instr.kind) {
    case 'ENV':
      c.Env = mergeEnv(c.Env ?? [], instr.pairs.map((p) => `${expand(p.key)}=${expand(p.value)}`));
      break;
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}) };
      for (const p of instr.pairs) c.Labels[expand(p.key)] = expand(p.value);
      break;
    case 'CMD':
      c.Cmd = commandArgv(instr.command, c.Shell);
      f.cmdSet = true;
      break;
    case 'ENTRYPOINT':
      c.Entrypoint = commandArgv(instr.command, c.Shell);
      if (!f.cmdSet) c.Cmd = null;
      break;
    case 'EXPOSE':
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of exposedPorts(instr.ports.flatMap((w) => x.words(w)), where)) c.ExposedPorts[p] = {};
      break;
    case 'VOLUME': {
      c.Volumes = { ...(c.Volumes ?? {}) };
      const paths = instr.paths.map(expand).filter((p) => p !== '');
      if (paths.length === 0) throw new HullError('INVALID_ARGUMENT', `Cannot use VOLUME at ${where}: no path given`);
      for (const p of paths) c.Volumes[p] = {};
      break;
    }
    case 'USER': {
      const user = expand(instr.user);
      if (user === '') throw new HullError('INVALID_ARGUMENT', `Cannot use USER at ${where}: the user is empty`);
      c.User = user;
      break;
    }
    case 'WORKDIR':
      c.WorkingDir = resolveWorkdir(c.WorkingDir, expand(instr.path));
      break;
    case 'STOPSIGNAL':
      c.StopSignal = expand(instr.signal);
      break;
    case 'SHELL':
      if (instr.shell.length === 0) throw new HullError('INVALID_ARGUMENT', `Cannot use SHELL at ${where}: it needs at least one word`);
      c.Shell = instr.shell;
      break;
    case 'HEALTHCHECK':
      c.Healthcheck = healthConfig(instr.healthcheck);
      break;
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), instr.trigger];
      break;
    case 'MAINTAINER':
      return { config: c, flags: f, author: instr.name }; // not expanded (expand.ts EXPANDED_INSTRUCTIONS)
    default:
      throw new HullError('INTERNAL', `Cannot apply ${instr.kind} as a config change`);
  }
  return { config: c, flags: f };
}

export function resolveWorkdir(current: string | undefined, dir: string): string {
  if (dir === '') return current || '/';
  return posix.resolve(current || '/', dir);
}

/** The history text of a config-only instruction (and ARG). */
export function nopCreatedBy(original: string): string {
  return `/bin/sh -c #(nop) ${original}`;
}

/** RUN's history text: the build args in scope (sorted) as `|N K=V ...`, then the command as written. */
export function runCreatedBy(original: string, args: ReadonlyMap<string, string>): string {
  const command = `/bin/sh -c ${original.replace(/^\s*RUN\s+/i, '')}`;
  if (args.size === 0) return command;
  const pairs = [...args].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  return `|${pairs.length} ${pairs.join(' ')} ${command}`;
}

/** COPY/ADD history text: what was copied, summarised by its content hash. */
export function copyCreatedBy(kind: 'COPY' | 'ADD', summary: string, dest: string): string {
  return `/bin/sh -c #(nop) ${kind} ${summary} in ${dest} `;
}
