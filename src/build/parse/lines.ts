/**
 * Physical lines → logical lines, with Docker's rules (BuildKit's parser.Parse):
 *   - a UTF-8 byte-order mark before the first line is dropped;
 *   - parser directives (`# escape=`, `# syntax=`, `# check=`) count only in the leading run of
 *     comment lines that all look like directives; the first other line ends that run;
 *   - a line ending with the escape character (trailing blanks allowed) continues on the next one,
 *     unless the escape character is itself escaped (`\\`);
 *   - inside a continuation, comment lines and blank lines are skipped (not joined);
 *   - the first line of an instruction loses its leading blanks, continuation lines keep theirs;
 *   - heredoc bodies are read raw, after the instruction's last line, by `readHeredoc`.
 */
import { ParseProblem } from './problem.js';

export type EscapeChar = '\\' | '`';

export interface Directives {
  escape: EscapeChar;
  syntax?: string;
  check?: string;
}

export interface LogicalLine {
  /** 1-based line of the first physical line. */
  line: number;
  /** Continuation lines joined, escape characters at their ends removed. */
  text: string;
}

const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

export function splitPhysicalLines(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Reads the directives at the top; throws a ParseProblem with its 1-based line on a bad one. */
export function readDirectives(lines: readonly string[]): Directives {
  const found: Directives = { escape: '\\' };
  const seen = new Set<string>();
  for (const [index, raw] of lines.entries()) {
    const line = trimNewline(raw).trimStart();
    if (!line.startsWith('#')) break;
    const match = DIRECTIVE.exec(line.slice(1).trimStart());
    const key = match?.[1]?.toLowerCase();
    const value = match?.[2];
    if (key === undefined || value === undefined || !KNOWN_DIRECTIVES.has(key)) break;
    if (seen.has(key)) throw new LineProblem(index + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (value !== '\\' && value !== '`') {
        throw new LineProblem(index + 1, `invalid escape token "${value}": it must be \\ or \``);
      }
      found.escape = value;
    } else if (key === 'syntax') {
      found.syntax = value;
    } else {
      found.check = value;
    }
  }
  return found;
}

/** A problem on a known line, for errors found before an instruction exists to blame. */
export class LineProblem extends ParseProblem {
  constructor(
    readonly line: number,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

export class LineReader {
  private index = 0;

  constructor(
    private readonly lines: readonly string[],
    private readonly escape: EscapeChar,
  ) {}

  /** The 1-based number of the last physical line consumed. */
  get lastLine(): number {
    return this.index;
  }

  next(): LogicalLine | undefined {
    while (this.index < this.lines.length) {
      const start = this.index + 1;
      const first = this.take().trimStart();
      let [text, continued] = this.trimContinuation(isComment(first) ? '' : first);
      if (!continued && text === '') continue;
      while (continued && this.index < this.lines.length) {
        const line = this.take();
        if (isComment(line) || line.trim() === '') continue;
        const [part, more] = this.trimContinuation(line);
        text += part;
        continued = more;
      }
      return { line: start, text };
    }
    return undefined;
  }

  /**
   * Reads a heredoc body up to the line that is exactly `name` (after leading tabs when `chomp`).
   * Each line ends with \n, also in a CRLF file (BuildKit would keep the \r, which no shell wants);
   * `chomp` (`<<-`) strips leading tabs.
   */
  readHeredoc(name: string, chomp: boolean): string {
    let content = '';
    while (this.index < this.lines.length) {
      const raw = this.lines[this.index++] as string;
      let candidate = trimNewline(raw);
      if (chomp) candidate = candidate.replace(/^\t+/, '');
      if (candidate === name) return chomp ? content.replace(/^\t+/gm, '') : content;
      content += `${raw.endsWith('\r') ? raw.slice(0, -1) : raw}\n`;
    }
    throw new ParseProblem(`unterminated heredoc "${name}"`, `end the here-document with a line that is exactly "${name}"`);
  }

  private take(): string {
    return trimNewline(this.lines[this.index++] as string);
  }

  /** Docker's continuation rule: `([^E])E[ \t]*$` or a line that is only `E[ \t]*`. */
  private trimContinuation(line: string): [string, boolean] {
    let end = line.length;
    while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
    if (end === 0 || line[end - 1] !== this.escape) return [line, false];
    if (end >= 2 && line[end - 2] === this.escape) return [line, false];
    return [line.slice(0, end - 1), true];
  }
}

function trimNewline(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

function isComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}
