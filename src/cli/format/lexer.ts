/**
 * The lexer of Go's text/template (https://pkg.go.dev/text/template), the language docker's
 * `--format` speaks. Why hand-written: no npm package implements Go templates faithfully (the ones
 * there are either regex substitutions or compile templates to JavaScript and eval them, which is
 * no place for user input); this one follows Go's text/template/parse/lex.go item by item, so that
 * trim markers, comments, raw strings and positions in error messages come out as Go's do.
 */

export type ItemType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field' // .Name
  | 'variable' // $ or $name
  | 'identifier' // a function name
  | 'keyword' // if else end range with break continue define template block nil
  | 'bool'
  | 'number'
  | 'string' // "quoted" (the item's text is the source, quotes included)
  | 'rawString' // `raw`
  | 'charConstant' // 'a'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare' // :=
  | 'assign' // =
  | 'char' // a lone punctuation such as ','
  | 'dot'
  | 'eof';

export interface Item {
  type: ItemType;
  text: string;
  /** Offset of the item in the template text, for "template: :LINE:COL" in error messages. */
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block', 'nil']);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** A syntax error at a line of the template: rendered "template: :LINE: message" as Go does. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`template: :${line}: ${detail}`);
  }
}

/** Splits `text` into items; throws TemplateSyntaxError on what Go's lexer refuses. */
export function lex(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let line = 1;
  let parenDepth: number;
  const lineAt = (p: number) => line + countNewlines(text, pos, p);
  const emit = (type: ItemType, start: number, end: number) => {
    items.push({ type, text: text.slice(start, end), pos: start, line: lineAt(start) });
  };
  const fail = (detail: string, at = pos): never => {
    throw new TemplateSyntaxError(lineAt(at), detail);
  };

  while (pos < text.length) {
    // Text up to the next action.
    const open = text.indexOf('{{', pos);
    const end = open === -1 ? text.length : open;
    const trimLeft = open !== -1 && text[open + 2] === '-' && isSpace(text[open + 3]);
    let textEnd = end;
    if (trimLeft) while (textEnd > pos && isSpace(text[textEnd - 1])) textEnd--;
    if (textEnd > pos) emit('text', pos, textEnd);
    line += countNewlines(text, pos, end);
    pos = end;
    if (open === -1) break;

    // The action itself.
    emit('leftDelim', pos, pos + 2);
    pos += trimLeft ? 4 : 2;
    if (text.startsWith('/*', pos)) {
      const close = text.indexOf('*/', pos + 2);
      if (close === -1) fail('unclosed comment');
      const after = (close as number) + 2;
      const trimRight = text.startsWith(' -}}', after) || text.startsWith('\t-}}', after) || text.startsWith('\n-}}', after) || text.startsWith('\r-}}', after);
      if (!trimRight && !text.startsWith('}}', after)) fail('comment ends before closing delimiter');
      items.pop(); // a comment is no action: Go emits nothing for it
      line += countNewlines(text, pos, after);
      pos = after + (trimRight ? 4 : 2);
      if (trimRight) pos = skipSpace(text, pos, (n) => (line += n));
      continue;
    }
    parenDepth = 0;
    for (;;) {
      if (pos >= text.length) fail('unclosed action');
      const c = text[pos] as string;
      // A right delimiter, possibly with its trim marker.
      if (isSpace(c) && text[pos + 1] === '-' && text.startsWith('}}', pos + 2)) {
        if (parenDepth > 0) fail('unclosed left paren');
        emit('rightDelim', pos + 2, pos + 4);
        line += countNewlines(text, pos, pos + 4);
        pos = skipSpace(text, pos + 4, (n) => (line += n));
        break;
      }
      if (text.startsWith('}}', pos)) {
        if (parenDepth > 0) fail('unclosed left paren');
        emit('rightDelim', pos, pos + 2);
        pos += 2;
        break;
      }
      const start = pos;
      if (isSpace(c)) {
        while (isSpace(text[pos]) && !(text[pos + 1] === '-' && text.startsWith('}}', pos + 2))) pos++;
        if (pos === start) pos++; // " -}}" handled above on the next turn
        emit('space', start, pos);
      } else if (c === '=') {
        emit('assign', start, ++pos);
      } else if (c === ':') {
        if (text[pos + 1] !== '=') fail('expected :=');
        pos += 2;
        emit('declare', start, pos);
      } else if (c === '|') {
        emit('pipe', start, ++pos);
      } else if (c === '"') {
        pos = scanQuoted(text, pos + 1, '"', () => fail('unterminated quoted string'));
        emit('string', start, pos);
      } else if (c === '`') {
        const close = text.indexOf('`', pos + 1);
        if (close === -1) fail('unterminated raw quoted string');
        pos = close + 1;
        emit('rawString', start, pos);
      } else if (c === "'") {
        pos = scanQuoted(text, pos + 1, "'", () => fail('unterminated character constant'));
        emit('charConstant', start, pos);
      } else if (c === '$') {
        pos++;
        while (isAlnum(text[pos])) pos++;
        emit('variable', start, pos);
      } else if (c === '.') {
        if (/[0-9]/.test(text[pos + 1] ?? '')) {
          pos = scanNumber(text, pos, fail);
          emit('number', start, pos);
        } else {
          pos++;
          while (isAlnum(text[pos])) pos++;
          emit(pos === start + 1 ? 'dot' : 'field', start, pos);
        }
      } else if (c === '+' || c === '-' || /[0-9]/.test(c)) {
        pos = scanNumber(text, pos, fail);
        emit('number', start, pos);
      } else if (isAlnum(c)) {
        while (isAlnum(text[pos])) pos++;
        const word = text.slice(start, pos);
        emit(KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : 'identifier', start, pos);
      } else if (c === '(') {
        parenDepth++;
        emit('leftParen', start, ++pos);
      } else if (c === ')') {
        parenDepth = Math.max(0, parenDepth - 1); // an unbalanced one is the parser's to report
        emit('rightParen', start, ++pos);
      } else if (c === ',' || /[\x21-\x7e]/.test(c)) {
        emit('char', start, ++pos);
      } else {
        fail(`unrecognized character in action: ${goQuoteRune(c)}`);
      }
    }
  }
  items.push({ type: 'eof', text: '', pos: text.length, line });
  return items;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text[i] === '\n') n++;
  return n;
}

function skipSpace(text: string, pos: number, onNewlines: (n: number) => void): number {
  let p = pos;
  while (isSpace(text[p])) p++;
  onNewlines(countNewlines(text, pos, p));
  return p;
}

function scanQuoted(text: string, from: number, quote: string, fail: () => never): number {
  let p = from;
  for (;;) {
    const c = text[p];
    if (c === undefined || c === '\n') fail();
    if (c === '\\') p += 2;
    else if (c === quote) return p + 1;
    else p++;
  }
}

/** Go's number syntax, loosely: sign, 0x/0o/0b prefixes, digits with _, fraction, exponent, i. */
function scanNumber(text: string, from: number, fail: (detail: string, at?: number) => never): number {
  const m = /^[+-]?(0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*([pP][+-]?[0-9_]+)?|0[oObB][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(text.slice(from));
  const len = m?.[0].length ?? 0;
  if (len === 0 || isAlnum(text[from + len])) {
    let end = from + len;
    while (isAlnum(text[end])) end++;
    fail(`bad number syntax: "${text.slice(from, Math.max(end, from + 1))}"`, from);
  }
  return from + len;
}

export function goQuoteRune(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}
