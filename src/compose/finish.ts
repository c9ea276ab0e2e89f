/**
 * The merged files become the project model: names given to networks, volumes, secrets and
 * configs; the implicit `default` network; env_file contents read under `environment`; and
 * the checks Compose makes across services (compose-go loader checkConsistency): what a
 * service refers to must exist, an image or a build, one way to say the replica count.
 */
import { readFileSync } from 'node:fs';
import { HullError, errnoCode } from '../errors.js';
import { parseDotenv } from './dotenv.js';
import type { ComposeModel, FileObjectConfig, NetworkConfig, ServiceConfig, VolumeConfig } from './model.js';
import { quote } from './yaml-source.js';

type Raw = Record<string, unknown>;

const invalid = (message: string, hint = 'fix the compose file'): never => {
  throw new HullError('INVALID_FORMAT', `Cannot load the compose project: ${message}`, { hint });
};

const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;
const PULL_POLICIES = /^(always|never|missing|if_not_present|build|daily|weekly|every_\d+[smhdw]?.*)$/;

function readEnvFiles(name: string, svc: ServiceConfig, lookup: (k: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of svc.env_file ?? []) {
    let text: string;
    try {
      text = readFileSync(f.path, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && !f.required) continue;
      if (errnoCode(err) === 'ENOENT') invalid(`service ${quote(name)} reads env_file ${quote(f.path)}, which does not exist`, 'create it, or mark it "required: false"');
      throw err;
    }
    Object.assign(out, parseDotenv(text, f.path, (k) => out[k] ?? lookup(k)));
  }
  return out;
}

function finishService(name: string, svc: ServiceConfig, env: Record<string, string>): ServiceConfig {
  const out: ServiceConfig = { ...svc };
  if (!out.image && !out.build) invalid(`service ${quote(name)} has neither an image nor a build context`, 'give it "image:" or "build:"');
  const lookup = (k: string) => (Object.hasOwn(env, k) ? env[k] : undefined);
  if (out.env_file || out.environment) {
    const environment: Record<string, string | null> = { ...readEnvFiles(name, out, lookup) };
    // A bare KEY takes its value from the project's environment when it has one (compose-go resolves these).
    for (const [k, v] of Object.entries(out.environment ?? {})) environment[k] = v === null ? (lookup(k) ?? null) : v;
    out.environment = environment;
  }
  if (out.restart !== undefined && !RESTART.test(out.restart)) invalid(`service ${quote(name)} has restart ${quote(out.restart)}`, 'use no, always, unless-stopped, on-failure or on-failure:N');
  if (out.pull_policy !== undefined && !PULL_POLICIES.test(out.pull_policy)) invalid(`service ${quote(name)} has pull_policy ${quote(out.pull_policy)}`, 'use always, never, missing or build');
  const replicas = out.deploy?.replicas;
  if (out.scale !== undefined && replicas !== undefined && out.scale !== replicas) invalid(`service ${quote(name)} sets scale ${out.scale} and deploy.replicas ${replicas}`, 'keep one of them');
  if (out.scale !== undefined && replicas === undefined) out.deploy = { ...out.deploy, replicas: out.scale };
  if ((out.deploy?.replicas ?? 1) > 1 && out.container_name) invalid(`service ${quote(name)} sets container_name ${quote(out.container_name)} and ${out.deploy?.replicas} replicas`, 'a container name is unique: drop container_name to scale');
  if (out.network_mode !== undefined && out.networks && Object.keys(out.networks).length > 0) invalid(`service ${quote(name)} sets both network_mode and networks`, 'keep one of them');
  if (out.network_mode === undefined && (!out.networks || Object.keys(out.networks).length === 0)) out.networks = { default: null };
  if (out.healthcheck?.disable) out.healthcheck = { test: ['NONE'] };
  return out;
}

function nameResources<T extends { name?: string; external?: boolean }>(project: string, defs: Raw | undefined): Record<string, T & { name: string }> {
  const out: Record<string, T & { name: string }> = {};
  for (const [key, def] of Object.entries(defs ?? {})) {
    const d = (def ?? {}) as T;
    out[key] = { ...d, name: d.name ?? (d.external ? key : `${project}_${key}`) };
  }
  return out;
}

function checkReferences(project: ComposeModel, disabled: Set<string>): void {
  for (const [name, svc] of Object.entries(project.services)) {
    for (const [dep, d] of Object.entries(svc.depends_on ?? {})) {
      if (project.services[dep]) continue;
      if (!d.required) {
        delete svc.depends_on?.[dep];
        continue;
      }
      if (disabled.has(dep)) invalid(`service ${quote(name)} depends on service ${quote(dep)}, which no active profile enables`, `enable its profile with --profile, or make the dependency "required: false"`);
      invalid(`service ${quote(name)} depends on undefined service ${quote(dep)}`);
    }
    const mode = svc.network_mode ?? '';
    if (mode.startsWith('service:')) {
      const target = mode.slice(8);
      if (!project.services[target]) invalid(`service ${quote(name)} uses the network of service ${quote(target)}, which is ${disabled.has(target) ? 'not enabled by an active profile' : 'not defined'}`);
    } else if (mode !== '' && mode !== 'none' && mode !== 'host' && mode !== 'bridge' && !mode.startsWith('container:')) {
      invalid(`service ${quote(name)} has network_mode ${quote(mode)}`, 'use none, host, bridge, service:NAME or container:NAME');
    }
    for (const net of Object.keys(svc.networks ?? {})) {
      if (!project.networks?.[net]) invalid(`service ${quote(name)} refers to undefined network ${quote(net)}`, 'declare it under the top-level "networks:"');
    }
    for (const v of svc.volumes ?? []) {
      if (v.type === 'volume' && v.source !== undefined && !project.volumes?.[v.source]) invalid(`service ${quote(name)} refers to undefined volume ${quote(v.source)}`, 'declare it under the top-level "volumes:"');
    }
    for (const kind of ['secrets', 'configs'] as const) {
      for (const r of svc[kind] ?? []) if (!project[kind]?.[r.source]) invalid(`service ${quote(name)} refers to undefined ${kind.slice(0, -1)} ${quote(r.source)}`, `declare it under the top-level "${kind}:"`);
    }
  }
  for (const kind of ['secrets', 'configs'] as const) {
    for (const [key, def] of Object.entries(project[kind] ?? {})) {
      const sources = [def.file, def.environment, def.content].filter((x) => x !== undefined).length;
      if (!def.external && sources !== 1) invalid(`${kind.slice(0, -1)} ${quote(key)} needs exactly one of file, environment or content`);
    }
  }
}

/** Turns the merged, profile-filtered files into the model; `disabled` names services left out by profiles. */
export function finishModel(projectName: string, merged: Raw, env: Record<string, string>, disabled: Set<string>): ComposeModel {
  const services: Record<string, ServiceConfig> = {};
  for (const [name, svc] of Object.entries((merged.services ?? {}) as Record<string, ServiceConfig | null>)) {
    if (!svc || typeof svc !== 'object') invalid(`service ${quote(name)} is empty`, 'give it at least an image');
    services[name] = finishService(name, svc as ServiceConfig, env);
  }
  const model: ComposeModel = { name: projectName, services };
  const networks = nameResources<NetworkConfig>(projectName, merged.networks as Raw | undefined);
  const usesDefault = Object.values(services).some((s) => s.networks && 'default' in s.networks);
  if (usesDefault && !networks.default) networks.default = { name: `${projectName}_default` };
  if (Object.keys(networks).length > 0) model.networks = networks;
  const volumes = nameResources<VolumeConfig>(projectName, merged.volumes as Raw | undefined);
  if (Object.keys(volumes).length > 0) model.volumes = volumes;
  for (const kind of ['secrets', 'configs'] as const) {
    const defs = nameResources<FileObjectConfig>(projectName, merged[kind] as Raw | undefined);
    if (Object.keys(defs).length > 0) model[kind] = defs;
  }
  checkReferences(model, disabled);
  return model;
}
