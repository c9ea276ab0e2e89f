/**
 * Reads one compose file's YAML into plain values, keeping what the later steps need and
 * `doc.toJS()` would lose: the line of every key (so an error can name it), and the compose
 * tags `!reset` and `!override` (compose-spec merge.md "Reset value", "Replace value") as
 * markers the merge step understands. Anchors, aliases and `<<` merge keys are resolved here.
 * Why our own walk over the `yaml` package's nodes: its toJS() drops unknown tags and ranges.
 */
import { parseDocument, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parse as parseYaml, type Document, type Node } from 'yaml';
import { HullError } from '../errors.js';

/** `!reset`: the key is removed from what earlier files set (its value is ignored). */
export class ResetTag {
  static readonly instance = new ResetTag();
}

/** `!override VALUE`: the value replaces what earlier files set instead of merging into it. */
export class OverrideTag {
  constructor(readonly value: unknown) {}
}

export type Path = readonly (string | number)[];

export interface SourceFile {
  /** Absolute path of the file. */
  path: string;
  value: unknown;
  /** pathKey(path) -> 1-based line of that key or item. */
  lines: Map<string, number>;
}

export const pathKey = (path: Path): string => path.join('\u0000');

/** `services.web.ports[0]`: how errors spell a path. */
export function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** A string from a file, quoted for an error message with control characters escaped. */
export const quote = (s: string): string => JSON.stringify(s);

/** YAML alias bombs ("billion laughs") expand exponentially; a compose file never needs this many. */
const MAX_NODES = 1_000_000;

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
  let count = 0;
  const lineOf = (node: { range?: [number, number, number] | null | undefined }) => (node.range ? lineCounter.linePos(node.range[0]).line : 0);

  const convert = (node: unknown, at: (string | number)[], record: boolean): unknown => {
    if (++count > MAX_NODES) throw new HullError('LIMIT_EXCEEDED', `Cannot load compose file ${quote(displayName)}: more than ${MAX_NODES} values after expanding aliases`);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return convert(node.resolve(doc as Document), at, false);
    const n = node as Node;
    const value = convertUntagged(n, at, record);
    if (n.tag === '!reset') return ResetTag.instance;
    if (n.tag === '!override') return new OverrideTag(isScalar(n) && typeof n.source === 'string' ? parseYaml(n.source) : value);
    return value;
  };

  const convertUntagged = (n: Node, at: (string | number)[], record: boolean): unknown => {
    if (isScalar(n)) {
      if (n.tag && n.tag.startsWith('!') && !n.tag.startsWith('!!')) return n.source;
      // Compose's YAML reader (go-yaml v3) reads a plain 0440 as octal, as `mode: 0440` expects.
      if (n.type === 'PLAIN' && typeof n.source === 'string' && /^0[0-7]+$/.test(n.source)) return parseInt(n.source, 8);
      return n.value;
    }
    if (isSeq(n)) {
      return n.items.map((item, i) => {
        if (record && item && typeof item === 'object' && 'range' in item) lines.set(pathKey([...at, i]), lineOf(item as Node));
        return convert(item, [...at, i], record);
      });
    }
    if (isMap(n)) {
      const out: Record<string, unknown> = {};
      const merged: Record<string, unknown>[] = [];
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key;
        const rawKey = isScalar(keyNode) ? keyNode.value : keyNode;
        if (rawKey === '<<' || typeof rawKey === 'symbol') {
          // `<<: *a` or `<<: [*a, *b]`: explicit keys win, then earlier sources (YAML merge key type).
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const s of sources) {
            const v = convert(s, at, false);
            if (v && typeof v === 'object' && !Array.isArray(v)) merged.push(v as Record<string, unknown>);
            else throw new HullError('INVALID_FORMAT', `Cannot load compose file ${quote(displayName)}: line ${lineOf(keyNode as Node)}: a "<<" merge key needs a mapping or a list of mappings`);
          }
          continue;
        }
        if (rawKey !== null && typeof rawKey === 'object') {
          throw new HullError('INVALID_FORMAT', `Cannot load compose file ${quote(displayName)}: line ${lineOf(keyNode as Node)}: a key must be a string`);
        }
        const key = String(rawKey);
        if (record) lines.set(pathKey([...at, key]), lineOf(keyNode as Node));
        out[key] = convert(pair.value, [...at, key], record);
      }
      for (const m of merged) for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
      // Keep the explicit keys' order first, as `docker compose config` does not sort either.
      return out;
    }
    return null;
  };

  const value = convert(doc.contents, [], true);
  return { path, value, lines };
}

/** The line of `path` in `file`, or of its nearest ancestor that has one. */
export function lineIn(file: SourceFile, path: Path): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = file.lines.get(pathKey(path.slice(0, n)));
    if (line) return line;
  }
  return undefined;
}

/** Where a problem is, for error messages: `compose.yaml line 4`. */
export function whereText(file: SourceFile | undefined, path: Path, shortName: (p: string) => string = (p) => p): string {
  if (!file) return '';
  const line = lineIn(file, path);
  return line ? `${shortName(file.path)} line ${line}` : shortName(file.path);
}
