/**
 * `compose run`: a one-off container of a service, as Compose v2 makes it
 * (docker/compose pkg/compose/run.go): named `PROJECT-SERVICE-run-<12 hex>`, labelled
 * `oneoff=True`, with the service's configuration but its ports published only with
 * --service-ports (or those given with -p), its command and entrypoint replaceable, and no
 * restart policy when it is removed on exit.
 */
import { HullError } from '../errors.js';
import type { ContainerCreateRequest } from '../engine/requests.js';
import { planContainer, type PlannedContainer } from './create-request.js';
import { LABEL } from './labels.js';
import type { ComposeProject, PortConfig, ServiceConfig } from './model.js';
import { parsePortShort } from './syntax.js';
import { ValueError, splitShellWords } from './units.js';

export interface OneOffOptions {
  /** 12 hex characters (the caller draws them) that make the name unique. */
  slug: string;
  name?: string;
  command?: string[];
  entrypoint?: string;
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
  servicePorts?: boolean;
  publish?: string[];
  rm?: boolean;
  tty?: boolean;
  stdin?: boolean;
}

export function planOneOff(project: ComposeProject, service: string, opts: OneOffOptions): PlannedContainer {
  const svc = project.model.services[service];
  if (!svc) throw new HullError('NOT_FOUND', `Cannot run service "${service}": no such service in project "${project.model.name}"`, { hint: `services: ${Object.keys(project.model.services).join(', ')}` });
  let ports: PortConfig[] = opts.servicePorts ? (svc.ports ?? []) : [];
  try {
    ports = [...ports, ...(opts.publish ?? []).flatMap((p) => parsePortShort(p))];
  } catch (err) {
    if (err instanceof ValueError) throw new HullError('INVALID_ARGUMENT', `Cannot use --publish: it ${err.message}`);
    throw err;
  }
  const oneOff: ServiceConfig = { ...svc, ports, environment: { ...svc.environment, ...opts.env } };
  delete oneOff.container_name;
  if (opts.rm) delete oneOff.restart;
  if (opts.command && opts.command.length > 0) oneOff.command = opts.command;
  if (opts.entrypoint !== undefined) oneOff.entrypoint = opts.entrypoint === '' ? [] : splitShellWords(opts.entrypoint);
  if (opts.user !== undefined) oneOff.user = opts.user;
  if (opts.workdir !== undefined) oneOff.working_dir = opts.workdir;
  if (opts.tty !== undefined) oneOff.tty = opts.tty;
  if (opts.stdin !== undefined) oneOff.stdin_open = opts.stdin;
  const model = { ...project.model, services: { ...project.model.services, [service]: oneOff } };
  const planned = planContainer({ ...project, model }, { service, number: 1, oneoff: true });
  const name = opts.name ?? `${project.model.name}-${service}-run-${opts.slug}`;
  const request: ContainerCreateRequest = {
    ...planned.request,
    name,
    Config: { ...planned.request.Config, Labels: { ...planned.request.Config.Labels, [LABEL.oneoff]: 'True', 'com.docker.compose.slug': opts.slug } },
    HostConfig: { ...planned.request.HostConfig, ...(opts.rm ? { AutoRemove: true } : {}) },
  };
  return { ...planned, name, request };
}
