/**
 * Reads Kubernetes YAML (one or many documents, `---` between them) into plain values, keeping the
 * line of every key and list item so that errors and warnings can say where a field is:
 * `pod.yaml: document 2, line 14` (the walk is src/yaml/located.ts, shared with compose). Aliases
 * and `<<` merge keys are resolved (kubectl's YAML reader does both); the number of values after
 * expansion is capped (a "billion laughs" file is refused).
 */
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { HullError } from '../errors.js';
import { lineAt, quote, toLocatedValue, type Path } from '../yaml/located.js';

export { pathKey, pathText, quote, type Path } from '../yaml/located.js';

export interface KubeDocument {
  /** How errors name the file. */
  source: string;
  /** 1-based position of the document in its file. */
  index: number;
  value: Record<string, unknown>;
  /** pathKey(path) -> 1-based line of that key or item. */
  lines: Map<string, number>;
}

function refuse(source: string, where: string, message: string, hint = 'fix the YAML at that line'): HullError {
  return new HullError('INVALID_FORMAT', `Cannot read Kubernetes YAML ${quote(source)}: ${where}: ${message}`, { hint });
}

/** The line of a path in its document, or of its nearest ancestor that has one. */
export function lineOf(doc: KubeDocument, path: Path): number | undefined {
  return lineAt(doc.lines, path);
}

/** `document 2, line 14`: where a path is, for messages. */
export function whereIn(doc: KubeDocument, path: Path): string {
  const line = lineOf(doc, path);
  return line ? `document ${doc.index}, line ${line}` : `document ${doc.index}`;
}

/** Pure: every non-empty document of `text` as a mapping; throws INVALID_FORMAT naming the document and line. */
export function parseKubeYaml(text: string, source: string): KubeDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  // An empty file parses to an EmptyStream, an empty array.
  const list = Array.from(docs as Iterable<Document.Parsed>);
  const out: KubeDocument[] = [];
  const counter = { values: 0 };
  list.forEach((doc, i) => {
    const index = i + 1;
    const first = doc.errors[0];
    if (first) throw refuse(source, `document ${index}, line ${lineCounter.linePos(first.pos[0]).line}`, first.message.split('\n')[0] as string);
    const lines = new Map<string, number>();
    const fail = (problem: string, line: number, message: string) => refuse(source, problem === 'too-many' ? `document ${index}` : `document ${index}, line ${line}`, message);
    const value = toLocatedValue(doc as Document, doc.contents, { lineCounter, lines, counter, fail });
    if (value === null) return; // an empty document (a trailing `---`)
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw refuse(source, `document ${index}, line ${doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : 1}`, 'a Kubernetes object must be a mapping', 'each document is one object with apiVersion, kind, metadata and spec');
    }
    out.push({ source, index, value: value as Record<string, unknown>, lines });
  });
  return out;
}
