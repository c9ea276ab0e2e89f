/**
 * ConfigMaps and Secrets of a play: read from the same files (and `--configmap FILE`), looked up
 * by the pods' env (`valueFrom`, `envFrom`) and volumes. Secret `data` is base64 (decoded here,
 * refused when it is not base64); `stringData` is plain text and wins, as the API server merges it.
 */
import type { Fields } from './fields.js';

export interface ConfigSource {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** key -> bytes */
  data: Map<string, Buffer>;
  /** Stands in for one the files do not hold (planning `kube down`: nothing is read from it). */
  placeholder?: true;
}

export type ConfigSources = Map<string, ConfigSource>;

/**
 * For `kube down`, which needs the pods' names, not their content: a ConfigMap or Secret the
 * files no longer hold must not stop the removal of what play made.
 */
export class PlaceholderSources extends Map<string, ConfigSource> {
  override get(key: string): ConfigSource {
    const found = super.get(key);
    if (found) return found;
    const [kind, ...rest] = key.split('/');
    return { kind: kind as ConfigSource['kind'], name: rest.join('/'), data: new Map(), placeholder: true };
  }
}

export const sourceKey = (kind: ConfigSource['kind'], name: string): string => `${kind}/${name}`;

// Kubernetes' key rule (validation.IsConfigMapKey): a file name, never a path.
const KEY_RE = /^[-._a-zA-Z0-9]+$/;

const BASE64_RE = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

export function readConfigSource(kind: ConfigSource['kind'], obj: Fields, name: string): ConfigSource {
  const data = new Map<string, Buffer>();
  const check = (where: string, key: string) => {
    if (!KEY_RE.test(key) || key === '.' || key === '..') throw obj.fail(where, `has a key ${JSON.stringify(key)} that is not a valid file name`, 'keys may hold letters, digits, "-", "_" and "."');
  };
  if (kind === 'ConfigMap') {
    for (const [k, v] of Object.entries(obj.strMap('data') ?? {})) {
      check('data', k);
      data.set(k, Buffer.from(v, 'utf8'));
    }
    const binary = obj.strMap('binaryData') ?? {};
    for (const [k, v] of Object.entries(binary)) {
      check('binaryData', k);
      if (!BASE64_RE.test(v)) throw obj.fail('binaryData', `has a value for ${JSON.stringify(k)} that is not base64`);
      data.set(k, Buffer.from(v, 'base64'));
    }
  } else {
    for (const [k, v] of Object.entries(obj.strMap('data') ?? {})) {
      check('data', k);
      if (!BASE64_RE.test(v)) throw obj.fail('data', `has a value for ${JSON.stringify(k)} that is not base64`, 'encode it with base64, or put plain text under stringData');
      data.set(k, Buffer.from(v, 'base64'));
    }
    for (const [k, v] of Object.entries(obj.strMap('stringData') ?? {})) {
      check('stringData', k);
      data.set(k, Buffer.from(v, 'utf8'));
    }
    const type = obj.str('type');
    if (type !== undefined && type !== 'Opaque') obj.warn('type', `secret type ${JSON.stringify(type)} is read as Opaque (its keys become env or files)`);
  }
  obj.ignore('immutable');
  return { kind, name, data };
}
