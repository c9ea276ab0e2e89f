/**
 * A container's environment from `env` (value, valueFrom configMapKeyRef/secretKeyRef/fieldRef)
 * and `envFrom` (configMapRef/secretRef with a prefix), and Kubernetes' `$(VAR)` expansion of env
 * values, command and args (kubernetes pkg/kubelet/container/helpers.go ExpandContainerCommand:
 * `$$` is a literal `$`, an unknown `$(NAME)` stays as written).
 */
import type { Fields } from './fields.js';
import { sourceKey, type ConfigSources } from './config-sources.js';

export interface PodFacts {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function expandVars(s: string, env: ReadonlyMap<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][-._A-Za-z0-9]*)\)/g, (all, name: string | undefined) => {
    if (name === undefined) return '$';
    const v = env.get(name);
    return v === undefined ? all : v;
  });
}

function fieldValue(field: Fields, path: string, pod: PodFacts): string | undefined {
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return pod.labels[label[1] as string] ?? '';
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
  if (annotation) return pod.annotations[annotation[1] as string] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'spec.nodeName':
      return 'localhost';
    default:
      field.warn('fieldPath', `${JSON.stringify(path)} is not known before the pod runs; the variable is left out`);
      return undefined;
  }
}

function keyRef(ref: Fields, kind: 'ConfigMap' | 'Secret', sources: ConfigSources): string | undefined {
  const name = ref.required('name');
  const key = ref.required('key');
  const optional = ref.bool('optional') ?? false;
  ref.done();
  const src = sources.get(sourceKey(kind, name));
  const value = src?.data.get(key);
  if (value === undefined) {
    if (optional || src?.placeholder) return undefined;
    throw ref.fail(src ? 'key' : 'name', src ? `names a key missing from ${kind} "${name}"` : `names a ${kind} "${name}" that is in none of the files`, `add the ${kind} to the YAML, or give it with --configmap FILE`);
  }
  return value.toString('utf8');
}

/** The environment in order (later entries win, as in Kubernetes); `$(VAR)` expanded. */
export function containerEnv(c: Fields, sources: ConfigSources, pod: PodFacts): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of c.list('envFrom')) {
    const prefix = from.str('prefix') ?? '';
    const cm = from.obj('configMapRef');
    const sec = from.obj('secretRef');
    for (const [ref, kind] of [[cm, 'ConfigMap'], [sec, 'Secret']] as const) {
      if (!ref) continue;
      const name = ref.required('name');
      const optional = ref.bool('optional') ?? false;
      ref.done();
      const src = sources.get(sourceKey(kind, name));
      if (!src) {
        if (optional) continue;
        throw from.fail(kind === 'ConfigMap' ? 'configMapRef' : 'secretRef', `names a ${kind} "${name}" that is in none of the files`, `add the ${kind} to the YAML, or give it with --configmap FILE`);
      }
      for (const [k, v] of src.data) env.set(prefix + k, v.toString('utf8'));
    }
    from.done();
  }
  for (const e of c.list('env')) {
    const name = e.required('name');
    const value = e.str('value');
    const from = e.obj('valueFrom');
    let resolved: string | undefined = value === undefined ? '' : expandVars(value, env);
    if (from) {
      const cm = from.obj('configMapKeyRef');
      const sec = from.obj('secretKeyRef');
      const field = from.obj('fieldRef');
      if (cm) resolved = keyRef(cm, 'ConfigMap', sources);
      else if (sec) resolved = keyRef(sec, 'Secret', sources);
      else if (field) {
        resolved = fieldValue(field, field.required('fieldPath'), pod);
        field.ignore('apiVersion');
        field.done();
      }
      from.unsupported('resourceFieldRef', 'not supported by hull; the variable is left out');
      if (from.has('resourceFieldRef')) resolved = undefined;
      from.done();
    }
    e.done();
    if (resolved !== undefined) env.set(name, resolved);
  }
  return env;
}
