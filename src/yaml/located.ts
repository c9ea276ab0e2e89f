/**
 * YAML read into plain values that remember where they were: the 1-based line of every key and
 * list item, so that an error can say `services.web.ports[0]` at `compose.yaml line 4`. Shared by
 * the doors that read users' YAML (compose, kube). Why our own walk over the `yaml` package's nodes:
 * its `toJS()` drops the ranges (and unknown tags, which compose keeps). Aliases and `<<` merge keys
 * (YAML merge key type) are resolved; the number of values after expansion is capped, so an alias
 * bomb ("billion laughs") is refused instead of filling memory.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar } from 'yaml';

export type Path = readonly (string | number)[];

/** A path as a map key. */
export const pathKey = (path: Path): string => path.join('\u0000');

/** `spec.containers[0].image`: how errors and warnings spell a path. */
export function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Text from a file, quoted for a message with control characters escaped. */
export const quote = (s: string): string => JSON.stringify(s);

/** The line of `path`, or of its nearest ancestor that has one. */
export function lineAt(lines: ReadonlyMap<string, number>, path: Path): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(pathKey(path.slice(0, n)));
    if (line) return line;
  }
  return undefined;
}

/** More values than any real file has; past this, aliases are being multiplied. */
export const MAX_VALUES = 1_000_000;

export interface LocatedOptions {
  lineCounter: LineCounter;
  /** Filled with pathKey(path) -> line for every key and list item (not inside aliases). */
  lines: Map<string, number>;
  /** Values counted so far; share one across the documents of a file. */
  counter: { values: number };
  /** The error for a problem: 'too-many' (more than MAX_VALUES, line 0) or a malformed node at `line`. */
  fail(problem: 'too-many' | 'malformed', line: number, message: string): Error;
  /** A scalar's value; default its parsed value. */
  scalar?(n: Scalar): unknown;
  /** What a node with `n.tag` stands for, given its value; default the value. */
  tagged?(n: Node, value: unknown): unknown;
}

/** Pure: `node` (of `doc`) as plain values; throws what `o.fail` makes. */
export function toLocatedValue(doc: Document, node: unknown, o: LocatedOptions): unknown {
  const lineOf = (n: unknown): number => {
    const range = (n as { range?: [number, number, number] | null } | null)?.range;
    return range ? o.lineCounter.linePos(range[0]).line : 0;
  };

  const convert = (node: unknown, at: (string | number)[], record: boolean): unknown => {
    if (++o.counter.values > MAX_VALUES) throw o.fail('too-many', 0, `more than ${MAX_VALUES} values after expanding aliases`);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return convert(node.resolve(doc), at, false);
    const n = node as Node;
    const value = convertUntagged(n, at, record);
    return n.tag && o.tagged ? o.tagged(n, value) : value;
  };

  const convertUntagged = (n: Node, at: (string | number)[], record: boolean): unknown => {
    if (isScalar(n)) return o.scalar ? o.scalar(n) : n.value;
    if (isSeq(n)) {
      return n.items.map((item, i) => {
        if (record && lineOf(item)) o.lines.set(pathKey([...at, i]), lineOf(item));
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
          // `<<: *a` or `<<: [*a, *b]`: explicit keys win, then earlier sources.
          for (const s of isSeq(pair.value) ? pair.value.items : [pair.value]) {
            const v = convert(s, at, false);
            if (v && typeof v === 'object' && !Array.isArray(v)) merged.push(v as Record<string, unknown>);
            else throw o.fail('malformed', lineOf(keyNode), 'a "<<" merge key needs a mapping or a list of mappings');
          }
          continue;
        }
        if (rawKey !== null && typeof rawKey === 'object') throw o.fail('malformed', lineOf(keyNode), 'a key must be a string');
        const key = String(rawKey);
        if (record) o.lines.set(pathKey([...at, key]), lineOf(keyNode));
        out[key] = convert(pair.value, [...at, key], record);
      }
      // The explicit keys' order first, as `docker compose config` does not sort either.
      for (const m of merged) for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
      return out;
    }
    return null;
  };

  return convert(node, [], true);
}
