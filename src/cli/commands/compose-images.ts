/**
 * `hull compose create|build|pull|images|port`: the project's images and the containers made
 * without starting them, through the same compose steps `up` runs (apply.ts).
 */
import { HullError } from '../../errors.js';
import { bool, str } from '../args.js';
import type { CliContext } from '../command.js';
import { table, writeFormatted } from '../output.js';
import { applyUp, buildService, observe, pullService, withProjectLock, type ComposeEvent } from '../../compose/apply.js';
import { LABEL } from '../../compose/labels.js';
import { serviceImage } from '../../compose/output.js';
import { planUp } from '../../compose/plan.js';
import type { ComposeSub } from './compose-lifecycle.js';

const render = (ctx: CliContext) => (e: ComposeEvent) => ctx.stderr.write(`${e.kind[0]?.toUpperCase()}${e.kind.slice(1)} ${e.name}  ${e.action}\n`);

/** The services a command names, or all of them; refuses a name the project does not have. */
function selected(names: string[], all: string[]): string[] {
  for (const n of names) if (!all.includes(n)) throw new HullError('NOT_FOUND', `Cannot find service "${n}" in the project`, { hint: `services: ${all.join(', ')}` });
  return names.length ? names : all;
}

export const create: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Create the containers of the project without starting them',
  options: [
    { name: 'build', type: 'boolean', description: 'build images first, even when present' },
    { name: 'no-build', type: 'boolean', description: 'never build a missing image' },
    { name: 'force-recreate', type: 'boolean', description: 'recreate containers even when their configuration did not change' },
    { name: 'no-recreate', type: 'boolean', description: 'never recreate existing containers' },
    { name: 'scale', type: 'string', multiple: true, valueName: 'SERVICE=N', description: 'make N replicas of a service' },
  ],
  async run(ctx, project, { options, positionals }) {
    const p = project.load(positionals);
    const engine = ctx.engine();
    const scale: Record<string, number> = {};
    for (const item of (options.scale as string[] | undefined) ?? []) {
      const m = /^([^=]+)=(\d+)$/.exec(item);
      if (!m) throw new HullError('INVALID_ARGUMENT', `Cannot use --scale ${JSON.stringify(item)}: expected SERVICE=NUMBER`);
      scale[m[1] as string] = Number(m[2]);
    }
    await withProjectLock(engine, p.model.name, async () => {
      const plan = planUp(p, observe(engine), { services: positionals, forceRecreate: bool(options, 'force-recreate'), noRecreate: bool(options, 'no-recreate'), scale });
      await applyUp(engine, p, plan, { emit: render(ctx), noStart: true, build: bool(options, 'build') ? 'always' : bool(options, 'no-build') ? 'never' : 'missing' });
    });
    return 0;
  },
};

export const build: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Build the images of the services that have a build section',
  options: [
    { name: 'no-cache', type: 'boolean', description: 'do not use the build cache' },
    { name: 'pull', type: 'boolean', description: 'pull newer versions of the base images' },
  ],
  async run(ctx, project, { options, positionals }) {
    const p = project.load(positionals);
    const services = selected(positionals, Object.keys(p.model.services)).filter((s) => p.model.services[s]?.build);
    for (const s of services) await buildService(ctx.engine(), p, s, { emit: render(ctx), noCache: bool(options, 'no-cache'), pull: bool(options, 'pull') });
    return 0;
  },
};

export const pull: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Pull the images of the services',
  options: [{ name: 'ignore-buildable', type: 'boolean', description: 'skip services that have a build section' }],
  async run(ctx, project, { options, positionals }) {
    const p = project.load(positionals);
    for (const s of selected(positionals, Object.keys(p.model.services))) {
      const svc = p.model.services[s];
      // Compose pulls a buildable service's image only when it names one, and lets a failure pass for it.
      if (svc?.build && (bool(options, 'ignore-buildable') || !svc.image)) continue;
      try {
        await pullService(ctx.engine(), p, s, { emit: render(ctx), policy: 'always' });
      } catch (err) {
        if (!svc?.build) throw err;
        ctx.stderr.write(`WARNING: Cannot pull ${serviceImage(p.model, s)} for ${s}: it will be built\n`);
      }
    }
    return 0;
  },
};

export const images: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'List the images the containers of the project use',
  options: [
    { name: 'quiet', short: 'q', type: 'boolean', description: 'only the image IDs' },
    { name: 'format', type: 'string', valueName: 'FORMAT', description: 'output format: "table" (default) or "json"' },
  ],
  async run(ctx, project, { options, positionals }) {
    const p = project.load(positionals);
    const engine = ctx.engine();
    const rows = engine.containers
      .list(true)
      .filter((r) => r.Config.Labels[LABEL.project] === p.model.name && (positionals.length === 0 || positionals.includes(r.Config.Labels[LABEL.service] ?? '')))
      .sort((a, b) => a.Name.localeCompare(b.Name))
      .map((r) => ({ Container: r.Name, Repository: r.Config.Image, ID: r.ImageId.replace(/^sha256:/, '').slice(0, 12) }));
    if (bool(options, 'quiet')) ctx.stdout.write([...new Set(rows.map((r) => r.ID))].map((i) => `${i}\n`).join(''));
    else writeFormatted(ctx.stdout, str(options, 'format'), rows, (rs) => table(['CONTAINER', 'REPOSITORY', 'IMAGE ID'], rs.map((r) => [r.Container, r.Repository, r.ID])), (r) => r);
    return 0;
  },
};

export const port: ComposeSub = {
  usage: '[OPTIONS] SERVICE PRIVATE_PORT',
  summary: 'Print the host address a container port of a service is published on',
  options: [
    { name: 'protocol', type: 'string', valueName: 'PROTO', description: 'tcp (default) or udp' },
    { name: 'index', type: 'string', valueName: 'N', description: 'which replica (default 1)' },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, project, { options, positionals }) {
    const [service, privatePort] = positionals as [string, string];
    const p = project.load([service]);
    const engine = ctx.engine();
    const index = str(options, 'index') ?? '1';
    const protocol = str(options, 'protocol') ?? 'tcp';
    const record = engine.containers.list(true).find((r) => r.Config.Labels[LABEL.project] === p.model.name && r.Config.Labels[LABEL.service] === service && r.Config.Labels[LABEL.oneoff] !== 'True' && r.Config.Labels[LABEL.containerNumber] === index);
    if (!record) throw new HullError('NOT_FOUND', `Cannot find container number ${index} of service "${service}"`, { hint: 'start it with "hull compose up -d"' });
    const found = engine.containers.port(record.Id).find((b) => b.containerPort === Number(privatePort) && b.protocol === protocol);
    if (!found) throw new HullError('NOT_FOUND', `Cannot find a mapping for port ${privatePort}/${protocol} of service "${service}"`, { hint: 'publish it with "ports:" in the compose file' });
    ctx.stdout.write(`${found.hostIp || '0.0.0.0'}:${found.hostPort}\n`);
    return 0;
  },
};

export const push: ComposeSub = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Push the images of the services that name one',
  options: [{ name: 'ignore-push-failures', type: 'boolean', description: 'go on when an image cannot be pushed' }],
  async run(ctx, project, { options, positionals }) {
    const p = project.load(positionals);
    const emit = render(ctx);
    for (const s of selected(positionals, Object.keys(p.model.services))) {
      const image = p.model.services[s]?.image;
      if (!image) continue; // Compose pushes only images the file names
      emit({ kind: 'image', name: image, action: 'Pushing' });
      try {
        await ctx.engine().images.push(image, undefined);
      } catch (err) {
        if (!bool(options, 'ignore-push-failures')) throw err;
        ctx.stderr.write(`WARNING: Cannot push ${image}: ${err instanceof Error ? err.message : String(err)}\n`);
        continue;
      }
      emit({ kind: 'image', name: image, action: 'Pushed' });
    }
    return 0;
  },
};

export const top: ComposeSub = {
  usage: '[SERVICE...]',
  summary: 'Show the processes running in the containers of the project',
  options: [],
  async run(ctx, project, { positionals }) {
    const p = project.load(positionals);
    const engine = ctx.engine();
    const running = engine.containers
      .list(false)
      .filter((r) => r.Config.Labels[LABEL.project] === p.model.name && (positionals.length === 0 || positionals.includes(r.Config.Labels[LABEL.service] ?? '')))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    for (const r of running) {
      const { Titles, Processes } = await engine.containers.top(r.Id);
      ctx.stdout.write(`${r.Name}\n${table(Titles, Processes)}\n`);
    }
    return 0;
  },
};
