/**
 * Reads one compose file's YAML into plain values, keeping what the later steps need and
 * `doc.toJS()` would lose: the line of every key (so an error can name it), and the compose
 * tags `!reset` and `!override` (compose-spec merge.md "Reset value", "Replace value") as
 * markers the merge step understands. Anchors, aliases and `<<` merge keys are resolved here.
 * The walk over the `yaml` package's nodes is src/yaml/located.ts (shared with kube); its
 * toJS() would drop unknown tags and ranges.
 */
import { parseDocument, LineCounter, isScalar, parse as parseYaml, type Document, type Node, type Scalar } from 'yaml';
import { HullError } from '../errors.js';
import { lineAt, quote, toLocatedValue, type Path } from '../yaml/located.js';

export { pathKey, pathText, quote, type Path } from '../yaml/located.js';

/** `!reset`: the key is removed from what earlier files set (its value is ignored). */
export class ResetTag {
  static readonly instance = new ResetTag();
}

/** `!override VALUE`: the value replaces what earlier files set instead of merging into it. */
export class OverrideTag {
  constructor(readonly value: unknown) {}
}

export interface SourceFile {
  /** Absolute path of the file. */
  path: string;
  value: unknown;
  /** pathKey(path) -> 1-based line of that key or item. */
  lines: Map<string, number>;
}

/** `displayName` is how errors name the file (relative to where the command runs). */
export function parseComposeYaml(text: string, path: string, displayName = path): SourceFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new HullError('INVALID_FORMAT', `Cannot load compose file ${quote(displayName)}: line ${line}: ${first.message.split('\n')[0]}`, { hint: 'fix the YAML syntax at that line' });
  }
  const lines = new Map<string, number>();
  const fail = (problem: string, line: number, message: string) => problem === 'too-many'
    ? new HullError('LIMIT_EXCEEDED', `Cannot load compose file ${quote(displayName)}: ${message}`)
    : new HullError('INVALID_FORMAT', `Cannot load compose file ${quote(displayName)}: line ${line}: ${message}`);
  const scalar = (n: Scalar): unknown => {
    if (n.tag && n.tag.startsWith('!') && !n.tag.startsWith('!!')) return n.source;
    // Compose's YAML reader (go-yaml v3) reads a plain 0440 as octal, as `mode: 0440` expects.
    if (n.type === 'PLAIN' && typeof n.source === 'string' && /^0[0-7]+$/.test(n.source)) return parseInt(n.source, 8);
    return n.value;
  };
  const tagged = (n: Node, value: unknown): unknown => {
    if (n.tag === '!reset') return ResetTag.instance;
    if (n.tag === '!override') return new OverrideTag(isScalar(n) && typeof n.source === 'string' ? parseYaml(n.source) : value);
    return value;
  };
  const value = toLocatedValue(doc as Document, doc.contents, { lineCounter, lines, counter: { values: 0 }, fail, scalar, tagged });
  return { path, value, lines };
}

/** The line of `path` in `file`, or of its nearest ancestor that has one. */
export function lineIn(file: SourceFile, path: Path): number | undefined {
  return lineAt(file.lines, path);
}

/** Where a problem is, for error messages: `compose.yaml line 4`. */
export function whereText(file: SourceFile | undefined, path: Path, shortName: (p: string) => string = (p) => p): string {
  if (!file) return '';
  const line = lineIn(file, path);
  return line ? `${shortName(file.path)} line ${line}` : shortName(file.path);
}
