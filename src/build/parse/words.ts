/**
 * Splitting an instruction's text the ways Docker does (BuildKit's split_command.go and
 * line_parsers.go). Each instruction picks one: raw words (quotes kept, for ENV/LABEL/ARG),
 * whitespace fields (FROM, EXPOSE, COPY), the whole rest (USER, WORKDIR), or a JSON array.
 */
import type { EscapeChar } from './lines.js';
import { ParseProblem } from './problem.js';

export interface SplitCommand {
  /** The instruction keyword as written. */
  keyword: string;
  /** `--name[=value]` words before the arguments, quotes removed. */
  flags: string[];
  /** The arguments after the flags, trimmed. */
  rest: string;
}

const BLANKS = /[\t\v\f\r ]+/;

export function splitCommand(line: string, escape: EscapeChar): SplitCommand {
  const trimmed = line.trim();
  const match = BLANKS.exec(trimmed);
  if (match === null) return { keyword: trimmed, flags: [], rest: '' };
  const { flags, rest } = extractFlags(trimmed.slice(match.index + match[0].length), escape);
  return { keyword: trimmed.slice(0, match.index), flags, rest: rest.trim() };
}

/**
 * Leading words that start with `--` are flags; the first other word starts the arguments, and a
 * bare `--` ends the flags. Quotes inside a flag are removed and the escape character makes the
 * next character literal, so `--mount="type=cache,target=/a b"` is one flag.
 */
export function extractFlags(text: string, escape: EscapeChar): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
    if (pos >= text.length) return { flags, rest: '' };
    if (!text.startsWith('--', pos)) return { flags, rest: text.slice(pos) };
    let word = '';
    let quoted = false;
    let quote: string | undefined;
    for (; pos < text.length; pos++) {
      const ch = text[pos] as string;
      if (quote === undefined && /\s/.test(ch)) break;
      if (quote === undefined && (ch === '"' || ch === "'")) {
        quote = ch;
        quoted = true;
      } else if (ch === quote) {
        quote = undefined;
      } else if (ch === escape) {
        if (pos + 1 < text.length) word += text[++pos];
      } else {
        word += ch;
      }
    }
    if (word === '--') return { flags, rest: text.slice(pos) };
    if (word !== '' || quoted) flags.push(word);
  }
}

/**
 * Words separated by blanks, with quotes and escape characters kept in the word (they are removed
 * later, by expansion). Inside single quotes the escape character is ordinary.
 */
export function rawWords(text: string, escape: EscapeChar): string[] {
  const words: string[] = [];
  const chars = Array.from(text);
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (quote === undefined && /\s/u.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (quote === undefined && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = undefined;
    if (ch === escape && quote !== "'") {
      if (i + 1 === chars.length) continue;
      word += ch + (chars[++i] as string);
      continue;
    }
    word += ch;
  }
  if (inWord) words.push(word);
  return words;
}

/** Fields separated by blanks, nothing else special (FROM, EXPOSE, COPY/ADD in shell form). */
export function blankFields(text: string): string[] {
  return text === '' ? [] : text.split(BLANKS).filter((field) => field !== '');
}

/** The first blank-separated field and what follows it, e.g. the key of legacy `ENV key value`. */
export function firstField(text: string): [string, string] {
  const match = BLANKS.exec(text);
  if (match === null) return [text, ''];
  return [text.slice(0, match.index), text.slice(match.index + match[0].length)];
}

/**
 * The exec form: a JSON array of strings. Anything that is not valid JSON gives undefined (the
 * caller falls back to the shell form, as Docker does); valid JSON with a non-string is an error.
 */
export function parseJsonArray(text: string): string[] | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const items: unknown[] = value;
  const strings: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      throw new ParseProblem('when using JSON array syntax, arrays must be comprised of strings only', 'quote every element, e.g. ["sleep", "10"]');
    }
    strings.push(item);
  }
  return strings;
}
