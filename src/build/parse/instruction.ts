/**
 * One instruction's text → a typed Instruction (the contract in ../instructions.ts). Words stay
 * raw: the builder expands them (../expand.ts). What each instruction accepts follows BuildKit's
 * instructions/parse.go; messages say what is wrong and the hint what to write instead.
 */
import type { ArgInstruction, CopyInstruction, FromInstruction, Instruction, KeyValue } from '../instructions.js';
import { parseCmdOrEntrypoint, parseHealthcheck, parseRun, parseShell } from './commands.js';
import { Flags } from './flags.js';
import { parseHeredocWord } from './heredoc.js';
import { ParseProblem } from './problem.js';
import type { InstructionText } from './request.js';
import { closest } from './suggest.js';
import { blankFields, firstField, parseJsonArray, rawWords, splitCommand } from './words.js';

export const KEYWORDS = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
] as const;

export function parseInstruction(req: InstructionText): Instruction {
  switch (req.keyword) {
    case 'FROM': return parseFrom(req);
    case 'ARG': return parseArg(req);
    case 'RUN': return parseRun(req);
    case 'CMD': return parseCmdOrEntrypoint(req, 'CMD');
    case 'ENTRYPOINT': return parseCmdOrEntrypoint(req, 'ENTRYPOINT');
    case 'SHELL': return parseShell(req);
    case 'HEALTHCHECK': return parseHealthcheck(req);
    case 'COPY': case 'ADD': return parseCopy(req, req.keyword);
    case 'ENV': case 'LABEL': return { kind: req.keyword, ...located(req), pairs: parsePairs(req, req.keyword) };
    case 'EXPOSE': noFlags(req); return { kind: 'EXPOSE', ...located(req), ports: atLeastOne(req, blankFields(req.rest)) };
    case 'VOLUME': return { kind: 'VOLUME', ...located(req), paths: parseVolumes(req) };
    case 'USER': return { kind: 'USER', ...located(req), user: exactlyOne(req) };
    case 'WORKDIR': return { kind: 'WORKDIR', ...located(req), path: exactlyOne(req) };
    case 'STOPSIGNAL': return { kind: 'STOPSIGNAL', ...located(req), signal: exactlyOne(req) };
    case 'MAINTAINER': return { kind: 'MAINTAINER', ...located(req), name: exactlyOne(req) };
    case 'ONBUILD': return parseOnbuild(req);
    default: {
      const guess = closest(req.keyword, KEYWORDS);
      throw new ParseProblem(`unknown instruction "${req.keyword}"`, guess !== undefined ? `did you mean "${guess}"?` : `instructions are ${KEYWORDS.join(', ')}`);
    }
  }
}

function located(req: InstructionText): { line: number; original: string } {
  return { line: req.line, original: req.original };
}

function noFlags(req: InstructionText): void {
  Flags.parse(req.keyword, req.flags, { accepted: {} });
}

const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;

function parseFrom(req: InstructionText): FromInstruction {
  const flags = Flags.parse('FROM', req.flags, { accepted: { platform: 'string' } });
  const args = blankFields(req.rest);
  const image = args[0];
  if (image === undefined || !(args.length === 1 || (args.length === 3 && args[1]?.toLowerCase() === 'as'))) {
    throw new ParseProblem('FROM requires either one or three arguments', 'write FROM [--platform=...] image [AS name]');
  }
  const from: FromInstruction = { kind: 'FROM', ...located(req), image };
  const platform = flags.string('platform');
  if (platform !== undefined) from.platform = platform;
  if (args[2] !== undefined) {
    const alias = args[2].toLowerCase();
    if (!STAGE_NAME.test(alias)) {
      throw new ParseProblem(`invalid name for build stage: "${args[2]}"`, 'a stage name starts with a letter and has only letters, digits, "-", "_" and "."');
    }
    from.alias = alias;
  }
  return from;
}

function parseArg(req: InstructionText): ArgInstruction {
  noFlags(req);
  const args = atLeastOne(req, rawWords(req.rest, req.escape)).map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { name: word };
    if (eq === 0) throw new ParseProblem('ARG names can not be blank', 'write ARG name=value');
    return { name: word.slice(0, eq), default: word.slice(eq + 1) };
  });
  return { kind: 'ARG', ...located(req), args };
}

/**
 * ENV and LABEL: `KEY value with spaces` (the legacy form: one pair, the value is the rest of the
 * line) when the first word has no `=`, else `k=v k2="v 2"` pairs.
 */
function parsePairs(req: InstructionText, kind: 'ENV' | 'LABEL'): KeyValue[] {
  noFlags(req);
  const words = atLeastOne(req, rawWords(req.rest, req.escape));
  if (!(words[0] as string).includes('=')) {
    const [key, value] = firstField(req.rest);
    if (value === '') throw new ParseProblem(`${kind} must have two arguments`, `write ${kind} key=value`);
    return [{ key, value }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) throw new ParseProblem(`can't find = in "${word}": it must be of the form name=value`, 'quote values that contain spaces: key="a b"');
    if (eq === 0) throw new ParseProblem(`${kind} names can not be blank`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

function parseCopy(req: InstructionText, kind: 'COPY' | 'ADD'): CopyInstruction {
  const flags = Flags.parse(kind, req.flags, kind === 'COPY'
    ? { accepted: { from: 'string', chown: 'string', chmod: 'string', link: 'bool' }, unsupported: ['parents', 'exclude'] }
    : { accepted: { chown: 'string', chmod: 'string', link: 'bool', checksum: 'string', 'keep-git-dir': 'bool' }, unsupported: ['unpack', 'exclude'] });
  const json = parseJsonArray(req.rest);
  const args = json ?? blankFields(req.rest);
  const dest = args[args.length - 1];
  if (dest === undefined || args.length < 2) {
    throw new ParseProblem(`${kind} requires at least two arguments: sources and a destination`, `write ${kind} source... /destination`);
  }
  // In the shell form a `<<EOF` source is a heredoc: a file named EOF with the body as content.
  const isHeredoc = (word: string): boolean => json === undefined && parseHeredocWord(word) !== undefined;
  if (isHeredoc(dest)) throw new ParseProblem(`${kind} cannot accept a heredoc as a destination`, `write ${kind} <<EOF /destination`);
  const copy: CopyInstruction = {
    kind,
    ...located(req),
    sources: args.slice(0, -1).filter((word) => !isHeredoc(word)),
    dest,
    link: flags.bool('link'),
    heredocs: req.heredocs,
    ...(kind === 'ADD' && flags.bool('keep-git-dir') ? { keepGitDir: true } : {}),
  };
  for (const name of ['from', 'chown', 'chmod', 'checksum'] as const) {
    const value = flags.string(name);
    if (value !== undefined) copy[name] = value;
  }
  return copy;
}

function parseVolumes(req: InstructionText): string[] {
  noFlags(req);
  const paths = atLeastOne(req, parseJsonArray(req.rest) ?? blankFields(req.rest)).map((p) => p.trim());
  if (paths.includes('')) throw new ParseProblem('VOLUME specified can not be an empty string');
  return paths;
}

/** The trigger is kept as text (with its heredocs) but checked now, so mistakes show up here. */
function parseOnbuild(req: InstructionText): Instruction {
  noFlags(req);
  if (req.rest === '') throw new ParseProblem('ONBUILD requires at least one argument', 'write ONBUILD INSTRUCTION arguments');
  const sub = splitCommand(req.rest, req.escape);
  const keyword = sub.keyword.toUpperCase();
  if (keyword === 'ONBUILD') throw new ParseProblem('chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  if (keyword === 'FROM' || keyword === 'MAINTAINER') throw new ParseProblem(`${keyword} isn't allowed as an ONBUILD trigger`);
  parseInstruction({ ...req, ...sub, keyword, original: req.rest });
  const text = req.original.replace(/^\s*ONBUILD\s*/i, '');
  return { kind: 'ONBUILD', ...located(req), trigger: text + req.heredocs.map((h) => `\n${h.content}${h.name}`).join('') };
}

function atLeastOne<T>(req: InstructionText, args: T[]): T[] {
  if (args.length === 0) throw new ParseProblem(`${req.keyword} requires at least one argument`);
  return args;
}

function exactlyOne(req: InstructionText): string {
  noFlags(req);
  if (req.rest === '') throw new ParseProblem(`${req.keyword} requires exactly one argument`);
  return req.rest;
}
