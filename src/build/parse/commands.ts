/**
 * The instructions that carry a command: RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK. A command is
 * the exec form when its text is a JSON array of strings, else the shell form, the text as written
 * (Docker falls back to the shell form for invalid JSON, so `CMD [oops` runs `/bin/sh -c "[oops"`).
 */
import type { CommandForm, HealthcheckSpec, Heredoc, Instruction, RunInstruction } from '../instructions.js';
import { parseGoDuration } from './duration.js';
import { Flags } from './flags.js';
import { parseHeredocWord } from './heredoc.js';
import { parseMount } from './mount.js';
import { ParseProblem } from './problem.js';
import type { InstructionText } from './request.js';
import { parseJsonArray } from './words.js';

export function commandForm(text: string): CommandForm {
  const argv = parseJsonArray(text);
  return argv !== undefined ? { form: 'exec', argv } : { form: 'shell', script: text };
}

export function parseRun(req: InstructionText): RunInstruction {
  const flags = Flags.parse('RUN', req.flags, {
    accepted: { mount: 'list', network: 'string', security: 'string' },
    unsupported: ['device'],
  });
  const command = commandForm(req.rest);
  if (command.form === 'exec' ? command.argv.length === 0 : command.script === '') {
    throw new ParseProblem('RUN requires at least one argument', 'write the command to run, e.g. RUN make');
  }
  const run: RunInstruction = {
    kind: 'RUN',
    line: req.line,
    original: req.original,
    command: command.form === 'shell' && req.heredocs.length > 0 ? { form: 'shell', script: heredocScript(command.script, req.heredocs) } : command,
    mounts: flags.list('mount').map(parseMount),
    heredocs: req.heredocs,
  };
  const network = flags.string('network');
  if (network !== undefined) run.network = oneOf('network', network, ['default', 'none', 'host'] as const);
  const security = flags.string('security');
  if (security !== undefined) run.security = oneOf('security', security, ['sandbox', 'insecure'] as const);
  return run;
}

/**
 * The script a shell-form RUN with heredocs runs, as Docker builds it (dockerfile2llb dispatchRun):
 *   - `RUN <<EOF` alone: the body is the script, run with the SHELL. (Docker runs a body that
 *     starts with `#!` as a file instead; the builder can spot that case: one heredoc whose
 *     content equals the script and starts with "#!".)
 *   - anything else (`RUN python3 <<EOF`, `RUN cat <<A <<B > f`): the line, then each body and
 *     its delimiter, so the shell itself feeds the bodies to the command as here-documents.
 */
function heredocScript(line: string, heredocs: readonly Heredoc[]): string {
  const only = heredocs.length === 1 ? parseHeredocWord(line) : undefined;
  if (only?.whole === true && heredocs[0] !== undefined) return heredocs[0].content;
  return line + heredocs.map((h) => `\n${h.content}${h.name}`).join('');
}

export function parseCmdOrEntrypoint(req: InstructionText, kind: 'CMD' | 'ENTRYPOINT'): Instruction {
  Flags.parse(kind, req.flags, { accepted: {} });
  if (req.rest === '') {
    throw new ParseProblem(`${kind} requires at least one argument`, `write ${kind} ["executable", "arg"], or ${kind} [] for none`);
  }
  return { kind, line: req.line, original: req.original, command: commandForm(req.rest) };
}

export function parseShell(req: InstructionText): Instruction {
  Flags.parse('SHELL', req.flags, { accepted: {} });
  const shell = parseJsonArray(req.rest);
  if (shell === undefined) throw new ParseProblem('SHELL requires the arguments to be in JSON form', 'write SHELL ["/bin/bash", "-c"]');
  if (shell.length === 0) throw new ParseProblem('SHELL requires at least one argument', 'write SHELL ["/bin/bash", "-c"]');
  return { kind: 'SHELL', line: req.line, original: req.original, shell };
}

const HEALTHCHECK_USAGE = 'write HEALTHCHECK [--interval=30s ...] CMD command, or HEALTHCHECK NONE';

export function parseHealthcheck(req: InstructionText): Instruction {
  const blank = /\s/.exec(req.rest);
  const type = (blank === null ? req.rest : req.rest.slice(0, blank.index)).toUpperCase();
  const rest = blank === null ? '' : req.rest.slice(blank.index).trim();
  const located = { kind: 'HEALTHCHECK' as const, line: req.line, original: req.original };
  if (type === '') throw new ParseProblem('HEALTHCHECK requires at least one argument', HEALTHCHECK_USAGE);
  if (type === 'NONE') {
    if (rest !== '' || req.flags.length > 0) throw new ParseProblem('HEALTHCHECK NONE takes no arguments');
    return { ...located, healthcheck: { test: ['NONE'] } };
  }
  const flags = Flags.parse('HEALTHCHECK', req.flags, {
    accepted: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
  });
  if (type !== 'CMD') throw new ParseProblem(`unknown type "${type}" in HEALTHCHECK (try CMD)`, HEALTHCHECK_USAGE);
  const command = commandForm(rest);
  if (command.form === 'exec' ? command.argv.length === 0 : command.script === '') {
    throw new ParseProblem('missing command after HEALTHCHECK CMD', HEALTHCHECK_USAGE);
  }
  const healthcheck: HealthcheckSpec = { test: command.form === 'exec' ? ['CMD', ...command.argv] : ['CMD-SHELL', command.script] };
  const durations = [['interval', 'interval'], ['timeout', 'timeout'], ['start-period', 'startPeriod'], ['start-interval', 'startInterval']] as const;
  for (const [flag, field] of durations) {
    const value = flags.string(flag);
    if (value !== undefined) healthcheck[field] = healthcheckDuration(flag, value);
  }
  const retries = flags.string('retries');
  if (retries !== undefined) healthcheck.retries = healthcheckRetries(retries);
  return { ...located, healthcheck };
}

/** 0 means "the default"; anything else must be at least 1ms (Docker's minimum). */
function healthcheckDuration(flag: string, value: string): number {
  const ns = parseGoDuration(value);
  if (ns === undefined) throw new ParseProblem(`invalid duration "${value}" for --${flag}`, 'write a Go duration such as 30s, 1m30s or 500ms');
  if (ns !== 0 && ns < 1e6) throw new ParseProblem(`--${flag} cannot be less than 1ms`);
  return ns;
}

function healthcheckRetries(value: string): number {
  if (!/^[+-]?\d+$/.test(value) || Math.abs(Number(value)) > 2 ** 31 - 1) {
    throw new ParseProblem(`invalid value "${value}" for --retries`, 'write a whole number');
  }
  const retries = Number(value);
  if (retries < 0) throw new ParseProblem(`--retries cannot be negative (${retries})`);
  return retries;
}

function oneOf<const T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new ParseProblem(`invalid --${flag} value "${value}"`, `use ${allowed.map((a) => `--${flag}=${a}`).join(', ')}`);
  return found;
}
