/**
 * Finding here-documents on an instruction line (RUN, COPY, ADD, and ONBUILD of those; never the
 * JSON form). A heredoc word is `[n]<<[-][blanks]DELIM`: `-` strips leading tabs from the body
 * and the terminator, a quoted delimiter (`<<"EOF"`, `<<'EOF'`, `<<E"O"F`, `<<\EOF`) turns
 * expansion off. Words are split as the shell would, with `\` as escape whatever `# escape=` says
 * (BuildKit does the same).
 *
 * One deliberate difference from BuildKit: the delimiter ends at the first unquoted shell operator
 * character, so `cat <<EOF>out` waits for `EOF` (as sh does), not for `EOF>out`.
 */
export interface HeredocWord {
  name: string;
  chomp: boolean;
  expand: boolean;
  /** True when nothing follows the delimiter in the word (`<<EOF`, not `<<EOF>out`). */
  whole: boolean;
}

const HEREDOC = /^(\d*)<<(-?)[ \t\r]*([^<]*)$/;
const OPERATOR = /[\s<>|&;()]/;

export function findHeredocs(line: string): HeredocWord[] {
  const found: HeredocWord[] = [];
  for (const word of shellWords(line)) {
    const heredoc = parseHeredocWord(word);
    if (heredoc !== undefined) found.push(heredoc);
  }
  return found;
}

export function parseHeredocWord(word: string): HeredocWord | undefined {
  const match = HEREDOC.exec(word);
  const rest = match?.[3];
  if (match === null || rest === undefined || rest === '') return undefined;
  let name = '';
  let quoted = false;
  let quote: string | undefined;
  let i = 0;
  for (; i < rest.length; i++) {
    const ch = rest[i] as string;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else name += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      quoted = true;
    } else if (ch === '\\' && i + 1 < rest.length) {
      name += rest[++i];
      quoted = true;
    } else if (OPERATOR.test(ch)) {
      break;
    } else {
      name += ch;
    }
  }
  if (name === '') return undefined;
  return { name, chomp: match[2] === '-', expand: !quoted, whole: i === rest.length };
}

/** Blank-separated words with quotes and escapes kept; `<<` glued to a delimiter after blanks. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === undefined && /\s/.test(ch)) {
      if (word !== '') words.push(word);
      word = '';
      continue;
    }
    word += ch;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
    } else if (ch === '<' && line[i + 1] === '<') {
      word += '<';
      i++;
      if (line[i + 1] === '-') word += line[++i];
      while (i + 1 < line.length && (line[i + 1] === ' ' || line[i + 1] === '\t')) i++;
    }
  }
  if (word !== '') words.push(word);
  return words;
}
