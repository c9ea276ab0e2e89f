/**
 * Typed reads of a Kubernetes object that remember what they read. Every mapping the planner
 * looks into is wrapped in `Fields`; when it is done with one, every key it did not read becomes a
 * warning that names the field (`spec.template.spec.containers[0].lifecycle`) and its line, so
 * nothing in a file is accepted silently. A value of the wrong type is refused with the same
 * position (Kubernetes' API server refuses it too).
 */
import { HullError } from '../errors.js';
import { lineOf, pathText, quote, whereIn, type KubeDocument, type Path } from './parse.js';

/** A field of the file that hull does not act on: printed by the CLI, returned by the library. */
export interface KubeWarning {
  source: string;
  document: number;
  line?: number;
  /** `spec.containers[0].lifecycle` */
  field: string;
  message: string;
}

export function warningText(w: KubeWarning): string {
  return `${w.source}: document ${w.document}${w.line ? `, line ${w.line}` : ''}: ${w.field}: ${w.message}`;
}

export class Fields {
  private readonly read = new Set<string>();

  constructor(
    readonly doc: KubeDocument,
    readonly path: Path,
    readonly value: Record<string, unknown>,
    private readonly warnings: KubeWarning[],
  ) {}

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  /** Refuses the file: a value Kubernetes' API server would refuse too. */
  fail(key: string | number | undefined, message: string, hint?: string): HullError {
    const at = key === undefined ? this.path : [...this.path, key];
    return new HullError('INVALID_FORMAT', `Cannot play Kubernetes YAML ${quote(this.doc.source)}: ${whereIn(this.doc, at)}: ${pathText(at) || 'the object'} ${message}`, {
      hint: hint ?? 'fix that field (the Kubernetes API reference gives its type)',
    });
  }

  /** Adds a warning about `key` (or this object) and marks it read. */
  warn(key: string | number | undefined, message: string): void {
    if (typeof key === 'string') this.read.add(key);
    const at = key === undefined ? this.path : [...this.path, key];
    const line = lineOf(this.doc, at);
    this.warnings.push({ source: this.doc.source, document: this.doc.index, ...(line ? { line } : {}), field: pathText(at), message });
  }

  /** Marks keys as understood with no effect here (status, managedFields...). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.read.add(k);
  }

  /** A present key that hull cannot honour: a warning that names it. */
  unsupported(key: string, why = 'not supported by hull; ignored'): void {
    if (this.has(key)) this.warn(key, why);
    else this.read.add(key);
  }

  private take(key: string): unknown {
    this.read.add(key);
    const v = this.value[key];
    return v === null ? undefined : v;
  }

  str(key: string): string | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') throw this.fail(key, 'must be a string');
    return v;
  }

  required(key: string): string {
    const v = this.str(key);
    if (v === undefined || v === '') throw this.fail(key, 'is required', `give ${key}`);
    return v;
  }

  int(key: string): number | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw this.fail(key, 'must be a whole number');
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.fail(key, 'must be true or false');
    return v;
  }

  /** A number or a string (cpu: 0.5 or "500m", intstr ports). */
  scalar(key: string): string | number | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw this.fail(key, 'must be a number or a string');
    return v;
  }

  strList(key: string): string[] | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) throw this.fail(key, 'must be a list of strings');
    return v.map(String);
  }

  intList(key: string): number[] | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x))) throw this.fail(key, 'must be a list of whole numbers');
    return v as number[];
  }

  /** A string-to-string map (labels, annotations, ConfigMap data). */
  strMap(key: string): Record<string, string> | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.fail(key, 'must be a mapping of strings');
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === null) out[k] = '';
      else if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
      else throw this.fail(key, `has a value for ${quote(k)} that is not a string`);
    }
    return out;
  }

  obj(key: string): Fields | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.fail(key, 'must be a mapping');
    return new Fields(this.doc, [...this.path, key], v as Record<string, unknown>, this.warnings);
  }

  list(key: string): Fields[] {
    const v = this.take(key);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw this.fail(key, 'must be a list');
    return v.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw this.fail(key, `[${i}] must be a mapping`);
      return new Fields(this.doc, [...this.path, key, i], item as Record<string, unknown>, this.warnings);
    });
  }

  /** Every key not read is a warning: nothing is accepted silently. */
  done(): void {
    for (const key of Object.keys(this.value)) {
      if (this.read.has(key) || this.value[key] === null) continue;
      this.warn(key, 'not supported by hull; ignored');
    }
  }
}
