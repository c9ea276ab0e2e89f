/**
 * Docker's word expansion: what `$VAR`, `${VAR:-x}`, quotes and the escape character mean in the
 * instructions the builder expands (see EXPANDED_INSTRUCTIONS). It is a small shell-like lexer, not
 * a shell: no command substitution, no globbing, no arithmetic.
 *
 * The rules follow the Dockerfile reference ("Environment replacement") and BuildKit's lexer:
 *   - `$NAME`, `${NAME}`; a `$` not followed by a name stays `$`; unset variables expand to "".
 *   - `${N:-w}` `${N-w}` default, `${N:+w}` `${N+w}` alternative, `${N:?m}` `${N?m}` error,
 *     `${N#p}` `${N##p}` `${N%p}` `${N%%p}` trim a glob prefix/suffix, `${N/p/r}` `${N//p/r}` replace.
 *     The colon forms treat an empty value like an unset one.
 *   - Single quotes: everything literal, quotes removed. Double quotes: `$` still expands; the escape
 *     character escapes only `"`, `$` and itself, otherwise it stays. Outside quotes the escape
 *     character makes the next character literal and is removed (a trailing one is dropped).
 */
import { HullError } from '../errors.js';
import type { Instruction } from './instructions.js';

export type VarLookup = (name: string) => string | undefined;
export type EscapeChar = '\\' | '`';

/**
 * Instructions whose words the builder expands with the stage's variables (build args + ENV),
 * per the Dockerfile reference and BuildKit's dispatcher:
 *   FROM        image and --platform, with the global ARGs only
 *   ARG         each default value (expandWord)
 *   ENV, LABEL  each key and value (expandWord)
 *   ADD, COPY   sources, dest, --chown, --chmod, ADD --checksum (expandWord); never --from;
 *               heredoc bodies whose delimiter was not quoted (expandHeredoc)
 *   EXPOSE      each word with expandWords: one word may expand to several ports
 *   VOLUME, USER, WORKDIR, STOPSIGNAL   expandWord
 *   RUN         only the --mount option values (target, source, id...), never the command
 * Not expanded: CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER (the container's shell does it),
 * and ONBUILD (its trigger is expanded when it runs in the child build).
 */
export const EXPANDED_INSTRUCTIONS: ReadonlySet<Instruction['kind']> = new Set<Instruction['kind']>([
  'FROM', 'ARG', 'ENV', 'LABEL', 'ADD', 'COPY', 'EXPOSE', 'VOLUME', 'USER', 'WORKDIR', 'STOPSIGNAL', 'RUN',
]);

/** Expands one word; whitespace is kept (`ENV a=$x` with x="1 2" gives "1 2"). */
export function expandWord(raw: string, vars: VarLookup, escape: EscapeChar): string {
  return run(raw, vars, escape, false).text;
}

/**
 * Expands then splits on whitespace that did not come from a quoted part or an escaped character,
 * as the shell would (`EXPOSE $PORTS` with PORTS="80 443" gives two words). `""` gives no word.
 */
export function expandWords(raw: string, vars: VarLookup, escape: EscapeChar): string[] {
  return run(raw, vars, escape, false).words;
}

/**
 * Expands a heredoc body (`COPY <<EOF` with an unquoted delimiter): quotes are ordinary characters,
 * `$` expands and `\` escapes the next character (so `\$` is a literal `$`, and `\n` becomes `n`,
 * as in BuildKit). The escape character is always `\` here, whatever the `# escape=` directive.
 */
export function expandHeredoc(body: string, vars: VarLookup): string {
  return run(body, vars, '\\', true).text;
}

function run(raw: string, vars: VarLookup, escape: EscapeChar, literalQuotes: boolean): { text: string; words: string[] } {
  try {
    return new Lexer(raw, vars, escape, literalQuotes).untilEnd();
  } catch (err) {
    if (err instanceof LexError) {
      throw new HullError('INVALID_ARGUMENT', `Cannot expand "${raw}": ${err.message}`, {
        hint: 'quote or escape the character, e.g. \\$ for a literal dollar sign',
      });
    }
    throw err;
  }
}

class LexError extends Error {}

/** Collects the words of `expandWords`: only unprotected whitespace separates words. */
class WordSplitter {
  readonly words: string[] = [];
  private buf = '';
  private inWord = false;

  /** A character from unquoted text or an expansion: whitespace splits. */
  add(text: string): void {
    for (const ch of text) {
      if (isSpace(ch)) {
        if (this.inWord && this.buf !== '') {
          this.words.push(this.buf);
          this.buf = '';
          this.inWord = false;
        }
      } else {
        this.addRaw(ch);
      }
    }
  }

  /** Quoted or escaped text: kept whole. */
  addRaw(text: string): void {
    this.buf += text;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.buf !== '') this.words.push(this.buf);
    this.buf = '';
    return this.words;
  }
}

class Lexer {
  private readonly chars: string[];
  private pos = 0;

  constructor(
    src: string,
    private readonly vars: VarLookup,
    private readonly escape: EscapeChar,
    private readonly literalQuotes: boolean,
  ) {
    this.chars = Array.from(src);
  }

  untilEnd(): { text: string; words: string[] } {
    return this.until(undefined, false);
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private next(): string | undefined {
    return this.chars[this.pos++];
  }

  /**
   * Reads up to `stop` (consumed) or the end. `keepEscapes` keeps the escape character in the
   * text, for the glob patterns of `${N#p}` and `${N/p/r}` where `\*` must stay an escaped star.
   */
  private until(stop: string | undefined, keepEscapes: boolean): { text: string; words: string[] } {
    let text = '';
    const words = new WordSplitter();
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && ch === stop) {
        this.pos++;
        return { text, words: words.finish() };
      }
      if (ch === '$') {
        const value = this.dollar();
        text += value;
        words.add(value);
      } else if (ch === '<' && this.peek(1) === '<') {
        // `<<  EOF` stays one word, so a heredoc operator is never split from its delimiter.
        const op = this.heredocOperator();
        text += op;
        words.addRaw(op);
      } else if (!this.literalQuotes && (ch === "'" || ch === '"')) {
        const value = ch === "'" ? this.singleQuoted() : this.doubleQuoted();
        text += value;
        words.addRaw(value);
      } else {
        this.pos++;
        if (ch === this.escape) {
          if (keepEscapes) {
            text += ch;
            words.addRaw(ch);
          }
          const escaped = this.next();
          if (escaped === undefined) break;
          text += escaped;
          words.addRaw(escaped);
        } else {
          text += ch;
          words.add(ch);
        }
      }
    }
    if (stop !== undefined) throw new LexError(`missing '${stop}'`);
    return { text, words: words.finish() };
  }

  private heredocOperator(): string {
    let op = '<<';
    this.pos += 2;
    for (let ch = this.peek(); ch === ' ' || ch === '\t' || ch === '\r'; ch = this.peek()) op += this.next();
    return op;
  }

  private singleQuoted(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexError('unterminated single quote');
      if (ch === "'") return out;
      out += ch;
    }
  }

  private doubleQuoted(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new LexError('unterminated double quote');
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.pos++;
      if (ch === this.escape) {
        const after = this.peek();
        // Only ", $ and the escape character itself can be escaped; otherwise it is literal.
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === this.escape) {
          out += after;
          this.pos++;
          continue;
        }
      }
      out += ch;
    }
  }

  private dollar(): string {
    this.pos++;
    if (this.peek() !== '{') {
      const name = this.name();
      return name === '' ? '$' : (this.vars(name) ?? '');
    }
    this.pos++;
    const first = this.peek();
    if (first === undefined) throw new LexError("missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('bad substitution');
    const name = this.name();
    const op = this.next();
    if (op === undefined) throw new LexError("missing '}'");
    if (op === '}') return this.vars(name) ?? '';
    if (op === '/') return this.replace(name);
    let modifier = op;
    if (op === ':') {
      const after = this.next();
      if (after === undefined) throw new LexError("missing '}'");
      modifier = after;
      if (modifier !== '-' && modifier !== '+' && modifier !== '?') {
        throw new LexError(`unsupported modifier (:${modifier}) in substitution`);
      }
    }
    if (!'-+?#%'.includes(modifier)) throw new LexError(`unsupported modifier (${modifier}) in substitution`);
    const word = this.until('}', modifier === '#' || modifier === '%').text;
    return this.modify(name, op === ':', modifier, word);
  }

  private modify(name: string, emptyIsUnset: boolean, modifier: string, word: string): string {
    const value = this.vars(name);
    const unset = value === undefined || (emptyIsUnset && value === '');
    switch (modifier) {
      case '-':
        return unset ? word : (value ?? '');
      case '+':
        return unset ? '' : word;
      case '?':
        if (unset) {
          throw new LexError(`${name}: ${word !== '' ? word : value === undefined ? 'is not allowed to be unset' : 'is not allowed to be empty'}`);
        }
        return value ?? '';
      default: {
        // # and % trim the shortest match, ## and %% the longest.
        const longest = word.startsWith(modifier);
        const pattern = globRegExp(longest ? word.slice(1) : word, true);
        return modifier === '#' ? trimPrefix(value ?? '', pattern, longest) : trimSuffix(value ?? '', pattern, longest);
      }
    }
  }

  private replace(name: string): string {
    const all = this.peek() === '/';
    if (all) this.pos++;
    const pattern = this.until('/', true).text;
    const replacement = this.until('}', true).text;
    const value = this.vars(name) ?? '';
    if (pattern === '') return value;
    const re = new RegExp(globRegExp(pattern, false).source, all ? 'gu' : 'u');
    return value.replace(re, () => replacement);
  }

  /** A name: digits only if it starts with one ($1), one special parameter ($@ $# ...), or [letters digits _]. */
  private name(): string {
    const first = this.peek();
    if (first === undefined) return '';
    if (/\p{Nd}/u.test(first)) {
      let digits = '';
      while (this.peek() !== undefined && /\p{Nd}/u.test(this.peek() as string)) digits += this.next();
      return digits;
    }
    if ('@*#?-$!0'.includes(first)) {
      this.pos++;
      return first;
    }
    let name = '';
    for (let ch = this.peek(); ch !== undefined && /[\p{L}\p{Nd}_]/u.test(ch); ch = this.peek()) name += this.next();
    return name;
  }
}

/**
 * A shell pattern (`*`, `?`, `\x`) as a whole-string RegExp. `\}` and `\/` are the escaped
 * delimiters of `${...}` and stand for themselves.
 */
function globRegExp(pattern: string, anchored: boolean): RegExp {
  let re = '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') re += '[^]*';
    else if (ch === '?') re += '[^]';
    else if (ch === '\\' && i + 1 < chars.length) re += escapeRegExp(chars[++i] as string);
    else re += escapeRegExp(ch);
  }
  return new RegExp(anchored ? `^(?:${re})$` : re, 'u');
}

function escapeRegExp(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function trimPrefix(value: string, whole: RegExp, longest: boolean): string {
  const chars = Array.from(value);
  for (let k = 0; k <= chars.length; k++) {
    const n = longest ? chars.length - k : k;
    if (whole.test(chars.slice(0, n).join(''))) return chars.slice(n).join('');
  }
  return value;
}

function trimSuffix(value: string, whole: RegExp, longest: boolean): string {
  const chars = Array.from(value);
  for (let k = 0; k <= chars.length; k++) {
    const n = longest ? chars.length - k : k;
    if (whole.test(chars.slice(chars.length - n).join(''))) return chars.slice(0, chars.length - n).join('');
  }
  return value;
}

function isSpace(ch: string): boolean {
  return /\s/u.test(ch);
}
