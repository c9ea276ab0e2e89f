/**
 * Compose v2's labels on what it creates: how `ps`, `down` and Compose's own tools find a
 * project's containers, networks and volumes again (docker/compose pkg/api/labels.go).
 */
import { createHash } from 'node:crypto';
import type { DependsOn, ServiceConfig } from './model.js';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  image: 'com.docker.compose.image',
} as const;

/** The Compose version hull's behaviour follows, written where Compose writes its own. */
export const COMPOSE_VERSION = '2.29.0';

/** JSON with keys sorted at every level, so equal configurations hash equally. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The config hash: a service's configuration without what can change without recreating its
 * containers (Compose v2's ServiceHash drops build, pull_policy, scale, deploy.replicas,
 * depends_on and profiles). A container whose label differs from this is recreated by `up`.
 */
export function configHash(svc: ServiceConfig): string {
  const o: ServiceConfig = { ...svc };
  delete o.build;
  delete o.pull_policy;
  delete o.scale;
  delete o.depends_on;
  delete o.profiles;
  if (o.deploy) {
    o.deploy = { ...o.deploy };
    delete o.deploy.replicas;
  }
  return createHash('sha256').update(canonicalJson(o)).digest('hex');
}

/** `db:service_healthy:true,cache:service_started:false`: Compose's depends_on label (name:condition:restart). */
export function dependsOnLabel(deps: Record<string, DependsOn> | undefined): string {
  return Object.entries(deps ?? {})
    .map(([name, d]) => `${name}:${d.condition}:${d.restart}`)
    .join(',');
}
