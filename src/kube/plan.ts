/**
 * Kubernetes objects -> what `kube play` makes (model.ts). Pure: no engine, no files; golden
 * tests in plan.test.ts. ConfigMaps and Secrets are read first (any document may use any of them,
 * as in a namespace), then the workloads:
 *
 *   Pod         one pod, named as the object
 *   Deployment  spec.replicas pods: `<name>-pod` for one replica, `<name>-pod-0`, `-1`... for more
 *   DaemonSet   one pod `<name>-pod` (one host is one node)
 *   Job         one pod `<name>-pod` that runs to completion (`play` waits for it)
 *   ConfigMap, Secret, PersistentVolumeClaim, Service   used by the others, or noted
 *
 * Every other kind, and every field hull does not act on, is a warning that names it.
 */
import { HullError } from '../errors.js';
import { PlaceholderSources, readConfigSource, sourceKey, type ConfigSources } from './config-sources.js';
import { Fields, type KubeWarning } from './fields.js';
import { LABEL } from './labels.js';
import type { KubeKind, NotedService, PlannedPod, PlannedVolume, PlayPlan } from './model.js';
import { quote, type KubeDocument } from './parse.js';
import { planPod, type PodMeta } from './pod.js';

export interface PlanOptions {
  /** `--network NAME` */
  network?: string;
  /** Documents of `--configmap FILE`: only their ConfigMaps and Secrets are used. */
  configDocuments?: readonly KubeDocument[];
  /** Planning `kube down`: ConfigMaps and Secrets the files do not hold are not an error. */
  forRemoval?: boolean;
}

const API_VERSIONS: Record<string, string> = {
  Pod: 'v1', ConfigMap: 'v1', Secret: 'v1', PersistentVolumeClaim: 'v1', Service: 'v1',
  Deployment: 'apps/v1', DaemonSet: 'apps/v1', Job: 'batch/v1',
};

// RFC 1123 subdomain (metadata.name); pods and containers are named after it.
const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function readMeta(obj: Fields, required = true): PodMeta {
  const m = obj.obj('metadata');
  if (!m) {
    if (required) throw obj.fail('metadata', 'is required', 'give metadata.name');
    return { name: '', namespace: 'default', labels: {}, annotations: {} };
  }
  const name = required ? m.required('name') : (m.str('name') ?? '');
  if (name && (!NAME_RE.test(name) || name.length > 253)) throw m.fail('name', `${quote(name)} is not a valid name (lower-case letters, digits, "-" and ".")`);
  const namespace = m.str('namespace') ?? 'default';
  const labels = m.strMap('labels') ?? {};
  const annotations = m.strMap('annotations') ?? {};
  m.ignore('uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink');
  m.unsupported('generateName', 'not supported by hull; give metadata.name');
  m.unsupported('ownerReferences');
  m.unsupported('finalizers');
  m.done();
  return { name, namespace, labels, annotations };
}

function kindOf(doc: KubeDocument, warnings: KubeWarning[]): { obj: Fields; kind: string } {
  const obj = new Fields(doc, [], doc.value, warnings);
  const kind = obj.required('kind');
  const apiVersion = obj.required('apiVersion');
  const expected = API_VERSIONS[kind];
  if (expected && apiVersion !== expected) throw obj.fail('apiVersion', `${quote(apiVersion)} is not the apiVersion of ${kind} (${expected})`);
  obj.ignore('status');
  return { obj, kind };
}

function readConfigs(docs: readonly KubeDocument[], warnings: KubeWarning[], sources: ConfigSources, all: boolean): void {
  for (const doc of docs) {
    const kind = doc.value.kind;
    if (kind !== 'ConfigMap' && kind !== 'Secret') {
      if (!all) warnings.push({ source: doc.source, document: doc.index, field: 'kind', message: `--configmap reads only ConfigMaps and Secrets; this ${quote(String(kind))} is skipped` });
      continue;
    }
    const { obj } = kindOf(doc, warnings);
    const meta = readMeta(obj);
    const src = readConfigSource(kind, obj, meta.name);
    obj.done();
    sources.set(sourceKey(kind, meta.name), src);
  }
}

function readService(obj: Fields, name: string): NotedService {
  const spec = obj.obj('spec');
  const ports = (spec?.list('ports') ?? []).map((p) => {
    const port = p.int('port');
    if (port === undefined) throw p.fail('port', 'is required');
    const targetPort = p.scalar('targetPort');
    const nodePort = p.int('nodePort');
    const out = { port, ...(targetPort !== undefined ? { targetPort } : {}), ...(nodePort !== undefined ? { nodePort } : {}), protocol: (p.str('protocol') ?? 'TCP').toLowerCase() };
    p.ignore(...Object.keys(p.value));
    p.done();
    return out;
  });
  // Everything else of a Service (selector, type, clusterIP...) needs cluster networking: noted, not warned.
  spec?.ignore(...Object.keys(spec.value));
  spec?.done();
  return { name, ports };
}

function template(spec: Fields, kind: string): { meta: PodMeta; podSpec: Fields } {
  const t = spec.obj('template');
  if (!t) throw spec.fail('template', 'is required', `a ${kind} needs spec.template with the pod's spec`);
  const meta = readMeta(t, false);
  const podSpec = t.obj('spec');
  if (!podSpec) throw t.fail('spec', 'is required');
  t.done();
  return { meta, podSpec };
}

function checkSelector(spec: Fields, labels: Record<string, string>): void {
  const sel = spec.obj('selector');
  if (!sel) return;
  const match = sel.strMap('matchLabels') ?? {};
  sel.unsupported('matchExpressions', 'not evaluated by hull; ignored');
  sel.done();
  for (const [k, v] of Object.entries(match)) {
    if (labels[k] !== v) throw sel.fail('matchLabels', `selects ${k}=${v}, which the template's labels do not have`, 'the template must carry the labels its selector matches');
  }
}

function planWorkload(obj: Fields, kind: KubeKind, meta: PodMeta, sources: ConfigSources, opts: PlanOptions): { pods: PlannedPod[]; volumes: PlannedVolume[] } {
  const owner = `${kind}/${meta.name}`;
  const spec = obj.obj('spec');
  if (!spec) throw obj.fail('spec', 'is required');
  const base = { kind, owner, sources, ...(opts.network ? { network: opts.network } : {}) };
  if (kind === 'Pod') {
    const { pod, volumes } = planPod(spec, meta, { ...base, publish: true });
    return { pods: [pod], volumes };
  }
  const { meta: tmeta, podSpec } = template(spec, kind);
  const labels = { ...tmeta.labels };
  checkSelector(spec, labels);
  let replicas = 1;
  if (kind === 'Deployment') {
    replicas = spec.int('replicas') ?? 1;
    if (replicas < 0) throw spec.fail('replicas', 'cannot be negative');
    for (const k of ['strategy', 'minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds', 'paused']) spec.unsupported(k, 'rollouts need a cluster; ignored');
  } else if (kind === 'DaemonSet') {
    for (const k of ['updateStrategy', 'minReadySeconds', 'revisionHistoryLimit']) spec.unsupported(k, 'rollouts need a cluster; ignored');
  } else {
    for (const k of ['completions', 'parallelism']) {
      const v = spec.int(k);
      if (v !== undefined && v !== 1) spec.warn(k, 'hull runs a Job as one pod, once');
    }
    spec.ignore('backoffLimit');
    for (const k of ['activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'completionMode', 'suspend', 'podFailurePolicy', 'manualSelector', 'backoffLimitPerIndex', 'maxFailedIndexes', 'podReplacementPolicy', 'successPolicy']) spec.unsupported(k);
  }
  spec.done();
  const pods: PlannedPod[] = [];
  const volumes: PlannedVolume[] = [];
  for (let i = 0; i < replicas; i++) {
    const name = replicas === 1 ? `${meta.name}-pod` : `${meta.name}-pod-${i}`;
    // Each replica reads the template afresh (the reader marks fields as read); warnings once.
    const scratch: KubeWarning[] = [];
    const again = i === 0 ? podSpec : new Fields(podSpec.doc, podSpec.path, podSpec.value, scratch);
    const planned = planPod(again, { ...tmeta, name, namespace: meta.namespace, labels }, { ...base, publish: i === 0 });
    pods.push(planned.pod);
    volumes.push(...planned.volumes);
  }
  if (replicas > 1 && pods[0]?.ports.length) obj.warn('spec', `hostPorts are published by the first replica only (${pods[0].name}): one host has each port once`);
  return { pods, volumes };
}

/** Pure: the plan of `kube play` for these documents; throws INVALID_FORMAT with document and line. */
export function planPlay(docs: readonly KubeDocument[], opts: PlanOptions = {}): PlayPlan {
  const warnings: KubeWarning[] = [];
  const sources: ConfigSources = opts.forRemoval ? new PlaceholderSources() : new Map();
  readConfigs(opts.configDocuments ?? [], warnings, sources, false);
  readConfigs(docs, warnings, sources, true);
  const pods: PlannedPod[] = [];
  const volumes: PlannedVolume[] = [];
  const services: NotedService[] = [];
  for (const doc of docs) {
    const k = doc.value.kind;
    if (k === 'ConfigMap' || k === 'Secret') continue;
    const { obj, kind } = kindOf(doc, warnings);
    if (kind === 'PersistentVolumeClaim') {
      const meta = readMeta(obj);
      obj.obj('spec')?.ignore('accessModes', 'resources', 'storageClassName', 'volumeMode', 'selector', 'volumeName', 'dataSource', 'dataSourceRef', 'volumeAttributesClassName');
      obj.done();
      volumes.push({ name: meta.name, kind: 'pvc', labels: { ...meta.labels, [LABEL.volume]: 'pvc' } });
      continue;
    }
    if (kind === 'Service') {
      const meta = readMeta(obj);
      services.push(readService(obj, meta.name));
      obj.done();
      continue;
    }
    if (kind !== 'Pod' && kind !== 'Deployment' && kind !== 'DaemonSet' && kind !== 'Job') {
      obj.warn('kind', `kind ${quote(kind)} is not supported by hull; the object is skipped (Pod, Deployment, DaemonSet, Job, ConfigMap, Secret, PersistentVolumeClaim and Service are)`);
      continue;
    }
    const meta = readMeta(obj);
    const planned = planWorkload(obj, kind, meta, sources, opts);
    obj.done();
    for (const pod of planned.pods) {
      if (pods.some((p) => p.name === pod.name)) {
        throw new HullError('INVALID_FORMAT', `Cannot play Kubernetes YAML ${quote(doc.source)}: document ${doc.index}: the pod name ${quote(pod.name)} is used twice`, { hint: 'give each object its own metadata.name' });
      }
      pods.push(pod);
    }
    volumes.push(...planned.volumes);
  }
  // A claim declared by a PVC document and used by pods is one volume.
  const unique = new Map<string, PlannedVolume>();
  for (const v of volumes) if (!unique.has(v.name)) unique.set(v.name, v);
  return { pods, volumes: [...unique.values()], services, warnings };
}
