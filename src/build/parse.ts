/**
 * parseContainerfile: a Containerfile/Dockerfile's text → stages of typed, unexpanded instructions
 * (the contract in instructions.ts). Pure: no I/O, throws HullError INVALID_ARGUMENT naming the
 * file and the line, e.g. `Cannot parse "Containerfile" line 7: unknown instruction "RUNN"`.
 *
 * The steps, as in BuildKit: directives at the top (`# escape=`, `# syntax=`), then logical lines
 * (continuations joined, comments dropped, parse/lines.ts), each split into keyword, flags and
 * arguments (parse/words.ts), heredoc bodies read after RUN/COPY/ADD lines that name them
 * (parse/heredoc.ts), the instruction parsed (parse/instruction.ts), and finally stages assembled:
 * ARGs before the first FROM are global, anything else before it is an error.
 */
import { HullError } from '../errors.js';
import type { ArgInstruction, Containerfile, Heredoc, Instruction, Stage } from './instructions.js';
import { findHeredocs } from './parse/heredoc.js';
import { parseInstruction } from './parse/instruction.js';
import { LineProblem, LineReader, readDirectives, splitPhysicalLines, type EscapeChar, type LogicalLine } from './parse/lines.js';
import { ParseProblem } from './parse/problem.js';
import { parseJsonArray, splitCommand } from './parse/words.js';

export function parseContainerfile(text: string, file: string): Containerfile {
  const lines = splitPhysicalLines(text);
  let escape: EscapeChar;
  try {
    escape = readDirectives(lines).escape;
  } catch (err) {
    throw err instanceof LineProblem ? syntaxError(file, err.line, err) : err;
  }
  const reader = new LineReader(lines, escape);
  const instructions: Instruction[] = [];
  for (let logical = reader.next(); logical !== undefined; logical = reader.next()) {
    const at = logical.line;
    instructions.push(withLine(file, at, () => readInstruction(logical, reader, escape)));
  }
  return assemble(file, escape, instructions, reader.lastLine);
}

function readInstruction(logical: LogicalLine, reader: LineReader, escape: EscapeChar): Instruction {
  const { keyword, flags, rest } = splitCommand(logical.text, escape);
  const upper = keyword.toUpperCase();
  const heredocs: Heredoc[] = [];
  if (mayHaveHeredocs(upper, rest, escape) && logical.text.includes('<<')) {
    for (const word of findHeredocs(logical.text)) {
      heredocs.push({ name: word.name, content: reader.readHeredoc(word.name, word.chomp), expand: word.expand });
    }
  }
  return parseInstruction({ keyword: upper, flags, rest, line: logical.line, original: logical.text, heredocs, escape });
}

/** RUN, COPY and ADD in the shell form, also as ONBUILD triggers (BuildKit's canContainHeredoc). */
function mayHaveHeredocs(keyword: string, rest: string, escape: EscapeChar): boolean {
  if (keyword === 'ONBUILD') {
    const sub = splitCommand(rest, escape);
    return mayHaveHeredocs(sub.keyword.toUpperCase(), sub.rest, escape);
  }
  if (keyword !== 'RUN' && keyword !== 'COPY' && keyword !== 'ADD') return false;
  try {
    return parseJsonArray(rest) === undefined;
  } catch {
    return false; // a JSON array with a non-string: parseInstruction reports it
  }
}

function assemble(file: string, escape: EscapeChar, instructions: Instruction[], lastLine: number): Containerfile {
  if (instructions.length === 0) {
    throw new HullError('INVALID_ARGUMENT', `Cannot parse "${file}": the file has no instructions`, { hint: 'start it with FROM image' });
  }
  const globalArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const names = new Map<string, number>();
  for (const instruction of instructions) {
    const stage = stages[stages.length - 1];
    if (instruction.kind === 'FROM') {
      const alias = instruction.alias;
      if (alias !== undefined) {
        const earlier = names.get(alias);
        if (earlier !== undefined) {
          throw syntaxError(file, instruction.line, new ParseProblem(`duplicate stage name "${alias}" (first used on line ${earlier})`, 'give each stage its own AS name'));
        }
        names.set(alias, instruction.line);
      }
      stages.push({ index: stages.length, from: instruction, instructions: [] });
    } else if (stage !== undefined) {
      stage.instructions.push(instruction);
    } else if (instruction.kind === 'ARG') {
      globalArgs.push(instruction);
    } else {
      throw syntaxError(file, instruction.line, new ParseProblem(`${instruction.kind} before the first FROM`, 'only ARG may come before the first FROM; start the stage with FROM image'));
    }
  }
  if (stages.length === 0) {
    throw syntaxError(file, lastLine, new ParseProblem('no FROM instruction', 'add FROM image before the first instruction that is not ARG'));
  }
  return { file, escape, globalArgs, stages };
}

function withLine<T>(file: string, line: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ParseProblem) throw syntaxError(file, err instanceof LineProblem ? err.line : line, err);
    throw err;
  }
}

function syntaxError(file: string, line: number, problem: ParseProblem): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot parse "${file}" line ${line}: ${problem.message}`, problem.hint === undefined ? {} : { hint: problem.hint });
}
