/**
 * What `kube play` will make, as data (planPlay's result, applyPlay's input): pods with their
 * containers as Docker ContainerCreate bodies, the volumes they need (PersistentVolumeClaims,
 * emptyDirs, ConfigMap and Secret files), and what hull cannot honour as warnings. Pure values:
 * golden-tested in plan.test.ts, and the same plan drives `kube down`.
 */
import type { ContainerCreateRequest, PullPolicy } from '../engine/requests.js';
import type { KubeWarning } from './fields.js';

export type KubeKind = 'Pod' | 'Deployment' | 'DaemonSet' | 'Job';

export interface PodPort {
  containerPort: number;
  hostPort: number;
  hostIP?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export interface PlannedContainer {
  /** The Kubernetes container name (`web`); the hull container is `<pod>-<name>`. */
  name: string;
  request: ContainerCreateRequest;
  pull: PullPolicy;
}

export interface PlannedPod {
  name: string;
  /** `Deployment/web`: the object this pod comes from. */
  owner: string;
  kind: KubeKind;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Default: the pod's name (Kubernetes' and podman's). */
  hostname: string;
  /** Ports published on the pod (hostPort), shared by its containers. */
  ports: PodPort[];
  /** A network to join (`--network`), `host` for hostNetwork, or undefined for the default. */
  network?: string;
  /** shareProcessNamespace: one PID namespace for the pod's containers. */
  sharePid: boolean;
  /** The pod's network settings (its containers share them): dnsConfig, hostAliases, sysctls. */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** NAME:IP for /etc/hosts. */
  addHosts?: string[];
  sysctls?: Record<string, string>;
  /** Run in order, each to a successful exit, before the containers start; removed after. */
  initContainers: PlannedContainer[];
  containers: PlannedContainer[];
  /** A Job: `play` waits for the containers to finish (restartPolicy Never/OnFailure). */
  runToCompletion: boolean;
}

export interface VolumeFile {
  /** Relative path inside the volume (`config/app.conf`), checked: no `..`, not absolute. */
  path: string;
  data: Buffer;
  mode: number;
}

export interface PlannedVolume {
  name: string;
  labels: Record<string, string>;
  /** pvc: kept by `down` unless --force; the others are the pod's and go with it. */
  kind: 'pvc' | 'emptyDir' | 'configMap' | 'secret';
  /** ConfigMap/Secret content written into the volume (replacing what it held). */
  files?: VolumeFile[];
  /** Owner of the files (a Secret's files belong to the container's user). */
  owner?: { uid: number; gid: number };
}

export interface NotedService {
  name: string;
  ports: Array<{ port: number; targetPort?: string | number; nodePort?: number; protocol: string }>;
}

export interface PlayPlan {
  pods: PlannedPod[];
  volumes: PlannedVolume[];
  /** Services are read and their ports reported: hull has no cluster networking. */
  services: NotedService[];
  warnings: KubeWarning[];
}
